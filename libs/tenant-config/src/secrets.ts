/**
 * Secrets every tenant Key Vault holds, by Key Vault secret name. platform-infra generates the
 * values (never in git); tenant manifests mount them through the Secrets Store CSI driver.
 */
export const TENANT_KEY_VAULT_SECRETS = {
  /** `postgresql://tenant_<id>:<password>@<host>:6432/tenant_<id>?sslmode=require` */
  databaseUrl: 'database-url',
  /** OpenWebUI session signing key, identical on every replica of the tenant. */
  webuiSecretKey: 'webui-secret-key',
  /** The tenant's key at the inference gateway; the gateway binds it to the tier's model allowlist. */
  inferenceGatewayKey: 'inference-gateway-key',
  /** OIDC client secret of the tenant's Entra ID application. */
  oidcClientSecret: 'oidc-client-secret',
} as const;

/** A logical tenant secret. */
export type TenantSecret = keyof typeof TENANT_KEY_VAULT_SECRETS;
