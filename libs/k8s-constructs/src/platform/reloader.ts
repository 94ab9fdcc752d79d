import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { AzureMonitorPodMonitor } from '../common/azure-monitor-pod-monitor';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/hardening';
import { appLabels, selectorLabels } from '../common/labels';
import { azureMonitorScraper, guardRailPolicy, tcpPort } from '../common/network-policy';
import { CPU_POOL_SELECTOR } from '../common/node-pools';
import { syncWave, SyncWave } from '../common/sync-waves';

/** Props of {@link Reloader}. */
export interface ReloaderProps {
  /** Namespace Reloader runs in (a platform namespace with default-deny policies). */
  readonly namespace: string;
  /** Reloader image, from the platform registry, pinned to the release tools/reloader builds. */
  readonly image: string;
  /**
   * The only namespaces Reloader watches and may touch (scoped mode, `--namespaces`): a RoleBinding
   * in each grants the rules of its ClusterRole there and nowhere else. Reloader reads the list at
   * start, so adding a namespace restarts it.
   */
  readonly watchNamespaces: readonly string[];
  /**
   * CIDR of the API server's private endpoint (private cluster): the only egress Reloader needs.
   * @default - no egress rule; Reloader cannot reach the API server where NetworkPolicies are enforced
   */
  readonly apiServerCidr?: string;
  /**
   * Name of the Deployment, ServiceAccount and ClusterRole (prefixed `panal-`).
   * @default 'reloader'
   */
  readonly name?: string;
}

/** Port of Reloader's `/metrics` and `/live`. */
export const RELOADER_HTTP_PORT = 9090;
/** Non-root uid of the Reloader container (the Helm chart's default). */
const RELOADER_UID = 65534;

/**
 * Stakater Reloader: rolls a Deployment or StatefulSet when a Secret it names in
 * `secret.reloader.stakater.com/reload` changes. The Secrets Store CSI driver rotates the tenant
 * Secrets it syncs from Key Vault, but environment variables are read once at container start, so
 * without a rollout a rotated value never reaches a running pod.
 *
 * Least privilege: scoped to `watchNamespaces` (no cluster-wide read of Secrets), Secrets only
 * (ConfigMaps ignored), Deployments and StatefulSets patched, Jobs and CronJobs never touched (the
 * OpenWebUI migration Job is an Argo CD hook, recreated on every sync). The `annotations` reload
 * strategy writes one pod-template annotation, which Argo CD does not count as drift because the
 * rendered manifest never sets it (Reloader's README recommends it for GitOps).
 * @see https://github.com/stakater/Reloader
 */
export class Reloader extends Construct {
  /** Name of the Deployment and ServiceAccount. */
  public readonly name: string;
  /** Arguments the container runs with. */
  public readonly args: readonly string[];
  /** The rules granted in every watched namespace. */
  public readonly rules: readonly k8s.PolicyRule[];

  constructor(scope: Construct, id: string, props: ReloaderProps) {
    super(scope, id);
    const ns = props.namespace;
    const name = props.name ?? 'reloader';
    this.name = name;
    const watched = [...new Set(props.watchNamespaces)].sort();
    if (watched.length === 0) throw new Error('watchNamespaces must name at least one namespace (an empty list would make Reloader watch the whole cluster), but none was provided');
    if (watched.includes(ns)) throw new Error(`watchNamespaces must not include Reloader's own namespace "${ns}"`);
    const labels = appLabels(name, 'controller');
    const podLabels = selectorLabels(name, 'controller');

    this.args = [
      `--namespaces=${watched.join(',')}`,
      '--reload-strategy=annotations',
      '--resources-to-ignore=configmaps',
      '--ignored-workload-types=jobs,cronjobs',
      // A Secret the CSI driver creates when the first pod mounts it is not a change; only updates roll.
      '--reload-on-create=false',
      '--reload-on-delete=false',
      // Named Secrets only: no workload rolls because it merely references a Secret.
      '--auto-reload-all=false',
      '--log-format=json',
    ];
    this.rules = [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'list', 'patch'] },
      // Listed on every change (Reloader has no switch for it); never patched here.
      { apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['list'] },
      // "Reloaded" events on the rolled workload: who restarted it and why.
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    ];

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name, namespace: ns, labels, annotations: syncWave(SyncWave.dependencies) },
      automountServiceAccountToken: false,
    });
    // A ClusterRole grants nothing by itself: each RoleBinding below applies it in one namespace.
    const roleName = `panal-${name}`;
    new k8s.KubeClusterRole(this, 'ClusterRole', { metadata: { name: roleName, labels, annotations: syncWave(SyncWave.dependencies) }, rules: [...this.rules] });
    for (const target of watched) {
      // Named after its namespace too: the manifest files of one folder are named by kind and name.
      new k8s.KubeRoleBinding(this, `RoleBinding-${target}`, {
        metadata: { name: `${roleName}-${target}`, namespace: target, labels, annotations: syncWave(SyncWave.dependencies) },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
        subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
      });
    }

    const probe = (path: string): k8s.Probe => ({ httpGet: { path, port: k8s.IntOrString.fromString('http') }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 5 });
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name, namespace: ns, labels, annotations: syncWave(SyncWave.workloads) },
      spec: {
        // One replica: two would both patch every workload. A change while it restarts is not seen
        // (it does not replay Secrets at start); the next rotation, or a manual rollout, catches up.
        replicas: 1,
        revisionHistoryLimit: 3,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: podLabels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            // Reloader talks to the API server; the token is mounted in the pod only.
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(RELOADER_UID),
            nodeSelector: { ...CPU_POOL_SELECTOR },
            containers: [
              {
                name: 'reloader',
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                args: [...this.args],
                ports: [{ name: 'http', containerPort: RELOADER_HTTP_PORT }],
                resources: containerResources({ cpuRequestMilli: 20, cpuLimitMilli: 200, memoryRequestMiB: 64, memoryLimitMiB: 256 }),
                securityContext: restrictedContainerSecurityContext(),
                livenessProbe: probe('/live'),
                readinessProbe: probe('/metrics'),
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
          },
        },
      },
    });
    new AzureMonitorPodMonitor(this, 'PodMonitor', { metadata: { name, namespace: ns, labels, annotations: syncWave(SyncWave.workloads) }, podLabels, endpoints: [{ port: 'http' }] });

    guardRailPolicy(this, ns, `${name}-ingress-metrics-from-scraper`, {
      podSelector: { matchLabels: podLabels },
      policyTypes: ['Ingress'],
      ingress: [{ from: [azureMonitorScraper()], ports: [tcpPort(RELOADER_HTTP_PORT)] }],
    });
    // The API server is reached by IP (KUBERNETES_SERVICE_HOST): no DNS, nothing else.
    guardRailPolicy(this, ns, `${name}-egress-api-server`, {
      podSelector: { matchLabels: podLabels },
      policyTypes: ['Egress'],
      egress: props.apiServerCidr ? [{ to: [{ ipBlock: { cidr: props.apiServerCidr } }], ports: [tcpPort(443)] }] : [],
    });
  }
}
