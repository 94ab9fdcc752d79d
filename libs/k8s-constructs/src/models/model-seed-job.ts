import { MODEL_CATALOGUE, MODEL_IDS, type Environment, type ModelSpec } from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { contentSha256 } from '../common/content-hash';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/hardening';
import { appLabels } from '../common/labels';
import { PRIVATE_RANGES, tcpPort } from '../common/network-policy';
import { syncWave, SyncWave } from '../common/sync-waves';
import { CPU_POOL_SELECTOR } from '../common/node-pools';

/** Props of {@link ModelSeedJob}. */
export interface ModelSeedJobProps {
  /** Namespace of the Job (holds the read-write claim). */
  readonly namespace: string;
  /** Blob source, seeder image. */
  readonly environment: Environment;
  /** Read-write claim on the share. */
  readonly claimName: string;
  /** Client id of the seeder's managed identity (Storage Blob Data Reader on the container). */
  readonly workloadIdentityClientId: string;
  /**
   * The model catalogue the seed makes available. It is recorded, with the Job's spec, in the
   * {@link MODEL_SEED_RECORD_NAME} ConfigMap, so a change to it (or to the Job) re-runs the seed.
   * @default every entry of `MODEL_CATALOGUE`, in `MODEL_IDS` order
   */
  readonly models?: readonly ModelSpec[];
}

/** Name of the seeder's ServiceAccount (subject of its federated credential). */
export const MODEL_SEEDER_SERVICE_ACCOUNT = 'model-seeder';

/** Name of the seeding Job (an Argo CD Sync hook: stable, so `BeforeHookCreation` replaces it). */
export const MODEL_SEED_JOB_NAME = 'model-seed';

/**
 * Name of the ConfigMap that records what the seed last ran for. Stable: a new name would leave the
 * old object behind as extraneous, and with `prune: false` the Application would stay OutOfSync.
 */
export const MODEL_SEED_RECORD_NAME = 'model-seed-catalogue';

/** Annotation of the Job with its {@link modelSeedSha256}. */
export const MODEL_SEED_SHA256_ANNOTATION = 'panal.io/seed-sha256';

/** Keys of the record ConfigMap: the catalogue seeded and the {@link modelSeedSha256} of the run. */
export const MODEL_SEED_RECORD_KEYS = { catalogue: 'models.json', sha256: 'seed-sha256' } as const;

/**
 * SHA-256 (hex) of what a seed run does: the catalogue it makes available and the rendered Job spec
 * (image, `azcopy` command and source, mounts, limits). Key order does not matter.
 */
export function modelSeedSha256(models: readonly ModelSpec[], jobSpec: unknown): string {
  return contentSha256({ models, jobSpec });
}

/**
 * Copies the model store from its Blob source of truth into the NFS share with `azcopy sync`
 * (idempotent: unchanged blobs are skipped, nothing is deleted so running pods never lose a file).
 * Pods never pull models from the internet.
 *
 * The Job is an Argo CD Sync hook (`BeforeHookCreation`: each sync deletes the previous run and
 * creates a new one, so Job immutability never blocks a change). Argo CD leaves hooks out of an
 * Application's sync status, and automated sync only starts when the Application is OutOfSync; so
 * the hook alone would never re-run when the catalogue changes. A plain ConfigMap records the
 * catalogue and {@link modelSeedSha256} of catalogue + Job spec: any change to either makes the
 * Application OutOfSync, automated sync runs, and every sync runs the hook (also with
 * `ApplyOutOfSyncOnly`). The ConfigMap sits one wave after the Job, so it is applied only once the
 * seed succeeded: a failed seed leaves the Application OutOfSync (and alerting) instead of Synced.
 * See docs/adr/0017-siembra-de-modelos-que-sigue-al-catalogo.md.
 * @see https://learn.microsoft.com/azure/storage/common/storage-ref-azcopy-sync
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/auto_sync/#automated-sync-semantics
 */
export class ModelSeedJob extends Construct {
  constructor(scope: Construct, id: string, props: ModelSeedJobProps) {
    super(scope, id);
    const models = props.models ?? MODEL_IDS.map((m) => MODEL_CATALOGUE[m]);
    if (models.length === 0) throw new Error('models must name at least one model to seed, but an empty list was provided');
    const ids = models.map((m) => m.id);
    const duplicate = ids.find((m, i) => ids.indexOf(m) !== i);
    if (duplicate) throw new Error(`models must name each model once, but ${duplicate} was provided twice`);
    const store = props.environment.modelServing.modelStore;
    const labels = { ...appLabels('model-seeder', 'seed'), 'azure.workload.identity/use': 'true' };
    new k8s.KubeNetworkPolicy(this, 'Egress', {
      metadata: { name: 'model-seeder-egress', namespace: props.namespace, annotations: syncWave(SyncWave.guardRails) },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'model-seeder' } },
        policyTypes: ['Egress'],
        egress: [
          // Blob through its private endpoint.
          { to: [{ ipBlock: { cidr: props.environment.network.privateEndpointsSubnetCidr } }], ports: [tcpPort(443)] },
          // Entra ID token exchange for workload identity (no private endpoint exists).
          { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [...PRIVATE_RANGES] } }], ports: [tcpPort(443)] },
        ],
      },
    });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      // Identity before the Job that runs as it.
      metadata: { name: MODEL_SEEDER_SERVICE_ACCOUNT, namespace: props.namespace, annotations: { 'azure.workload.identity/client-id': props.workloadIdentityClientId, ...syncWave(SyncWave.dependencies) } },
      automountServiceAccountToken: false,
    });
    const job = new k8s.KubeJob(this, 'Job', {
      metadata: {
        name: MODEL_SEED_JOB_NAME,
        namespace: props.namespace,
        labels,
        annotations: {
          'argocd.argoproj.io/hook': 'Sync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
          ...syncWave(SyncWave.migrations),
          'panal.io/models': ids.join(','),
        },
      },
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: 3 * 3600,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'OnFailure',
            serviceAccountName: MODEL_SEEDER_SERVICE_ACCOUNT,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(10001),
            nodeSelector: { ...CPU_POOL_SELECTOR },
            containers: [
              {
                name: 'azcopy',
                image: props.environment.images.modelSeeder,
                imagePullPolicy: 'IfNotPresent',
                command: ['azcopy', 'sync', `https://${store.blobStorageAccount}.blob.core.windows.net/${store.blobContainer}`, '/models', '--recursive=true', '--delete-destination=false', '--compare-hash=MD5'],
                env: [
                  { name: 'AZCOPY_AUTO_LOGIN_TYPE', value: 'WORKLOAD' },
                  { name: 'AZCOPY_LOG_LOCATION', value: '/scratch/logs' },
                  { name: 'AZCOPY_JOB_PLAN_LOCATION', value: '/scratch/plans' },
                  { name: 'HOME', value: '/scratch' },
                ],
                resources: containerResources({ cpuRequestMilli: 1000, cpuLimitMilli: 4000, memoryRequestMiB: 1024, memoryLimitMiB: 4096 }),
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [
                  { name: 'models', mountPath: '/models' },
                  { name: 'work', mountPath: '/scratch' },
                ],
              },
            ],
            volumes: [
              { name: 'models', persistentVolumeClaim: { claimName: props.claimName } },
              { name: 'work', emptyDir: { sizeLimit: k8s.Quantity.fromString('2Gi') } },
            ],
          },
        },
      },
    });
    // Hashed from the Job as rendered, so nothing the Job does can change without the record changing.
    const sha256 = modelSeedSha256(models, job.toJson().spec);
    job.metadata.addAnnotation(MODEL_SEED_SHA256_ANNOTATION, sha256);
    new k8s.KubeConfigMap(this, 'Record', {
      metadata: {
        name: MODEL_SEED_RECORD_NAME,
        namespace: props.namespace,
        labels: appLabels('model-seeder', 'seed'),
        // After the seed hook (wave `migrations`): applied only when the seed has succeeded.
        annotations: syncWave(SyncWave.workloads),
      },
      data: { [MODEL_SEED_RECORD_KEYS.catalogue]: `${JSON.stringify(models, null, 2)}\n`, [MODEL_SEED_RECORD_KEYS.sha256]: sha256 },
    });
  }
}
