import { createHash } from 'node:crypto';
import { containerRegistryName, databaseBootstrapIdentityName, type TenantIdentities } from '@panal/tenant-config';
import type { InfraEnvironment } from './environments/infra-environment';

/** Key of a platform identity in `platformClientIds` of `environments/<env>/tenant-identities.yaml`. */
export type PlatformIdentityKey = keyof TenantIdentities['platformClientIds'];

/** Stacks of an environment, in apply order; each has its own state file `<env>/<stack>.tfstate`. */
export const STACK_NAMES = ['network', 'observability', 'aks', 'secrets', 'data', 'storage', 'gitops', 'tenants'] as const;

/** A stack name. */
export type StackName = (typeof STACK_NAMES)[number];

/** Largest `state.tenantShards`: shard stacks are named with two digits. */
export const MAX_TENANT_SHARDS = 100;

/**
 * Shard of a tenant: the first 32 bits of the SHA-256 of its id, modulo the shard count. It depends
 * on the id alone, so adding or removing a tenant never moves another one, and it never changes
 * while the shard count stays the same (changing the count moves most tenants: a state migration,
 * docs/runbooks/migrar-estado-de-inquilinos-a-shards.md).
 */
export function tenantShardOf(tenantId: string, shards: number): number {
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_TENANT_SHARDS) throw new Error(`tenant shards must be an integer between 1 and ${MAX_TENANT_SHARDS}, but ${shards} was provided`);
  return createHash('sha256').update(tenantId).digest().readUInt32BE(0) % shards;
}

/** Name of a tenant shard stack: its folder under `dist/terraform/<env>/` and its state `<env>/<name>.tfstate`. */
export function tenantShardStackName(shard: number): `tenants-${string}` {
  return `tenants-${String(shard).padStart(2, '0')}`;
}

/** Names of every tenant shard stack of an environment with `shards` shards, in order. */
export function tenantShardStackNames(shards: number): `tenants-${string}`[] {
  return Array.from({ length: shards }, (_, shard) => tenantShardStackName(shard));
}

/**
 * Names of every shared Azure resource of an environment. Stacks find each other's resources by
 * these names (data sources), never through remote state, so a stack can be planned on its own and
 * renaming anything here is a breaking change (Terraform would replace the resource).
 * @see https://learn.microsoft.com/azure/cloud-adoption-framework/ready/azure-best-practices/resource-abbreviations
 */
export function platformNames(env: InfraEnvironment) {
  const p = env.namePrefix;
  return {
    resourceGroup: (stack: StackName) => `rg-${p}-${stack}`,
    vnet: `vnet-${p}`,
    // Azure requires the firewall's subnet to be named exactly AzureFirewallSubnet.
    subnets: { aksNodes: 'snet-aks-nodes', postgres: 'snet-postgres', privateEndpoints: 'snet-private-endpoints', gateway: 'snet-agc', firewall: 'AzureFirewallSubnet' },
    egressFirewall: `afw-${p}`,
    privateDnsZones: {
      postgres: `${p}.private.postgres.database.azure.com`,
      keyVault: 'privatelink.vaultcore.azure.net',
      blob: 'privatelink.blob.core.windows.net',
      file: 'privatelink.file.core.windows.net',
      containerRegistry: 'privatelink.azurecr.io',
    },
    /** Application Gateway for Containers of the edge (`environment.yaml` `edge.applicationGatewayId` ends with it). */
    applicationGatewayForContainers: `agc-${p}`,
    /** Its frontend (`environment.yaml` `edge.frontendName`). */
    edgeFrontend: 'edge',
    edgeWafPolicy: `waf-${p}-edge`,
    aksCluster: `aks-${p}`,
    aksIdentity: `id-${p}-aks`,
    /** The registry every image comes from (the manifests derive the same name from the environment). */
    containerRegistry: containerRegistryName(p),
    postgresServer: `psql-${p}`,
    platformKeyVault: `kv-${p}-platform`,
    logAnalytics: `log-${p}`,
    monitorWorkspace: `amw-${p}`,
    grafana: `amg-${p}`,
    appInsights: `appi-${p}`,
    /** Storage account names: 3-24 lower-case letters and digits, globally unique. */
    modelBlobAccount: `${p}models`,
    modelFilesAccount: `${p}modelnfs`,
    uploadsAccount: `${p}uploads`,
    modelContainer: 'models',
    modelShare: 'models',
    tenantIdentity: (tenantId: string) => `id-${p}-tenant-${tenantId}`,
    /**
     * Workload identities of the platform's own ServiceAccounts, by `platformClientIds` key. The aks
     * stack creates them in its resource group; other stacks look them up by these names.
     */
    platformIdentities: {
      inferenceGateway: `id-${p}-inference-gateway`,
      kedaOperator: `id-${p}-keda-operator`,
      modelSeeder: `id-${p}-model-seeder`,
      otelCollector: `id-${p}-otel-collector`,
      // Its name is also its PostgreSQL role (Entra administrator): the manifests derive it the same way.
      databaseBootstrap: databaseBootstrapIdentityName(p),
      albController: `id-${p}-alb-controller`,
      certManager: `id-${p}-cert-manager`,
    } satisfies Record<PlatformIdentityKey, string>,
  };
}

/** What {@link platformNames} returns. */
export type PlatformNames = ReturnType<typeof platformNames>;
