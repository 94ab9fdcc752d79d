import type { TerraformResource } from 'cdktf';

/**
 * Records a justified checkov suppression on a resource, next to the code that creates it. cdktf
 * writes it into the resource's `//` comment object, where checkov's `terraform_json` runner reads
 * `checkov:skip=<ID>:<reason>` lines.
 * @see https://www.checkov.io/2.Basics/Suppressing%20and%20Skipping%20Policies.html
 */
export function skipCheckov(resource: TerraformResource, checkId: string, reason: string): void {
  if (!/^CKV2?_[A-Z]+_\d+$/.test(checkId)) throw new Error(`checkId must look like CKV_AZURE_123 or CKV2_AZURE_12, but "${checkId}" was provided`);
  if (reason.trim().length < 20) throw new Error(`reason must explain the skip of ${checkId} in at least 20 characters, but "${reason}" was provided`);
  resource.addOverride(`//.checkov.${checkId}`, `checkov:skip=${checkId}:${reason}`);
}

/** Justifications shared by several resources, so the same reason is never worded twice. */
export const SHARED_SKIP_REASONS = {
  /** CKV_AZURE_41 on generated secrets. */
  generatedSecretExpiry:
    'read continuously by pods (CSI driver) or by the platform; an expiry date would cause an outage, rotation replaces the random_password and the driver picks the new value within 2 minutes',
  /** CKV2_AZURE_21 on blob containers (it looks for `azurerm_log_analytics_storage_insights`). */
  blobLogging:
    'blob reads, writes and deletes are logged by a diagnostic setting on the account blob service (PrivateStorageAccount); the storage insights resource the check looks for needs account keys, which are disabled',
} as const;
