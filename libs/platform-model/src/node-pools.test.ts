import { describe, expect, it } from 'vitest';
import { CPU_POOL_SELECTOR, CPU_POOLS, DEFAULT_NODE_POOLS, GPU_POOLS, GPU_TAINT, NodePool, perZonePools, POOL_ROLE_LABEL, poolRole, PoolRole, splitEvenly } from './node-pools';

describe('DEFAULT_NODE_POOLS', () => {
  const pool = (name: string) => DEFAULT_NODE_POOLS.find((p) => p.name === name)!;

  it('gives the autoscaled CPU capacity one pool per zone, and spans three zones with every other pool', () => {
    expect(CPU_POOLS.map((n) => pool(n).zones)).toEqual([['1'], ['2'], ['3']]);
    for (const p of DEFAULT_NODE_POOLS.filter((x) => poolRole(x) !== PoolRole.cpu)) expect(p.zones, p.name).toEqual(['1', '2', '3']);
  });

  it('gives the CPU capacity 3 to 150 nodes, split evenly over the zones', () => {
    const cpu = CPU_POOLS.map(pool);
    expect(cpu.map((p) => [p.minCount, p.maxCount])).toEqual([[1, 50], [1, 50], [1, 50]]);
    expect(new Set(cpu.map((p) => p.vmSize)).size).toBe(1);
  });

  it('selects every CPU pool, and only them, with the CPU role label', () => {
    const selected = DEFAULT_NODE_POOLS.filter((p) => Object.entries(CPU_POOL_SELECTOR).every(([k, v]) => p.labels[k] === v)).map((p) => p.name);
    expect(selected).toEqual([...CPU_POOLS]);
  });

  it('labels every pool with a known role', () => {
    expect(DEFAULT_NODE_POOLS.map((p) => [p.name, poolRole(p)])).toEqual([
      ['system', 'system'], ['cpu1', 'cpu'], ['cpu2', 'cpu'], ['cpu3', 'cpu'], ['gpuspot', 'gpu'], ['gpuondemand', 'gpu'],
    ]);
    expect(() => poolRole({ name: NodePool.cpu1, labels: { [POOL_ROLE_LABEL]: 'cpus' } })).toThrow('nodePools[cpu1].labels["panal.io/pool"] must be one of system, cpu, gpu, but "cpus" was provided');
  });

  it('lets both GPU pools scale to zero, keeps them tainted, and makes only one of them spot', () => {
    expect(GPU_POOLS).toEqual([NodePool.gpuSpot, NodePool.gpuOnDemand]);
    for (const name of GPU_POOLS) {
      expect(pool(name).minCount, name).toBe(0);
      expect(pool(name).taints, name).toContainEqual(GPU_TAINT);
    }
    expect(pool(NodePool.gpuSpot).spot).toBe(true);
    expect(pool(NodePool.gpuOnDemand).spot).toBe(false);
  });

  it('keeps AKS pool names valid (lower-case alphanumerics, at most 12 characters)', () => {
    for (const p of DEFAULT_NODE_POOLS) expect(p.name).toMatch(/^[a-z][a-z0-9]{0,11}$/);
  });

  it('never taints the CPU pools, so tenant workloads need no tolerations', () => {
    for (const name of CPU_POOLS) expect(pool(name).taints, name).toEqual([]);
    expect(pool(NodePool.system).taints.map((t) => t.key)).toEqual(['CriticalAddonsOnly']);
  });
});

describe('perZonePools', () => {
  const base = { mode: 'User', vmSize: 'Standard_D8ds_v5', minCount: 4, maxCount: 7, spot: false, taints: [], labels: { [POOL_ROLE_LABEL]: PoolRole.cpu }, gpusPerNode: 0 } as const;

  it('splits the bounds without losing or inventing nodes, the remainder to the first zones', () => {
    const pools = perZonePools(CPU_POOLS, base);
    expect(pools.map((p) => [p.name, p.zones, p.minCount, p.maxCount])).toEqual([['cpu1', ['1'], 2, 3], ['cpu2', ['2'], 1, 2], ['cpu3', ['3'], 1, 2]]);
    expect(splitEvenly(0, 3)).toEqual([0, 0, 0]);
  });

  it('refuses a name list that is not one pool per zone', () => {
    expect(() => perZonePools([NodePool.cpu1, NodePool.cpu2], base)).toThrow('perZonePools: names must give one pool per zone (3), but ["cpu1","cpu2"] was provided');
  });
});
