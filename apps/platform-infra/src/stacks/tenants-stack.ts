import { DataAzurermClientConfig } from '../imports/azurerm/data-azurerm-client-config/index.js';
import { DataAzurermKeyVault } from '../imports/azurerm/data-azurerm-key-vault/index.js';
import { DataAzurermPostgresqlFlexibleServer } from '../imports/azurerm/data-azurerm-postgresql-flexible-server/index.js';
import { DataAzurermStorageAccount } from '../imports/azurerm/data-azurerm-storage-account/index.js';
import { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
import { gatewayKeysVaultName, type Tenant } from '@panal/tenant-config';
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import { GatewayKeysVault } from '../constructs/gateway-keys-vault';
import { PanalStack, PanalStackBase } from '../constructs/panal-stack';
import { lookupPlatformIdentity } from '../constructs/platform-identities';
import { PlatformLookups } from '../constructs/platform-lookups';
import { TenantAzureResources, type TenantPlatform } from '../constructs/tenant-azure-resources';
import type { InfraEnvironment } from '../environments/infra-environment';
import { tenantShardOf, tenantShardStackName } from '../naming';

/** Port of the built-in PgBouncer (tenants never talk to 5432 directly). */
export const PGBOUNCER_PORT = 6432;

/**
 * Tenants stack: what every tenant shares, whatever the number of tenants — the resource group
 * `rg-<prefix>-tenants` the shards write into and the vault of gateway key hashes
 * ({@link GatewayKeysVault}) — and the check that the tenants fit the PostgreSQL server. Each
 * tenant's own resources live in one {@link TenantShardStack}, so this stack does not change when a
 * tenant is added (docs/adr/0023-estado-de-inquilinos-en-shards.md).
 */
export class TenantsStack extends PanalStack {
  /** The vault of gateway key hashes. */
  public readonly gatewayKeys: GatewayKeysVault;

  constructor(scope: Construct, id: string, env: InfraEnvironment, tenants: readonly Tenant[]) {
    super(scope, id, { env, stack: 'tenants' });
    // PgBouncer's pool per tenant is sized for this many (postgres-connections.ts): more would overcommit the server.
    if (tenants.length > env.postgres.tenantCapacity) {
      throw new Error(
        `${tenants.length} tenants exceed postgres.tenantCapacity ${env.postgres.tenantCapacity} of ${env.name}: the server's PgBouncer pools are sized for that many; ` +
          'raise the capacity within what postgresConnectionBudget allows for the SKU, or shard the rest to a second server',
      );
    }
    const n = this.names;
    const lookups = new PlatformLookups(this, 'lookups', { names: n });
    const deployer = new DataAzurermClientConfig(this, 'deployer');
    this.gatewayKeys = new GatewayKeysVault(this, 'gateway-keys', {
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
  }
}

/** Props of {@link TenantShardStack}. */
export interface TenantShardStackProps {
  /** Index of the shard, `0 … env.state.tenantShards - 1`. */
  readonly shard: number;
  /** The tenants of this shard (`tenantShardOf(id) === shard`), in any order. */
  readonly tenants: readonly Tenant[];
}

/**
 * One tenant shard, `tenants-<NN>` with the state `<env>/tenants-<NN>.tfstate`: a
 * {@link TenantAzureResources} per tenant of the shard, with the tenant id as construct id, so the
 * resource addresses are the ones the unsharded tenants stack had (a state move keeps them, see
 * docs/runbooks/migrar-estado-de-inquilinos-a-shards.md) and a new folder only adds resources under
 * `tenant-<id>` to its own shard. Everything shared is found by name (resource group, gateway keys
 * vault, platform lookups). After apply, the pipeline merges every shard's output
 * `tenant_identity_client_ids` into `environments/<env>/tenant-identities.yaml`. Empty shards are
 * synthesized too: a shard whose last tenant leaves still has a stack that destroys its resources.
 */
export class TenantShardStack extends PanalStackBase {
  /** Resources by tenant id. */
  public readonly tenants: ReadonlyMap<string, TenantAzureResources>;

  constructor(scope: Construct, id: string, env: InfraEnvironment, props: TenantShardStackProps) {
    super(scope, id, { env, stateName: tenantShardStackName(props.shard) });
    const shards = env.state.tenantShards;
    if (!Number.isInteger(props.shard) || props.shard < 0 || props.shard >= shards) {
      throw new Error(`shard must be an integer between 0 and ${shards - 1} (state.tenantShards ${shards} of ${env.name}), but ${props.shard} was provided`);
    }
    const strays = props.tenants.filter((t) => tenantShardOf(t.id, shards) !== props.shard);
    if (strays.length) {
      throw new Error(`tenants ${strays.map((t) => `${t.id} (shard ${tenantShardOf(t.id, shards)})`).join(', ')} do not belong to shard ${props.shard} of ${env.name}: a tenant's shard is tenantShardOf(id, state.tenantShards)`);
    }
    new RandomProvider(this, 'random');
    const n = this.names;
    const lookups = new PlatformLookups(this, 'lookups', { names: n });
    const postgres = new DataAzurermPostgresqlFlexibleServer(this, 'postgres', { name: n.postgresServer, resourceGroupName: n.resourceGroup('data') });
    const uploads = new DataAzurermStorageAccount(this, 'uploads-account', { name: n.uploadsAccount, resourceGroupName: n.resourceGroup('storage') });
    const bootstrap = lookupPlatformIdentity(this, 'database-bootstrap', n, 'databaseBootstrap');
    const deployer = new DataAzurermClientConfig(this, 'deployer');
    const gatewayKeys = new DataAzurermKeyVault(this, 'gateway-keys', { name: gatewayKeysVaultName(env.namePrefix), resourceGroupName: n.resourceGroup('tenants') });
    const platform: TenantPlatform = {
      namePrefix: env.namePrefix,
      resourceGroupName: n.resourceGroup('tenants'),
      location: env.region,
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
      gatewayKeys: { vaultId: gatewayKeys.id },
    };
    const byId = new Map<string, TenantAzureResources>();
    for (const tenant of [...props.tenants].sort((a, b) => a.id.localeCompare(b.id))) byId.set(tenant.id, new TenantAzureResources(this, `tenant-${tenant.id}`, { tenant, platform }));
    this.tenants = byId;
    new TerraformOutput(this, 'tenant_identity_client_ids', {
      description: 'Client id of each tenant workload identity of this shard, by tenant id: merged with the other shards into environments/<env>/tenant-identities.yaml after apply.',
      value: Object.fromEntries([...byId].map(([tenantId, r]) => [tenantId, r.identity.identity.clientId])),
    });
  }
}

/** Every tenant shard stack of an environment, `tenants-00 …`, each with the tenants `tenantShardOf` gives it (empty shards too). */
export function tenantShardStacks(scope: Construct, env: InfraEnvironment, tenants: readonly Tenant[]): TenantShardStack[] {
  const shards = env.state.tenantShards;
  return Array.from({ length: shards }, (_, shard) => new TenantShardStack(scope, tenantShardStackName(shard), env, { shard, tenants: tenants.filter((t) => tenantShardOf(t.id, shards) === shard) }));
}
