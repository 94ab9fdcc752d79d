import { createHash } from 'node:crypto';
import type { Environment } from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/hardening';
import { appLabels } from '../common/labels';
import { AzureMonitorPodMonitor } from '../common/azure-monitor-pod-monitor';
import { azureMonitorScraper, dnsEgressRule, guardRailPolicy, inTenantNamespaces, PRIVATE_RANGES, tcpPort } from '../common/network-policy';
import { CPU_POOL_SELECTOR } from '../common/node-pools';
import { syncWave, SyncWave } from '../common/sync-waves';
import { zoneSpread } from '../common/topology-spread';
import { TenantWorkloads } from '../tenant/tenant-workloads';
import { otelCollectorConfig, renderOtelCollectorConfig } from './otel-collector-config';

/** Props of {@link OtelCollector}. */
export interface OtelCollectorProps {
  /** Collector namespace, service, port and pod labels (`otelCollector`), image, Azure directory and export endpoints. */
  readonly environment: Environment;
  /**
   * Client id of the collector's managed identity; without it traces and logs are not exported.
   * @default - metrics only
   */
  readonly workloadIdentityClientId?: string;
  /**
   * Replicas (fixed; OTLP over HTTP balances per request through the Service).
   * @default 3
   */
  readonly replicas?: number;
}

/** Port of the Prometheus endpoint with OpenWebUI metrics. */
export const OTEL_PROMETHEUS_PORT = 8889;
/** Port of the collector's own metrics. */
export const OTEL_SELF_METRICS_PORT = 8888;
/** Port of the health check. */
export const OTEL_HEALTH_PORT = 13133;
const CONFIG_FILE = 'config.yaml';
const MEMORY_LIMIT_MIB = 1024;

/**
 * The OpenTelemetry Collector (gateway deployment, docs/observabilidad.md): receives OTLP/HTTP from every tenant
 * OpenWebUI, adds tenant and tier from the sender's namespace, exposes metrics to Azure Monitor
 * managed Prometheus (PodMonitor) and sends traces and logs to Azure Monitor. HA like the inference
 * gateway (replicas over 3 zones, PDB); NetworkPolicies admit only tenant OpenWebUI pods and the scraper.
 * @see https://opentelemetry.io/docs/collector/deployment/gateway/
 */
export class OtelCollector extends Construct {
  /** The collector configuration as rendered into the ConfigMap. */
  public readonly configYaml: string;

  constructor(scope: Construct, id: string, props: OtelCollectorProps) {
    super(scope, id);
    const env = props.environment;
    const col = env.otelCollector;
    const ns = col.namespace;
    const replicas = props.replicas ?? 3;
    if (!Number.isInteger(replicas) || replicas < 2) throw new Error(`replicas must be an integer of at least 2 (survive a zone), but ${replicas} was provided`);
    const name = col.service;
    const labels = { ...appLabels(name, 'telemetry'), ...col.podLabels };
    const meta = { name, namespace: ns, labels, annotations: syncWave(SyncWave.workloads) };
    const azureExport =
      props.workloadIdentityClientId && env.telemetryExport
        ? { tracesEndpoint: env.telemetryExport.otlpTracesEndpoint, logsEndpoint: env.telemetryExport.otlpLogsEndpoint, clientId: props.workloadIdentityClientId, directoryTenantId: env.azure.directoryTenantId }
        : undefined;
    const config = otelCollectorConfig({ otlpHttpPort: col.port, prometheusPort: OTEL_PROMETHEUS_PORT, selfMetricsPort: OTEL_SELF_METRICS_PORT, healthPort: OTEL_HEALTH_PORT, memoryLimitMiB: MEMORY_LIMIT_MIB, azureExport });
    this.configYaml = stringify(renderOtelCollectorConfig(config), { lineWidth: 0, sortMapEntries: true });

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name, namespace: ns, labels, ...(props.workloadIdentityClientId ? { annotations: { 'azure.workload.identity/client-id': props.workloadIdentityClientId } } : {}) },
      // k8sattributes watches pods and namespaces through the API server.
      automountServiceAccountToken: true,
    });
    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: `panal-${name}`, labels },
      rules: [
        { apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
      ],
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: `panal-${name}`, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `panal-${name}` },
      subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
    });
    new k8s.KubeConfigMap(this, 'Config', { metadata: { ...meta, annotations: syncWave(SyncWave.dependencies) }, data: { [CONFIG_FILE]: this.configYaml } });

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: meta,
      spec: {
        replicas,
        revisionHistoryLimit: 5,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        selector: { matchLabels: col.podLabels },
        template: {
          metadata: {
            labels: { ...labels, ...(azureExport ? { 'azure.workload.identity/use': 'true' } : {}) },
            annotations: { 'panal.io/config-sha256': createHash('sha256').update(this.configYaml).digest('hex') },
          },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(10001),
            nodeSelector: { ...CPU_POOL_SELECTOR },
            topologySpreadConstraints: zoneSpread(col.podLabels),
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: 'collector',
                image: env.images.otelCollector,
                imagePullPolicy: 'IfNotPresent',
                args: [`--config=/etc/otelcol/${CONFIG_FILE}`],
                ports: [
                  { name: 'otlp-http', containerPort: col.port },
                  { name: 'prom-export', containerPort: OTEL_PROMETHEUS_PORT },
                  { name: 'metrics', containerPort: OTEL_SELF_METRICS_PORT },
                  { name: 'health', containerPort: OTEL_HEALTH_PORT },
                ],
                env: [{ name: 'GOMEMLIMIT', value: `${Math.floor(MEMORY_LIMIT_MIB * 0.8)}MiB` }],
                resources: containerResources({ cpuRequestMilli: 200, cpuLimitMilli: 1000, memoryRequestMiB: 512, memoryLimitMiB: MEMORY_LIMIT_MIB }),
                securityContext: restrictedContainerSecurityContext(),
                readinessProbe: { httpGet: { path: '/', port: k8s.IntOrString.fromString('health') }, periodSeconds: 5 },
                livenessProbe: { httpGet: { path: '/', port: k8s.IntOrString.fromString('health') }, periodSeconds: 20, failureThreshold: 3 },
                volumeMounts: [{ name: 'config', mountPath: '/etc/otelcol', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name } }],
          },
        },
      },
    });
    new k8s.KubeService(this, 'Service', {
      metadata: meta,
      spec: { type: 'ClusterIP', selector: col.podLabels, ports: [{ name: 'otlp-http', port: col.port, targetPort: k8s.IntOrString.fromString('otlp-http') }] },
    });
    new k8s.KubePodDisruptionBudget(this, 'Pdb', {
      metadata: meta,
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: col.podLabels }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    });
    new AzureMonitorPodMonitor(this, 'PodMonitor', { metadata: meta, podLabels: col.podLabels, endpoints: [{ port: 'prom-export' }, { port: 'metrics' }] });

    const policy = (policyName: string, spec: k8s.NetworkPolicySpec) => guardRailPolicy(this, ns, policyName, spec);
    policy('otel-collector-ingress-from-tenants', {
      podSelector: { matchLabels: col.podLabels },
      policyTypes: ['Ingress'],
      ingress: [{ from: [inTenantNamespaces(TenantWorkloads.openWebUI.serverLabels)], ports: [tcpPort(col.port)] }],
    });
    policy('otel-collector-ingress-metrics-from-scraper', {
      podSelector: { matchLabels: col.podLabels },
      policyTypes: ['Ingress'],
      ingress: [{ from: [azureMonitorScraper()], ports: [tcpPort(OTEL_PROMETHEUS_PORT), tcpPort(OTEL_SELF_METRICS_PORT)] }],
    });
    // Azure Monitor ingestion and Entra ID are public endpoints on 443; `except` keeps "internet" from meaning
    // the VNet (ipBlock cannot target pod IPs under Azure CNI powered by Cilium anyway:
    // https://learn.microsoft.com/azure/aks/azure-cni-powered-by-cilium, limitations). k8sattributes watches the API server,
    // which in a private cluster is a private endpoint in the nodes subnet (`network.apiServerCidr`).
    const apiServer = env.network.apiServerCidr;
    policy('otel-collector-egress', {
      podSelector: { matchLabels: col.podLabels },
      policyTypes: ['Egress'],
      egress: [
        dnsEgressRule(),
        { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [...PRIVATE_RANGES] } }], ports: [tcpPort(443)] },
        ...(apiServer ? [{ to: [{ ipBlock: { cidr: apiServer } }], ports: [tcpPort(443)] }] : []),
      ],
    });
  }
}
