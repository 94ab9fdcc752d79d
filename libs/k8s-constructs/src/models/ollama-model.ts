import { GPU_POOLS, GPU_TAINT, SPOT_TAINT } from '@panal/platform-model';
import { OLLAMA_PORT, type ModelSpec } from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/hardening';
import { appLabels } from '../common/labels';
import { AKS_AGENTPOOL_LABEL, CPU_POOL_SELECTOR, NodePool, ZONE_LABEL } from '../common/node-pools';
import { syncWave, SyncWave } from '../common/sync-waves';
import { zoneSpread } from '../common/topology-spread';

/** Props of {@link OllamaModel}. */
export interface OllamaModelProps {
  /** The model served (pool, size, parallelism) from the catalogue. */
  readonly model: ModelSpec;
  /** Namespace of the model's pool. */
  readonly namespace: string;
  /** Ollama image, pinned. */
  readonly image: string;
  /** Read-only claim on the shared model store. */
  readonly modelStoreClaim: string;
  /**
   * Replica bounds. Standard models keep `min >= 2` (a zone loss leaves one serving) and scale on
   * CPU with an HPA; premium models are scaled by KEDA from zero, so the Deployment has no replicas field.
   * @default { min: 2, max: 6 } for standard models
   */
  readonly replicas?: { readonly min: number; readonly max: number };
  /**
   * CPU cores requested per replica (standard: inference runs on these cores).
   * @default 6 for standard, 8 for premium
   */
  readonly cpuCores?: number;
  /**
   * Priority class of premium pods (so a GPU node is never held by anything less important).
   * @default 'panal-premium-model'
   */
  readonly priorityClassName?: string;
  /**
   * Grace period on deletion; must fit the ≥30 s spot eviction notice.
   * @default 25
   * @see https://learn.microsoft.com/azure/virtual-machines/linux/scheduled-events
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * How long the `wait-for-model` init container waits for the model's files in the read-only store
   * before it fails (the kubelet then restarts it with back-off). The seed Job may copy 40 GiB.
   * @default 3600
   */
  readonly modelWaitSeconds?: number;
}

/** Name of the init container that holds a pod in `Init` until its model is in the store. */
export const WAIT_FOR_MODEL_CONTAINER = 'wait-for-model';
/** Where the pods mount the read-only model store (`OLLAMA_MODELS`). */
const MODELS_DIR = '/models';

/**
 * Path, relative to the store root (`OLLAMA_MODELS`), of a library model's manifest:
 * `manifests/registry.ollama.ai/library/<name>/<tag>` (tag `latest` when none is given).
 * @throws Error when `modelId` is not a library model `<name>[:<tag>]`
 */
export function ollamaManifestPath(modelId: string): string {
  const [name, tag = 'latest', extra] = modelId.split(':');
  if (extra !== undefined || !name || !/^[a-z0-9][a-z0-9._-]*$/.test(name) || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(tag)) {
    throw new Error(`model id must be a library model <name>[:<tag>], but "${modelId}" was provided`);
  }
  return `manifests/registry.ollama.ai/library/${name}/${tag}`;
}

/**
 * POSIX sh run by the `wait-for-model` init container: exits 0 once the model's manifest is in
 * `$OLLAMA_MODELS` and every blob it names (config and layers) is there with the size the manifest
 * gives (a blob `azcopy` is still writing is shorter); logs what it waits for every `pollSeconds`;
 * exits 1 after `timeoutSeconds` with the missing file. Without it a new pod runs its postStart
 * (`ollama run`) against a store the seed Job has not filled yet, fails it and crash-loops.
 */
export function waitForModelScript(modelId: string, timeoutSeconds: number, pollSeconds = 10): string {
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) throw new Error(`timeoutSeconds must be a positive integer, but ${timeoutSeconds} was provided`);
  if (!Number.isInteger(pollSeconds) || pollSeconds < 1) throw new Error(`pollSeconds must be a positive integer, but ${pollSeconds} was provided`);
  const manifest = ollamaManifestPath(modelId);
  return [
    'set -u',
    `store="\${OLLAMA_MODELS:-${MODELS_DIR}}"`,
    `manifest="$store/${manifest}"`,
    `deadline=$(( $(date +%s) + ${timeoutSeconds} ))`,
    `echo "wait-for-model: waiting up to ${timeoutSeconds} s for ${modelId} in $store (copied there by the model-seed Job)"`,
    'while :; do',
    '  missing=""',
    '  if [ -f "$manifest" ]; then',
    // "digest":"sha256:<hex>","size":<n> pairs of the config and every layer, as "<hex> <n>" words.
    String.raw`    pairs=$(grep -o '"digest": *"sha256:[0-9a-f]\{64\}", *"size": *[0-9]*' "$manifest" | sed 's/.*sha256:\([0-9a-f]*\)".*: *\([0-9]*\)$/\1 \2/')`,
    '    [ -n "$pairs" ] || missing="the blobs named by $manifest (it names none yet)"',
    '    set -- $pairs',
    '    while [ $# -ge 2 ]; do',
    '      blob="$store/blobs/sha256-$1"',
    '      if [ ! -f "$blob" ] || [ "$(wc -c < "$blob" | tr -d " ")" != "$2" ]; then missing="$blob ($2 bytes)"; break; fi',
    '      shift 2',
    '    done',
    '  else',
    '    missing="$manifest"',
    '  fi',
    `  if [ -z "$missing" ]; then echo "wait-for-model: ${modelId} is in the store"; exit 0; fi`,
    `  if [ "$(date +%s)" -ge "$deadline" ]; then echo "wait-for-model: gave up after ${timeoutSeconds} s: $missing is not in the store; has the model-seed Job in namespace model-store finished?" >&2; exit 1; fi`,
    '  echo "wait-for-model: still missing $missing"',
    `  sleep ${pollSeconds}`,
    'done',
  ].join('\n');
}

/** Labels that select one model's pods. */
export function modelPodLabels(model: ModelSpec): Record<string, string> {
  return { 'app.kubernetes.io/name': 'ollama', 'panal.io/model': model.slug };
}

/** Seconds the startup probe allows for loading weights from the NFS share into memory. */
export function modelLoadBudgetSeconds(model: ModelSpec): number {
  return model.pool === 'premium' ? 600 : 180;
}

/**
 * One Ollama Deployment serving one model from the read-only shared store, with its Service and PDB.
 * Standard models: `cpu` pool, spread over three zones (hard), HPA on CPU, no GPU request or toleration.
 * Premium models: one `nvidia.com/gpu`, tolerate the GPU and spot taints, **required** affinity to
 * the GPU pools with spot **preferred** over on-demand, a priority class and a grace period that
 * fits the spot eviction notice. The model is loaded by a postStart hook, so a pod is Ready only
 * once the weights are in memory. Ollama's management API (pull, delete, create) is unreachable
 * from tenants: only the inference gateway may connect (NetworkPolicies).
 * @see https://github.com/ollama/ollama/blob/main/docs/faq.md
 */
export class OllamaModel extends Construct {
  /** Deployment and Service name, `ollama-<slug>`. */
  public readonly name: string;
  /** Pod labels. */
  public readonly podLabels: Record<string, string>;

  constructor(scope: Construct, id: string, props: OllamaModelProps) {
    super(scope, id);
    const { model } = props;
    const premium = model.pool === 'premium';
    this.name = `ollama-${model.slug}`;
    this.podLabels = modelPodLabels(model);
    const replicas = props.replicas ?? { min: 2, max: 6 };
    if (!premium && replicas.min < 2) throw new Error(`replicas.min of standard model ${model.id} must be at least 2 so a zone loss keeps it serving, but ${replicas.min} was provided`);
    if (replicas.max < replicas.min) throw new Error(`replicas.max of ${model.id} must be at least replicas.min (${replicas.min}), but ${replicas.max} was provided`);
    const grace = props.terminationGracePeriodSeconds ?? 25;
    if (grace < 5 || grace > 30) throw new Error(`terminationGracePeriodSeconds must be between 5 and 30 to fit the 30 s spot eviction notice, but ${grace} was provided`);
    const cpu = props.cpuCores ?? (premium ? 8 : 6);
    if (cpu <= 0) throw new Error(`cpuCores must be positive, but ${cpu} was provided`);

    const labels = { ...appLabels('ollama', premium ? 'premium-model' : 'standard-model'), ...this.podLabels };
    const memory = k8s.Quantity.fromString(`${model.memoryGiB}Gi`);
    const memoryLimit = k8s.Quantity.fromString(`${model.memoryGiB + 4}Gi`);
    const gpu: Record<string, k8s.Quantity> = premium ? { 'nvidia.com/gpu': k8s.Quantity.fromNumber(1) } : {};
    const scheduling: Partial<k8s.PodSpec> = premium
      ? {
          priorityClassName: props.priorityClassName ?? 'panal-premium-model',
          tolerations: [GPU_TAINT, SPOT_TAINT].map((t) => ({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect })),
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: AKS_AGENTPOOL_LABEL, operator: 'In', values: [...GPU_POOLS] }] }] },
              preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: AKS_AGENTPOOL_LABEL, operator: 'In', values: [NodePool.gpuSpot] }] } }],
            },
          },
          // GPU capacity is scarce: spread when possible, never refuse to run for balance.
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: ZONE_LABEL, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: this.podLabels }, matchLabelKeys: ['pod-template-hash'] }],
        }
      : {
          nodeSelector: { ...CPU_POOL_SELECTOR },
          topologySpreadConstraints: zoneSpread(this.podLabels),
        };
    const loadBudget = modelLoadBudgetSeconds(model);
    const waitSeconds = props.modelWaitSeconds ?? 3600;
    const modelsMount: k8s.VolumeMount = { name: 'models', mountPath: MODELS_DIR, readOnly: true };
    const meta = { name: this.name, namespace: props.namespace, labels, annotations: syncWave(SyncWave.workloads) };

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: meta,
      spec: {
        // No `replicas`: the HPA (standard) or KEDA (premium) owns it.
        revisionHistoryLimit: 5,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(premium ? 0 : 1), maxUnavailable: k8s.IntOrString.fromNumber(premium ? 1 : 0) } },
        selector: { matchLabels: this.podLabels },
        template: {
          metadata: { labels },
          spec: {
            ...scheduling,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(10001),
            terminationGracePeriodSeconds: grace,
            // A model added to the catalogue gets its Deployment in the same sync as the seed Job that
            // copies it: the pod stays in Init (not CrashLoopBackOff) until the files are there.
            initContainers: [
              {
                name: WAIT_FOR_MODEL_CONTAINER,
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', waitForModelScript(model.id, waitSeconds)],
                env: [{ name: 'OLLAMA_MODELS', value: MODELS_DIR }],
                resources: { requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('16Mi') }, limits: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('64Mi') } },
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [modelsMount],
              },
            ],
            containers: [
              {
                name: 'ollama',
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                ports: [{ name: 'http', containerPort: OLLAMA_PORT }],
                env: [
                  { name: 'OLLAMA_HOST', value: `0.0.0.0:${OLLAMA_PORT}` },
                  { name: 'OLLAMA_MODELS', value: MODELS_DIR },
                  // The store is read-only and shared: never prune "unused" blobs at start.
                  { name: 'OLLAMA_NOPRUNE', value: '1' },
                  // One model per pod, kept loaded for the pod's life: unloading would mean a reload from NFS.
                  { name: 'OLLAMA_KEEP_ALIVE', value: '-1' },
                  { name: 'OLLAMA_MAX_LOADED_MODELS', value: '1' },
                  { name: 'OLLAMA_NUM_PARALLEL', value: String(model.numParallel) },
                  { name: 'OLLAMA_MAX_QUEUE', value: '64' },
                  { name: 'OLLAMA_LOAD_TIMEOUT', value: `${loadBudget}s` },
                  { name: 'HOME', value: '/home/ollama' },
                ],
                resources: {
                  requests: { cpu: k8s.Quantity.fromNumber(cpu), memory, ...gpu },
                  limits: { cpu: k8s.Quantity.fromNumber(cpu * 2), memory: memoryLimit, ...gpu },
                },
                securityContext: restrictedContainerSecurityContext(),
                // Ollama FAQ: `ollama run <model> ""` loads the model without generating; the pod is
                // not Ready (and gets no traffic) until it returns.
                lifecycle: {
                  postStart: { exec: { command: ['sh', '-c', `until ollama list >/dev/null 2>&1; do sleep 1; done; ollama run ${model.id} "" >/dev/null`] } },
                  // Endpoint removal is asynchronous: stop taking requests before the process ends.
                  preStop: { sleep: { seconds: 5 } },
                },
                startupProbe: { httpGet: { path: '/api/version', port: k8s.IntOrString.fromString('http') }, periodSeconds: 10, failureThreshold: loadBudget / 10 },
                readinessProbe: { httpGet: { path: '/api/version', port: k8s.IntOrString.fromString('http') }, periodSeconds: 5, failureThreshold: 2 },
                livenessProbe: { httpGet: { path: '/api/version', port: k8s.IntOrString.fromString('http') }, periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 5 },
                volumeMounts: [
                  modelsMount,
                  { name: 'home', mountPath: '/home/ollama' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'models', persistentVolumeClaim: { claimName: props.modelStoreClaim, readOnly: true } },
              { name: 'home', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('4Gi') } },
            ],
          },
        },
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: meta,
      spec: { type: 'ClusterIP', selector: this.podLabels, ports: [{ name: 'http', port: OLLAMA_PORT, targetPort: k8s.IntOrString.fromString('http') }] },
    });

    new k8s.KubePodDisruptionBudget(this, 'Pdb', {
      metadata: meta,
      // maxUnavailable (not minAvailable): a spot drain must never be blocked waiting for a GPU that does not exist.
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.podLabels }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    });

    if (!premium) {
      new k8s.KubeHorizontalPodAutoscalerV2(this, 'Hpa', {
        metadata: meta,
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
          minReplicas: replicas.min,
          maxReplicas: replicas.max,
          // CPU inference saturates cores: utilisation of requests tracks load directly.
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
          behavior: {
            scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
            scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }] },
          },
        },
      });
    }
  }
}
