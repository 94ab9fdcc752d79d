/**
 * The AKS node pools of the platform as data: one definition that the Azure infrastructure
 * (apps/platform-infra), the manifests (scheduling rules) and the local simulated cluster all read,
 * so the three can never disagree on a name, a label or a taint.
 * @see https://learn.microsoft.com/azure/aks/use-system-pools
 * @see https://learn.microsoft.com/azure/aks/spot-node-pool
 */

/** Label AKS puts on every node with the name of its pool. */
export const AKS_AGENTPOOL_LABEL = 'kubernetes.azure.com/agentpool';

/** Label AKS puts on every node of a spot pool (value `spot`). */
export const AKS_SCALESET_PRIORITY_LABEL = 'kubernetes.azure.com/scalesetpriority';

/** Well-known zone label. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** Well-known host name label. */
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** A node taint. */
export interface Taint {
  /** Taint key. */
  readonly key: string;
  /** Taint value. */
  readonly value: string;
  /** Effect on pods that do not tolerate it. */
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** Keeps pods off GPU nodes unless they tolerate it (set by us on both GPU pools). */
export const GPU_TAINT: Taint = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' };

/** Added by AKS itself to every spot node. */
export const SPOT_TAINT: Taint = { key: 'kubernetes.azure.com/scalesetpriority', value: 'spot', effect: 'NoSchedule' };

/** Keeps user workloads off the system pool. */
export const CRITICAL_ADDONS_ONLY_TAINT: Taint = { key: 'CriticalAddonsOnly', value: 'true', effect: 'NoSchedule' };

/** Pool names, exactly as created in Azure. */
export const NodePool = {
  /** System pool: only critical add-ons. */
  system: 'system',
  /** CPU user pool: tenant apps, the inference gateway and the standard models. */
  cpu: 'cpu',
  /** Spot GPU pool (min 0). */
  gpuSpot: 'gpuspot',
  /** On-demand GPU fallback pool (min 0). */
  gpuOnDemand: 'gpuondemand',
} as const;

/** A pool name. */
export type NodePoolName = (typeof NodePool)[keyof typeof NodePool];

/** What a node pool is. */
export interface NodePoolSpec {
  /** Pool name (AKS: lower-case letters and digits, at most 12 characters for Linux pools). */
  readonly name: NodePoolName;
  /** `System` pools host critical add-ons; `User` pools host workloads. */
  readonly mode: 'System' | 'User';
  /** Azure VM size. */
  readonly vmSize: string;
  /** Availability zones the pool spans. */
  readonly zones: readonly ('1' | '2' | '3')[];
  /** Fewest nodes the autoscaler keeps (0 lets a pool scale to zero). */
  readonly minCount: number;
  /** Most nodes the autoscaler may add. */
  readonly maxCount: number;
  /** Spot capacity (evictable, discounted) instead of regular. */
  readonly spot: boolean;
  /** Taints we set on the pool (AKS adds the spot taint itself on spot pools). */
  readonly taints: readonly Taint[];
  /** Node labels we set on the pool, in addition to the ones AKS sets. */
  readonly labels: Readonly<Record<string, string>>;
  /** GPUs per node (`nvidia.com/gpu` capacity), 0 for CPU pools. */
  readonly gpusPerNode: number;
}

/**
 * Default pools. Sizes follow BRIEF D2/D4: H100 NVL 94 GB (`Standard_NC40ads_H100_v5`) fits
 * Llama3-70B Q4 (~40-43 GB) on one GPU.
 */
export const DEFAULT_NODE_POOLS: readonly NodePoolSpec[] = [
  { name: NodePool.system, mode: 'System', vmSize: 'Standard_D4ds_v5', zones: ['1', '2', '3'], minCount: 3, maxCount: 3, spot: false, taints: [CRITICAL_ADDONS_ONLY_TAINT], labels: { 'panal.io/pool': 'system' }, gpusPerNode: 0 },
  { name: NodePool.cpu, mode: 'User', vmSize: 'Standard_D16ds_v5', zones: ['1', '2', '3'], minCount: 3, maxCount: 30, spot: false, taints: [], labels: { 'panal.io/pool': 'cpu' }, gpusPerNode: 0 },
  { name: NodePool.gpuSpot, mode: 'User', vmSize: 'Standard_NC40ads_H100_v5', zones: ['1', '2', '3'], minCount: 0, maxCount: 4, spot: true, taints: [GPU_TAINT], labels: { 'panal.io/pool': 'gpu', 'panal.io/gpu-capacity': 'spot' }, gpusPerNode: 1 },
  { name: NodePool.gpuOnDemand, mode: 'User', vmSize: 'Standard_NC40ads_H100_v5', zones: ['1', '2', '3'], minCount: 0, maxCount: 2, spot: false, taints: [GPU_TAINT], labels: { 'panal.io/pool': 'gpu', 'panal.io/gpu-capacity': 'on-demand' }, gpusPerNode: 1 },
];

/** Pools with GPUs. */
export const GPU_POOLS: readonly NodePoolName[] = DEFAULT_NODE_POOLS.filter((p) => p.gpusPerNode > 0).map((p) => p.name);
