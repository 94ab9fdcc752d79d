import { REDIS_SIZE, type Environment, type Tenant } from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/hardening';
import { appLabels } from '../common/labels';
import { CPU_POOL_SELECTOR } from '../common/node-pools';
import { syncWave, SyncWave } from '../common/sync-waves';
import { TenantWorkloads } from './tenant-workloads';

/** Props of {@link TenantRedis}. */
export interface TenantRedisProps {
  /** The tenant the Redis belongs to. */
  readonly tenant: Tenant;
  /** Supplies the pinned image. */
  readonly environment: Environment;
}

/**
 * The tenant's Redis: websocket fan-out and shared app state between OpenWebUI replicas.
 *
 * One replica (zero while the tenant sleeps) without persistence on purpose: what it holds (socket sessions, pub/sub, short-lived
 * state) is rebuilt by clients reconnecting, so a restart costs a reconnect, not data. It is
 * reachable only from the tenant's OpenWebUI pods (see TenantNetworkPolicies).
 */
export class TenantRedis extends Construct {
  /** In-namespace URL OpenWebUI uses. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: TenantRedisProps) {
    super(scope, id);
    const { tenant, environment } = props;
    const r = TenantWorkloads.redis;
    const labels = { ...appLabels(r.name, 'cache'), ...r.labels };
    const meta = { name: r.name, namespace: tenant.namespace, labels, annotations: syncWave(SyncWave.dependencies) };
    this.url = `redis://${r.name}.${tenant.namespace}.svc.cluster.local:${r.port}/0`;

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: meta,
      spec: {
        // No `replicas` (1 on creation): the tenant activator scales it to 0 while the tenant sleeps
        // and back to 1 when it wakes, and an Argo CD sync must not undo either (docs/adr/0022).
        strategy: { type: 'Recreate' },
        selector: { matchLabels: r.labels },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(r.uid),
            nodeSelector: { ...CPU_POOL_SELECTOR },
            containers: [
              {
                name: 'redis',
                image: environment.images.redis,
                imagePullPolicy: 'IfNotPresent',
                // No persistence: state is ephemeral by design; maxmemory below the container limit.
                args: ['--save', '', '--appendonly', 'no', '--maxmemory', '200mb', '--maxmemory-policy', 'allkeys-lru'],
                ports: [{ name: 'redis', containerPort: r.port }],
                resources: containerResources(REDIS_SIZE),
                securityContext: restrictedContainerSecurityContext(),
                readinessProbe: { exec: { command: ['redis-cli', 'ping'] }, periodSeconds: 5 },
                livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(r.port) }, periodSeconds: 10, failureThreshold: 6 },
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
            volumes: [{ name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
          },
        },
      },
    });
    new k8s.KubeService(this, 'Service', {
      metadata: meta,
      spec: { type: 'ClusterIP', selector: r.labels, ports: [{ name: 'redis', port: r.port, targetPort: k8s.IntOrString.fromNumber(r.port) }] },
    });
  }
}
