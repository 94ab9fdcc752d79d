import type { Environment, Tenant } from '@panal/tenant-config';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { OpenWebUI } from './open-webui';
import { TenantKeyVaultSecrets } from './tenant-key-vault-secrets';
import { TenantNamespace } from './tenant-namespace';
import { TenantNetworkPolicies } from './tenant-network-policies';
import { TenantQuota } from './tenant-quota';
import { TenantRedis } from './tenant-redis';
import { TenantRoute } from './tenant-route';
import { TenantServiceAccount } from './tenant-service-account';

/** Props of {@link TenantChart}. */
export interface TenantChartProps {
  /** The tenant to render. */
  readonly tenant: Tenant;
  /** The environment it runs in. */
  readonly environment: Environment;
  /**
   * Kubernetes minor that Pod Security `restricted` is pinned to.
   * @default 'latest'
   */
  readonly podSecurityVersion?: string;
}

/**
 * Everything one tenant gets, as one chart (one Argo CD Application).
 *
 * What is rendered depends on the tenant's state: guard rails (namespace, quota, limits, network
 * policies) always; identity, secrets, Redis, OpenWebUI and its route only when `active`. A
 * `suspended` or `provisioning` tenant keeps its namespace and data and runs nothing.
 */
export class TenantChart extends Chart {
  constructor(scope: Construct, id: string, props: TenantChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { tenant, environment } = props;

    new TenantNamespace(this, 'Namespace', { tenant, podSecurityVersion: props.podSecurityVersion });
    new TenantQuota(this, 'Quota', { tenant });
    new TenantNetworkPolicies(this, 'NetworkPolicies', { tenant, environment });
    if (tenant.state !== 'active') return;

    new TenantServiceAccount(this, 'ServiceAccount', { tenant });
    new TenantKeyVaultSecrets(this, 'KeyVaultSecrets', { tenant, environment });
    const redis = new TenantRedis(this, 'Redis', { tenant, environment });
    new OpenWebUI(this, 'OpenWebUI', { tenant, environment, redisUrl: redis.url });
    new TenantRoute(this, 'Route', { tenant, environment });
  }
}
