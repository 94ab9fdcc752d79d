import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parse } from 'yaml';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeConnectivity, connectionToString, isAllowed, isWorkload, type Connection, type Workload } from '../../../tools/netpol/connectivity';
import { renderedKinds, tenantsUnderAnalysis } from '../../../tools/netpol/tenant-scope';

/**
 * Tenants and the real platform namespaces evaluated together: every rendered tenant
 * (dist/manifests/tenants) plus every rendered add-on (dist/manifests/cluster-addons), with only
 * kube-system stood in (fixtures/). In a pull request that only adds or changes tenant folders, the
 * changed tenants plus fixed unchanged neighbours stand for the catalogue (tools/netpol/tenant-scope.ts);
 * every add-on is always evaluated. NetworkPolicies are evaluated by np-guard's
 * network-config-analyzer (tools/netpol); a connection exists only if the source's egress and the
 * destination's ingress both allow it.
 */
const repoRoot = resolve(__dirname, '../../..');
const renderedTenantsDir = join(repoRoot, 'dist/manifests/tenants');
const scope = tenantsUnderAnalysis(repoRoot, renderedTenantsDir);
const tenantsDir = scope.dir;
const addonsDir = join(repoRoot, 'dist/manifests/cluster-addons');
const standIns = join(__dirname, 'fixtures');
const tenantIds = scope.ids;
afterAll(() => scope.cleanup());
const tierOf = (id: string): string => parse(readFileSync(join(tenantsDir, id, `namespace-tenant-${id}.yaml`), 'utf8')).metadata.labels['panal.io/tier'];

const web = (id: string): Workload => ({ namespace: `tenant-${id}`, name: 'open-webui' });
const gateway: Workload = { namespace: 'inference-gateway', name: 'inference-gateway' };
const gatewayRedis: Workload = { namespace: 'inference-gateway', name: 'inference-gateway-redis' };
const standardModels: Workload[] = [
  { namespace: 'models-standard', name: 'ollama-llama3-8b' },
  { namespace: 'models-standard', name: 'ollama-mistral-7b' },
];
const premiumModel: Workload = { namespace: 'models-premium', name: 'ollama-llama3-70b' };
const scraper: Workload = { namespace: 'kube-system', name: 'ama-metrics' };
const collector: Workload = { namespace: 'observability', name: 'otel-collector' };
const activator: Workload = { namespace: 'activator', name: 'tenant-activator' };
const redis = (id: string): Workload => ({ namespace: `tenant-${id}`, name: 'redis' });
const key = (w: Workload) => `${w.namespace}/${w.name}`;
const endpoint = (e: Connection['src']) => (isWorkload(e) ? key(e) : 'ip');

describe('tenants and platform namespaces together (evaluated NetworkPolicies)', () => {
  let conns: Connection[];
  beforeAll(() => {
    conns = analyzeConnectivity([tenantsDir, addonsDir, standIns]);
  }, 20 * 60_000);

  it('sees every tenant, the gateway and every model pool', () => {
    const seen = new Set(conns.flatMap((c) => [c.src, c.dst]).filter(isWorkload).map(key));
    for (const w of [gateway, ...standardModels, premiumModel, ...tenantIds.map(web)]) expect(seen).toContain(key(w));
  });

  it('leaves out only tenants still provisioning, which render nothing but their namespace and barriers (no pod to reach or leave)', () => {
    for (const id of scope.withoutWorkloads) expect([...new Set(renderedKinds(renderedTenantsDir, id))].sort(), id).toEqual(['LimitRange', 'Namespace', 'NetworkPolicy', 'ResourceQuota']);
  });

  it('has no direct path from any tenant pod to any model pod', () => {
    const leaks = conns.filter((c) => isWorkload(c.src) && c.src.namespace.startsWith('tenant-') && isWorkload(c.dst) && c.dst.namespace.startsWith('models-'));
    expect(leaks.map(connectionToString)).toEqual([]);
  });

  it('lets model namespaces accept connections only from the inference gateway, only on 11434', () => {
    const into = conns.filter((c) => isWorkload(c.dst) && c.dst.namespace.startsWith('models-'));
    expect(new Set(into.map((c) => endpoint(c.src)))).toEqual(new Set([key(gateway)]));
    for (const m of [...standardModels, premiumModel]) {
      expect(isAllowed(conns, gateway, m, 11434)).toBe(true);
      expect(isAllowed(conns, gateway, m, 22)).toBe(false);
    }
  });

  it('lets the gateway accept only tenant OpenWebUI pods on 8080 and the metrics scraper on 9090', () => {
    const into = conns.filter((c) => isWorkload(c.dst) && key(c.dst) === key(gateway));
    const callers = new Set(into.map((c) => endpoint(c.src)));
    expect(callers).toEqual(new Set([...tenantIds.map((id) => key(web(id))), key(scraper)]));
    for (const id of tenantIds) {
      expect(isAllowed(conns, web(id), gateway, 8080)).toBe(true);
      expect(isAllowed(conns, web(id), gateway, 9090)).toBe(false);
    }
    expect(isAllowed(conns, scraper, gateway, 9090)).toBe(true);
    expect(isAllowed(conns, scraper, gateway, 8080)).toBe(false);
  });

  it('lets the gateway send only to model pools, DNS, its Redis and, on 443 only, IP ranges (Key Vault private endpoint, Entra ID)', () => {
    const out = conns.filter((c) => isWorkload(c.src) && key(c.src) === key(gateway));
    expect(new Set(out.map((c) => endpoint(c.dst)))).toEqual(new Set([...standardModels, premiumModel, gatewayRedis].map(key).concat('kube-system/coredns', 'ip')));
    for (const c of out.filter((x) => !isWorkload(x.dst))) expect(connectionToString(c)).toMatch(/: TCP 443$/);
  });

  it('lets only the gateway reach its Redis, only on 6379, and lets the Redis reach only DNS', () => {
    const into = conns.filter((c) => isWorkload(c.dst) && key(c.dst) === key(gatewayRedis));
    expect(new Set(into.map((c) => endpoint(c.src)))).toEqual(new Set([key(gateway)]));
    expect(isAllowed(conns, gateway, gatewayRedis, 6379)).toBe(true);
    expect(isAllowed(conns, gateway, gatewayRedis, 22)).toBe(false);
    for (const id of tenantIds) expect(isAllowed(conns, web(id), gatewayRedis, 6379)).toBe(false);
    expect(new Set(conns.filter((c) => isWorkload(c.src) && key(c.src) === key(gatewayRedis)).map((c) => endpoint(c.dst)))).toEqual(new Set(['kube-system/coredns']));
  });

  it('gives a standard tenant no path to anything premium: its only way is the gateway, which checks its key', () => {
    const standardTenants = tenantIds.filter((id) => tierOf(id) === 'standard');
    expect(standardTenants.length).toBeGreaterThan(0);
    for (const id of standardTenants) {
      const reach = conns.filter((c) => isWorkload(c.src) && c.src.namespace === `tenant-${id}` && isWorkload(c.dst) && c.dst.namespace === 'models-premium');
      expect(reach.map(connectionToString)).toEqual([]);
      expect(isAllowed(conns, web(id), gateway, 8080)).toBe(true);
    }
  });

  it('lets the OpenTelemetry Collector accept only tenant OpenWebUI pods on 4318 and the scraper on its metrics ports', () => {
    const into = conns.filter((c) => isWorkload(c.dst) && key(c.dst) === key(collector));
    expect(new Set(into.map((c) => endpoint(c.src)))).toEqual(new Set([...tenantIds.map((id) => key(web(id))), key(scraper)]));
    for (const id of tenantIds) {
      expect(isAllowed(conns, web(id), collector, 4318)).toBe(true);
      expect(isAllowed(conns, web(id), collector, 8889)).toBe(false);
    }
    expect(isAllowed(conns, scraper, collector, 8889)).toBe(true);
    expect(isAllowed(conns, scraper, collector, 8888)).toBe(true);
    expect(isAllowed(conns, scraper, collector, 4318)).toBe(false);
  });

  it('lets the collector send only to DNS and outside the private ranges (Azure Monitor, Entra ID), never to tenants or models', () => {
    const out = conns.filter((c) => isWorkload(c.src) && key(c.src) === key(collector));
    expect(new Set(out.map((c) => endpoint(c.dst)))).toEqual(new Set(['kube-system/coredns', 'ip']));
  });

  it('lets the edge subnet reach only the tenant activator on 8080, and the activator reach only tenant OpenWebUI on 8080, DNS and the API server', () => {
    const edgeIp = { ip: '10.20.18.10' };
    expect(isAllowed(conns, edgeIp, activator, 8080)).toBe(true);
    expect(isAllowed(conns, edgeIp, activator, 9090)).toBe(false);
    expect(isAllowed(conns, { ip: '203.0.113.7' }, activator)).toBe(false);
    const into = conns.filter((c) => isWorkload(c.dst) && key(c.dst) === key(activator));
    expect(new Set(into.map((c) => endpoint(c.src)))).toEqual(new Set(['ip', key(scraper)]));
    for (const id of tenantIds) {
      expect(isAllowed(conns, edgeIp, web(id))).toBe(false);
      expect(isAllowed(conns, activator, web(id), 8080)).toBe(true);
      expect(isAllowed(conns, activator, redis(id))).toBe(false);
    }
    const out = conns.filter((c) => isWorkload(c.src) && key(c.src) === key(activator));
    expect(new Set(out.map((c) => endpoint(c.dst)))).toEqual(new Set([...tenantIds.map((id) => key(web(id))), 'kube-system/coredns', 'ip']));
    expect(isAllowed(conns, activator, { ip: '10.20.0.4' }, 443)).toBe(true); // API server (apiServerCidr)
    expect(isAllowed(conns, activator, { ip: '20.190.128.10' }, 443)).toBe(false); // nothing public
    expect(isAllowed(conns, activator, gateway)).toBe(false);
  });

  it('keeps the GPU agents and the seeding Job unreachable, except DCGM metrics for the scraper', () => {
    const into = conns.filter((c) => isWorkload(c.dst) && ['gpu-system', 'model-store'].includes(c.dst.namespace));
    expect(into.map((c) => `${endpoint(c.src)} => ${endpoint(c.dst)}`)).toEqual(['kube-system/ama-metrics => gpu-system/dcgm-exporter']);
  });
});

describe('the platform isolation proof is not vacuous', () => {
  it('finds tenant-to-model paths once the platform NetworkPolicies are removed', () => {
    // GIVEN the same rendered add-ons without any NetworkPolicy
    const copy = mkdtempSync(join(tmpdir(), 'panal-platform-isolation-'));
    try {
      cpSync(addonsDir, copy, { recursive: true });
      for (const folder of readdirSync(copy)) for (const f of readdirSync(join(copy, folder))) if (f.startsWith('networkpolicy-')) rmSync(join(copy, folder, f));
      // WHEN evaluating with the tenant policies still in place
      const open = analyzeConnectivity([tenantsDir, copy, standIns]);
      // THEN only the tenants' own egress rules keep them off the model pools, and the gateway reaches everything
      expect(isAllowed(open, web(tenantIds[0]!), premiumModel)).toBe(false);
      expect(isAllowed(open, gateway, { namespace: 'kube-system', name: 'ama-metrics' })).toBe(true);
      expect(isAllowed(open, scraper, premiumModel, 11434)).toBe(true);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 20 * 60_000);
});
