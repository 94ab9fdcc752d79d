import { Construct } from 'constructs';
import { AzureMonitorPodMonitor } from '../common/azure-monitor-pod-monitor';
import { CERT_MANAGER_NAMESPACE } from '../edge/edge-controllers';
import { syncWave, SyncWave } from '../common/sync-waves';

/** One component whose Prometheus metrics managed Prometheus scrapes. */
export interface ScrapeTarget {
  /** PodMonitor name. */
  readonly name: string;
  /** Namespace of the pods. */
  readonly podNamespace: string;
  /** Labels of the pods. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Named container port with `/metrics`. */
  readonly port: string;
}

/** Props of {@link PlatformScrapeTargets}. */
export interface PlatformScrapeTargetsProps {
  /** Namespace the PodMonitors live in (they select pods elsewhere by namespaceSelector). */
  readonly namespace: string;
  /** Argo CD namespace. @default "argocd" */
  readonly argocdNamespace?: string;
}

/**
 * The platform components managed Prometheus does not scrape by default: the Argo CD application
 * controller (app health and sync status), the KEDA operator of the AKS add-on (scaler errors) and
 * cert-manager's controller (certificate expiry and readiness of the edge).
 * kube-state-metrics, node exporter, kubelet and cAdvisor are default targets of the AKS metrics
 * add-on; the gateway, DCGM exporter and collector bring their own PodMonitors.
 * @see https://learn.microsoft.com/azure/azure-monitor/containers/prometheus-metrics-scrape-default
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/metrics/
 * @see https://keda.sh/docs/latest/integrations/prometheus/
 */
export class PlatformScrapeTargets extends Construct {
  /** What is scraped. */
  public readonly targets: readonly ScrapeTarget[];

  constructor(scope: Construct, id: string, props: PlatformScrapeTargetsProps) {
    super(scope, id);
    const argocd = props.argocdNamespace ?? 'argocd';
    this.targets = [
      { name: 'argocd-application-controller', podNamespace: argocd, podLabels: { 'app.kubernetes.io/name': 'argocd-application-controller' }, port: 'metrics' },
      { name: 'keda-operator', podNamespace: 'kube-system', podLabels: { app: 'keda-operator' }, port: 'metrics' },
      // Labels and port of the controller in cert-manager's chart (v1.21 templates/deployment.yaml).
      { name: 'cert-manager', podNamespace: CERT_MANAGER_NAMESPACE, podLabels: { 'app.kubernetes.io/name': 'cert-manager', 'app.kubernetes.io/component': 'controller' }, port: 'http-metrics' },
    ];
    for (const t of this.targets) {
      new AzureMonitorPodMonitor(this, t.name, {
        metadata: { name: t.name, namespace: props.namespace, annotations: syncWave(SyncWave.workloads) },
        podNamespace: t.podNamespace,
        podLabels: t.podLabels,
        endpoints: [{ port: t.port }],
      });
    }
  }
}
