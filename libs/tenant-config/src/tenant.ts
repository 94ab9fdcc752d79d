import type { Bounds, ModelId, TenantQuota, Tier } from './tiers';

/** Lifecycle state of a tenant, derived from its folder and the platform's outputs. */
export type TenantState =
  /** Serving: workloads, route and secrets are rendered. */
  | 'active'
  /** `suspended: true`: namespace, data and guard rails stay; no pods, no route. */
  | 'suspended'
  /**
   * Folder merged but platform-infra has not yet created the tenant's managed identity, so its
   * client id is unknown: guard rails are rendered, workloads wait for the identity.
   */
  | 'provisioning';

/** A validated tenant with every default resolved: what constructs consume. */
export interface Tenant {
  /** Tenant id, a DNS label. */
  readonly id: string;
  /** Human name of the customer. */
  readonly displayName: string;
  /** Commercial tier. */
  readonly tier: Tier;
  /** Namespace that holds everything of this tenant: `tenant-<id>`. */
  readonly namespace: string;
  /** Hostnames routed to this tenant's OpenWebUI. */
  readonly hostnames: readonly string[];
  /** OIDC settings (no secret: that lives in the tenant Key Vault). */
  readonly sso: { readonly issuerUrl: string; readonly clientId: string; readonly providerName: string };
  /** OpenWebUI replica bounds for the autoscaler. */
  readonly openWebUIReplicas: Bounds;
  /** Minutes without traffic before OpenWebUI and Redis scale to zero (the activator wakes them); 0 = always on. */
  readonly dormantAfterIdleMinutes: number;
  /** Namespace quota, tier defaults with the folder's overrides applied. */
  readonly quota: TenantQuota;
  /** Models this tenant may call through the inference gateway. */
  readonly models: readonly ModelId[];
  /** Lifecycle state. */
  readonly state: TenantState;
  /** Client id of the tenant's user-assigned managed identity, once platform-infra created it. */
  readonly workloadIdentityClientId?: string;
  /** The tenant file, relative to the repository root. */
  readonly sourceFile: string;
}

/** Namespace name of a tenant id. */
export function tenantNamespace(id: string): string {
  return `tenant-${id}`;
}
