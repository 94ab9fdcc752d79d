import { Construct } from 'constructs';
import { PodMonitor, type PodMonitorSpecPodMetricsEndpoints } from '../imports/azmonitoring.coreos.com';

/** Props of {@link AzureMonitorPodMonitor}. */
export interface AzureMonitorPodMonitorProps {
  /** Name, namespace, labels and annotations of the PodMonitor. */
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  /** Labels of the pods to scrape. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Endpoints (named container ports) with `/metrics`. */
  readonly endpoints: readonly PodMetricsEndpoint[];
  /** Namespace of the pods when it is not the PodMonitor's own. @default - the PodMonitor's namespace */
  readonly podNamespace?: string;
}

/** A scraped port. */
export interface PodMetricsEndpoint {
  /** Named container port. */
  readonly port: string;
  /** Scrape interval. @default "30s" */
  readonly interval?: string;
}

/**
 * A PodMonitor of Azure Monitor managed Prometheus (`azmonitoring.coreos.com`, read by `ama-metrics`),
 * with the label limits Microsoft asks for so series are not dropped.
 * @see https://learn.microsoft.com/azure/azure-monitor/containers/prometheus-metrics-scrape-crd
 */
export class AzureMonitorPodMonitor extends Construct {
  constructor(scope: Construct, id: string, props: AzureMonitorPodMonitorProps) {
    super(scope, id);
    const endpoints: PodMonitorSpecPodMetricsEndpoints[] = props.endpoints.map((e) => ({ port: e.port, path: '/metrics', interval: e.interval ?? '30s' }));
    new PodMonitor(this, 'Resource', {
      metadata: { ...props.metadata },
      spec: {
        labelLimit: 63,
        labelNameLengthLimit: 511,
        labelValueLengthLimit: 1023,
        ...(props.podNamespace ? { namespaceSelector: { matchNames: [props.podNamespace] } } : {}),
        selector: { matchLabels: { ...props.podLabels } },
        podMetricsEndpoints: endpoints,
      },
    });
  }
}
