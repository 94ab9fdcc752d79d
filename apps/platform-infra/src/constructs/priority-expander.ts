import type { NodePoolSpec } from '@panal/platform-model';

/** Priority of spot pools: the priority expander picks the **highest** number, so spot is tried first. */
export const SPOT_POOL_PRIORITY = 20;
/** Priority of regular pools (the on-demand GPU fallback, CPU and system pools). */
export const REGULAR_POOL_PRIORITY = 10;

/**
 * The `cluster-autoscaler-priority-expander` ConfigMap AKS's autoscaler reads when the profile says
 * `expander = priority` (ADR 0009). Keys are priorities (highest wins; Microsoft's example reads the
 * other way round), values are regexes over node group (VMSS) names `aks-<pool>-<hash>-vmss`.
 * When spot capacity is missing, the scale-up times out after `max-node-provision-time` and the
 * autoscaler falls back to the next priority: the on-demand GPU pool.
 * @see https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/expander/priority/readme.md
 */
export function priorityExpanderConfigMap(pools: readonly NodePoolSpec[]) {
  const byPriority = new Map<number, string[]>();
  for (const pool of pools) {
    const priority = pool.spot ? SPOT_POOL_PRIORITY : REGULAR_POOL_PRIORITY;
    byPriority.set(priority, [...(byPriority.get(priority) ?? []), `.*-${pool.name}-.*`]);
  }
  const priorities = [...byPriority.entries()]
    .sort(([a], [b]) => a - b)
    .map(([p, patterns]) => `${p}:\n${patterns.map((r) => `  - ${r}`).join('\n')}`)
    .join('\n');
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cluster-autoscaler-priority-expander', namespace: 'kube-system' },
    data: { priorities },
  };
}
