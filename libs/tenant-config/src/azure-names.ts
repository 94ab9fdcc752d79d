import { createHash } from 'node:crypto';

/** Key Vault names are 3-24 characters, globally unique. */
export const KEY_VAULT_NAME_MAX = 24;

/**
 * Name of a tenant's Key Vault: `<prefix>-<id>` when it fits in 24 characters, otherwise the id is
 * cut and an 6-character hash of the full id keeps it unique. Deterministic, so platform-infra
 * (which creates the vault) and the tenant manifests (which read it) always agree.
 * @see https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftkeyvault
 */
export function tenantKeyVaultName(namePrefix: string, tenantId: string): string {
  const plain = `${namePrefix}-${tenantId}`;
  if (plain.length <= KEY_VAULT_NAME_MAX) return plain;
  const hash = createHash('sha256').update(tenantId).digest('hex').slice(0, 6);
  const room = KEY_VAULT_NAME_MAX - namePrefix.length - hash.length - 2;
  return `${namePrefix}-${tenantId.slice(0, room).replace(/-+$/, '')}-${hash}`;
}

/** PostgreSQL database (and login role) of a tenant: identifiers cannot contain "-". */
export function tenantDatabaseName(tenantId: string): string {
  return `tenant_${tenantId.replaceAll('-', '_')}`;
}

/** Blob container for a tenant's OpenWebUI uploads (3-63 chars, lower-case, "-" allowed). */
export function tenantUploadsContainerName(tenantId: string): string {
  return `uploads-${tenantId}`;
}
