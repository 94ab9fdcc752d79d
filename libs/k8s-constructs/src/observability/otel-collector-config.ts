/** A component's settings, as the collector's YAML spells them. */
type Settings = Readonly<Record<string, unknown>>;

/**
 * The OpenTelemetry Collector configuration file, typed at the level we own: which components exist
 * and how pipelines wire them. Component settings stay plain objects (they are upstream's schema).
 * @see https://opentelemetry.io/docs/collector/configuration/
 */
export interface OtelCollectorConfig {
  readonly extensions: Readonly<Record<string, Settings>>;
  readonly receivers: Readonly<Record<string, Settings>>;
  readonly processors: Readonly<Record<string, Settings>>;
  readonly exporters: Readonly<Record<string, Settings>>;
  readonly service: {
    readonly extensions: readonly string[];
    readonly telemetry: Settings;
    readonly pipelines: Readonly<Record<'metrics' | 'traces' | 'logs', { readonly receivers: readonly string[]; readonly processors: readonly string[]; readonly exporters: readonly string[] } | undefined>>;
  };
}

/** Where traces and logs go: Azure Monitor OTLP ingestion, authenticated with the collector's workload identity. */
export interface OtelAzureExport {
  /** OTLP/HTTP traces endpoint (Application Insights). */
  readonly tracesEndpoint: string;
  /** OTLP/HTTP logs endpoint (Log Analytics). */
  readonly logsEndpoint: string;
  /** Client id of the collector's managed identity. */
  readonly clientId: string;
  /** Entra ID directory (tenant) id. */
  readonly directoryTenantId: string;
}

/** Options of {@link otelCollectorConfig}. */
export interface OtelCollectorConfigOptions {
  /** OTLP/HTTP port. */
  readonly otlpHttpPort: number;
  /** Port of the Prometheus endpoint with the received metrics (scraped by managed Prometheus). */
  readonly prometheusPort: number;
  /** Port of the collector's own metrics. */
  readonly selfMetricsPort: number;
  /** Port of the health check extension. */
  readonly healthPort: number;
  /** Memory limit of the container, in MiB: the memory_limiter keeps below it. */
  readonly memoryLimitMiB: number;
  /** Traces and logs export; without it only the metrics pipeline exists. @default - metrics only */
  readonly azureExport?: OtelAzureExport;
}

/**
 * Attributes kept on every metric data point. Anything else from the resource (pod name, pod uid,
 * host) stays off the series: hundreds of tenants × a few replicas each is fine, × pod uids is not.
 */
export const METRIC_LABELS_KEPT = ['tenant', 'tier'] as const;

/**
 * The collector configuration: OTLP/HTTP in; Kubernetes attributes from the sending pod's IP
 * (tenant and tier read from the namespace labels, which tenants cannot edit, never from what the
 * client claims); metrics out as a Prometheus endpoint for managed Prometheus; traces and logs to
 * Azure Monitor with Entra ID (Application Insights has local authentication disabled).
 * @see https://learn.microsoft.com/azure/azure-monitor/containers/opentelemetry-protocol-ingestion
 */
export function otelCollectorConfig(o: OtelCollectorConfigOptions): OtelCollectorConfig {
  // k8sattributes never overwrites a resource attribute the client already sent, so a pod claiming
  // `tenant`/`tier` itself would keep its claim: drop both first, then take them from the namespace.
  const common = ['memory_limiter', 'resource/drop-client-tenant', 'k8sattributes'];
  const azure = o.azureExport;
  return {
    extensions: {
      health_check: { endpoint: `0.0.0.0:${o.healthPort}` },
      ...(azure
        ? {
            azure_auth: {
              workload_identity: { client_id: azure.clientId, tenant_id: azure.directoryTenantId, federated_token_file: '/var/run/secrets/azure/tokens/azure-identity-token' },
              scopes: ['https://monitor.azure.com/.default'],
            },
          }
        : {}),
    },
    receivers: { otlp: { protocols: { http: { endpoint: `0.0.0.0:${o.otlpHttpPort}`, max_request_body_size: 4 * 1024 * 1024 } } } },
    processors: {
      // Check interval and limits as the collector's docs recommend: limit at 80 % of the container, spike 20 % of that.
      memory_limiter: { check_interval: '1s', limit_mib: Math.floor(o.memoryLimitMiB * 0.8), spike_limit_mib: Math.floor(o.memoryLimitMiB * 0.16) },
      'resource/drop-client-tenant': {
        attributes: [
          { key: 'tenant', action: 'delete' },
          { key: 'tier', action: 'delete' },
        ],
      },
      k8sattributes: {
        auth_type: 'serviceAccount',
        passthrough: false,
        pod_association: [{ sources: [{ from: 'connection' }] }],
        extract: {
          metadata: ['k8s.namespace.name', 'k8s.pod.name', 'k8s.deployment.name'],
          labels: [
            { tag_name: 'tenant', key: 'panal.io/tenant', from: 'namespace' },
            { tag_name: 'tier', key: 'panal.io/tier', from: 'namespace' },
          ],
        },
      },
      'transform/metric-labels': {
        error_mode: 'ignore',
        metric_statements: [
          { context: 'datapoint', statements: [...METRIC_LABELS_KEPT.map((k) => `set(attributes["${k}"], resource.attributes["${k}"])`), 'delete_matching_keys(attributes, "^(url\\\\.full|http\\\\.url|user\\\\..*|session\\\\..*)$")'] },
        ],
      },
      batch: { send_batch_size: 8192, timeout: '5s' },
    },
    exporters: {
      prometheus: { endpoint: `0.0.0.0:${o.prometheusPort}`, resource_to_telemetry_conversion: { enabled: false }, metric_expiration: '10m' },
      ...(azure
        ? {
            'otlphttp/azuremonitor': {
              traces_endpoint: azure.tracesEndpoint,
              logs_endpoint: azure.logsEndpoint,
              auth: { authenticator: 'azure_auth' },
              sending_queue: { enabled: true, queue_size: 5000 },
              retry_on_failure: { enabled: true, max_elapsed_time: '300s' },
            },
          }
        : {}),
    },
    service: {
      extensions: ['health_check', ...(azure ? ['azure_auth'] : [])],
      telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: o.selfMetricsPort } } } }] }, logs: { level: 'info', encoding: 'json' } },
      pipelines: {
        metrics: { receivers: ['otlp'], processors: [...common, 'transform/metric-labels', 'batch'], exporters: ['prometheus'] },
        traces: azure ? { receivers: ['otlp'], processors: [...common, 'batch'], exporters: ['otlphttp/azuremonitor'] } : undefined,
        logs: azure ? { receivers: ['otlp'], processors: [...common, 'batch'], exporters: ['otlphttp/azuremonitor'] } : undefined,
      },
    },
  };
}

/** Checks that every pipeline names only components that are configured. @throws Error naming the pipeline and component */
export function validateOtelCollectorConfig(c: OtelCollectorConfig): void {
  for (const [name, p] of Object.entries(c.service.pipelines)) {
    if (!p) continue;
    for (const [kind, ids] of [['receivers', p.receivers], ['processors', p.processors], ['exporters', p.exporters]] as const) {
      for (const id of ids) if (!(id in c[kind])) throw new Error(`pipeline ${name} uses ${kind.slice(0, -1)} '${id}', which is not configured`);
    }
  }
  for (const e of c.service.extensions) if (!(e in c.extensions)) throw new Error(`service uses extension '${e}', which is not configured`);
}

/** The config as the collector reads it, with unused pipelines dropped. */
export function renderOtelCollectorConfig(c: OtelCollectorConfig): Record<string, unknown> {
  validateOtelCollectorConfig(c);
  const pipelines = Object.fromEntries(Object.entries(c.service.pipelines).filter(([, p]) => p !== undefined));
  return { ...c, service: { ...c.service, pipelines } };
}
