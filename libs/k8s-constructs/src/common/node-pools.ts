/**
 * AKS node pools as the manifests see them. AKS labels every node with its pool name.
 * @see https://learn.microsoft.com/azure/aks/use-labels
 */
export const AKS_AGENTPOOL_LABEL = 'kubernetes.azure.com/agentpool';

/** Label AKS puts on every node with its zone. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** Label AKS puts on every node with its host name. */
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** Pool names (the infra code creates pools with exactly these names). */
export const NodePool = {
  /** System pool: only critical add-ons (`CriticalAddonsOnly=true:NoSchedule`). */
  system: 'system',
  /** CPU user pool: tenant apps, the inference gateway and the standard models. */
  cpu: 'cpu',
  /** Spot GPU pool, min 0. */
  gpuSpot: 'gpuspot',
  /** On-demand GPU fallback pool, min 0. */
  gpuOnDemand: 'gpuondemand',
} as const;

/** Taints that keep pods off GPU nodes unless they tolerate them. */
export const GPU_TAINT = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' } as const;

/** Taint AKS adds to every spot node on its own. @see https://learn.microsoft.com/azure/aks/spot-node-pool */
export const SPOT_TAINT = { key: 'kubernetes.azure.com/scalesetpriority', value: 'spot', effect: 'NoSchedule' } as const;
