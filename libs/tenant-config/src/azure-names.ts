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

/**
 * Key Vault holding the SHA-256 of every tenant's gateway key (docs/adr/0019-gateway-a-mil-inquilinos.md):
 * written by the tenants Terraform stack, read by the inference gateway with its workload identity.
 * Its own vault, not the platform one, so the gateway's one role (Secrets User at vault scope) reaches
 * nothing but hashes. `kv-` keeps it apart from tenant vaults (`<prefix>-<tenant id>`).
 */
export function gatewayKeysVaultName(namePrefix: string): string {
  const name = `kv-${namePrefix}-gwkeys`;
  if (name.length > KEY_VAULT_NAME_MAX) throw new Error(`gateway keys vault name "${name}" must be at most ${KEY_VAULT_NAME_MAX} characters; shorten namePrefix`);
  return name;
}

/** Prefix of the gateway key hash secrets: `gateway-key-sha256-<tenant id>`, whose value is a JSON list of hex SHA-256 digests. */
export const GATEWAY_KEY_HASH_SECRET_PREFIX = 'gateway-key-sha256-';

/**
 * Name of the database bootstrap's user-assigned identity. It is also its PostgreSQL role: an Entra
 * administrator of a Flexible Server logs in as the principal's display name.
 * @see https://learn.microsoft.com/azure/postgresql/flexible-server/how-to-configure-sign-in-azure-ad-authentication
 */
export function databaseBootstrapIdentityName(namePrefix: string): string {
  return `id-${namePrefix}-db-bootstrap`;
}

/**
 * Name of the platform's Azure Container Registry (5-50 letters and digits, globally unique): every
 * image of the environment is `<name>.azurecr.io/...` and the aks stack creates it under this name.
 */
export function containerRegistryName(namePrefix: string): string {
  return `${namePrefix}acr`;
}
