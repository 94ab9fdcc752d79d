import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import type { AksModel, AksPool } from './aks-model.ts';
import { DATA_DIR } from './profile.ts';

/** Node object as the API server takes it (only the fields we set). */
export interface NodeObject {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: { providerID?: string; taints: { key: string; value: string; effect: string }[] };
  status: Record<string, unknown>;
}

/** Label the kwok cloud provider groups nodes by (one node group per AKS pool). */
export const NODE_GROUP_LABEL = 'sim.panal.io/node-group';
/** Annotation that hands a node to the kwok controller ("fake" = alive; anything else = lost). */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
/** The kwok cloud provider tracks its nodes by this annotation. */
const KWOK_NODE_GROUP_ANNOTATION = 'cluster-autoscaler.kwok.nodegroup/name';

interface VmSize {
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
}

export function readVmSizes(path = join(DATA_DIR, 'vm-sizes.yaml')): Record<string, VmSize> {
  return loadYaml(readFileSync(path, 'utf8')) as Record<string, VmSize>;
}

/**
 * The autoscaler's unit: exactly one node group per pool of the synthesized Terraform, as AKS runs
 * one VM scale set per pool, named like its scale set (`aks-<pool>-vmss`; the production
 * priority-expander regexes `.*-<pool>-.*` match it). The kwok provider builds every node of a group
 * from one template, which carries one zone label:
 * - the CPU pools are one zone each (cpu1-3, docs/adr/0014-un-pool-de-cpu-por-zona.md), so their
 *   template is exact and a scale-up lands in the zone the pending pod needs;
 * - a pool across several zones (the GPU pools) gets its first zone on the template: the premium
 *   model has one replica and no hard zone spread, so the zone it lands in does not matter here;
 * - the system pool is not autoscaled (no template); its fixed nodes are spread over its zones.
 */
export interface NodeGroup {
  readonly name: string;
  readonly pool: AksPool;
  /** The zone of the group's template (the first zone of the pool). */
  readonly zone: string;
  readonly minCount: number;
  readonly maxCount: number;
}

export function nodeGroups(model: AksModel): NodeGroup[] {
  return model.pools.map((pool) => ({ name: `aks-${pool.name}-vmss`, pool, zone: pool.zones[0], minCount: pool.minCount, maxCount: pool.maxCount }));
}

/** Labels AKS puts on a node of `pool` in `zone`, plus the pool's own labels. */
export function aksNodeLabels(model: AksModel, group: NodeGroup, nodeName: string, zone = group.zone): Record<string, string> {
  const { pool } = group;
  return {
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/os': 'linux',
    'kubernetes.io/hostname': nodeName,
    'node.kubernetes.io/instance-type': pool.vmSize,
    'topology.kubernetes.io/region': model.region,
    'topology.kubernetes.io/zone': `${model.region}-${zone}`,
    'kubernetes.azure.com/agentpool': pool.name,
    agentpool: pool.name,
    'kubernetes.azure.com/mode': pool.mode.toLowerCase(),
    'kubernetes.azure.com/os-sku': 'AzureLinux',
    ...(pool.spot ? { 'kubernetes.azure.com/scalesetpriority': 'spot' } : {}),
    ...(pool.gpu ? { 'kubernetes.azure.com/accelerator': 'nvidia' } : {}),
    ...pool.labels,
    [NODE_GROUP_LABEL]: group.name,
  };
}

/** A kubelet registers its node NotReady with this taint; the node lifecycle controller removes it once Ready. */
const NOT_READY_TAINT = { key: 'node.kubernetes.io/not-ready', value: '', effect: 'NoSchedule' };

function nodeObject(model: AksModel, group: NodeGroup, name: string, vm: VmSize, kubeletVersion: string, zone = group.zone): NodeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: aksNodeLabels(model, group, name, zone),
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake' },
    },
    spec: { taints: [...group.pool.taints.map((t) => ({ ...t })), NOT_READY_TAINT] },
    status: {
      // A kubelet registers its node with Ready=False until it is up; without that condition the
      // node lifecycle controller would lift the not-ready taint and pods would bind to a booting node.
      conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'node is booting (simulated)' }],
      capacity: vm.capacity,
      allocatable: vm.allocatable,
      nodeInfo: {
        kubeletVersion, kubeProxyVersion: '', architecture: 'amd64', operatingSystem: 'linux', osImage: 'AzureLinux (simulated by kwok)',
        kernelVersion: 'kwok', containerRuntimeVersion: 'kwok', machineID: name, systemUUID: name, bootID: name,
      },
    },
  };
}

function vmOf(vmSizes: Record<string, VmSize>, pool: AksPool): VmSize {
  const vm = vmSizes[pool.vmSize];
  if (!vm) throw new Error(`data/vm-sizes.yaml: no entry for ${pool.vmSize} (node pool ${pool.name}); add its capacity and allocatable`);
  return vm;
}

/**
 * Templates for the kwok cloud provider, one per autoscaled node group. The not-ready taint is
 * one the autoscaler strips from templates (it is a node-condition taint), so simulated scale-ups
 * behave as for a real VM scale set.
 */
export function autoscalerTemplates(model: AksModel, kubeletVersion: string, vmSizes = readVmSizes()): NodeObject[] {
  return nodeGroups(model)
    .filter((g) => g.pool.autoscaled)
    .map((g) => {
      const node = nodeObject(model, g, g.name, vmOf(vmSizes, g.pool), kubeletVersion);
      node.metadata.annotations = {
        ...node.metadata.annotations,
        'cluster-autoscaler.kwok.nodegroup/min-count': String(g.minCount),
        'cluster-autoscaler.kwok.nodegroup/max-count': String(g.maxCount),
        'cluster-autoscaler.kwok.nodegroup/desired-count': String(g.minCount),
      };
      return node;
    });
}

/**
 * A new node of `poolName`, built from the very template the autoscaler's kwok provider scales that
 * pool with, without the provider's bookkeeping annotations: it registers NotReady and kwok boots it
 * after the pool's boot time. What a scenario on a cluster without the autoscaler uses to put GPU
 * capacity in place when the behaviour under test (e.g. GPU exclusivity) is not the autoscaler's, so
 * the proof is the same whether the autoscaler is built or not.
 */
export function poolNode(model: AksModel, poolName: string, name: string, kubeletVersion: string, vmSizes = readVmSizes()): NodeObject {
  const group = nodeGroups(model).find((g) => g.pool.name === poolName);
  if (!group) throw new Error(`poolNode: no node pool "${poolName}" in the synthesized Terraform (pools: ${model.pools.map((p) => p.name).join(', ')})`);
  const node = nodeObject(model, group, name, vmOf(vmSizes, group.pool), kubeletVersion);
  node.spec.providerID = `azure:///simulated/${name}`;
  return node;
}

/**
 * Nodes that exist before anything is scheduled: every pool at its minimum (the system pool at
 * its fixed size). Autoscaled ones carry the kwok provider's bookkeeping so the autoscaler counts
 * them in their group; they start Ready (a cluster that is already up).
 *
 * With `size: 'max'` every pool starts at its declared maximum instead: the capacity the autoscaler
 * could reach at most, put in place at once. It stands in for the autoscaler's upper bound where the
 * autoscaler is not built; it says whether a load fits the maxima, not how the autoscaler gets there.
 */
export function initialNodes(model: AksModel, kubeletVersion: string, vmSizes = readVmSizes(), size: 'min' | 'max' = 'min'): NodeObject[] {
  return nodeGroups(model).flatMap((g) =>
    Array.from({ length: size === 'max' ? g.maxCount : g.minCount }, (_, i) => {
      const name = `${g.name}-${String(i).padStart(5, '0')}`;
      // AKS balances a multi-zone scale set over its zones: the system pool's 3 nodes are one per zone.
      const node = nodeObject(model, g, name, vmOf(vmSizes, g.pool), kubeletVersion, g.pool.zones[i % g.pool.zones.length]);
      node.spec.taints = node.spec.taints.filter((t) => t.key !== NOT_READY_TAINT.key);
      node.status = { ...node.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'preprovisioned' }] };
      if (g.pool.autoscaled) {
        node.metadata.annotations[KWOK_NODE_GROUP_ANNOTATION] = g.name;
        node.spec.providerID = `kwok:${name}`;
      } else {
        node.spec.providerID = `azure:///simulated/${name}`;
      }
      return node;
    }),
  );
}

/** The kwok provider's own configuration (ConfigMap `kwok-provider-config`, key `config`). */
export function kwokProviderConfig(): string {
  return [
    'apiVersion: v1alpha1',
    'readNodesFrom: configmap',
    'nodegroups:',
    `  fromNodeLabelKey: "${NODE_GROUP_LABEL}"`,
    'nodes:',
    // Our templates already carry every AKS taint; the provider's own marker taint would keep pods off.
    '  skipTaint: true',
    '  gpuConfig:',
    '    gpuLabelKey: "kubernetes.azure.com/accelerator"',
    '    availableGPUTypes:',
    '      "nvidia": {}',
    'configmap:',
    '  name: kwok-provider-templates',
    '  key: templates',
    '',
  ].join('\n');
}
