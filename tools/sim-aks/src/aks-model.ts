import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load as loadYaml } from 'js-yaml';

/**
 * What the simulated cluster must look like, read from the **synthesized** Terraform of
 * apps/platform-infra (`dist/terraform/<env>/aks` and `.../gitops`). The pools there are rendered
 * from the typed definitions in `@panal/platform-model`, so the simulator, the infrastructure and
 * the scheduling rules of the manifests all start from one source and cannot drift: a pool added,
 * resized or re-tainted in code shows up here after `make synth`, without touching the simulator.
 */
export interface AksModel {
  /** Azure region (zone labels are `<region>-<n>`). */
  readonly region: string;
  /** Kubernetes minor the cluster runs (`orchestrator_version`). */
  readonly kubernetesMinor: string;
  /** Node pools, system pool first. */
  readonly pools: readonly AksPool[];
  /** The cluster autoscaler profile as AKS receives it. */
  readonly autoscalerProfile: AutoscalerProfile;
  /** Data of the `cluster-autoscaler-priority-expander` ConfigMap (kube-system). */
  readonly priorityExpander: string;
}

/** One AKS node pool. */
export interface AksPool {
  readonly name: string;
  readonly mode: 'System' | 'User';
  readonly vmSize: string;
  readonly zones: readonly string[];
  /** Autoscaler bounds; a pool without autoscaling has min = max = node count. */
  readonly minCount: number;
  readonly maxCount: number;
  readonly autoscaled: boolean;
  readonly spot: boolean;
  readonly gpu: boolean;
  /** Labels set on the pool (AKS adds its own, see node-templates.ts). */
  readonly labels: Readonly<Record<string, string>>;
  /** Taints as AKS applies them, including the ones AKS adds itself. */
  readonly taints: readonly { key: string; value: string; effect: string }[];
}

/** The subset of `auto_scaler_profile` the simulated autoscaler honours, in seconds. */
export interface AutoscalerProfile {
  readonly expander: string;
  readonly balanceSimilarNodeGroups: boolean;
  readonly maxNodeProvisionTime: number;
  readonly scaleDownUnneeded: number;
  readonly scaleDownDelayAfterAdd: number;
  readonly skipNodesWithSystemPods: boolean;
  /** AKS default when the profile leaves it out (learn.microsoft.com/azure/aks/cluster-autoscaler). */
  readonly scanInterval: number;
}

type TfJson = { resource: Record<string, Record<string, Record<string, unknown>>> };

const readJson = (path: string): TfJson => JSON.parse(readFileSync(path, 'utf8')) as TfJson;

/** `5m`, `10m`, `30s`, `1h` → seconds. */
export function durationSeconds(value: string, field: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(value);
  if (!m) throw new Error(`${field}: expected a duration like "10m" or "30s", but "${value}" was provided`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
}

function parseTaint(text: string, pool: string) {
  const m = /^([^=:]+)=([^:]*):(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(text);
  if (!m) throw new Error(`node pool ${pool}: taint "${text}" is not key=value:Effect`);
  return { key: m[1], value: m[2], effect: m[3] };
}

/** AKS adds this taint to every spot pool itself (learn.microsoft.com/azure/aks/spot-node-pool). */
const AKS_SPOT_TAINT = { key: 'kubernetes.azure.com/scalesetpriority', value: 'spot', effect: 'NoSchedule' };
/** `only_critical_addons_enabled` on the default pool becomes this taint. */
const CRITICAL_ADDONS_TAINT = { key: 'CriticalAddonsOnly', value: 'true', effect: 'NoSchedule' };

function withTaint(taints: AksPool['taints'], taint: AksPool['taints'][number]): AksPool['taints'] {
  return taints.some((t) => t.key === taint.key && t.effect === taint.effect) ? taints : [...taints, taint];
}

/**
 * Reads the AKS model of one environment from `dist/terraform/<environment>/`.
 * @param terraformDir e.g. `dist/terraform/prod`
 * @param region region of that environment (the Terraform JSON holds a reference, not the value)
 */
export function readAksModel(terraformDir: string, region: string): AksModel {
  const aks = readJson(join(terraformDir, 'aks', 'cdk.tf.json'));
  const clusters = Object.values(aks.resource.azurerm_kubernetes_cluster ?? {});
  if (clusters.length !== 1) throw new Error(`${terraformDir}/aks: expected one azurerm_kubernetes_cluster, found ${clusters.length}`);
  const cluster = clusters[0] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const system = cluster.default_node_pool;
  const pools: AksPool[] = [
    {
      name: system.name,
      mode: 'System',
      vmSize: system.vm_size,
      zones: system.zones,
      minCount: system.auto_scaling_enabled ? system.min_count : system.node_count,
      maxCount: system.auto_scaling_enabled ? system.max_count : system.node_count,
      autoscaled: Boolean(system.auto_scaling_enabled),
      spot: false,
      gpu: false,
      labels: system.node_labels ?? {},
      taints: system.only_critical_addons_enabled ? [CRITICAL_ADDONS_TAINT] : [],
    },
  ];
  const userPools = Object.values(aks.resource.azurerm_kubernetes_cluster_node_pool ?? {}) as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const p of [...userPools].sort((a, b) => String(a.name).localeCompare(String(b.name)))) {
    const spot = p.priority === 'Spot';
    let taints: AksPool['taints'] = (p.node_taints ?? []).map((t: string) => parseTaint(t, p.name));
    if (spot) taints = withTaint(taints, AKS_SPOT_TAINT);
    pools.push({
      name: p.name,
      mode: p.mode,
      vmSize: p.vm_size,
      zones: p.zones,
      minCount: p.auto_scaling_enabled ? p.min_count : p.node_count,
      maxCount: p.auto_scaling_enabled ? p.max_count : p.node_count,
      autoscaled: Boolean(p.auto_scaling_enabled),
      spot,
      gpu: p.gpu_driver !== undefined || /^Standard_N/.test(p.vm_size),
      labels: p.node_labels ?? {},
      taints,
    });
  }
  const profile = cluster.auto_scaler_profile ?? {};
  return {
    region,
    kubernetesMinor: String(cluster.kubernetes_version ?? system.orchestrator_version),
    pools,
    autoscalerProfile: {
      expander: profile.expander ?? 'random',
      balanceSimilarNodeGroups: Boolean(profile.balance_similar_node_groups),
      maxNodeProvisionTime: durationSeconds(profile.max_node_provisioning_time ?? '15m', 'auto_scaler_profile.max_node_provisioning_time'),
      scaleDownUnneeded: durationSeconds(profile.scale_down_unneeded ?? '10m', 'auto_scaler_profile.scale_down_unneeded'),
      scaleDownDelayAfterAdd: durationSeconds(profile.scale_down_delay_after_add ?? '10m', 'auto_scaler_profile.scale_down_delay_after_add'),
      skipNodesWithSystemPods: profile.skip_nodes_with_system_pods ?? true,
      scanInterval: durationSeconds(profile.scan_interval ?? '10s', 'auto_scaler_profile.scan_interval'),
    },
    priorityExpander: readPriorityExpander(terraformDir),
  };
}

/** The priority expander ConfigMap travels in the Argo CD release's `extraObjects` (gitops stack). */
function readPriorityExpander(terraformDir: string): string {
  const gitops = readJson(join(terraformDir, 'gitops', 'cdk.tf.json'));
  for (const release of Object.values(gitops.resource.helm_release ?? {})) {
    for (const values of (release.values as string[] | undefined) ?? []) {
      const doc = loadYaml(values) as { extraObjects?: { kind: string; metadata: { name: string }; data?: Record<string, string> }[] };
      const cm = doc?.extraObjects?.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'cluster-autoscaler-priority-expander');
      if (cm?.data?.priorities) return cm.data.priorities;
    }
  }
  throw new Error(`${terraformDir}/gitops: no cluster-autoscaler-priority-expander ConfigMap in the Argo CD release values`);
}
