import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeConnectivity, connectionToString, isAllowed, isWorkload, type Connection, type Workload } from '../../../tools/netpol/connectivity';
import { renderedKinds, tenantsUnderAnalysis } from '../../../tools/netpol/tenant-scope';

/**
 * Tenant isolation, proven by evaluating the synthesized NetworkPolicies with np-guard's
 * network-config-analyzer (tools/netpol), not by checking that policy objects exist.
 *
 * Input: every rendered tenant in dist/manifests/tenants (in a pull request that only adds or changes
 * tenant folders, the changed tenants plus fixed unchanged neighbours: tools/netpol/tenant-scope.ts)
 * plus stand-ins for the shared platform
 * (fixtures/platform-stand-ins, clearly labelled). The stand-ins have no policies, so every "no path"
 * below holds on the tenant policies alone. The proof with the real platform namespaces and their
 * policies is apps/cluster-addons/src/platform-isolation.test.ts.
 */
const repoRoot = resolve(__dirname, '../../..');
const renderedTenantsDir = join(repoRoot, 'dist/manifests/tenants');
const scope = tenantsUnderAnalysis(repoRoot, renderedTenantsDir);
const tenantsDir = scope.dir;
const standIns = join(__dirname, 'fixtures/platform-stand-ins');
const tenantIds = scope.ids;
afterAll(() => scope.cleanup());

const web = (id: string): Workload => ({ namespace: `tenant-${id}`, name: 'open-webui' });
const redis = (id: string): Workload => ({ namespace: `tenant-${id}`, name: 'redis' });
const migration = (id: string): Workload => ({ namespace: `tenant-${id}`, name: 'open-webui-migrate' });
const models: Workload[] = [
  { namespace: 'models-standard', name: 'ollama-llama3-8b' },
  { namespace: 'models-standard', name: 'ollama-mistral-7b' },
  { namespace: 'models-premium', name: 'ollama-llama3-70b' },
];
const gateway: Workload = { namespace: 'inference-gateway', name: 'inference-gateway' };
const activator: Workload = { namespace: 'activator', name: 'tenant-activator' };

describe('tenant isolation (evaluated NetworkPolicies)', () => {
  let conns: Connection[];
  beforeAll(() => {
    conns = analyzeConnectivity([tenantsDir, standIns]);
  }, 20 * 60_000);

  it('evaluates at least the three example tenants and sees their workloads', () => {
    expect(tenantIds.length).toBeGreaterThanOrEqual(3);
    const endpoints = new Set(conns.flatMap((c) => [c.src, c.dst]).filter(isWorkload).map((w) => `${w.namespace}/${w.name}`));
    for (const id of tenantIds) expect(endpoints).toContain(`tenant-${id}/open-webui`);
  });

  it('leaves out only tenants still provisioning, which render nothing but their namespace and barriers (no pod to reach or leave)', () => {
    for (const id of scope.withoutWorkloads) expect([...new Set(renderedKinds(renderedTenantsDir, id))].sort(), id).toEqual(['LimitRange', 'Namespace', 'NetworkPolicy', 'ResourceQuota']);
  });

  it('has no path at all from any tenant pod to another tenant pod', () => {
    const leaks = conns.filter(
      (c) => isWorkload(c.src) && isWorkload(c.dst) && c.src.namespace.startsWith('tenant-') && c.dst.namespace.startsWith('tenant-') && c.src.namespace !== c.dst.namespace,
    );
    expect(leaks.map(connectionToString)).toEqual([]);
  });

  it('has no direct path from any tenant pod to any model pod', () => {
    const leaks = conns.filter((c) => isWorkload(c.src) && c.src.namespace.startsWith('tenant-') && isWorkload(c.dst) && c.dst.namespace.startsWith('models-'));
    expect(leaks.map(connectionToString)).toEqual([]);
    for (const id of tenantIds) for (const m of models) expect(isAllowed(conns, web(id), m)).toBe(false);
  });

  it('lets each OpenWebUI reach only the inference gateway port, its own Redis and the collector in-cluster', () => {
    for (const id of tenantIds) {
      expect(isAllowed(conns, web(id), gateway, 8080)).toBe(true);
      expect(isAllowed(conns, web(id), gateway, 9090)).toBe(false);
      expect(isAllowed(conns, web(id), redis(id), 6379)).toBe(true);
      expect(isAllowed(conns, web(id), { namespace: 'observability', name: 'otel-collector' }, 4318)).toBe(true);
      expect(isAllowed(conns, web(id), { namespace: 'kube-system', name: 'coredns' }, 'UDP/53')).toBe(true);
      const inCluster = conns.filter((c) => isWorkload(c.src) && c.src.namespace === `tenant-${id}` && c.src.name === 'open-webui' && isWorkload(c.dst));
      const targets = new Set(inCluster.map((c) => `${(c.dst as Workload).namespace}/${(c.dst as Workload).name}`));
      expect([...targets].sort()).toEqual(['inference-gateway/inference-gateway', 'kube-system/coredns', 'observability/otel-collector', `tenant-${id}/redis`].sort());
    }
  });

  it('admits traffic to OpenWebUI only from the tenant activator, only on 8080: the edge subnet cannot bypass the wake-up path', () => {
    for (const id of tenantIds) {
      expect(isAllowed(conns, activator, web(id), 8080)).toBe(true);
      expect(isAllowed(conns, activator, web(id), 22)).toBe(false);
      expect(isAllowed(conns, activator, redis(id))).toBe(false);
      expect(isAllowed(conns, { ip: '10.20.18.10' }, web(id))).toBe(false);
      expect(isAllowed(conns, { ip: '203.0.113.7' }, web(id))).toBe(false);
      expect(isAllowed(conns, gateway, web(id))).toBe(false);
    }
  });

  it('keeps Redis unreachable from everything but its own OpenWebUI', () => {
    for (const id of tenantIds) {
      const callers = conns.filter((c) => isWorkload(c.dst) && c.dst.namespace === `tenant-${id}` && c.dst.name === 'redis');
      expect(callers.map(connectionToString)).toEqual([`tenant-${id}/open-webui[Deployment] => tenant-${id}/redis[Deployment] : TCP 6379`]);
    }
  });

  it('lets tenant pods out to the internet on 443 only, and to Azure subnets only on their ports', () => {
    for (const id of tenantIds) {
      expect(isAllowed(conns, web(id), { ip: '20.190.128.10' }, 443)).toBe(true); // Entra ID (public)
      expect(isAllowed(conns, web(id), { ip: '20.190.128.10' }, 80)).toBe(false);
      expect(isAllowed(conns, web(id), { ip: '10.20.16.4' }, 6432)).toBe(true); // PgBouncer
      expect(isAllowed(conns, web(id), { ip: '10.20.17.4' }, 443)).toBe(true); // Blob private endpoint
      expect(isAllowed(conns, web(id), { ip: '10.20.30.4' }, 443)).toBe(false); // rest of the VNet
      expect(isAllowed(conns, web(id), { ip: '172.16.0.4' }, 443)).toBe(false);
      expect(isAllowed(conns, redis(id), { ip: '20.190.128.10' }, 443)).toBe(false);
      expect(isAllowed(conns, migration(id), { ip: '10.20.16.4' }, 5432)).toBe(true);
    }
  });
});

describe('the isolation proof is not vacuous', () => {
  it('finds cross-tenant paths once the tenant NetworkPolicies are removed', () => {
    // GIVEN the same rendered tenants without any NetworkPolicy
    const copy = mkdtempSync(join(tmpdir(), 'panal-isolation-'));
    try {
      cpSync(tenantsDir, copy, { recursive: true });
      for (const id of tenantIds) for (const f of readdirSync(join(copy, id))) if (f.startsWith('networkpolicy-')) rmSync(join(copy, id, f));
      // WHEN evaluating
      const open = analyzeConnectivity([copy, standIns]);
      // THEN one tenant reaches another's Redis, and the 70B model directly
      const [a, b] = tenantIds;
      expect(isAllowed(open, web(a), redis(b), 6379)).toBe(true);
      expect(isAllowed(open, web(a), models[2])).toBe(true);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 20 * 60_000);
});
