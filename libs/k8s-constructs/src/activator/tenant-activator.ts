import { deriveTenantActivatorConfig, startOnlySettingsSha256, tenantActivatorStartOnlySettings, type Environment, type Tenant, type TenantActivatorConfig } from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { ReplicatedHttpService } from '../common/replicated-http-service';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/hardening';
import { appLabels } from '../common/labels';
import { azureMonitorScraper, guardRailPolicy, inTenantNamespaces, tcpPort } from '../common/network-policy';
import { CPU_POOL_SELECTOR } from '../common/node-pools';
import { syncWave, SyncWave } from '../common/sync-waves';
import { zoneSpread } from '../common/topology-spread';
import { ReferenceGrant } from '../imports/gateway.networking.k8s.io';
import { TenantWorkloads } from '../tenant/tenant-workloads';

/** Props of {@link TenantActivator}. */
export interface TenantActivatorProps {
  /** Namespace, Service, port and pod labels of the activator; its image; the edge source ranges; the API server range. */
  readonly environment: Environment;
  /** Every loaded tenant; active ones are routed, may sleep, and get a scale RoleBinding and a ReferenceGrant. */
  readonly tenants: readonly Tenant[];
  /**
   * Replica bounds; at least 3 so one per zone survives a zone loss with two left (every tenant's
   * traffic crosses the activator).
   * @default { min: 3, max: 12 }
   */
  readonly replicas?: { readonly min: number; readonly max: number };
  /** Longest a request is held while its tenant wakes before the self-reloading page. @default 25 (the config's default) */
  readonly holdSeconds?: number;
  /** Seconds between the passes that put idle tenants to sleep; bound at start, so a change rolls the pods. @default 60 (the config's default) */
  readonly sleepCheckSeconds?: number;
}

/** File name of the configuration inside its ConfigMap and mount. */
export const TENANT_ACTIVATOR_CONFIG_FILE = 'activator.json';

/** UID the activator runs as (the image's `USER`). */
const ACTIVATOR_UID = 10001;

/**
 * The tenant activator (apps/tenant-activator, docs/adr/0022-inquilinos-dormidos-y-activador.md):
 * every tenant HTTPRoute points at its Service, and it proxies each request to the tenant's
 * OpenWebUI, waking a tenant whose OpenWebUI and Redis sleep at zero replicas and putting idle ones
 * to sleep. Renders the ConfigMap derived from the tenant folders, Deployment (≥3 replicas across
 * zones), Service, PDB, HPA, PodMonitor, RBAC (read Deployments everywhere; scale only
 * `open-webui` and `redis` in each active tenant namespace), one ReferenceGrant per tenant (a
 * route may only point at a Service of another namespace that grants it, and a grant lists at most
 * 16 sources) and its NetworkPolicies (edge in; tenant OpenWebUI pods and the API server out).
 */
export class TenantActivator extends Construct {
  /** The rendered configuration, as the activator reads it. */
  public readonly config: TenantActivatorConfig;

  constructor(scope: Construct, id: string, props: TenantActivatorProps) {
    super(scope, id);
    const env = props.environment;
    const ref = env.tenantActivator;
    const ns = ref.namespace;
    const replicas = props.replicas ?? { min: 3, max: 12 };
    if (replicas.min < 3) throw new Error(`replicas.min must be at least 3 (one per zone), but ${replicas.min} was provided`);
    if (replicas.max < replicas.min) throw new Error(`replicas.max must be at least replicas.min (${replicas.min}), but ${replicas.max} was provided`);
    const web = TenantWorkloads.openWebUI;
    const active = props.tenants.filter((t) => t.state === 'active');
    if (active.some((t) => t.namespace === ns)) throw new Error(`tenantActivator.namespace "${ns}" is a tenant namespace`);

    this.config = deriveTenantActivatorConfig({
      tenants: props.tenants,
      upstreamOf: (t) => `http://${web.name}.${t.namespace}.svc.cluster.local:${web.servicePort}`,
      // OpenWebUI first: its ready replicas mean "awake". It wakes straight to the HPA minimum, so a
      // woken tenant is as highly available as one that never slept.
      workloadsOf: (t) => [
        { deployment: web.name, wakeReplicas: t.openWebUIReplicas.min },
        { deployment: TenantWorkloads.redis.name, wakeReplicas: 1 },
      ],
      ...(props.holdSeconds !== undefined ? { holdSeconds: props.holdSeconds } : {}),
      ...(props.sleepCheckSeconds !== undefined ? { sleepCheckSeconds: props.sleepCheckSeconds } : {}),
    });
    const configJson = `${JSON.stringify(this.config, null, 2)}\n`;
    const name = ref.service;
    const labels = { ...appLabels(name, 'activator'), ...ref.podLabels };
    const meta = { name, namespace: ns, labels, annotations: syncWave(SyncWave.workloads) };
    const early = { ...meta, annotations: syncWave(SyncWave.dependencies) };

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: early, automountServiceAccountToken: false });
    new k8s.KubeConfigMap(this, 'Config', { metadata: early, data: { [TENANT_ACTIVATOR_CONFIG_FILE]: configJson } });

    // One list+watch of Deployments across namespaces instead of one per tenant; reading a
    // Deployment reveals no secret (they come from Secrets the activator cannot read).
    const readRole = `panal-${name}-read`;
    new k8s.KubeClusterRole(this, 'ReadRole', {
      metadata: { name: readRole, labels, annotations: syncWave(SyncWave.dependencies) },
      rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] }],
    });
    new k8s.KubeClusterRoleBinding(this, 'ReadRoleBinding', {
      metadata: { name: readRole, labels, annotations: syncWave(SyncWave.dependencies) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: readRole },
      subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
    });
    // Scaling and the activity annotation: only the two tenant Deployments, only where bound.
    const scaleRole = `panal-${name}-scale`;
    const scaled = [...new Set(this.config.tenants.flatMap((t) => t.workloads.map((w) => w.deployment)))].sort();
    new k8s.KubeClusterRole(this, 'ScaleRole', {
      metadata: { name: scaleRole, labels, annotations: syncWave(SyncWave.dependencies) },
      rules: [
        // Merge patches only: the activity annotation, and the scale with a resourceVersion precondition.
        { apiGroups: ['apps'], resources: ['deployments'], resourceNames: scaled, verbs: ['patch'] },
        { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: scaled, verbs: ['patch'] },
      ],
    });
    for (const tenant of active) {
      new k8s.KubeRoleBinding(this, `ScaleRoleBinding-${tenant.id}`, {
        // Named after its namespace too: the manifest files of one folder are named by kind and name.
        metadata: { name: `${scaleRole}-${tenant.namespace}`, namespace: tenant.namespace, labels, annotations: syncWave(SyncWave.dependencies) },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: scaleRole },
        subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
      });
      new ReferenceGrant(this, `ReferenceGrant-${tenant.id}`, {
        metadata: { name: tenant.namespace, namespace: ns, labels, annotations: syncWave(SyncWave.dependencies) },
        spec: {
          from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: tenant.namespace }],
          to: [{ group: '', kind: 'Service', name }],
        },
      });
    }

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: meta,
      spec: {
        revisionHistoryLimit: 5,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        selector: { matchLabels: ref.podLabels },
        template: {
          metadata: {
            labels,
            // Only the settings bound at start (ports, timer periods) roll the pods. The tenant table and
            // the other live settings are reloaded from the mounted file (the kubelet updates it in
            // place, which a subPath mount would not): onboarding a tenant restarts no replica and
            // closes no websocket of the other tenants (docs/adr/0022, Enmienda 2026-12-04).
            annotations: { 'panal.io/config-sha256': startOnlySettingsSha256(tenantActivatorStartOnlySettings(this.config)) },
          },
          spec: {
            serviceAccountName: name,
            // It talks to the API server with its own token (projected, rotated by the kubelet).
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(ACTIVATOR_UID),
            nodeSelector: { ...CPU_POOL_SELECTOR },
            // Streams and websockets in flight get time to finish; the edge retries elsewhere meanwhile.
            terminationGracePeriodSeconds: 60,
            topologySpreadConstraints: zoneSpread(ref.podLabels),
            containers: [
              {
                name: 'activator',
                image: env.images.tenantActivator,
                imagePullPolicy: 'IfNotPresent',
                args: ['--config', `/etc/tenant-activator/${TENANT_ACTIVATOR_CONFIG_FILE}`],
                ports: [
                  { name: 'http', containerPort: this.config.listenPort },
                  { name: 'metrics', containerPort: this.config.metricsPort },
                ],
                resources: containerResources({ cpuRequestMilli: 250, cpuLimitMilli: 1000, memoryRequestMiB: 256, memoryLimitMiB: 512 }),
                securityContext: restrictedContainerSecurityContext(),
                readinessProbe: { httpGet: { path: '/readyz', port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 5, failureThreshold: 2 },
                livenessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 20, failureThreshold: 3 },
                lifecycle: { preStop: { sleep: { seconds: 10 } } },
                volumeMounts: [{ name: 'config', mountPath: '/etc/tenant-activator', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name } }],
          },
        },
      },
    });
    new ReplicatedHttpService(this, 'Serving', { metadata: meta, podLabels: ref.podLabels, port: ref.port, replicas });

    const policy = (policyName: string, spec: k8s.NetworkPolicySpec) => guardRailPolicy(this, ns, policyName, spec);
    policy('activator-ingress-from-edge', {
      podSelector: { matchLabels: ref.podLabels },
      policyTypes: ['Ingress'],
      ingress: [{ from: env.edge.sourceCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcpPort(this.config.listenPort)] }],
    });
    policy('activator-ingress-metrics-from-scraper', {
      podSelector: { matchLabels: ref.podLabels },
      policyTypes: ['Ingress'],
      ingress: [{ from: [azureMonitorScraper()], ports: [tcpPort(this.config.metricsPort)] }],
    });
    policy('activator-egress-to-tenants-and-api-server', {
      podSelector: { matchLabels: ref.podLabels },
      policyTypes: ['Egress'],
      egress: [
        { to: [inTenantNamespaces(web.serverLabels)], ports: [tcpPort(web.port)] },
        // Without a known API server range the activator cannot reach it where policies are enforced.
        ...(env.network.apiServerCidr ? [{ to: [{ ipBlock: { cidr: env.network.apiServerCidr } }], ports: [tcpPort(443)] }] : []),
      ],
    });
  }
}
