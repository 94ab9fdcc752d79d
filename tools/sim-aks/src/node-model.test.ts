import { join } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { DEFAULT_NODE_POOLS, GPU_TAINT, SPOT_TAINT } from '@panal/platform-model';
import { describe, expect, it } from 'vitest';
import { durationSeconds, readAksModel } from './aks-model.ts';
import { REPO_ROOT } from './cluster.ts';
import { autoscalerTemplates, initialNodes, nodeGroups, poolNode } from './node-templates.ts';
import { autoscalerFlags, TEST_PROFILE, REALTIME_PROFILE, readTimings } from './profile.ts';
import { kwokStages } from './stages.ts';

const model = readAksModel(join(REPO_ROOT, 'dist', 'terraform', 'prod'), 'swedencentral');

describe('the simulated AKS reads its shape from the synthesized Terraform', () => {
  it('has exactly the typed pools of @panal/platform-model, with their sizes, bounds and taints', () => {
    expect(model.pools.map((p) => p.name).sort()).toEqual(DEFAULT_NODE_POOLS.map((p) => p.name).sort());
    for (const typed of DEFAULT_NODE_POOLS) {
      const pool = model.pools.find((p) => p.name === typed.name)!;
      expect({ vmSize: pool.vmSize, min: pool.minCount, max: pool.maxCount, zones: pool.zones, spot: pool.spot, gpu: pool.gpu }).toEqual({
        vmSize: typed.vmSize, min: typed.minCount, max: typed.maxCount, zones: typed.zones, spot: typed.spot, gpu: typed.gpusPerNode > 0,
      });
      for (const taint of typed.taints) expect(pool.taints).toContainEqual(taint);
      // AKS adds the spot taint to spot pools itself; the simulated nodes must carry it too.
      if (typed.spot) expect(pool.taints).toContainEqual(SPOT_TAINT);
    }
  });

  it('takes the autoscaler profile and the priority expander from the same synthesized files', () => {
    expect(model.autoscalerProfile).toMatchObject({ expander: 'priority', balanceSimilarNodeGroups: true, maxNodeProvisionTime: 600, scaleDownUnneeded: 600 });
    expect(model.priorityExpander).toMatch(/^10:\n/);
    expect(model.priorityExpander).toContain('.*-gpuspot-.*');
  });

  it('parses autoscaler durations and rejects anything else', () => {
    expect(durationSeconds('10m', 'x')).toBe(600);
    expect(durationSeconds('30s', 'x')).toBe(30);
    expect(() => durationSeconds('10 minutes', 'auto_scaler_profile.scale_down_unneeded')).toThrow(/auto_scaler_profile.scale_down_unneeded: expected a duration/);
  });
});

describe('nodes that look like AKS', () => {
  const templates = autoscalerTemplates(model, 'v1.36.3');
  const initial = initialNodes(model, 'v1.36.3');

  it('names node groups so the production priority-expander regexes pick spot first', () => {
    const names = nodeGroups(model).map((g) => g.name);
    const priorities = loadYaml(model.priorityExpander) as Record<number, string[]>;
    const highest = Math.max(...Object.keys(priorities).map(Number));
    const spotRegexes = priorities[highest].map((r) => new RegExp(`^${r}$`));
    expect(names.filter((n) => spotRegexes.some((r) => r.test(n)))).toEqual(['aks-gpuspot-vmss']);
    // Every group is matched by exactly one production regex: its own pool's.
    const allRegexes = Object.values(priorities).flat().map((r) => new RegExp(`^${r}$`));
    for (const n of names) expect(allRegexes.filter((r) => r.test(n)), n).toHaveLength(1);
  });

  it('has exactly one node group per Terraform pool: the CPU pools one zone each, the GPU pools one group each', () => {
    const groups = nodeGroups(model);
    expect(groups.map((g) => g.name).sort()).toEqual(model.pools.map((p) => `aks-${p.name}-vmss`).sort());
    expect(groups.filter((g) => g.pool.labels['panal.io/pool'] === 'cpu').map((g) => [g.name, g.zone, g.minCount, g.maxCount])).toEqual([
      ['aks-cpu1-vmss', '1', 1, 50],
      ['aks-cpu2-vmss', '2', 1, 50],
      ['aks-cpu3-vmss', '3', 1, 50],
    ]);
    // The templates of the CPU groups carry the zone their pool is in, so a scale-up lands there.
    const cpuTemplates = templates.filter((t) => t.metadata.labels['panal.io/pool'] === 'cpu');
    expect(cpuTemplates.map((t) => t.metadata.labels['topology.kubernetes.io/zone'])).toEqual(['swedencentral-1', 'swedencentral-2', 'swedencentral-3']);
    expect(groups.find((g) => g.name === 'aks-gpuspot-vmss')).toMatchObject({ minCount: 0, maxCount: 4 });
  });

  it('labels and taints spot GPU nodes as AKS does, with GPU capacity', () => {
    const spot = templates.find((t) => t.metadata.name === 'aks-gpuspot-vmss')!;
    expect(spot.metadata.labels).toMatchObject({
      'kubernetes.azure.com/agentpool': 'gpuspot',
      agentpool: 'gpuspot',
      'kubernetes.azure.com/scalesetpriority': 'spot',
      'kubernetes.azure.com/accelerator': 'nvidia',
      'topology.kubernetes.io/zone': 'swedencentral-1',
      'node.kubernetes.io/instance-type': 'Standard_NC40ads_H100_v5',
    });
    expect(spot.spec.taints).toEqual(expect.arrayContaining([GPU_TAINT, SPOT_TAINT]));
    expect((spot.status.allocatable as Record<string, string>)['nvidia.com/gpu']).toBe('1');
    // Registers NotReady, like a kubelet, so nothing binds to a booting node.
    expect(spot.status.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'False' })]);
    expect(spot.metadata.annotations['cluster-autoscaler.kwok.nodegroup/min-count']).toBe('0');
  });

  it('starts every pool at its minimum, Ready, spread over the three zones', () => {
    const byPool = (pool: string) => initial.filter((n) => n.metadata.labels['kubernetes.azure.com/agentpool'] === pool);
    expect(byPool('system').map((n) => n.metadata.labels['topology.kubernetes.io/zone']).sort()).toEqual(['swedencentral-1', 'swedencentral-2', 'swedencentral-3']);
    for (const [pool, zone] of [['cpu1', '1'], ['cpu2', '2'], ['cpu3', '3']]) {
      expect(byPool(pool).map((n) => n.metadata.labels['topology.kubernetes.io/zone']), pool).toEqual([`swedencentral-${zone}`]);
    }
    expect(byPool('gpuspot')).toHaveLength(0);
    expect(byPool('system')[0].spec.taints).toContainEqual({ key: 'CriticalAddonsOnly', value: 'true', effect: 'NoSchedule' });
  });

  it('builds a node of a pool from that pool\'s autoscaler template, without the provider bookkeeping, booting', () => {
    const node = poolNode(model, 'gpuondemand', 'aks-gpuondemand-vmss-test00', 'v1.36.3');
    const template = templates.find((t) => t.metadata.name === 'aks-gpuondemand-vmss')!;
    expect(node.metadata.labels).toEqual({ ...template.metadata.labels, 'kubernetes.io/hostname': 'aks-gpuondemand-vmss-test00' });
    expect(node.spec.taints).toEqual(template.spec.taints);
    expect(node.status).toEqual({ ...template.status, nodeInfo: expect.anything() });
    // None of the kwok provider's bookkeeping (min/max/desired counts, node-group name).
    expect(Object.keys(node.metadata.annotations).filter((k) => k.startsWith('cluster-autoscaler.kwok'))).toEqual([]);
    expect(() => poolNode(model, 'gpu', 'x', 'v1.36.3')).toThrow('poolNode: no node pool "gpu" in the synthesized Terraform');
  });
});

describe('time compression', () => {
  const timings = readTimings();

  it('compresses the production autoscaler profile by the test scale and leaves realtime alone', () => {
    expect(autoscalerFlags(TEST_PROFILE, model.autoscalerProfile)).toContain('--max-node-provision-time=30000ms');
    expect(autoscalerFlags(REALTIME_PROFILE, model.autoscalerProfile)).toContain('--max-node-provision-time=600000ms');
    expect(autoscalerFlags(TEST_PROFILE, model.autoscalerProfile)).toContain('--max-graceful-termination-sec=30');
  });

  it('gives each node and pod exactly one boot stage (kwok picks at random among matches)', () => {
    const stages = kwokStages(TEST_PROFILE, timings);
    const boot = stages.filter((s) => s.metadata.name.startsWith('node-boot') || s.metadata.name === 'node-never-boots');
    // GPU vs CPU and booting vs never-boots are complementary selector pairs.
    expect(boot.map((s) => s.metadata.name).sort()).toEqual(['node-boot-cpu', 'node-boot-gpu', 'node-never-boots']);
    const gpuBoot = stages.find((s) => s.metadata.name === 'node-boot-gpu')!;
    expect(gpuBoot.spec.delay?.durationMilliseconds).toBe(Math.round(timings.nodeBoot.gpu * TEST_PROFILE.timeScale * 1000));
    // A node the controller marked Unknown after it had reported comes back without booting again.
    const reason = (name: string) => stages.find((s) => s.metadata.name === name)!.spec.selector.matchExpressions.find((e) => e.key.endsWith('.reason'));
    expect([reason('node-boot-cpu'), reason('node-boot-gpu'), reason('node-ready-again')].map((e) => `${e?.operator} ${e?.values}`)).toEqual(['NotIn NodeStatusUnknown', 'NotIn NodeStatusUnknown', 'In NodeStatusUnknown']);
    const podStarts = stages.filter((s) => s.metadata.name.startsWith('pod-start')).map((s) => s.spec.selector.matchExpressions.find((e) => e.key.includes('panal.io/model')));
    expect(podStarts.map((e) => e?.operator).sort()).toEqual(['DoesNotExist', 'Exists', 'In']);
  });
});
