/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes list JSON, read field by field */
import type { SimCluster } from './cluster.ts';

/** One look at the cluster: what the report plots and the status line prints. */
export interface Snapshot {
  /** Seconds since the recorder started. */
  readonly t: number;
  /** Nodes per pool, then per zone (`<pool>/<zone>`), counting only Ready nodes. */
  readonly readyNodes: Record<string, number>;
  /** Every node object per pool, Ready or not (what the autoscaler has asked for). */
  readonly nodes: Record<string, number>;
  /** Ready GPU nodes. */
  readonly gpuNodes: number;
  /** Pods not yet bound to a node. */
  readonly pendingPods: number;
  /** Running pods per pool and per zone. */
  readonly podsByPoolZone: Record<string, number>;
  /** Namespaces `tenant-*`. */
  readonly tenants: number;
}

export const isReady = (obj: any) => (obj.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
export const poolOf = (node: any): string => node.metadata.labels?.['kubernetes.azure.com/agentpool'] ?? 'unknown';
export const zoneOf = (node: any): string => node.metadata.labels?.['topology.kubernetes.io/zone'] ?? 'unknown';
/** The role of a node's pool (`panal.io/pool`: system, cpu, gpu); several pools share a role. */
export const roleOf = (node: any): string => node?.metadata.labels?.['panal.io/pool'] ?? 'unknown';

export async function snapshot(cluster: SimCluster, t0 = Date.now()): Promise<Snapshot> {
  const [nodes, pods, namespaces] = await Promise.all([
    cluster.getJson<{ items: any[] }>(['get', 'nodes']),
    cluster.getJson<{ items: any[] }>(['get', 'pods', '-A']),
    cluster.getJson<{ items: any[] }>(['get', 'namespaces']),
  ]);
  const byName = new Map(nodes.items.map((n) => [n.metadata.name, n]));
  const readyNodes: Record<string, number> = {};
  const allNodes: Record<string, number> = {};
  let gpuNodes = 0;
  for (const n of nodes.items) {
    const pool = poolOf(n);
    allNodes[pool] = (allNodes[pool] ?? 0) + 1;
    if (!isReady(n)) continue;
    readyNodes[pool] = (readyNodes[pool] ?? 0) + 1;
    readyNodes[`${pool}/${zoneOf(n)}`] = (readyNodes[`${pool}/${zoneOf(n)}`] ?? 0) + 1;
    if (n.metadata.labels?.['kubernetes.azure.com/accelerator'] === 'nvidia') gpuNodes += 1;
  }
  const podsByPoolZone: Record<string, number> = {};
  let pendingPods = 0;
  for (const p of pods.items) {
    if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' || p.metadata.deletionTimestamp) continue;
    if (!p.spec.nodeName) {
      pendingPods += 1;
      continue;
    }
    // A pod bound to a node that is gone (e.g. a GPU daemon after scale-down) awaits garbage collection.
    const node = byName.get(p.spec.nodeName);
    if (!node) continue;
    const key = `${poolOf(node)}/${zoneOf(node)}`;
    podsByPoolZone[key] = (podsByPoolZone[key] ?? 0) + 1;
  }
  return {
    t: (Date.now() - t0) / 1000,
    readyNodes,
    nodes: allNodes,
    gpuNodes,
    pendingPods,
    podsByPoolZone,
    tenants: namespaces.items.filter((n) => n.metadata.name.startsWith('tenant-')).length,
  };
}

/** The short status the main command prints after bringing the platform up. */
export function formatStatus(s: Snapshot): string {
  const pools = Object.keys(s.nodes).sort();
  const lines = [
    `tenants: ${s.tenants}`,
    `nodes (ready/total): ${pools.map((p) => `${p} ${s.readyNodes[p] ?? 0}/${s.nodes[p]}`).join(', ')}`,
    `GPU nodes ready: ${s.gpuNodes}`,
    `pending pods: ${s.pendingPods}`,
    'pods per pool/zone:',
    ...Object.keys(s.podsByPoolZone)
      .sort()
      .map((k) => `  ${k.padEnd(28)} ${s.podsByPoolZone[k]}`),
  ];
  return lines.join('\n');
}
