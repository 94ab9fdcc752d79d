import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { AzureMonitorPodMonitor } from './azure-monitor-pod-monitor';

/** Props of {@link ReplicatedHttpService}. */
export interface ReplicatedHttpServiceProps {
  /** Name, namespace, labels and annotations of every object (also the Deployment's name). */
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string>; readonly annotations: Record<string, string> };
  /** Pod labels of the Deployment. */
  readonly podLabels: Record<string, string>;
  /** Port of the Service; it targets the pods' port named `http`. */
  readonly port: number;
  /** HPA bounds. */
  readonly replicas: { readonly min: number; readonly max: number };
  /** CPU utilization the HPA keeps. @default 60 */
  readonly targetCpuUtilizationPercent?: number;
}

/**
 * What a shared platform HTTP Deployment replicated across zones needs around it: a ClusterIP
 * Service to its `http` port, a PDB that lets one pod go at a time, a CPU HPA between `replicas`,
 * and the PodMonitor of its `metrics` port (every 15 s). Used by the inference gateway and the
 * tenant activator, which differ only in their pods.
 */
export class ReplicatedHttpService extends Construct {
  constructor(scope: Construct, id: string, props: ReplicatedHttpServiceProps) {
    super(scope, id);
    const { metadata: meta, podLabels } = props;
    new k8s.KubeService(this, 'Service', {
      metadata: meta,
      spec: { type: 'ClusterIP', selector: podLabels, ports: [{ name: 'http', port: props.port, targetPort: k8s.IntOrString.fromString('http') }] },
    });
    new k8s.KubePodDisruptionBudget(this, 'Pdb', {
      metadata: meta,
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: podLabels }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    });
    new k8s.KubeHorizontalPodAutoscalerV2(this, 'Hpa', {
      metadata: meta,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: meta.name },
        minReplicas: props.replicas.min,
        maxReplicas: props.replicas.max,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: props.targetCpuUtilizationPercent ?? 60 } } }],
      },
    });
    new AzureMonitorPodMonitor(this, 'PodMonitor', { metadata: meta, podLabels, endpoints: [{ port: 'metrics', interval: '15s' }] });
  }
}
