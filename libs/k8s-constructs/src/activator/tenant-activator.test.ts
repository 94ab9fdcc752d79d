import { tenantActivatorConfigSchema } from '@panal/tenant-config';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { TEST_ENVIRONMENT, testTenant } from '../testing/fixtures';
import { TenantActivator, type TenantActivatorProps } from './tenant-activator';

const tenants = [
  testTenant('beta', 'premium', { hostnames: ['beta.chat.example.com', 'ia.beta.example.com'] }),
  testTenant('alpha', 'standard', { dormantAfterIdleMinutes: 0 }),
  testTenant('gamma', 'standard', { state: 'provisioning', workloadIdentityClientId: undefined }),
  testTenant('delta', 'standard', { state: 'suspended' }),
];
type Obj = { kind: string; metadata: { name: string; namespace?: string }; [k: string]: any };
const synth = (overrides: Partial<TenantActivatorProps> = {}) => {
  const chart = Testing.chart();
  const activator = new TenantActivator(chart, 'A', { environment: TEST_ENVIRONMENT, tenants, ...overrides });
  return { objs: Testing.synth(chart) as Obj[], activator };
};
const ofKind = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);

describe('TenantActivator', () => {
  it('routes only active tenants, by hostname, to their OpenWebUI Service, waking OpenWebUI to its HPA minimum and Redis to one', () => {
    const { objs, activator } = synth();
    const config = tenantActivatorConfigSchema.parse(JSON.parse(ofKind(objs, 'ConfigMap')[0]!.data['activator.json']));
    expect(config).toEqual(activator.config);
    expect(config.tenants).toEqual([
      {
        id: 'alpha',
        namespace: 'tenant-alpha',
        hostnames: ['alpha.chat.example.com'],
        upstream: 'http://open-webui.tenant-alpha.svc.cluster.local:80',
        dormantAfterIdleMinutes: 0,
        workloads: [
          { deployment: 'open-webui', wakeReplicas: 2 },
          { deployment: 'redis', wakeReplicas: 1 },
        ],
      },
      {
        id: 'beta',
        namespace: 'tenant-beta',
        hostnames: ['beta.chat.example.com', 'ia.beta.example.com'],
        upstream: 'http://open-webui.tenant-beta.svc.cluster.local:80',
        dormantAfterIdleMinutes: 30,
        workloads: [
          { deployment: 'open-webui', wakeReplicas: 3 },
          { deployment: 'redis', wakeReplicas: 1 },
        ],
      },
    ]);
  });

  it('may scale only open-webui and redis, only in the namespaces of active tenants; reads Deployments everywhere', () => {
    const { objs } = synth();
    const scale = ofKind(objs, 'ClusterRole').find((r) => r.metadata.name === 'panal-tenant-activator-scale')!;
    expect(scale.rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['open-webui', 'redis'], verbs: ['patch'] },
      { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: ['open-webui', 'redis'], verbs: ['patch'] },
    ]);
    const read = ofKind(objs, 'ClusterRole').find((r) => r.metadata.name === 'panal-tenant-activator-read')!;
    expect(read.rules).toEqual([{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] }]);
    // The cluster-wide binding is the read role only; scaling is bound per namespace.
    expect(ofKind(objs, 'ClusterRoleBinding').map((b) => b.roleRef.name)).toEqual(['panal-tenant-activator-read']);
    expect(ofKind(objs, 'RoleBinding').map((b) => [b.metadata.namespace, b.roleRef.name])).toEqual([
      ['tenant-beta', 'panal-tenant-activator-scale'],
      ['tenant-alpha', 'panal-tenant-activator-scale'],
    ]);
  });

  it('grants each active tenant namespace, and only those, the cross-namespace reference from its HTTPRoute to the activator Service', () => {
    const grants = ofKind(synth().objs, 'ReferenceGrant');
    expect(grants.map((g) => [g.metadata.namespace, g.spec.from, g.spec.to])).toEqual([
      ['activator', [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'tenant-beta' }], [{ group: '', kind: 'Service', name: 'tenant-activator' }]],
      ['activator', [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'tenant-alpha' }], [{ group: '', kind: 'Service', name: 'tenant-activator' }]],
    ]);
  });

  it('runs at least three replicas across zones with its token mounted', () => {
    const d = ofKind(synth().objs, 'Deployment')[0]!;
    expect(d.spec.replicas).toBeUndefined();
    expect(d.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(d.spec.template.spec.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
    expect(ofKind(synth().objs, 'HorizontalPodAutoscaler')[0]!.spec).toMatchObject({ minReplicas: 3, maxReplicas: 12 });
  });

  it('does not roll its pods when a tenant is added, removed or changed (it reloads them), and does when a start-only setting changes', () => {
    const render = (overrides: Partial<TenantActivatorProps> = {}) => {
      const { objs } = synth(overrides);
      return { template: ofKind(objs, 'Deployment')[0]!.spec.template, config: ofKind(objs, 'ConfigMap')[0]!.data['activator.json'] as string };
    };
    const before = render();
    const onboarded = render({ tenants: [...tenants, testTenant('epsilon', 'standard')] });
    const offboarded = render({ tenants: tenants.slice(1) });
    const retuned = render({ tenants: tenants.map((t) => (t.id === 'beta' ? { ...t, hostnames: ['otro.beta.example.com'], dormantAfterIdleMinutes: 5 } : t)), holdSeconds: 20 });
    for (const after of [onboarded, offboarded, retuned]) {
      // The ConfigMap changed, the pod template did not: no rollout.
      expect(after.config).not.toBe(before.config);
      expect(after.template).toEqual(before.template);
    }
    const annotation = (r: ReturnType<typeof render>) => r.template.metadata.annotations['panal.io/config-sha256'];
    expect(annotation(before)).toMatch(/^[a-f0-9]{64}$/);
    // The sleep pass period is bound at start: a new one rolls the pods.
    const slower = render({ sleepCheckSeconds: 120 });
    expect(annotation(slower)).not.toBe(annotation(before));
    expect(render({ sleepCheckSeconds: 60 }).template).toEqual(before.template);
  });

  it('refuses fewer than three replicas and a namespace that is a tenant namespace', () => {
    expect(() => synth({ replicas: { min: 2, max: 4 } })).toThrow('replicas.min must be at least 3 (one per zone), but 2 was provided');
    expect(() => synth({ replicas: { min: 4, max: 3 } })).toThrow('replicas.max must be at least replicas.min (4), but 3 was provided');
    const environment = { ...TEST_ENVIRONMENT, tenantActivator: { ...TEST_ENVIRONMENT.tenantActivator, namespace: 'tenant-alpha' } };
    expect(() => synth({ environment })).toThrow('tenantActivator.namespace "tenant-alpha" is a tenant namespace');
  });
});
