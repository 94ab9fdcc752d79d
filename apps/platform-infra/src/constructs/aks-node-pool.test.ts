import '../testing/cdktf-matchers';
import { KubernetesClusterNodePool } from '../imports/azurerm/kubernetes-cluster-node-pool/index.js';
import { DEFAULT_NODE_POOLS, GPU_TAINT, NodePool } from '@panal/platform-model';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { AksNodePool, formatTaint } from './aks-node-pool';

describe('AksNodePool', () => {
  const spec = (name: string) => DEFAULT_NODE_POOLS.find((p) => p.name === name)!;
  const synth = (name: string) =>
    Testing.synthScope((scope) => new AksNodePool(scope, 'pool', { kubernetesClusterId: 'cluster-id', vnetSubnetId: 'subnet-id', orchestratorVersion: '1.36', spec: spec(name) }));

  it('renders the spot GPU pool from its platform-model definition', () => {
    // GIVEN the gpuspot definition WHEN it is rendered in a scope
    const out = synth(NodePool.gpuSpot);
    // THEN it is a Spot pool at on-demand price cap, deleting evicted VMs, that scales to zero
    expect(out).toHaveResourceWithProperties(KubernetesClusterNodePool, {
      name: 'gpuspot',
      vm_size: 'Standard_NC40ads_H100_v5',
      priority: 'Spot',
      spot_max_price: -1,
      eviction_policy: 'Delete',
      min_count: 0,
      zones: ['1', '2', '3'],
      node_taints: ['nvidia.com/gpu=present:NoSchedule', 'kubernetes.azure.com/scalesetpriority=spot:NoSchedule'],
    });
  });

  it('renders a CPU pool in its one zone, without GPU driver, taints or spot settings', () => {
    const out = synth(NodePool.cpu2);
    expect(out).toHaveResourceWithProperties(KubernetesClusterNodePool, { name: 'cpu2', zones: ['2'], priority: 'Regular', node_taints: [], node_labels: { 'panal.io/pool': 'cpu' } });
    expect(out).not.toHaveResourceWithProperties(KubernetesClusterNodePool, { gpu_driver: 'Install' });
  });

  it('formats taints as AKS expects them', () => expect(formatTaint(GPU_TAINT)).toBe('nvidia.com/gpu=present:NoSchedule'));
});
