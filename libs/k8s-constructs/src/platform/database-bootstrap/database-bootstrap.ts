import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { databaseBootstrapIdentityName, dbBootstrapSqlTemplate, tenantDatabaseName, tenantKeyVaultName, type Environment, type Tenant } from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { contentSha256 } from '../../common/content-hash';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../../common/hardening';
import { appLabels } from '../../common/labels';
import { PRIVATE_RANGES, tcpPort } from '../../common/network-policy';
import { CPU_POOL_SELECTOR } from '../../common/node-pools';
import { syncWave, SyncWave } from '../../common/sync-waves';

/** Namespace of the database bootstrap (the subject of its federated credential names it). */
export const DATABASE_BOOTSTRAP_NAMESPACE = 'platform-db';

/** Name of the bootstrap's ServiceAccount, Job, CronJob and inputs ConfigMap. */
export const DATABASE_BOOTSTRAP_NAME = 'db-bootstrap';

/** Name of the ConfigMap that records what the last successful bootstrap ran for. */
export const DATABASE_BOOTSTRAP_RECORD_NAME = 'db-bootstrap-record';

/** Annotation of the Job with its {@link databaseBootstrapSha256}. */
export const DATABASE_BOOTSTRAP_SHA256_ANNOTATION = 'panal.io/bootstrap-sha256';

/** Files of the inputs ConfigMap, mounted at {@link DATABASE_BOOTSTRAP_MOUNT}. */
export const DATABASE_BOOTSTRAP_FILES = { script: 'bootstrap-tenants.sh', sql: 'tenant-database.sql', tenants: 'tenants.tsv' } as const;

/** Where the inputs ConfigMap is mounted in the bootstrap pod. */
export const DATABASE_BOOTSTRAP_MOUNT = '/etc/db-bootstrap';

/** The shell script the Job runs (a file of its own, so it can be read and linted as shell). */
const BOOTSTRAP_SCRIPT = readFileSync(join(import.meta.dirname, DATABASE_BOOTSTRAP_FILES.script), 'utf8');

/** Direct server port: the bootstrap needs a session (`\connect`, DDL), not PgBouncer's transaction pool on 6432. */
const POSTGRES_SERVER_PORT = 5432;

/** Props of {@link DatabaseBootstrap}. */
export interface DatabaseBootstrapProps {
  /** PostgreSQL host, platform-db egress ranges, bootstrap image, name prefix of the tenant vaults. */
  readonly environment: Environment;
  /** Every tenant; those still `provisioning` (no Azure resources yet) are left out. */
  readonly tenants: readonly Tenant[];
  /** Client id of the bootstrap identity (the server's Entra administrator, Secrets User of each tenant vault). */
  readonly workloadIdentityClientId: string;
  /**
   * Namespace of the ServiceAccount, Job and CronJob.
   * @default DATABASE_BOOTSTRAP_NAMESPACE
   */
  readonly namespace?: string;
  /**
   * PostgreSQL role of the Entra administrator: the display name of the bootstrap identity.
   * @default databaseBootstrapIdentityName(environment.azure.namePrefix)
   */
  readonly administratorRole?: string;
  /**
   * When the CronJob re-runs the bootstrap between syncs (heals a dropped role, applies a rotated
   * password), in the cluster's time zone (UTC on AKS).
   * @default '17,47 * * * *' (every 30 minutes, off the hour)
   */
  readonly reconcileSchedule?: string;
}

/** One line per tenant of `tenants.tsv`: tenant id, Key Vault name, database (and role) name. */
export function databaseBootstrapTenantsTsv(environment: Environment, tenants: readonly Tenant[]): string {
  const lines = tenants.filter((t) => t.state !== 'provisioning').map((t) => [t.id, tenantKeyVaultName(environment.azure.namePrefix, t.id), tenantDatabaseName(t.id)].join('\t'));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** SHA-256 (hex) of what a bootstrap run does: its inputs (script, SQL, tenants) and the Job spec. */
export function databaseBootstrapSha256(files: Readonly<Record<string, string>>, jobSpec: unknown): string {
  return contentSha256({ files, jobSpec });
}

/**
 * Creates each tenant's PostgreSQL role and database (with `vector`) on the Flexible Server, the
 * `platform-db/db-bootstrap` Job of the design: the tenants Terraform stack creates the database and
 * the role's password (`database-url` in the tenant's Key Vault), and this Job makes the role exist
 * with that password and own that database. The SQL is {@link dbBootstrapSqlTemplate} (idempotent,
 * the same script the local real stack runs), applied per tenant by `bootstrap-tenants.sh`, which
 * authenticates with workload identity only: PostgreSQL as the server's Entra administrator, Key
 * Vault as Secrets User of every tenant vault. No password of the platform is involved.
 *
 * When it runs:
 * - an Argo CD Sync hook (`BeforeHookCreation`), so every sync of this Application runs it; the
 *   inputs ConfigMap lists the tenants, so adding one makes the Application OutOfSync and automated
 *   sync runs the hook. A record ConfigMap one wave after the hook carries {@link databaseBootstrapSha256}
 *   and is applied only when the Job succeeded, so a failed bootstrap leaves the Application OutOfSync
 *   and retrying, not Synced (the pattern of the model seed, ADR 0017);
 * - a CronJob with the same pod between syncs: a password rotated in Key Vault reaches the role
 *   within {@link DatabaseBootstrapProps.reconcileSchedule} (or at once with
 *   `kubectl create job --from=cronjob/db-bootstrap`).
 *
 * A tenant's OpenWebUI migration hook waits until its role can log in, so the tenant never starts
 * before its database exists, whichever Application syncs first.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/
 * @see https://learn.microsoft.com/azure/aks/workload-identity-overview
 */
export class DatabaseBootstrap extends Construct {
  /** The inputs ConfigMap's files (what the test runs against a real PostgreSQL). */
  public readonly files: Readonly<Record<(typeof DATABASE_BOOTSTRAP_FILES)[keyof typeof DATABASE_BOOTSTRAP_FILES], string>>;

  constructor(scope: Construct, id: string, props: DatabaseBootstrapProps) {
    super(scope, id);
    const { environment } = props;
    const namespace = props.namespace ?? DATABASE_BOOTSTRAP_NAMESPACE;
    const labels = { ...appLabels(DATABASE_BOOTSTRAP_NAME, 'bootstrap'), 'azure.workload.identity/use': 'true' };
    this.files = {
      [DATABASE_BOOTSTRAP_FILES.script]: BOOTSTRAP_SCRIPT,
      [DATABASE_BOOTSTRAP_FILES.sql]: dbBootstrapSqlTemplate(),
      [DATABASE_BOOTSTRAP_FILES.tenants]: databaseBootstrapTenantsTsv(environment, props.tenants),
    };

    new k8s.KubeNetworkPolicy(this, 'Egress', {
      metadata: { name: `${DATABASE_BOOTSTRAP_NAME}-egress`, namespace, annotations: syncWave(SyncWave.guardRails) },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': DATABASE_BOOTSTRAP_NAME } },
        policyTypes: ['Egress'],
        egress: [
          // The Flexible Server in its delegated subnet.
          { to: [{ ipBlock: { cidr: environment.network.postgresSubnetCidr } }], ports: [tcpPort(POSTGRES_SERVER_PORT)] },
          // Tenant Key Vaults through their private endpoints.
          { to: [{ ipBlock: { cidr: environment.network.privateEndpointsSubnetCidr } }], ports: [tcpPort(443)] },
          // Entra ID token exchange for workload identity (no private endpoint exists).
          { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [...PRIVATE_RANGES] } }], ports: [tcpPort(443)] },
        ],
      },
    });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: DATABASE_BOOTSTRAP_NAME, namespace, annotations: { 'azure.workload.identity/client-id': props.workloadIdentityClientId, ...syncWave(SyncWave.dependencies) } },
      automountServiceAccountToken: false,
    });
    new k8s.KubeConfigMap(this, 'Inputs', {
      metadata: { name: DATABASE_BOOTSTRAP_NAME, namespace, labels: appLabels(DATABASE_BOOTSTRAP_NAME, 'bootstrap'), annotations: syncWave(SyncWave.dependencies) },
      data: this.files,
    });

    const podSpec: k8s.PodSpec = {
      restartPolicy: 'Never',
      serviceAccountName: DATABASE_BOOTSTRAP_NAME,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurityContext(10001),
      nodeSelector: { ...CPU_POOL_SELECTOR },
      containers: [
        {
          name: 'bootstrap',
          image: environment.images.dbBootstrap,
          imagePullPolicy: 'IfNotPresent',
          command: ['bash', `${DATABASE_BOOTSTRAP_MOUNT}/${DATABASE_BOOTSTRAP_FILES.script}`],
          env: [
            { name: 'PGHOST', value: environment.azure.postgresHost },
            { name: 'PGPORT', value: String(POSTGRES_SERVER_PORT) },
            { name: 'PGUSER', value: props.administratorRole ?? databaseBootstrapIdentityName(environment.azure.namePrefix) },
            { name: 'PGDATABASE', value: 'postgres' },
            { name: 'PGSSLMODE', value: 'require' },
            { name: 'PGCONNECT_TIMEOUT', value: '10' },
            { name: 'PGAPPNAME', value: DATABASE_BOOTSTRAP_NAME },
            { name: 'TENANTS_FILE', value: `${DATABASE_BOOTSTRAP_MOUNT}/${DATABASE_BOOTSTRAP_FILES.tenants}` },
            { name: 'SQL_FILE', value: `${DATABASE_BOOTSTRAP_MOUNT}/${DATABASE_BOOTSTRAP_FILES.sql}` },
            { name: 'TMPDIR', value: '/tmp' },
          ],
          resources: containerResources({ cpuRequestMilli: 50, cpuLimitMilli: 500, memoryRequestMiB: 64, memoryLimitMiB: 256 }),
          securityContext: restrictedContainerSecurityContext(),
          volumeMounts: [
            { name: 'inputs', mountPath: DATABASE_BOOTSTRAP_MOUNT, readOnly: true },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        { name: 'inputs', configMap: { name: DATABASE_BOOTSTRAP_NAME } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
      ],
    };
    const jobSpec: k8s.JobSpec = { backoffLimit: 3, activeDeadlineSeconds: 1800, template: { metadata: { labels }, spec: podSpec } };
    const sha256 = databaseBootstrapSha256(this.files, jobSpec);
    new k8s.KubeJob(this, 'Job', {
      metadata: {
        name: DATABASE_BOOTSTRAP_NAME,
        namespace,
        labels,
        annotations: {
          'argocd.argoproj.io/hook': 'Sync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
          ...syncWave(SyncWave.migrations),
          [DATABASE_BOOTSTRAP_SHA256_ANNOTATION]: sha256,
        },
      },
      spec: jobSpec,
    });
    new k8s.KubeCronJob(this, 'Reconcile', {
      metadata: { name: DATABASE_BOOTSTRAP_NAME, namespace, labels: appLabels(DATABASE_BOOTSTRAP_NAME, 'bootstrap'), annotations: syncWave(SyncWave.workloads) },
      spec: {
        schedule: props.reconcileSchedule ?? '17,47 * * * *',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: { spec: jobSpec },
      },
    });
    new k8s.KubeConfigMap(this, 'Record', {
      metadata: {
        name: DATABASE_BOOTSTRAP_RECORD_NAME,
        namespace,
        labels: appLabels(DATABASE_BOOTSTRAP_NAME, 'bootstrap'),
        // After the hook (wave `migrations`): applied only when the bootstrap has succeeded.
        annotations: syncWave(SyncWave.workloads),
      },
      data: { sha256, [DATABASE_BOOTSTRAP_FILES.tenants]: this.files[DATABASE_BOOTSTRAP_FILES.tenants] },
    });
  }
}
