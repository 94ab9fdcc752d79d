import { CPU_POOLS, DEFAULT_NODE_POOLS, NodePool, type NodePoolSpec } from '@panal/platform-model';
import { addressPlan } from './address-plan';
import type { InfraEnvironment } from './infra-environment';
import { PROD } from './prod';

/** Dev pools: the same pools, names, taints and labels as prod, on smaller VMs and ceilings. */
const DEV_POOL_OVERRIDES: Readonly<Record<string, Partial<NodePoolSpec>>> = {
  [NodePool.system]: { vmSize: 'Standard_D2ds_v5' },
  // Six CPU nodes at most, two per zone.
  ...Object.fromEntries(CPU_POOLS.map((name) => [name, { vmSize: 'Standard_D8ds_v5', maxCount: 2 }])),
  [NodePool.gpuSpot]: { maxCount: 1 },
  [NodePool.gpuOnDemand]: { maxCount: 1 },
};

/**
 * Development: the production constructs with typed differences only: smaller pools, no
 * PostgreSQL standby nor geo-redundant backup, a smaller model share (slower cold start accepted).
 */
export const DEV: InfraEnvironment = {
  ...PROD,
  name: 'dev',
  namePrefix: 'pnldev',
  tags: { 'panal.io/environment': 'dev', 'panal.io/managed-by': 'platform-infra' },
  state: { resourceGroupName: 'rg-pnldev-tfstate', storageAccountName: 'pnldevtfstate', containerName: 'tfstate', tenantShards: 16 },
  network: addressPlan(30),
  aks: {
    ...PROD.aks,
    nodePools: DEFAULT_NODE_POOLS.map((pool) => ({ ...pool, ...DEV_POOL_OVERRIDES[pool.name] })),
  },
  postgres: {
    ...PROD.postgres,
    skuName: 'GP_Standard_D2ds_v5',
    storageMiB: 65536,
    highAvailability: 'Disabled',
    backupRetentionDays: 7,
    geoRedundantBackup: false,
    tenantCapacity: 50,
  },
  modelStorage: { nfsShareGiB: 1024, largestModelGiB: 40, maxModelLoadMinutes: 4 },
  gitops: { ...PROD.gitops, revision: 'main', argocdHostname: 'argocd.dev.panal.example.com' },
  // Its own zone, so dev certificates and records never touch prod's.
  edge: { tenantDomain: 'chat.dev.panal.example.com' },
};
