import { describe, expect, it } from 'vitest';
import { chooseTenants } from './tenant-scope';

const all = ['a1', 'a2', 'b1', 'b2', 'c1', 'new'];
const tier = (id: string) => (id.startsWith('b') ? 'premium' : 'standard');

describe('chooseTenants (isolation proof scope)', () => {
  it('evaluates the whole catalogue without a base', () => {
    expect(chooseTenants(all, undefined, tier)).toMatchObject({ ids: [...all].sort(), scoped: false });
  });

  it('evaluates a new tenant with the first unchanged tenant of each tier when only tenant folders and rendered output change', () => {
    const changed = ['apps/tenants/tenants/new/tenant.yaml', 'dist/manifests/tenants/new/namespace-tenant-new.yaml', 'dist/terraform/prod/tenants-03/cdk.tf.json', 'dist/manifests/cluster-addons/inference-gateway/configmap.yaml'];
    expect(chooseTenants(all, changed, tier)).toMatchObject({ ids: ['a1', 'a2', 'b1', 'new'], scoped: true });
  });

  it('keeps at least three neighbours when the catalogue has one tier', () => {
    expect(chooseTenants(['w', 'x', 'y', 'z', 'n'], ['apps/tenants/tenants/n/tenant.yaml'], () => 'standard')).toMatchObject({ ids: ['n', 'w', 'x', 'y'], scoped: true });
  });

  it('evaluates everything as soon as anything besides tenant folders and rendered output changes', () => {
    for (const other of ['libs/k8s-constructs/src/tenant/network-policies.ts', 'apps/tenants/src/fixtures/platform-stand-ins/x.yaml', 'tools/netpol/versions.env', 'apps/tenants/src/isolation.test.ts']) {
      const choice = chooseTenants(all, ['apps/tenants/tenants/new/tenant.yaml', other], tier);
      expect(choice, other).toMatchObject({ ids: [...all].sort(), scoped: false });
      expect(choice.reason).toContain(other);
    }
  });

  it('evaluates everything when the catalogue is no larger than the scope (the three example tenants and a new one)', () => {
    expect(chooseTenants(['acme', 'globex', 'initech', 'newco'], ['apps/tenants/tenants/newco/tenant.yaml'], tier).scoped).toBe(false);
  });

  it('evaluates everything when the change reaches every tenant (a construct change re-renders them all)', () => {
    expect(chooseTenants(all, all.map((id) => `dist/manifests/tenants/${id}/x.yaml`), tier).scoped).toBe(false);
  });

  it('ignores a removed tenant, which has nothing rendered to evaluate', () => {
    expect(chooseTenants(all, ['apps/tenants/tenants/gone/tenant.yaml'], tier)).toMatchObject({ ids: ['a1', 'a2', 'b1'], scoped: true });
  });
});
