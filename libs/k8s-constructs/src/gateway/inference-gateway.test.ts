import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { TEST_ENVIRONMENT, TEST_PLATFORM_CLIENT_IDS, testTenant } from '../testing/fixtures';
import { GatewayTenantKeys } from './gateway-tenant-keys';
import { InferenceGateway, type InferenceGatewayProps } from './inference-gateway';

const tenants = [testTenant('alpha'), testTenant('beta', 'premium'), testTenant('gamma', 'standard', { state: 'provisioning', workloadIdentityClientId: undefined })];
const synth = (overrides: Partial<InferenceGatewayProps> = {}) => {
  const chart = Testing.chart();
  const gw = new InferenceGateway(chart, 'G', { environment: TEST_ENVIRONMENT, tenants, workloadIdentityClientId: TEST_PLATFORM_CLIENT_IDS.inferenceGateway, ...overrides });
  return { manifest: Testing.synth(chart), gw };
};

describe('InferenceGateway', () => {
  it('renders the gateway with its derived configuration and one key mount per active tenant', () => {
    const { manifest, gw } = synth();
    expect(manifest).toMatchSnapshot();
    const config = JSON.parse(gw.configJson);
    expect(config.tenants.map((t: any) => [t.id, t.models])).toEqual([
      ['alpha', ['llama3:8b', 'mistral:7b']],
      ['beta', ['llama3:8b', 'mistral:7b', 'llama3:70b']],
    ]);
    const mounts = manifest.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].volumeMounts.map((m: any) => m.mountPath);
    expect(mounts).toEqual(['/etc/inference-gateway', '/var/run/panal/tenant-keys/alpha', '/var/run/panal/tenant-keys/beta']);
  });

  it('mounts no keys without the gateway identity', () => {
    const { manifest } = synth({ workloadIdentityClientId: undefined });
    expect(manifest.filter((o) => o.kind === 'SecretProviderClass')).toEqual([]);
  });

  it('passes the degraded fallback to the premium route', () => {
    expect(JSON.parse(synth({ premiumDegradedFallback: 'llama3:8b' }).gw.configJson).models['llama3:70b'].degradedFallback).toBe('llama3:8b');
  });

  it('fails with fewer than 3 replicas', () => {
    expect(() => synth({ replicas: { min: 2, max: 4 } })).toThrow('replicas.min must be at least 3 (one per zone), but 2 was provided');
  });
  it('fails when replicas.max is below replicas.min', () => {
    expect(() => synth({ replicas: { min: 4, max: 3 } })).toThrow('replicas.max must be at least replicas.min (4), but 3 was provided');
  });
  it('fails when the cold-start budget is out of range', () => {
    expect(() => synth({ premiumColdStartBudgetSeconds: 30 })).toThrow('premiumColdStartBudgetSeconds must be between 60 and 1800, but 30 was provided');
  });
  it('fails when a tenant key would be mounted for a tenant that is not active', () => {
    expect(
      () => new GatewayTenantKeys(Testing.chart(), 'K', { namespace: 'g', tenants: [tenants[2]!], environment: TEST_ENVIRONMENT, workloadIdentityClientId: TEST_PLATFORM_CLIENT_IDS.inferenceGateway, keysDir: '/k' }),
    ).toThrow('tenants must all be active, but "gamma" is provisioning');
  });
});
