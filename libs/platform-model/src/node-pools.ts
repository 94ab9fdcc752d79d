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

/** Label we set on every pool with its role; workloads select a role, never one pool. */
export const POOL_ROLE_LABEL = 'panal.io/pool';

/** Pool roles (values of {@link POOL_ROLE_LABEL}). */
export const PoolRole = {
  /** Critical add-ons only. */
  system: 'system',
  /** Tenant apps, the inference gateway and the standard models (the per-zone CPU pools). */
  cpu: 'cpu',
  /** The premium model and the GPU node agents. */
  gpu: 'gpu',
} as const;

/** A pool role. */
export type PoolRoleName = (typeof PoolRole)[keyof typeof PoolRole];

/** Pool names, exactly as created in Azure. */
export const NodePool = {
  /** System pool: only critical add-ons (fixed size, across zones 1-2-3). */
  system: 'system',
  /**
   * CPU user pools, one per zone: the autoscaler gets one node group per zone, so a scale-up for a
   * pod with a hard zone spread lands in the zone the pod needs (docs/adr/0014-un-pool-de-cpu-por-zona.md).
   */
  cpu1: 'cpu1',
  cpu2: 'cpu2',
  cpu3: 'cpu3',
  /** Spot GPU pool (min 0). */
  gpuSpot: 'gpuspot',
  /** On-demand GPU fallback pool (min 0). */
  gpuOnDemand: 'gpuondemand',
} as const;

/** A pool name. */
export type NodePoolName = (typeof NodePool)[keyof typeof NodePool];

/** An availability zone of the region. */
export type Zone = '1' | '2' | '3';

/** The zones every environment spans. */
export const ZONES: readonly Zone[] = ['1', '2', '3'];

/** What a node pool is. */
export interface NodePoolSpec {
  /** Pool name (AKS: lower-case letters and digits, at most 12 characters for Linux pools). */
  readonly name: NodePoolName;
  /** `System` pools host critical add-ons; `User` pools host workloads. */
  readonly mode: 'System' | 'User';
  /** Azure VM size. */
  readonly vmSize: string;
  /** Availability zones the pool spans. */
  readonly zones: readonly Zone[];
  /** Fewest nodes the autoscaler keeps (0 lets a pool scale to zero). */
  readonly minCount: number;
  /** Most nodes the autoscaler may add. */
  readonly maxCount: number;
  /** Spot capacity (evictable, discounted) instead of regular. */
  readonly spot: boolean;
  /** Taints we set on the pool (AKS adds the spot taint itself on spot pools). */
  readonly taints: readonly Taint[];
  /** Node labels we set on the pool, in addition to the ones AKS sets; always includes {@link POOL_ROLE_LABEL}. */
  readonly labels: Readonly<Record<string, string>>;
  /** GPUs per node (`nvidia.com/gpu` capacity), 0 for CPU pools. */
  readonly gpusPerNode: number;
}

/** The role of a pool (its {@link POOL_ROLE_LABEL} label). */
export function poolRole(pool: Pick<NodePoolSpec, 'name' | 'labels'>): PoolRoleName {
  const role = pool.labels[POOL_ROLE_LABEL];
  if (!(Object.values(PoolRole) as string[]).includes(role)) {
    throw new Error(`nodePools[${pool.name}].labels["${POOL_ROLE_LABEL}"] must be one of ${Object.values(PoolRole).join(', ')}, but ${JSON.stringify(role)} was provided`);
  }
  return role as PoolRoleName;
}

/** Splits `total` over `parts` as evenly as possible, the remainder to the first parts. */
export function splitEvenly(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/**
 * One pool per zone from one definition: pool `i` is `names[i]` in `ZONES[i]`, with the minimum
 * and maximum split over the zones (150 nodes over three zones: 50 each).
 */
export function perZonePools(names: readonly NodePoolName[], pool: Omit<NodePoolSpec, 'name' | 'zones'>): NodePoolSpec[] {
  if (names.length !== ZONES.length) throw new Error(`perZonePools: names must give one pool per zone (${ZONES.length}), but ${JSON.stringify(names)} was provided`);
  const mins = splitEvenly(pool.minCount, ZONES.length);
  const maxs = splitEvenly(pool.maxCount, ZONES.length);
  return names.map((name, i) => ({ ...pool, name, zones: [ZONES[i]], minCount: mins[i], maxCount: maxs[i] }));
}

/** The per-zone CPU pools, in zone order. */
export const CPU_POOLS: readonly NodePoolName[] = [NodePool.cpu1, NodePool.cpu2, NodePool.cpu3];

/** Selects the nodes of every CPU pool (all zones): what CPU workloads put in `nodeSelector`. */
export const CPU_POOL_SELECTOR: Readonly<Record<string, string>> = { [POOL_ROLE_LABEL]: PoolRole.cpu };

/**
 * Default pools. H100 NVL 94 GB (`Standard_NC40ads_H100_v5`) fits Llama3-70B Q4 (~40-43 GB) on one
 * GPU (https://learn.microsoft.com/azure/virtual-machines/sizes/gpu-accelerated/nc-h100-v5-series).
 * The CPU capacity (3 to 150 nodes) is three zonal pools of 1 to 50: 1,000 tenants awake at their
 * minimum (OpenWebUI at its HPA minimum + Redis, ≈ 1,200 vCPU) with the Standard models and the
 * platform fill ≈ 82 nodes by the capacity model (docs/diseno/3-capacidad-y-costes.md), so they fit twice over, and
 * still fit in the 100 nodes of two zones after losing the third. The capacity model's peak for
 * 1,000 tenants (≈ 285 nodes) is not reachable with today's Standard `maxReplicas` either; raising both
 * is one decision, still to take (docs/adr/0014-un-pool-de-cpu-por-zona.md). The system pool (fixed size, not
 * autoscaled) and the GPU pools (no hard zone spread; spot capacity differs per zone, and one node
 * group keeps the spot stock-out fallback at one provisioning timeout) span the three zones.
 */
export const DEFAULT_NODE_POOLS: readonly NodePoolSpec[] = [
  { name: NodePool.system, mode: 'System', vmSize: 'Standard_D4ds_v5', zones: ZONES, minCount: 3, maxCount: 3, spot: false, taints: [CRITICAL_ADDONS_ONLY_TAINT], labels: { [POOL_ROLE_LABEL]: PoolRole.system }, gpusPerNode: 0 },
  ...perZonePools(CPU_POOLS, { mode: 'User', vmSize: 'Standard_D16ds_v5', minCount: 3, maxCount: 150, spot: false, taints: [], labels: { [POOL_ROLE_LABEL]: PoolRole.cpu }, gpusPerNode: 0 }),
  { name: NodePool.gpuSpot, mode: 'User', vmSize: 'Standard_NC40ads_H100_v5', zones: ZONES, minCount: 0, maxCount: 4, spot: true, taints: [GPU_TAINT], labels: { [POOL_ROLE_LABEL]: PoolRole.gpu, 'panal.io/gpu-capacity': 'spot' }, gpusPerNode: 1 },
  { name: NodePool.gpuOnDemand, mode: 'User', vmSize: 'Standard_NC40ads_H100_v5', zones: ZONES, minCount: 0, maxCount: 2, spot: false, taints: [GPU_TAINT], labels: { [POOL_ROLE_LABEL]: PoolRole.gpu, 'panal.io/gpu-capacity': 'on-demand' }, gpusPerNode: 1 },
];

/** Pools with GPUs. */
export const GPU_POOLS: readonly NodePoolName[] = DEFAULT_NODE_POOLS.filter((p) => p.gpusPerNode > 0).map((p) => p.name);
