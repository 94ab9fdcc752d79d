import type { ModelSpec } from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { appLabels } from '../common/labels';
import { syncWave, SyncWave } from '../common/sync-waves';
import { ScaledObject, TriggerAuthentication, TriggerAuthenticationSpecPodIdentityProvider } from '../imports/keda.sh';

/** Props of {@link PremiumModelScaler}. */
export interface PremiumModelScalerProps {
  /** The premium model whose Deployment is scaled. */
  readonly model: ModelSpec;
  /** Namespace of the Deployment. */
  readonly namespace: string;
  /** Deployment name (`ollama-<slug>`). */
  readonly deploymentName: string;
  /** Query endpoint of the Azure Monitor workspace. */
  readonly prometheusQueryEndpoint: string;
  /**
   * Minutes without any premium request before the pool scales to zero (and the GPU node follows).
   * @default 15
   */
  readonly idleMinutes?: number;
  /**
   * Most replicas (each holds one GPU node).
   * @default 2
   */
  readonly maxReplicas?: number;
  /**
   * Seconds between queries.
   * @default 15
   */
  readonly pollingIntervalSeconds?: number;
  /**
   * Client id of the managed identity federated with the KEDA operator's ServiceAccount, with
   * Monitoring Data Reader on the Azure Monitor workspace.
   * @default - the identity in the operator's own AZURE_CLIENT_ID
   * @see https://learn.microsoft.com/azure/aks/keda-workload-identity
   */
  readonly kedaIdentityClientId?: string;
  /**
   * Priority of premium pods: above anything else that could be on a GPU node.
   * @default 1000000
   */
  readonly priority?: number;
  /**
   * Hours in which one replica is kept running whatever the traffic (KEDA cron trigger), so no request
   * in those hours waits for a cold start (docs/adr/0018-arranque-en-frio-premium.md).
   * @default - none: the pool only wakes on traffic
   * @see https://keda.sh/docs/latest/scalers/cron/
   */
  readonly warmHours?: { readonly timezone: string; readonly start: string; readonly end: string };
}

/** Name of the priority class of premium model pods. */
export const PREMIUM_PRIORITY_CLASS = 'panal-premium-model';

/**
 * Scale to zero for the premium pool (no GPU node at rest, docs/modelos-y-gpu.md): a KEDA ScaledObject with `minReplicaCount: 0`
 * over two Prometheus queries of the inference gateway's metrics, authenticated with workload
 * identity to Azure Monitor managed Prometheus.
 *
 * - `activity`: requests received for the model in the last `idleMinutes`, plus requests in flight
 *   (including ones waiting for a cold start). Any value > 0 activates the pool (0 → 1); the
 *   threshold is so high that it never asks for more than one replica.
 * - `concurrency`: requests in flight per replica, target = the model's `numParallel`, for 1 → N.
 *
 * The GPU node pool follows through the cluster autoscaler (min 0).
 * @see https://keda.sh/docs/latest/scalers/prometheus/
 * @see https://learn.microsoft.com/azure/aks/keda-workload-identity
 */
export class PremiumModelScaler extends Construct {
  /** The activity query, for docs and tests. */
  public readonly activityQuery: string;

  constructor(scope: Construct, id: string, props: PremiumModelScalerProps) {
    super(scope, id);
    const idle = props.idleMinutes ?? 15;
    if (!Number.isInteger(idle) || idle < 5 || idle > 240) throw new Error(`idleMinutes must be an integer between 5 and 240, but ${idle} was provided`);
    const max = props.maxReplicas ?? 2;
    if (!Number.isInteger(max) || max < 1) throw new Error(`maxReplicas must be a positive integer, but ${max} was provided`);
    const polling = props.pollingIntervalSeconds ?? 15;
    if (polling < 5 || polling > 120) throw new Error(`pollingIntervalSeconds must be between 5 and 120, but ${polling} was provided`);
    if (props.model.pool !== 'premium') throw new Error(`model must be a premium model, but ${props.model.id} is ${props.model.pool}: standard models never scale to zero`);

    const sel = `model="${props.model.id}"`;
    this.activityQuery = `sum(increase(panal_gateway_requests_received_total{${sel}}[${idle}m]) or vector(0)) + sum(panal_gateway_inflight_requests{${sel}} or vector(0))`;
    const concurrencyQuery = `sum(panal_gateway_inflight_requests{${sel}} or vector(0))`;
    const meta = (name: string) => ({ name, namespace: props.namespace, labels: appLabels('ollama', 'premium-model'), annotations: syncWave(SyncWave.workloads) });

    new k8s.KubePriorityClass(this, 'Priority', {
      metadata: { name: PREMIUM_PRIORITY_CLASS, annotations: syncWave(SyncWave.dependencies) },
      value: props.priority ?? 1_000_000,
      globalDefault: false,
      preemptionPolicy: 'PreemptLowerPriority',
      description: 'Premium model pods: the only workload on GPU nodes.',
    });

    const auth = new TriggerAuthentication(this, 'Auth', {
      metadata: meta('azure-managed-prometheus'),
      spec: {
        podIdentity: {
          provider: TriggerAuthenticationSpecPodIdentityProvider.AZURE_HYPHEN_WORKLOAD,
          ...(props.kedaIdentityClientId ? { identityId: props.kedaIdentityClientId } : {}),
        },
      },
    });

    new ScaledObject(this, 'Scaler', {
      metadata: meta(props.deploymentName),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.deploymentName },
        minReplicaCount: 0,
        maxReplicaCount: max,
        pollingInterval: polling,
        // The idle window is in the query; this only smooths the last step to zero.
        cooldownPeriod: 60,
        triggers: [
          {
            type: 'prometheus',
            name: 'activity',
            metricType: 'AverageValue',
            authenticationRef: { name: auth.name },
            metadata: { serverAddress: props.prometheusQueryEndpoint, query: this.activityQuery, threshold: '1000000', activationThreshold: '0' },
          },
          {
            type: 'prometheus',
            name: 'concurrency',
            metricType: 'AverageValue',
            authenticationRef: { name: auth.name },
            metadata: { serverAddress: props.prometheusQueryEndpoint, query: concurrencyQuery, threshold: String(props.model.numParallel), activationThreshold: '0' },
          },
          // KEDA takes the largest of the triggers: inside the window the pool never drops below one replica.
          ...(props.warmHours
            ? [{ type: 'cron', name: 'warm-hours', metadata: { timezone: props.warmHours.timezone, start: props.warmHours.start, end: props.warmHours.end, desiredReplicas: '1' } }]
            : []),
        ],
        advanced: {
          horizontalPodAutoscalerConfig: {
            behavior: {
              scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
              scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }] },
            },
          },
        },
      },
    });
  }
}
