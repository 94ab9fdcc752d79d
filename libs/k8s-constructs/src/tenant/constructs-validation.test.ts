import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { TEST_ENVIRONMENT, testTenant } from '../testing/fixtures';
import { OpenWebUI } from './open-webui';
import { TenantKeyVaultSecrets } from './tenant-key-vault-secrets';
import { TenantQuota } from './tenant-quota';
import { TenantServiceAccount } from './tenant-service-account';

const chart = () => new Chart(Testing.app(), 'test');
const redisUrl = 'redis://redis:6379/0';

describe('constructs re-check their own invariants', () => {
  it('fails when OpenWebUI would run fewer than 2 replicas', () => {
    const tenant = testTenant('acme', 'standard', { openWebUIReplicas: { min: 1, max: 3 } });
    expect(() => new OpenWebUI(chart(), 'w', { tenant, environment: TEST_ENVIRONMENT, redisUrl })).toThrowError(
      'openWebUI replicas.min must be at least 2 so a zone loss keeps the tenant up, but 1 was provided',
    );
  });

  it('fails when OpenWebUI max replicas is below min', () => {
    const tenant = testTenant('acme', 'standard', { openWebUIReplicas: { min: 3, max: 2 } });
    expect(() => new OpenWebUI(chart(), 'w', { tenant, environment: TEST_ENVIRONMENT, redisUrl })).toThrowError(/replicas.max must be at least replicas.min \(3\), but 2/);
  });

  it('fails on an out-of-range CPU target', () => {
    expect(() => new OpenWebUI(chart(), 'w', { tenant: testTenant('acme'), environment: TEST_ENVIRONMENT, redisUrl, targetCpuUtilizationPercent: 99 })).toThrowError(
      'targetCpuUtilizationPercent must be between 10 and 95, but 99 was provided',
    );
  });

  it('fails on a limit ratio below 1', () => {
    expect(() => new TenantQuota(chart(), 'q', { tenant: testTenant('acme'), cpuLimitRatio: 0.5 })).toThrowError(/limit ratios must be at least 1/);
  });

  it('fails to bind a ServiceAccount or Key Vault without a workload identity', () => {
    const tenant = testTenant('acme', 'standard', { state: 'provisioning', workloadIdentityClientId: undefined });
    expect(() => new TenantServiceAccount(chart(), 'sa', { tenant })).toThrowError(/has no workload identity client id/);
    expect(() => new TenantKeyVaultSecrets(chart(), 'kv', { tenant, environment: TEST_ENVIRONMENT })).toThrowError(/has no workload identity client id/);
  });
});
