import { join } from 'node:path';
import { loadEnvironment, loadTenants, MODEL_CATALOGUE, MODEL_IDS, modelPoolNamespace, type Environment, type ModelPool, type Tenant, type TenantIdentities } from '@panal/tenant-config';
import {
  DATABASE_BOOTSTRAP_NAMESPACE,
  DatabaseBootstrap,
  DefaultDenyPolicies,
  Edge,
  GpuAdmissionPolicy,
  GpuNodeAgents,
  InferenceGateway,
  ModelPoolPolicies,
  ModelSeedJob,
  ModelStoreVolume,
  OllamaModel,
  OtelCollector,
  PlatformNamespace,
  PlatformScrapeTargets,
  POD_SECURITY_VERSION,
  PremiumModelScaler,
  Reloader,
  TenantActivator,
  toManifestFiles,
  type KubeObject,
} from '@panal/k8s-constructs';
import { App, Chart } from 'cdk8s';

/** Folder the cluster-addons app writes, relative to the repository root; Argo CD reads it. */
export const CLUSTER_ADDONS_OUT_DIR = 'dist/manifests/cluster-addons';

/** Tenant folders, relative to the repository root: the gateway configuration is derived from them. */
export const TENANTS_DIR = 'apps/tenants/tenants';

/** Namespace of the NVIDIA node agents. */
export const GPU_SYSTEM_NAMESPACE = 'gpu-system';

/** Namespace of the model seeding Job. */
export const MODEL_STORE_NAMESPACE = 'model-store';

/** Namespace of Stakater Reloader, which rolls tenant workloads when their synced Secrets rotate. */
export const RELOADER_NAMESPACE = 'reloader';

/** Options of {@link renderClusterAddons}. */
export interface RenderClusterAddonsOptions {
  /** Repository root. */
  readonly repoRoot: string;
  /** Environment folder (`environments/<env>`). */
  readonly envDir: string;
  /** Tenant folders. @default `<repoRoot>/apps/tenants/tenants` */
  readonly tenantsDir?: string;
}

/** What one add-on folder (one Argo CD Application) contains. */
type AddonBuilder = (chart: Chart, ctx: { environment: Environment; tenants: readonly Tenant[]; identities: TenantIdentities }) => void;

const modelPool = (pool: ModelPool): AddonBuilder => (chart, { environment, identities }) => {
  const namespace = modelPoolNamespace(pool);
  new PlatformNamespace(chart, 'Namespace', { name: namespace, role: 'models', podSecurityVersion: POD_SECURITY_VERSION });
  new DefaultDenyPolicies(chart, 'DefaultDeny', { namespace });
  new ModelPoolPolicies(chart, 'Policies', { namespace, environment });
  const store = new ModelStoreVolume(chart, 'ModelStore', { namespace, environment, readOnly: true });
  for (const id of MODEL_IDS.filter((m) => MODEL_CATALOGUE[m].pool === pool)) {
    const model = MODEL_CATALOGUE[id];
    const ollama = new OllamaModel(chart, model.slug, { model, namespace, image: environment.images.ollama, modelStoreClaim: store.claimName });
    if (pool === 'premium') {
      new PremiumModelScaler(chart, `${model.slug}-scaler`, {
        model,
        namespace,
        deploymentName: ollama.name,
        prometheusQueryEndpoint: environment.modelServing.prometheusQueryEndpoint,
        kedaIdentityClientId: identities.platformClientIds.kedaOperator,
        warmHours: environment.modelServing.premiumWarmHours,
      });
    }
  }
};

/**
 * The add-ons, one per folder of `dist/manifests/cluster-addons/` (the cluster-addons
 * ApplicationSet turns each into an Application in project `platform`).
 */
export const ADDONS: Readonly<Record<string, AddonBuilder>> = {
  'gpu-policy': (chart) => {
    new GpuAdmissionPolicy(chart, 'GpuExclusivity', { gpuWorkloadNamespace: modelPoolNamespace('premium'), gpuAgentNamespaces: [GPU_SYSTEM_NAMESPACE] });
  },
  'gpu-system': (chart, { environment }) => {
    new PlatformNamespace(chart, 'Namespace', { name: GPU_SYSTEM_NAMESPACE, role: 'platform', podSecurity: 'privileged', podSecurityVersion: POD_SECURITY_VERSION });
    new DefaultDenyPolicies(chart, 'DefaultDeny', { namespace: GPU_SYSTEM_NAMESPACE, allowDns: false });
    new GpuNodeAgents(chart, 'Agents', { namespace: GPU_SYSTEM_NAMESPACE, devicePluginImage: environment.images.nvidiaDevicePlugin, dcgmExporterImage: environment.images.dcgmExporter });
  },
  'model-store': (chart, { environment, identities }) => {
    new PlatformNamespace(chart, 'Namespace', { name: MODEL_STORE_NAMESPACE, role: 'platform', podSecurityVersion: POD_SECURITY_VERSION });
    new DefaultDenyPolicies(chart, 'DefaultDeny', { namespace: MODEL_STORE_NAMESPACE });
    const store = new ModelStoreVolume(chart, 'ModelStore', { namespace: MODEL_STORE_NAMESPACE, environment, readOnly: false });
    const clientId = identities.platformClientIds.modelSeeder;
    if (clientId) new ModelSeedJob(chart, 'Seed', { namespace: MODEL_STORE_NAMESPACE, environment, claimName: store.claimName, workloadIdentityClientId: clientId });
  },
  'models-standard': modelPool('standard'),
  'models-premium': modelPool('premium'),
  'inference-gateway': (chart, { environment, tenants, identities }) => {
    const namespace = environment.inferenceGateway.namespace;
    new PlatformNamespace(chart, 'Namespace', { name: namespace, role: 'platform', podSecurityVersion: POD_SECURITY_VERSION });
    new DefaultDenyPolicies(chart, 'DefaultDeny', { namespace });
    new InferenceGateway(chart, 'Gateway', { environment, tenants, workloadIdentityClientId: identities.platformClientIds.inferenceGateway });
  },
  // Every tenant route points here: it proxies to the tenant's OpenWebUI and wakes tenants that
  // sleep at zero replicas (docs/adr/0022-inquilinos-dormidos-y-activador.md).
  'tenant-activator': (chart, { environment, tenants }) => {
    const namespace = environment.tenantActivator.namespace;
    new PlatformNamespace(chart, 'Namespace', { name: namespace, role: 'platform', podSecurityVersion: POD_SECURITY_VERSION });
    new DefaultDenyPolicies(chart, 'DefaultDeny', { namespace });
    new TenantActivator(chart, 'Activator', { environment, tenants });
  },
  'platform-db': (chart, { environment, tenants, identities }) => {
    new PlatformNamespace(chart, 'Namespace', { name: DATABASE_BOOTSTRAP_NAMESPACE, role: 'platform', podSecurityVersion: POD_SECURITY_VERSION });
    new DefaultDenyPolicies(chart, 'DefaultDeny', { namespace: DATABASE_BOOTSTRAP_NAMESPACE });
    const clientId = identities.platformClientIds.databaseBootstrap;
    if (clientId) new DatabaseBootstrap(chart, 'Bootstrap', { environment, tenants, workloadIdentityClientId: clientId });
  },
  observability: (chart, { environment, identities }) => {
    const namespace = environment.otelCollector.namespace;
    new PlatformNamespace(chart, 'Namespace', { name: namespace, role: 'platform', podSecurityVersion: POD_SECURITY_VERSION });
    new DefaultDenyPolicies(chart, 'DefaultDeny', { namespace });
    new OtelCollector(chart, 'Collector', { environment, workloadIdentityClientId: identities.platformClientIds.otelCollector });
    new PlatformScrapeTargets(chart, 'ScrapeTargets', { namespace, argocdNamespace: environment.gitops.argocdNamespace });
  },
  // The edge Gateway every tenant route attaches to, and its certificates (docs/adr/0021-borde-agc-y-certificados.md).
  edge: (chart, { environment, tenants, identities }) => {
    const namespace = environment.edge.gatewayNamespace;
    new PlatformNamespace(chart, 'Namespace', { name: namespace, role: 'platform', podSecurityVersion: POD_SECURITY_VERSION });
    new DefaultDenyPolicies(chart, 'DefaultDeny', { namespace, allowDns: false });
    new Edge(chart, 'Edge', { edge: environment.edge, tenants, certManagerClientId: identities.platformClientIds.certManager });
  },
  // Watches only the namespaces whose workloads read a synced Key Vault Secret as environment
  // variables: every active tenant's (OpenWebUI). No DNS: it reaches the API server by IP.
  reloader: (chart, { environment, tenants }) => {
    new PlatformNamespace(chart, 'Namespace', { name: RELOADER_NAMESPACE, role: 'platform', podSecurityVersion: POD_SECURITY_VERSION });
    new DefaultDenyPolicies(chart, 'DefaultDeny', { namespace: RELOADER_NAMESPACE, allowDns: false });
    const watchNamespaces = tenants.filter((t) => t.state === 'active').map((t) => t.namespace);
    if (watchNamespaces.length > 0) {
      new Reloader(chart, 'Reloader', { namespace: RELOADER_NAMESPACE, image: environment.images.reloader, watchNamespaces, apiServerCidr: environment.network.apiServerCidr });
    }
  },
};

/**
 * Loads the environment and the tenant folders and renders every add-on into its folder.
 * @throws ConfigError when the environment or a tenant folder is invalid (nothing is rendered)
 */
export function renderClusterAddons(options: RenderClusterAddonsOptions): Map<string, string> {
  const { repoRoot, envDir } = options;
  const { environment, identities } = loadEnvironment(envDir, repoRoot);
  const tenants = loadTenants({ tenantsDir: options.tenantsDir ?? join(repoRoot, TENANTS_DIR), repoRoot, identities, edge: environment.edge });
  const files = new Map<string, string>();
  for (const [folder, build] of Object.entries(ADDONS)) {
    const chart = new Chart(new App(), folder);
    build(chart, { environment, tenants, identities });
    for (const [path, content] of toManifestFiles(folder, chart.toJson() as KubeObject[])) files.set(path, content);
  }
  return files;
}
