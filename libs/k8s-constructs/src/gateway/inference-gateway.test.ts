import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { TEST_ENVIRONMENT, TEST_PLATFORM_CLIENT_IDS, testTenant } from '../testing/fixtures';
import { InferenceGateway, type InferenceGatewayProps } from './inference-gateway';

const tenants = [testTenant('alpha'), testTenant('beta', 'premium'), testTenant('gamma', 'standard', { state: 'provisioning', workloadIdentityClientId: undefined })];
const synth = (overrides: Partial<InferenceGatewayProps> = {}) => {
  const chart = Testing.chart();
  const gw = new InferenceGateway(chart, 'G', { environment: TEST_ENVIRONMENT, tenants, workloadIdentityClientId: TEST_PLATFORM_CLIENT_IDS.inferenceGateway, ...overrides });
  return { manifest: Testing.synth(chart), gw };
};

describe('InferenceGateway', () => {
  it('renders the gateway with its derived configuration, reading key hashes from the gateway keys vault', () => {
    const { manifest, gw } = synth();
    expect(manifest).toMatchSnapshot();
    const config = JSON.parse(gw.configJson);
    expect(config.tenants.map((t: any) => [t.id, t.models])).toEqual([
      ['alpha', ['llama3:8b', 'mistral:7b']],
      ['beta', ['llama3:8b', 'mistral:7b', 'llama3:70b']],
    ]);
    expect(config.keyVault).toEqual({ vaultUrl: 'https://kv-pnltest-gwkeys.vault.azure.net', secretPrefix: 'gateway-key-sha256-', refreshSeconds: 60 });
    expect(config.keysDir).toBeUndefined();
  });

  it('has nothing per tenant in the pod spec and no SecretProviderClass, whatever the number of tenants', () => {
    const many = Array.from({ length: 50 }, (_, i) => testTenant(`t${i}`));
    const pod = (ts: typeof tenants) => {
      const chart = Testing.chart();
      new InferenceGateway(chart, 'G', { environment: TEST_ENVIRONMENT, tenants: ts, workloadIdentityClientId: TEST_PLATFORM_CLIENT_IDS.inferenceGateway });
      const objs = Testing.synth(chart);
      expect(objs.filter((o) => o.kind === 'SecretProviderClass')).toEqual([]);
      const spec = objs.find((o) => o.kind === 'Deployment').spec.template.spec;
      return { volumes: spec.volumes, mounts: spec.containers[0].volumeMounts };
    };
    expect(pod(many)).toEqual(pod(tenants));
    expect(pod(many).volumes).toEqual([{ name: 'config', configMap: { name: 'inference-gateway' } }]);
  });

  it('lets the gateway reach the Key Vault private endpoints and Entra ID on 443 only', () => {
    const egress = synth().manifest.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'gateway-egress-to-key-vault-and-entra').spec.egress;
    expect(egress).toEqual([
      { to: [{ ipBlock: { cidr: TEST_ENVIRONMENT.network.privateEndpointsSubnetCidr } }], ports: [{ protocol: 'TCP', port: 443 }] },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
  });

  it('runs a hardened one-replica Redis with AOF on a PVC for the shared limits, reachable only from the gateway', () => {
    const { manifest, gw } = synth();
    const config = JSON.parse(gw.configJson);
    expect(config.sharedLimits).toEqual({ redisHost: 'inference-gateway-redis.inference-gateway.svc.cluster.local', redisPort: 6379, fallbackReplicas: 3 });
    const sts = manifest.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'inference-gateway-redis');
    expect(sts.spec.replicas).toBe(1);
    const redis = sts.spec.template.spec.containers[0];
    expect(redis.image).toBe(TEST_ENVIRONMENT.images.redis);
    expect(redis.args.join(' ')).toContain('--appendonly yes --appendfsync everysec');
    expect(redis.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(redis.resources.limits).toBeDefined();
    expect(sts.spec.volumeClaimTemplates[0].spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(redis.volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    // Only the gateway's pods may reach it, and the gateway may reach it.
    const policies = manifest.filter((o) => o.kind === 'NetworkPolicy');
    const ingress = policies.find((p) => p.metadata.name === 'gateway-redis-ingress-from-gateway');
    expect(ingress.spec.podSelector.matchLabels).toEqual(sts.spec.selector.matchLabels);
    expect(ingress.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: TEST_ENVIRONMENT.inferenceGateway.podLabels } }], ports: [{ protocol: 'TCP', port: 6379 }] }]);
    expect(policies.find((p) => p.metadata.name === 'gateway-egress-to-redis').spec.podSelector.matchLabels).toEqual(TEST_ENVIRONMENT.inferenceGateway.podLabels);
  });

  it('renders no Redis and in-memory limits with sharedLimits: false', () => {
    const { manifest, gw } = synth({ sharedLimits: false });
    expect(manifest.filter((o) => o.kind === 'StatefulSet')).toEqual([]);
    expect(JSON.parse(gw.configJson).sharedLimits).toBeUndefined();
  });

  it('reads no vault and opens no egress to it without the gateway identity', () => {
    const { manifest, gw } = synth({ workloadIdentityClientId: undefined });
    expect(JSON.parse(gw.configJson).keyVault).toBeUndefined();
    expect(manifest.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'gateway-egress-to-key-vault-and-entra')).toEqual([]);
  });

  it('passes the degraded fallback to the premium route', () => {
    expect(JSON.parse(synth({ premiumDegradedFallback: 'llama3:8b' }).gw.configJson).models['llama3:70b'].degradedFallback).toBe('llama3:8b');
  });

  it('does not roll its pods when tenants, tiers or routes change (it reloads them), and does when a start-only setting changes', () => {
    const render = (overrides: Partial<InferenceGatewayProps> = {}) => {
      const { manifest, gw } = synth(overrides);
      return { template: manifest.find((o) => o.kind === 'Deployment').spec.template, config: gw.configJson };
    };
    const before = render();
    const live = [
      render({ tenants: [...tenants, testTenant('delta', 'premium')] }),
      render({ tenants: tenants.slice(1) }),
      render({ tenants: tenants.map((t) => (t.id === 'alpha' ? testTenant('alpha', 'premium') : t)) }),
      render({ premiumColdStartBudgetSeconds: 600, premiumDegradedFallback: 'llama3:8b' }),
    ];
    for (const after of live) {
      // The ConfigMap changed, the pod template did not: no rollout.
      expect(after.config).not.toBe(before.config);
      expect(after.template).toEqual(before.template);
    }
    const annotation = (r: ReturnType<typeof render>) => r.template.metadata.annotations['panal.io/config-sha256'];
    expect(annotation(before)).toMatch(/^[a-f0-9]{64}$/);
    // The key source and the Redis link are built at start: changing them rolls the pods.
    for (const startOnly of [render({ keyRefreshSeconds: 30 }), render({ replicas: { min: 4, max: 12 } }), render({ sharedLimits: false })]) {
      expect(annotation(startOnly)).not.toBe(annotation(before));
    }
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
});
