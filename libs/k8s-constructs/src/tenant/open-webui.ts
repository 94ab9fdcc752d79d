import {
  MIGRATION_JOB_SIZE,
  MODEL_CATALOGUE,
  openWebUiClientTimeoutSeconds,
  OPEN_WEBUI_SIZE,
  TENANT_KEY_VAULT_SECRETS,
  TIER_PROFILES,
  tenantUploadsContainerName,
  type Environment,
  type Tenant,
  type TenantSecret,
} from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/hardening';
import { appLabels } from '../common/labels';
import { CPU_POOL_SELECTOR } from '../common/node-pools';
import { reloadOnSecretChange } from '../common/reloader-annotations';
import { syncWave, SyncWave } from '../common/sync-waves';
import { zoneSpread } from '../common/topology-spread';
import { TenantWorkloads } from './tenant-workloads';

/** OpenWebUI's data directory in the image (a writable emptyDir in the pod). */
const DATA_DIR = '/app/backend/data';
/** Largest file a user may upload, in MB (OpenWebUI's `RAG_FILE_MAX_SIZE`). */
export const UPLOAD_MAX_FILE_MB = 100;
/** Room for OpenWebUI's local copies of Blob uploads, which it never deletes (a pod restart clears them). */
const UPLOADS_SIZE_LIMIT = '8Gi';
/**
 * What the `seed-data` init container runs (the emptyDir is at /seed there, so the image's own
 * DATA_DIR and backend static files are visible): copy the baked data, then the backend static files.
 */
export const OPEN_WEBUI_SEED_COMMAND = `cp -R ${DATA_DIR}/. /seed/ && mkdir -p /seed/static && cp -R /app/backend/open_webui/static/. /seed/static/`;

/** How long the migration Job's `wait-for-database` init container waits for the tenant role, in seconds. */
export const WAIT_FOR_DATABASE_SECONDS = 900;

/**
 * What the migration Job's `wait-for-database` init container runs with the image's Python and
 * psycopg2 (an OpenWebUI dependency): log in with `DATABASE_URL` every 10 s until the role exists and
 * can connect, at most WAIT_SECONDS. The role and database come from the `platform-db/db-bootstrap`
 * Job of another Application, so nothing else orders them before this tenant's first migration.
 * The log line carries PostgreSQL's reason (never the URL, which holds the password).
 */
export const OPEN_WEBUI_WAIT_FOR_DATABASE_SCRIPT = [
  'import os, sys, time',
  'import psycopg2',
  "deadline = time.monotonic() + int(os.environ['WAIT_SECONDS'])",
  'while True:',
  '    try:',
  "        psycopg2.connect(os.environ['DATABASE_URL'], connect_timeout=5).close()",
  "        print('wait-for-database: the tenant role logs in to its database', flush=True)",
  '        break',
  '    except psycopg2.OperationalError as error:',
  "        reason = (str(error).strip().splitlines() or ['no reason given'])[0]",
  '        if time.monotonic() >= deadline:',
  "            sys.exit(f'wait-for-database: gave up after {os.environ[\"WAIT_SECONDS\"]} s: {reason}')",
  "        print(f'wait-for-database: not yet ({reason}); platform-db/db-bootstrap creates the role', flush=True)",
  '        time.sleep(10)',
  '',
].join('\n');

/** Props of {@link OpenWebUI}. */
export interface OpenWebUIProps {
  /** The tenant served (replica bounds, hostnames, SSO). */
  readonly tenant: Tenant;
  /** Image, inference gateway, collector and Azure endpoints. */
  readonly environment: Environment;
  /** In-namespace Redis URL for websockets and app state. */
  readonly redisUrl: string;
  /**
   * Average CPU utilisation (of requests) the autoscaler keeps.
   * @default 70
   */
  readonly targetCpuUtilizationPercent?: number;
  /**
   * Threads of the FastAPI worker pool; OpenWebUI runs one uvicorn worker per pod, so this is its concurrency.
   * @default 40
   * @see https://docs.openwebui.com/getting-started/env-configuration
   */
  readonly threadPoolSize?: number;
}

/**
 * OpenWebUI (≥ 0.12) sends its built-in tools with every chat typed in the UI ("native" function
 * calling), and Ollama rejects the whole request for a model whose template has no tools ("does not
 * support tools"): every chat with Llama 3 failed in the browser. When some model of the tenant's
 * tier cannot take tools, the default model metadata turns the built-in tools off; an admin can
 * still turn them on for one model in OpenWebUI (per-model settings win over the default).
 * @see https://docs.openwebui.com/getting-started/env-configuration (DEFAULT_MODEL_METADATA)
 */
function builtinToolsEnv(tenant: Tenant): k8s.EnvVar[] {
  const withoutTools = TIER_PROFILES[tenant.tier].models.filter((m) => !MODEL_CATALOGUE[m].toolCalling);
  return withoutTools.length === 0 ? [] : [{ name: 'DEFAULT_MODEL_METADATA', value: JSON.stringify({ capabilities: { builtin_tools: false } }) }];
}

/** Keys of the synced Secret, one per Key Vault secret. */
const secretKey = (s: TenantSecret) => TENANT_KEY_VAULT_SECRETS[s];

/**
 * OpenWebUI for one tenant, production HA: at least two replicas spread across zones, a PDB, an
 * HPA, probes, hardened pods, and the settings multi-replica OpenWebUI needs (shared secret key,
 * PostgreSQL with pgvector, Redis websockets, non-persistent config). It talks to models only
 * through the inference gateway (`ENABLE_OLLAMA_API=false`) with the tenant's own key.
 *
 * Database migrations run once per sync in a Job (single writer); server replicas start with
 * `ENABLE_DB_MIGRATIONS=false` so they never race on the schema.
 * @see https://docs.openwebui.com/troubleshooting/multi-replica
 */
export class OpenWebUI extends Construct {
  constructor(scope: Construct, id: string, props: OpenWebUIProps) {
    super(scope, id);
    const { tenant, environment: env } = props;
    const min = tenant.openWebUIReplicas.min;
    const max = tenant.openWebUIReplicas.max;
    if (min < 2) throw new Error(`openWebUI replicas.min must be at least 2 so a zone loss keeps the tenant up, but ${min} was provided`);
    if (max < min) throw new Error(`openWebUI replicas.max must be at least replicas.min (${min}), but ${max} was provided`);
    const cpuTarget = props.targetCpuUtilizationPercent ?? 70;
    if (cpuTarget < 10 || cpuTarget > 95) throw new Error(`targetCpuUtilizationPercent must be between 10 and 95, but ${cpuTarget} was provided`);

    const w = TenantWorkloads.openWebUI;
    const ns = tenant.namespace;
    const primaryHost = tenant.hostnames[0];
    const serverLabels = { ...appLabels(w.name, 'server'), ...w.serverLabels, 'azure.workload.identity/use': 'true' };
    const fromSecret = (name: string, key: TenantSecret): k8s.EnvVar => ({
      name,
      valueFrom: { secretKeyRef: { name: TenantWorkloads.syncedSecretName, key: secretKey(key) } },
    });
    const gw = env.inferenceGateway;
    const collector = env.otelCollector;

    const commonEnv: k8s.EnvVar[] = [
      fromSecret('DATABASE_URL', 'databaseUrl'),
      fromSecret('WEBUI_SECRET_KEY', 'webuiSecretKey'),
      { name: 'VECTOR_DB', value: 'pgvector' },
      { name: 'DATA_DIR', value: DATA_DIR },
      { name: 'STATIC_DIR', value: `${DATA_DIR}/static` },
      { name: 'HOME', value: '/tmp' },
      // The platform has no egress to Hugging Face or GitHub: never try to download models or check versions.
      { name: 'OFFLINE_MODE', value: 'true' },
    ];
    const serverEnv: k8s.EnvVar[] = [
      ...commonEnv,
      { name: 'ENABLE_DB_MIGRATIONS', value: 'false' },
      { name: 'ENABLE_PERSISTENT_CONFIG', value: 'false' },
      // The tenant role is not a superuser: `vector` is created by the database bootstrap (tenantDbBootstrapSql).
      { name: 'PGVECTOR_CREATE_EXTENSION', value: 'false' },
      { name: 'UVICORN_WORKERS', value: '1' },
      { name: 'THREAD_POOL_SIZE', value: String(props.threadPoolSize ?? 40) },
      { name: 'WEBUI_URL', value: `https://${primaryHost}` },
      { name: 'WEBUI_NAME', value: tenant.displayName },
      // Users reach OpenWebUI only over HTTPS (the edge terminates TLS and redirects port 80): the
      // session and auth cookies carry Secure, so a browser never sends them over plain HTTP.
      { name: 'WEBUI_SESSION_COOKIE_SECURE', value: 'true' },
      { name: 'WEBUI_AUTH_COOKIE_SECURE', value: 'true' },
      // Websockets and shared state across replicas.
      { name: 'ENABLE_WEBSOCKET_SUPPORT', value: 'true' },
      { name: 'WEBSOCKET_MANAGER', value: 'redis' },
      { name: 'WEBSOCKET_REDIS_URL', value: props.redisUrl },
      { name: 'REDIS_URL', value: props.redisUrl },
      // Models only through the inference gateway: no Ollama management API for tenant admins.
      { name: 'ENABLE_OLLAMA_API', value: 'false' },
      { name: 'ENABLE_OPENAI_API', value: 'true' },
      { name: 'OPENAI_API_BASE_URL', value: `http://${gw.service}.${gw.namespace}.svc.cluster.local:${gw.port}/v1` },
      fromSecret('OPENAI_API_KEY', 'inferenceGatewayKey'),
      ...builtinToolsEnv(tenant),
      // Outlast the gateway's wait for a premium model starting from zero (the first request waits, it does not fail).
      { name: 'AIOHTTP_CLIENT_TIMEOUT', value: String(openWebUiClientTimeoutSeconds()) },
      // Uploads in the tenant's own Blob container, authenticated by workload identity.
      { name: 'STORAGE_PROVIDER', value: 'azure' },
      { name: 'AZURE_STORAGE_ENDPOINT', value: `https://${env.azure.uploadsStorageAccount}.blob.core.windows.net` },
      { name: 'AZURE_STORAGE_CONTAINER_NAME', value: tenantUploadsContainerName(tenant.id) },
      // The Azure provider also keeps every upload in DATA_DIR/uploads (its own volume below): cap one file.
      { name: 'RAG_FILE_MAX_SIZE', value: String(UPLOAD_MAX_FILE_MB) },
      // Single sign-on with the tenant's Entra ID application; no local passwords.
      { name: 'ENABLE_OAUTH_SIGNUP', value: 'true' },
      { name: 'ENABLE_LOGIN_FORM', value: 'false' },
      { name: 'OAUTH_PROVIDER_NAME', value: tenant.sso.providerName },
      { name: 'OPENID_PROVIDER_URL', value: `${tenant.sso.issuerUrl.replace(/\/$/, '')}/.well-known/openid-configuration` },
      { name: 'OAUTH_CLIENT_ID', value: tenant.sso.clientId },
      fromSecret('OAUTH_CLIENT_SECRET', 'oidcClientSecret'),
      { name: 'OAUTH_SCOPES', value: 'openid email profile' },
      { name: 'OPENID_REDIRECT_URI', value: `https://${primaryHost}/oauth/oidc/callback` },
      // OpenWebUI pushes OTLP metrics; the collector (OTLP/HTTP only) adds Kubernetes attributes. OpenWebUI
      // defaults to gRPC and hands the endpoint to the exporter verbatim, so protocol and full path are explicit.
      { name: 'ENABLE_OTEL', value: 'true' },
      { name: 'ENABLE_OTEL_METRICS', value: 'true' },
      { name: 'OTEL_OTLP_SPAN_EXPORTER', value: 'http' },
      { name: 'OTEL_METRICS_OTLP_SPAN_EXPORTER', value: 'http' },
      { name: 'OTEL_METRICS_EXPORTER_OTLP_ENDPOINT', value: `http://${collector.service}.${collector.namespace}.svc.cluster.local:${collector.port}/v1/metrics` },
      { name: 'OTEL_SERVICE_NAME', value: 'open-webui' },
      { name: 'OTEL_RESOURCE_ATTRIBUTES', value: `panal.tenant=${tenant.id},panal.tier=${tenant.tier}` },
    ];

    const writableVolumes: k8s.Volume[] = [
      { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('2Gi') } },
      { name: 'uploads', emptyDir: { sizeLimit: k8s.Quantity.fromString(UPLOADS_SIZE_LIMIT) } },
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
    ];
    const writableMounts: k8s.VolumeMount[] = [
      { name: 'data', mountPath: DATA_DIR },
      { name: 'uploads', mountPath: `${DATA_DIR}/uploads` },
      { name: 'tmp', mountPath: '/tmp' },
    ];
    // The writable emptyDir over DATA_DIR hides what the image baked there (the embedding model cache);
    // STATIC_DIR lives on it too and OpenWebUI only refills it from the frontend build, not from the
    // backend's own static files. Copy both from the image before the server starts.
    const seedData: k8s.Container = {
      name: 'seed-data',
      image: env.images.openWebUI,
      imagePullPolicy: 'IfNotPresent',
      command: ['sh', '-c', OPEN_WEBUI_SEED_COMMAND],
      resources: containerResources(MIGRATION_JOB_SIZE),
      securityContext: restrictedContainerSecurityContext(),
      volumeMounts: [{ name: 'data', mountPath: '/seed' }],
    };
    // Mounting the CSI volume is what makes the driver fetch from Key Vault and sync the Secret.
    const secretsVolume: k8s.Volume = {
      name: 'key-vault',
      csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: TenantWorkloads.secretProviderClassName } },
    };
    const secretsMount: k8s.VolumeMount = { name: 'key-vault', mountPath: '/mnt/key-vault', readOnly: true };

    const podBase = {
      serviceAccountName: TenantWorkloads.serviceAccountName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurityContext(w.uid),
      nodeSelector: { ...CPU_POOL_SELECTOR },
    };

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: {
        name: w.name,
        namespace: ns,
        labels: serverLabels,
        // The server reads the synced Key Vault Secret as environment variables, once at start: when the
        // CSI driver rotates it, Reloader (platform/reloader.ts) rolls the pods so they read the new values.
        annotations: { ...syncWave(SyncWave.workloads), ...reloadOnSecretChange(TenantWorkloads.syncedSecretName) },
      },
      spec: {
        // No `replicas`: the HPA owns it, so an Argo CD sync never fights the autoscaler.
        revisionHistoryLimit: 5,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        selector: { matchLabels: w.serverLabels },
        template: {
          metadata: { labels: serverLabels },
          spec: {
            ...podBase,
            terminationGracePeriodSeconds: 60,
            initContainers: [seedData],
            topologySpreadConstraints: zoneSpread(w.serverLabels),
            containers: [
              {
                name: 'open-webui',
                image: env.images.openWebUI,
                imagePullPolicy: 'IfNotPresent',
                ports: [{ name: 'http', containerPort: w.port }],
                env: serverEnv,
                resources: containerResources(OPEN_WEBUI_SIZE),
                securityContext: restrictedContainerSecurityContext(),
                startupProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromString('http') }, periodSeconds: 5, failureThreshold: 60 },
                readinessProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromString('http') }, periodSeconds: 10, failureThreshold: 3 },
                livenessProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromString('http') }, periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 5 },
                // Let the edge stop sending before the process stops (endpoint removal is asynchronous).
                lifecycle: { preStop: { sleep: { seconds: 10 } } },
                volumeMounts: [...writableMounts, secretsMount],
              },
            ],
            volumes: [...writableVolumes, secretsVolume],
          },
        },
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name: w.name, namespace: ns, labels: appLabels(w.name, 'server'), annotations: syncWave(SyncWave.workloads) },
      spec: { type: 'ClusterIP', selector: w.serverLabels, ports: [{ name: 'http', port: w.servicePort, targetPort: k8s.IntOrString.fromString('http') }] },
    });

    new k8s.KubePodDisruptionBudget(this, 'Pdb', {
      metadata: { name: w.name, namespace: ns, labels: appLabels(w.name, 'server'), annotations: syncWave(SyncWave.workloads) },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: w.serverLabels }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    });

    new k8s.KubeHorizontalPodAutoscalerV2(this, 'Hpa', {
      metadata: { name: w.name, namespace: ns, labels: appLabels(w.name, 'server'), annotations: syncWave(SyncWave.workloads) },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: w.name },
        minReplicas: min,
        maxReplicas: max,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpuTarget } } }],
        behavior: {
          scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
          // Chats are long-lived websockets: scale down slowly so users are not bounced.
          scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }] },
        },
      },
    });

    const migrationLabels = { ...appLabels(w.name, 'migration'), ...w.migrationLabels, 'azure.workload.identity/use': 'true' };
    new k8s.KubeJob(this, 'Migration', {
      metadata: {
        name: `${w.name}-migrate`,
        namespace: ns,
        labels: migrationLabels,
        annotations: {
          ...syncWave(SyncWave.migrations),
          // A Sync hook runs in its wave on every sync and is recreated each time (Jobs are immutable).
          'argocd.argoproj.io/hook': 'Sync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
        },
      },
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: 1800,
        template: {
          metadata: { labels: migrationLabels },
          spec: {
            ...podBase,
            restartPolicy: 'Never',
            initContainers: [
              {
                name: 'wait-for-database',
                image: env.images.openWebUI,
                imagePullPolicy: 'IfNotPresent',
                command: ['python3', '-c', OPEN_WEBUI_WAIT_FOR_DATABASE_SCRIPT],
                env: [fromSecret('DATABASE_URL', 'databaseUrl'), { name: 'WAIT_SECONDS', value: String(WAIT_FOR_DATABASE_SECONDS) }],
                resources: containerResources(MIGRATION_JOB_SIZE),
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [secretsMount],
              },
            ],
            containers: [
              {
                name: 'migrate',
                image: env.images.openWebUI,
                imagePullPolicy: 'IfNotPresent',
                // The documented single-writer path: run Alembic to head, then exit.
                // https://docs.openwebui.com/troubleshooting/manual-database-migration
                command: ['sh', '-c', 'cd /app/backend/open_webui && exec alembic upgrade head'],
                env: [...commonEnv, { name: 'ENABLE_DB_MIGRATIONS', value: 'true' }],
                resources: containerResources(MIGRATION_JOB_SIZE),
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [...writableMounts, secretsMount],
              },
            ],
            volumes: [...writableVolumes, secretsVolume],
          },
        },
      },
    });
  }
}
