import { describe, expect, it } from 'vitest';
import { DEFAULT_NODE_POOLS, GPU_POOLS, GPU_TAINT, NodePool } from './node-pools';

describe('DEFAULT_NODE_POOLS', () => {
  const pool = (name: string) => DEFAULT_NODE_POOLS.find((p) => p.name === name)!;

  it('spans three zones with every pool', () => {
    for (const p of DEFAULT_NODE_POOLS) expect(p.zones, p.name).toEqual(['1', '2', '3']);
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

  it('never taints the CPU pool, so tenant workloads need no tolerations', () => {
    expect(pool(NodePool.cpu).taints).toEqual([]);
    expect(pool(NodePool.system).taints.map((t) => t.key)).toEqual(['CriticalAddonsOnly']);
  });
});
