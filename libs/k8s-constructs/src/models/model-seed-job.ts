import { MODEL_IDS, type Environment } from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
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
}

/** Name of the seeder's ServiceAccount (subject of its federated credential). */
export const MODEL_SEEDER_SERVICE_ACCOUNT = 'model-seeder';

/**
 * Copies the model store from its Blob source of truth into the NFS share with `azcopy sync`
 * (idempotent: unchanged blobs are skipped, nothing is deleted so running pods never lose a file).
 * An Argo CD Sync hook: it runs on every sync of its Application, which happens when the model
 * catalogue (annotated on the Job) changes. Pods never pull models from the internet.
 * @see https://learn.microsoft.com/azure/storage/common/storage-ref-azcopy-sync
 */
export class ModelSeedJob extends Construct {
  constructor(scope: Construct, id: string, props: ModelSeedJobProps) {
    super(scope, id);
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
      metadata: { name: MODEL_SEEDER_SERVICE_ACCOUNT, namespace: props.namespace, annotations: { 'azure.workload.identity/client-id': props.workloadIdentityClientId } },
      automountServiceAccountToken: false,
    });
    new k8s.KubeJob(this, 'Job', {
      metadata: {
        name: 'model-seed',
        namespace: props.namespace,
        labels,
        annotations: {
          'argocd.argoproj.io/hook': 'Sync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
          'panal.io/models': MODEL_IDS.join(','),
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
  }
}
