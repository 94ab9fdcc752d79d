import { DataAzurermClientConfig } from '../imports/azurerm/data-azurerm-client-config/index.js';
import { DataAzurermPostgresqlFlexibleServer } from '../imports/azurerm/data-azurerm-postgresql-flexible-server/index.js';
import { DataAzurermStorageAccount } from '../imports/azurerm/data-azurerm-storage-account/index.js';
import { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
import type { Tenant } from '@panal/tenant-config';
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import { GatewayKeysVault } from '../constructs/gateway-keys-vault';
import { PanalStack } from '../constructs/panal-stack';
import { lookupPlatformIdentity } from '../constructs/platform-identities';
import { PlatformLookups } from '../constructs/platform-lookups';
import { TenantAzureResources, type TenantPlatform } from '../constructs/tenant-azure-resources';
import type { InfraEnvironment } from '../environments/infra-environment';

/** Port of the built-in PgBouncer (tenants never talk to 5432 directly). */
export const PGBOUNCER_PORT = 6432;

/**
 * Tenants stack: one {@link TenantAzureResources} per tenant folder, with the tenant id as construct
 * id, so a new folder only adds resources under `tenant-<id>` addresses and never re-plans the
 * platform stacks; and the vault of gateway key hashes ({@link GatewayKeysVault}) they all write
 * into. After apply, the pipeline writes each identity's client id (output
 * `tenant_identity_client_ids`) to `environments/<env>/tenant-identities.yaml`.
 */
export class TenantsStack extends PanalStack {
  /** Resources by tenant id. */
  public readonly tenants: ReadonlyMap<string, TenantAzureResources>;

  constructor(scope: Construct, id: string, env: InfraEnvironment, tenants: readonly Tenant[]) {
    super(scope, id, { env, stack: 'tenants' });
    // PgBouncer's pool per tenant is sized for this many (postgres-connections.ts): more would overcommit the server.
    if (tenants.length > env.postgres.tenantCapacity) {
      throw new Error(
        `${tenants.length} tenants exceed postgres.tenantCapacity ${env.postgres.tenantCapacity} of ${env.name}: the server's PgBouncer pools are sized for that many; ` +
          'raise the capacity within what postgresConnectionBudget allows for the SKU, or shard the rest to a second server',
      );
    }
    new RandomProvider(this, 'random');
    const n = this.names;
    const lookups = new PlatformLookups(this, 'lookups', { names: n });
    const postgres = new DataAzurermPostgresqlFlexibleServer(this, 'postgres', { name: n.postgresServer, resourceGroupName: n.resourceGroup('data') });
    const uploads = new DataAzurermStorageAccount(this, 'uploads-account', { name: n.uploadsAccount, resourceGroupName: n.resourceGroup('storage') });
    const bootstrap = lookupPlatformIdentity(this, 'database-bootstrap', n, 'databaseBootstrap');
    const deployer = new DataAzurermClientConfig(this, 'deployer');
    const gatewayKeys = new GatewayKeysVault(this, 'gateway-keys', {
      namePrefix: env.namePrefix,
      resourceGroupName: this.resourceGroup.name,
      location: this.resourceGroup.location,
      directoryTenantId: env.directoryTenantId,
      privateEndpointSubnetId: lookups.subnet('privateEndpoints').id,
      keyVaultDnsZoneId: lookups.dnsZone('keyVault').id,
      logAnalyticsWorkspaceId: lookups.logAnalytics().id,
      deployerObjectId: deployer.objectId,
      gatewayPrincipalId: lookupPlatformIdentity(this, 'inference-gateway', n, 'inferenceGateway').principalId,
    });
    const platform: TenantPlatform = {
      namePrefix: env.namePrefix,
      resourceGroupName: this.resourceGroup.name,
      location: this.resourceGroup.location,
      directoryTenantId: env.directoryTenantId,
      oidcIssuerUrl: lookups.cluster().oidcIssuerUrl,
      postgres: { id: postgres.id, fqdn: postgres.fqdn, pgbouncerPort: PGBOUNCER_PORT },
      uploadsAccountId: uploads.id,
      privateEndpointSubnetId: lookups.subnet('privateEndpoints').id,
      keyVaultDnsZoneId: lookups.dnsZone('keyVault').id,
      logAnalyticsWorkspaceId: lookups.logAnalytics().id,
      deployerObjectId: deployer.objectId,
      databaseBootstrapPrincipalId: bootstrap.principalId,
      identityName: n.tenantIdentity,
      gatewayKeys: { vaultId: gatewayKeys.vault.vault.id, writerRole: gatewayKeys.writerRole },
    };
    const byId = new Map<string, TenantAzureResources>();
    for (const tenant of tenants) byId.set(tenant.id, new TenantAzureResources(this, `tenant-${tenant.id}`, { tenant, platform }));
    this.tenants = byId;
    new TerraformOutput(this, 'tenant_identity_client_ids', {
      description: 'Client id of each tenant workload identity, by tenant id: written to environments/<env>/tenant-identities.yaml after apply.',
      value: Object.fromEntries([...byId].map(([tenantId, r]) => [tenantId, r.identity.identity.clientId])),
    });
  }
}
