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

/** Label the kwok cloud provider groups nodes by (one node group per pool and zone). */
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
 * The autoscaler's unit. AKS runs one VM scale set per pool across its zones; the kwok provider
 * builds every node of a group from one template, which carries one zone label. So:
 * - pools whose workloads spread over zones (system, cpu) become one node group per zone, named like
 *   AKS's scale sets (`aks-<pool>-z<zone>-vmss`, which the production priority-expander regexes
 *   `.*-<pool>-.*` match) and balanced by `balance-similar-node-groups`, the setting AKS documents
 *   for zone-spanning pools; minimum and maximum are split over the zones;
 * - GPU pools stay one node group each (`aks-<pool>-vmss`), as in AKS, so a stock-out times out once
 *   for the whole pool and the fallback happens after one `max-node-provision-time`, not one per
 *   zone. Their nodes carry the pool's first zone (the premium model has one replica and no spread).
 */
export interface NodeGroup {
  readonly name: string;
  readonly pool: AksPool;
  readonly zone: string;
  readonly minCount: number;
  readonly maxCount: number;
}

/** Splits `total` over `parts` as evenly as possible, remainder to the first parts. */
export function splitEvenly(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

export function nodeGroups(model: AksModel): NodeGroup[] {
  return model.pools.flatMap((pool) => {
    if (pool.gpu) return [{ name: `aks-${pool.name}-vmss`, pool, zone: pool.zones[0], minCount: pool.minCount, maxCount: pool.maxCount }];
    const mins = splitEvenly(pool.minCount, pool.zones.length);
    const maxs = splitEvenly(pool.maxCount, pool.zones.length);
    return pool.zones.map((zone, i) => ({ name: `aks-${pool.name}-z${zone}-vmss`, pool, zone, minCount: mins[i], maxCount: maxs[i] }));
  });
}

/** Labels AKS puts on a node of `pool` in `zone`, plus the pool's own labels. */
export function aksNodeLabels(model: AksModel, group: NodeGroup, nodeName: string): Record<string, string> {
  const { pool } = group;
  return {
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/os': 'linux',
    'kubernetes.io/hostname': nodeName,
    'node.kubernetes.io/instance-type': pool.vmSize,
    'topology.kubernetes.io/region': model.region,
    'topology.kubernetes.io/zone': `${model.region}-${group.zone}`,
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

function nodeObject(model: AksModel, group: NodeGroup, name: string, vm: VmSize, kubeletVersion: string): NodeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: aksNodeLabels(model, group, name),
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
 * Nodes that exist before anything is scheduled: every pool at its minimum (the system pool at
 * its fixed size). Autoscaled ones carry the kwok provider's bookkeeping so the autoscaler counts
 * them in their group; they start Ready (a cluster that is already up).
 */
export function initialNodes(model: AksModel, kubeletVersion: string, vmSizes = readVmSizes()): NodeObject[] {
  return nodeGroups(model).flatMap((g) =>
    Array.from({ length: g.minCount }, (_, i) => {
      const name = `${g.name}-${String(i).padStart(5, '0')}`;
      const node = nodeObject(model, g, name, vmOf(vmSizes, g.pool), kubeletVersion);
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
