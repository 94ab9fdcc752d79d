import type { Tenant } from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { syncWave, SyncWave } from '../common/sync-waves';

/** Props of {@link TenantQuota}. */
export interface TenantQuotaProps {
  /** The tenant whose quota (tier default plus overrides) is rendered. */
  readonly tenant: Tenant;
  /**
   * Limit-to-request ratio allowed for the namespace's CPU (limits.cpu = cpuCores × ratio).
   * @default 4
   */
  readonly cpuLimitRatio?: number;
  /**
   * Limit-to-request ratio allowed for the namespace's memory (limits.memory = memoryGiB × ratio).
   * @default 2
   */
  readonly memoryLimitRatio?: number;
}

const q = (s: string) => k8s.Quantity.fromString(s);

/**
 * Capacity guard rails of a tenant namespace: a ResourceQuota from its tier (with overrides) and a
 * LimitRange that gives every container requests and limits, so one noisy tenant cannot starve the
 * CPU pool. The quota also forbids what a tenant must never create: LoadBalancer and NodePort
 * Services, persistent volumes (data lives in PostgreSQL and Blob) and GPUs.
 */
export class TenantQuota extends Construct {
  constructor(scope: Construct, id: string, props: TenantQuotaProps) {
    super(scope, id);
    const { tenant } = props;
    const cpuRatio = props.cpuLimitRatio ?? 4;
    const memRatio = props.memoryLimitRatio ?? 2;
    if (cpuRatio < 1 || memRatio < 1) {
      throw new Error(`limit ratios must be at least 1, but cpuLimitRatio=${cpuRatio} and memoryLimitRatio=${memRatio} were provided`);
    }
    const { cpuCores, memoryGiB, pods } = tenant.quota;
    new k8s.KubeResourceQuota(this, 'Quota', {
      metadata: { name: 'tenant-quota', namespace: tenant.namespace, annotations: syncWave(SyncWave.guardRails) },
      spec: {
        hard: {
          'requests.cpu': q(String(cpuCores)),
          'requests.memory': q(`${memoryGiB}Gi`),
          'limits.cpu': q(String(cpuCores * cpuRatio)),
          'limits.memory': q(`${memoryGiB * memRatio}Gi`),
          pods: q(String(pods)),
          services: q('10'),
          'services.loadbalancers': q('0'),
          'services.nodeports': q('0'),
          persistentvolumeclaims: q('0'),
          'requests.storage': q('0'),
          'requests.nvidia.com/gpu': q('0'),
          configmaps: q('50'),
          secrets: q('50'),
        },
      },
    });
    new k8s.KubeLimitRange(this, 'Limits', {
      metadata: { name: 'tenant-limits', namespace: tenant.namespace, annotations: syncWave(SyncWave.guardRails) },
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: { cpu: q('100m'), memory: q('128Mi') },
            default: { cpu: q('500m'), memory: q('512Mi') },
            max: { cpu: q('4'), memory: q('8Gi') },
          },
        ],
      },
    });
  }
}
