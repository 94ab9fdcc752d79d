import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TEST_ENVIRONMENT, TEST_PLATFORM_CLIENT_IDS } from '../testing/fixtures';
import { OtelCollector } from './otel-collector';
import { otelCollectorConfig, renderOtelCollectorConfig, validateOtelCollectorConfig } from './otel-collector-config';
import { PlatformScrapeTargets } from './platform-scrape-targets';

const EXPORT = { otlpTracesEndpoint: 'https://otlp.example.com/v1/traces', otlpLogsEndpoint: 'https://otlp.example.com/v1/logs' };
const render = (props: Partial<ConstructorParameters<typeof OtelCollector>[2]> = {}) => {
  const chart = Testing.chart();
  const collector = new OtelCollector(chart, 'Collector', { environment: { ...TEST_ENVIRONMENT, telemetryExport: EXPORT }, workloadIdentityClientId: TEST_PLATFORM_CLIENT_IDS.otelCollector, ...props });
  return { manifest: Testing.synth(chart), config: parse(collector.configYaml) };
};

describe('OtelCollector', () => {
  it('renders the collector with traces and logs to Azure Monitor', () => {
    const { manifest, config } = render();
    expect(manifest).toMatchSnapshot();
    // THEN OTLP/HTTP on the port OpenWebUI is configured with, and every pipeline wired to configured components
    expect(config.receivers.otlp.protocols.http.endpoint).toBe(`0.0.0.0:${TEST_ENVIRONMENT.otelCollector.port}`);
    expect(Object.keys(config.service.pipelines).sort()).toEqual(['logs', 'metrics', 'traces']);
    expect(config.service.pipelines.traces.exporters).toEqual(['otlphttp/azuremonitor']);
    expect(config.exporters['otlphttp/azuremonitor'].auth.authenticator).toBe('azure_auth');
    expect(config.extensions.azure_auth.workload_identity.client_id).toBe(TEST_PLATFORM_CLIENT_IDS.otelCollector);
    const deployment = manifest.find((o) => o.kind === 'Deployment');
    expect(deployment.spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
  });

  it('takes tenant and tier from the namespace labels of the sending pod, and keeps only those on metrics', () => {
    const { config } = render();
    const k8s = config.processors.k8sattributes;
    expect(k8s.pod_association).toEqual([{ sources: [{ from: 'connection' }] }]);
    expect(k8s.extract.labels).toEqual([
      { tag_name: 'tenant', key: 'panal.io/tenant', from: 'namespace' },
      { tag_name: 'tier', key: 'panal.io/tier', from: 'namespace' },
    ]);
    expect(config.exporters.prometheus.resource_to_telemetry_conversion.enabled).toBe(false);
    expect(config.service.pipelines.metrics.processors).toEqual(['memory_limiter', 'resource/drop-client-tenant', 'k8sattributes', 'transform/metric-labels', 'batch']);
    // k8sattributes keeps a resource attribute the client already sent: what a pod claims is dropped first, in every pipeline.
    expect(config.processors['resource/drop-client-tenant'].attributes).toEqual([
      { key: 'tenant', action: 'delete' },
      { key: 'tier', action: 'delete' },
    ]);
    for (const p of Object.values(config.service.pipelines).filter(Boolean) as { processors: string[] }[]) {
      expect(p.processors.indexOf('resource/drop-client-tenant')).toBeGreaterThanOrEqual(0);
      expect(p.processors.indexOf('resource/drop-client-tenant')).toBeLessThan(p.processors.indexOf('k8sattributes'));
    }
  });

  it('is HA: 3 replicas over zones, PDB, restricted pods, memory limiter below the container limit', () => {
    const { manifest, config } = render();
    const spec = manifest.find((o) => o.kind === 'Deployment').spec;
    expect(spec.replicas).toBe(3);
    expect(spec.template.spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' });
    expect(spec.template.spec.containers[0].securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(manifest.find((o) => o.kind === 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    expect(config.processors.memory_limiter.limit_mib).toBeLessThan(1024);
  });

  it('admits only tenant OpenWebUI pods on OTLP and the managed Prometheus scraper on metrics', () => {
    const { manifest } = render();
    const policies = Object.fromEntries(manifest.filter((o) => o.kind === 'NetworkPolicy').map((o) => [o.metadata.name, o.spec]));
    expect(policies['otel-collector-ingress-from-tenants'].ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'panal.io/role': 'tenant' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'open-webui', 'app.kubernetes.io/component': 'server' } } }],
        ports: [{ protocol: 'TCP', port: 4318 }],
      },
    ]);
    expect(policies['otel-collector-ingress-metrics-from-scraper'].ingress[0].ports.map((p: any) => p.port)).toEqual([8889, 8888]);
    expect(policies['otel-collector-egress'].egress[1].to[0].ipBlock.except).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
    // THEN the private API server (k8sattributes) is reachable on 443 only in its own range
    expect(policies['otel-collector-egress'].egress[2]).toEqual({ to: [{ ipBlock: { cidr: TEST_ENVIRONMENT.network.apiServerCidr } }], ports: [{ protocol: 'TCP', port: 443 }] });
  });

  it('reads the API only to look up pods and namespaces (k8sattributes)', () => {
    const { manifest } = render();
    const role = manifest.find((o) => o.kind === 'ClusterRole');
    expect(new Set(role.rules.flatMap((r: any) => r.verbs))).toEqual(new Set(['get', 'list', 'watch']));
    expect(role.rules.flatMap((r: any) => r.resources).sort()).toEqual(['namespaces', 'pods', 'replicasets']);
  });

  it('exports only metrics without a workload identity', () => {
    const { manifest, config } = render({ workloadIdentityClientId: undefined });
    expect(Object.keys(config.service.pipelines)).toEqual(['metrics']);
    expect(config.extensions.azure_auth).toBeUndefined();
    expect(manifest.find((o) => o.kind === 'Deployment').spec.template.metadata.labels['azure.workload.identity/use']).toBeUndefined();
  });

  it('fails with fewer than 2 replicas', () => {
    expect(() => render({ replicas: 1 })).toThrow('replicas must be an integer of at least 2 (survive a zone), but 1 was provided');
  });

  it('fails when a pipeline names a component that is not configured', () => {
    const c = otelCollectorConfig({ otlpHttpPort: 4318, prometheusPort: 8889, selfMetricsPort: 8888, healthPort: 13133, memoryLimitMiB: 512 });
    const broken = { ...c, service: { ...c.service, pipelines: { ...c.service.pipelines, traces: { receivers: ['otlp'], processors: [], exporters: ['zipkin'] } } } };
    expect(() => validateOtelCollectorConfig(broken)).toThrow("pipeline traces uses exporter 'zipkin', which is not configured");
    expect(() => renderOtelCollectorConfig(c)).not.toThrow();
  });
});

describe('PlatformScrapeTargets', () => {
  it('scrapes the Argo CD application controller, the KEDA operator and cert-manager from the observability namespace', () => {
    const chart = Testing.chart();
    new PlatformScrapeTargets(chart, 'Targets', { namespace: 'observability' });
    const manifest = Testing.synth(chart);
    expect(manifest).toMatchSnapshot();
    expect(manifest.map((o) => [o.apiVersion, o.metadata.namespace, o.spec.namespaceSelector.matchNames[0]])).toEqual([
      ['azmonitoring.coreos.com/v1', 'observability', 'argocd'],
      ['azmonitoring.coreos.com/v1', 'observability', 'kube-system'],
      ['azmonitoring.coreos.com/v1', 'observability', 'cert-manager'],
    ]);
  });
});
