import { KeyVaultSecret } from '../imports/azurerm/key-vault-secret/index.js';
import { PostgresqlFlexibleServerDatabase } from '../imports/azurerm/postgresql-flexible-server-database/index.js';
import { RoleAssignment } from '../imports/azurerm/role-assignment/index.js';
import { StorageContainer } from '../imports/azurerm/storage-container/index.js';
import { Password } from '@cdktf/provider-random/lib/password/index.js';
import { TenantWorkloads } from '@panal/k8s-constructs';
import { GATEWAY_KEY_HASH_SECRET_PREFIX, TENANT_KEY_VAULT_SECRETS, tenantDatabaseName, tenantKeyVaultName, tenantUploadsContainerName, type Tenant, type TenantSecret } from '@panal/tenant-config';
import { Fn, type ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { SHARED_SKIP_REASONS, skipCheckov } from './checkov-skip';
import { PrivateKeyVault } from './private-key-vault';
import { WorkloadIdentity } from './workload-identity';

/** Platform resources a tenant's resources attach to (looked up by name in the tenants stack). */
export interface TenantPlatform {
  /** Prefix of globally unique names (`environments/<env>/environment.yaml` `azure.namePrefix`). */
  readonly namePrefix: string;
  /** Resource group of tenant identities and vaults. */
  readonly resourceGroupName: string;
  /** Region. */
  readonly location: string;
  /** Entra ID directory id. */
  readonly directoryTenantId: string;
  /** OIDC issuer URL of the AKS cluster. */
  readonly oidcIssuerUrl: string;
  /** PostgreSQL Flexible Server id and FQDN. */
  readonly postgres: { readonly id: string; readonly fqdn: string; readonly pgbouncerPort: number };
  /** Uploads storage account id. */
  readonly uploadsAccountId: string;
  /** Private endpoints subnet. */
  readonly privateEndpointSubnetId: string;
  /** `privatelink.vaultcore.azure.net` zone id. */
  readonly keyVaultDnsZoneId: string;
  /** Log Analytics workspace for vault audit logs. */
  readonly logAnalyticsWorkspaceId: string;
  /** Object id of the identity that runs Terraform (writes the generated secrets). */
  readonly deployerObjectId: string;
  /** Principal id of the database bootstrap identity (reads `database-url` to create the tenant's role). */
  readonly databaseBootstrapPrincipalId: string;
  /** Name of a tenant's identity, `id-<prefix>-tenant-<id>`. */
  readonly identityName: (tenantId: string) => string;
  /**
   * The vault of gateway key hashes ({@link GatewayKeysVault}) and, when it is in the same stack, the
   * role that lets Terraform write into it. A tenant shard stack finds the vault by name and has no
   * such role to depend on: the tenants stack, which grants it, is applied first.
   */
  readonly gatewayKeys: { readonly vaultId: string; readonly writerRole?: ITerraformDependable };
}

/** Props of {@link TenantAzureResources}. */
export interface TenantAzureResourcesProps {
  /** The validated tenant (from `loadTenants`). */
  readonly tenant: Tenant;
  /** Platform resources. */
  readonly platform: TenantPlatform;
}

/** Value written into `oidc-client-secret` until the tenant's operator sets the real one. */
export const OIDC_SECRET_PLACEHOLDER = 'set-by-operator';

/**
 * Everything Azure holds for one tenant, keyed by tenant id so adding a tenant folder only adds
 * resources: a workload identity for the `open-webui` ServiceAccount of `tenant-<id>`, a private
 * Key Vault with its four secrets (names shared with the manifests through `TENANT_KEY_VAULT_SECRETS`),
 * Secrets User for the tenant identity at vault scope, the tenant database, an uploads container
 * the identity may write, and the SHA-256 of its gateway key in the gateway keys vault. Generated values (`random_password`) live only in Key Vault and the
 * encrypted state; the OIDC client secret is the customer's and is set by an operator.
 * The database role is created by the database bootstrap Job (see the README): it reads
 * `database-url` from this vault (Secrets User granted here) and runs an idempotent `CREATE ROLE`.
 * @see https://learn.microsoft.com/azure/key-vault/general/rbac-guide
 */
export class TenantAzureResources extends Construct {
  /** The tenant's workload identity. */
  public readonly identity: WorkloadIdentity;
  /** The tenant's vault. */
  public readonly vault: PrivateKeyVault;

  constructor(scope: Construct, id: string, props: TenantAzureResourcesProps) {
    super(scope, id);
    const { tenant, platform: p } = props;
    const base = { resourceGroupName: p.resourceGroupName, location: p.location };
    this.identity = new WorkloadIdentity(this, 'workload-identity', {
      ...base,
      name: p.identityName(tenant.id),
      oidcIssuerUrl: p.oidcIssuerUrl,
      namespace: tenant.namespace,
      serviceAccount: TenantWorkloads.serviceAccountName,
    });
    this.vault = new PrivateKeyVault(this, 'key-vault', {
      ...base,
      name: tenantKeyVaultName(p.namePrefix, tenant.id),
      directoryTenantId: p.directoryTenantId,
      privateEndpointSubnetId: p.privateEndpointSubnetId,
      privateDnsZoneId: p.keyVaultDnsZoneId,
      logAnalyticsWorkspaceId: p.logAnalyticsWorkspaceId,
      tags: { 'panal.io/tenant': tenant.id, 'panal.io/tier': tenant.tier },
    });
    const vaultId = this.vault.vault.id;
    const grant = (name: string, principalId: string, role: string, scopeId = vaultId) =>
      new RoleAssignment(this, name, { scope: scopeId, roleDefinitionName: role, principalId, principalType: 'ServicePrincipal' });
    grant('identity-secrets-user', this.identity.identity.principalId, 'Key Vault Secrets User');
    grant('database-bootstrap-secrets-user', p.databaseBootstrapPrincipalId, 'Key Vault Secrets User');
    const officer = new RoleAssignment(this, 'deployer-secrets-officer', { scope: vaultId, roleDefinitionName: 'Key Vault Secrets Officer', principalId: p.deployerObjectId });

    const database = tenantDatabaseName(tenant.id);
    new PostgresqlFlexibleServerDatabase(this, 'database', { name: database, serverId: p.postgres.id, charset: 'UTF8', collation: 'en_US.utf8' });
    const password = (name: string) => new Password(this, name, { length: 48, special: false, minUpper: 4, minLower: 4, minNumeric: 4 });
    const values: Record<TenantSecret, string> = {
      databaseUrl: `postgresql://${database}:${password('database-password').result}@${p.postgres.fqdn}:${p.postgres.pgbouncerPort}/${database}?sslmode=require`,
      webuiSecretKey: password('webui-secret-key').result,
      inferenceGatewayKey: `sk-${tenant.id}-${password('inference-gateway-key').result}`,
      oidcClientSecret: OIDC_SECRET_PLACEHOLDER,
    };
    // What the gateway compares presented keys with (ADR 0019): a JSON list of the accepted keys'
    // SHA-256 in hex, as Terraform's sha256() writes it. One entry; a rotation overlap would list two.
    const keyHash = new KeyVaultSecret(this, 'gateway-key-sha256', {
      name: `${GATEWAY_KEY_HASH_SECRET_PREFIX}${tenant.id}`,
      keyVaultId: p.gatewayKeys.vaultId,
      value: Fn.jsonencode([Fn.sha256(values.inferenceGatewayKey)]),
      contentType: 'application/json',
      ...(p.gatewayKeys.writerRole ? { dependsOn: [p.gatewayKeys.writerRole] } : {}),
    });
    skipCheckov(keyHash, 'CKV_AZURE_41', SHARED_SKIP_REASONS.generatedSecretExpiry);
    for (const key of Object.keys(TENANT_KEY_VAULT_SECRETS).sort() as TenantSecret[]) {
      const secret = new KeyVaultSecret(this, `secret-${TENANT_KEY_VAULT_SECRETS[key]}`, {
        name: TENANT_KEY_VAULT_SECRETS[key],
        keyVaultId: vaultId,
        value: values[key],
        contentType: key === 'databaseUrl' ? 'connection-string' : 'password',
        dependsOn: [officer],
        ...(key === 'oidcClientSecret' ? { lifecycle: { ignoreChanges: ['value'] } } : {}),
      });
      skipCheckov(secret, 'CKV_AZURE_41', SHARED_SKIP_REASONS.generatedSecretExpiry);
    }

    const uploads = new StorageContainer(this, 'uploads-container', { name: tenantUploadsContainerName(tenant.id), storageAccountId: p.uploadsAccountId, containerAccessType: 'private' });
    skipCheckov(uploads, 'CKV2_AZURE_21', SHARED_SKIP_REASONS.blobLogging);
    grant('identity-uploads-contributor', this.identity.identity.principalId, 'Storage Blob Data Contributor', uploads.id);
  }
}
