import type { ContainerSize } from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/hardening';
import { appLabels, selectorLabels } from '../common/labels';
import { guardRailPolicy, tcpPort } from '../common/network-policy';
import { CPU_POOL_SELECTOR } from '../common/node-pools';
import { syncWave, SyncWave } from '../common/sync-waves';

/** Port of the gateway's Redis. */
export const GATEWAY_REDIS_PORT = 6379;

/** Requests and limits of the gateway's Redis: a few hundred KiB of counters at 1,000 tenants (3 keys each). */
export const GATEWAY_REDIS_SIZE: ContainerSize = { cpuRequestMilli: 100, cpuLimitMilli: 500, memoryRequestMiB: 128, memoryLimitMiB: 256 };

/** Props of {@link GatewayRedis}. */
export interface GatewayRedisProps {
  /** Namespace of the gateway. */
  readonly namespace: string;
  /** Pinned Redis image (`environment.images.redis`, from the platform ACR). */
  readonly image: string;
  /** Labels of the gateway pods: the only clients let in by its NetworkPolicy. */
  readonly clientPodLabels: Readonly<Record<string, string>>;
  /** Size of the AOF volume. @default '1Gi' */
  readonly storage?: string;
  /**
   * StorageClass of the AOF volume.
   * @default 'managed-csi' (AKS built-in Azure Disk, zonal: the pod follows its disk's zone)
   * @see https://learn.microsoft.com/azure/aks/concepts-storage#storage-classes
   */
  readonly storageClassName?: string;
}

/**
 * The Redis that holds the gateway's shared tenant limits and monthly budgets
 * (docs/adr/0019-gateway-a-mil-inquilinos.md): a one-replica StatefulSet with the append-only file
 * fsynced every second on a small PVC (a restart loses at most ≈1 s of counts), a headless Service,
 * and a NetworkPolicy that admits only the gateway pods on 6379. No password: the NetworkPolicy is the
 * boundary and it holds only counters. While it is down the gateway fails open with per-replica shares.
 */
export class GatewayRedis extends Construct {
  /** Service name (and host inside the namespace). */
  public static readonly NAME = 'inference-gateway-redis';
  /** Cluster DNS name the gateway connects to. */
  public readonly host: string;
  /** Labels selecting the Redis pod. */
  public readonly podLabels: Readonly<Record<string, string>> = selectorLabels(GatewayRedis.NAME, 'limits-store');

  constructor(scope: Construct, id: string, props: GatewayRedisProps) {
    super(scope, id);
    const name = GatewayRedis.NAME;
    const ns = props.namespace;
    this.host = `${name}.${ns}.svc.cluster.local`;
    const labels = { ...appLabels(name, 'limits-store'), ...this.podLabels };
    const meta = { name, namespace: ns, labels, annotations: syncWave(SyncWave.dependencies) };

    new k8s.KubeService(this, 'Service', {
      metadata: meta,
      // Headless: the name resolves to the pod, which the gateway re-resolves on every reconnect.
      spec: { clusterIp: 'None', selector: { ...this.podLabels }, ports: [{ name: 'redis', port: GATEWAY_REDIS_PORT, targetPort: k8s.IntOrString.fromNumber(GATEWAY_REDIS_PORT) }] },
    });
    new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: meta,
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: { ...this.podLabels } },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(999),
            nodeSelector: { ...CPU_POOL_SELECTOR },
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: 'redis',
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                // AOF only (no RDB snapshots), fsync every second; keys all carry TTLs, so under memory
                // pressure the ones closest to expiry (minute windows) go first. Protected mode would refuse
                // the gateway pods (no password); the NetworkPolicy below is what keeps others out.
                // @see https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/
                args: [
                  '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--dir', '/data',
                  '--maxmemory', '192mb', '--maxmemory-policy', 'volatile-ttl', '--protected-mode', 'no', '--port', String(GATEWAY_REDIS_PORT),
                ],
                ports: [{ name: 'redis', containerPort: GATEWAY_REDIS_PORT }],
                resources: containerResources(GATEWAY_REDIS_SIZE),
                securityContext: restrictedContainerSecurityContext(),
                readinessProbe: { exec: { command: ['redis-cli', 'ping'] }, periodSeconds: 5 },
                livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(GATEWAY_REDIS_PORT) }, periodSeconds: 10, failureThreshold: 6 },
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: props.storageClassName ?? 'managed-csi',
              resources: { requests: { storage: k8s.Quantity.fromString(props.storage ?? '1Gi') } },
            },
          },
        ],
      },
    });
    guardRailPolicy(this, ns, 'gateway-redis-ingress-from-gateway', {
      podSelector: { matchLabels: { ...this.podLabels } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { ...props.clientPodLabels } } }], ports: [tcpPort(GATEWAY_REDIS_PORT)] }],
    });
    guardRailPolicy(this, ns, 'gateway-egress-to-redis', {
      podSelector: { matchLabels: { ...props.clientPodLabels } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { ...this.podLabels } } }], ports: [tcpPort(GATEWAY_REDIS_PORT)] }],
    });
  }
}
