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
            containers: [
              {
                name: 'ollama',
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                ports: [{ name: 'http', containerPort: OLLAMA_PORT }],
                env: [
                  { name: 'OLLAMA_HOST', value: `0.0.0.0:${OLLAMA_PORT}` },
                  { name: 'OLLAMA_MODELS', value: '/models' },
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
                  { name: 'models', mountPath: '/models', readOnly: true },
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
