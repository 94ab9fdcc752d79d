import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  analyzeConnectivity,
  analyzeConnectivityReport,
  connectionToString,
  ensureAnalyzer,
  findConnections,
  isAllowed,
  isWorkload,
  NetpolAnalysisError,
  parsePorts,
  type Connection,
  type Workload,
} from './connectivity.js';

const fx = (p: string) => fileURLToPath(new URL(`./fixtures/${p}`, import.meta.url));
const BASE = fx('base'); // Namespaces, workloads, platform policies (models-premium, inference-gateway)
const KUBE_DNS = fx('kube-dns'); // kube-system/coredns
const DENY = fx('tenant-default-deny');
const ALLOWS = fx('tenant-allows');
const LEAKY = fx('variants/leaky-metrics');
const EXTERNAL = fx('variants/external-egress');
const ISOLATED = [BASE, KUBE_DNS, DENY, ALLOWS];

const w = (namespace: string, name: string): Workload => ({ namespace, name });
const webui = (t: 'a' | 'b') => w(`tenant-${t}`, 'open-webui');
const redis = (t: 'a' | 'b') => w(`tenant-${t}`, 'redis');
const EDGE = w('gateway-system', 'edge-gateway');
const IGW = w('inference-gateway', 'inference-gateway');
const OLLAMA = w('models-premium', 'ollama');
const COREDNS = w('kube-system', 'coredns');
const TENANTS = ['a', 'b'] as const;
const other = (t: 'a' | 'b') => (t === 'a' ? 'b' : 'a');

const lines = (conns: Connection[]) => conns.map(connectionToString).sort();

const tmpDirs: string[] = [];
function tmpCopy(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'panal-netpol-test-'));
  tmpDirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

beforeAll(() => {
  // Cold: creates the venv and pip-installs the pinned analyzer into the user cache.
  ensureAnalyzer();
}, 20 * 60_000);

describe('tenant isolation: default-deny + allow-list', () => {
  let conns: Connection[];
  beforeAll(() => {
    conns = analyzeConnectivity(ISOLATED);
  });

  it('finds every workload of the scenario', () => {
    const names = new Set(conns.flatMap((c) => [c.src, c.dst]).filter(isWorkload).map((e) => `${e.namespace}/${e.name}`));
    expect([...names].sort()).toEqual([
      'gateway-system/edge-gateway',
      'inference-gateway/inference-gateway',
      'kube-system/coredns',
      'models-premium/ollama',
      'tenant-a/open-webui',
      'tenant-a/redis',
      'tenant-b/open-webui',
      'tenant-b/redis',
    ]);
  });

  it.each(TENANTS)('tenant-%s cannot reach the other tenant at all', (t) => {
    const o = other(t);
    for (const src of [webui(t), redis(t)]) {
      for (const dst of [webui(o), redis(o)]) {
        expect(isAllowed(conns, src, dst), `${src.namespace}/${src.name} -> ${dst.namespace}/${dst.name}`).toBe(false);
      }
    }
  });

  it.each(TENANTS)('tenant-%s open-webui reaches its own redis on 6379 only', (t) => {
    expect(isAllowed(conns, webui(t), redis(t), 6379)).toBe(true);
    expect(isAllowed(conns, webui(t), redis(t), 6380)).toBe(false);
    expect(isAllowed(conns, webui(t), redis(t), 'UDP/6379')).toBe(false);
    expect(isAllowed(conns, redis(t), webui(t))).toBe(false);
  });

  it('no tenant workload reaches the Ollama pod directly; the inference gateway can', () => {
    for (const t of TENANTS) {
      expect(isAllowed(conns, webui(t), OLLAMA)).toBe(false);
      expect(isAllowed(conns, redis(t), OLLAMA)).toBe(false);
      expect(isAllowed(conns, webui(t), IGW, 8080)).toBe(true);
    }
    expect(isAllowed(conns, IGW, OLLAMA, 11434)).toBe(true);
    expect(isAllowed(conns, EDGE, OLLAMA)).toBe(false);
    // The only way into models-premium is the inference gateway on 11434.
    expect(lines(findConnections(conns, undefined, { namespace: 'models-premium', name: 'ollama' }))).toEqual([
      'inference-gateway/inference-gateway[Deployment] => models-premium/ollama[Deployment] : TCP 11434',
    ]);
  });

  it('the edge gateway reaches open-webui:8080 but not redis', () => {
    for (const t of TENANTS) {
      expect(isAllowed(conns, EDGE, webui(t), 8080)).toBe(true);
      expect(isAllowed(conns, EDGE, webui(t), 8443)).toBe(false);
      expect(isAllowed(conns, EDGE, redis(t))).toBe(false);
    }
  });

  it('the complete ingress and egress of each tenant is exactly the allow-list', () => {
    for (const t of TENANTS) {
      const ns = `tenant-${t}`;
      const touching = conns.filter(
        (c) => (isWorkload(c.src) && c.src.namespace === ns) || (isWorkload(c.dst) && c.dst.namespace === ns),
      );
      expect(lines(touching)).toEqual(
        [
          `gateway-system/edge-gateway[Deployment] => ${ns}/open-webui[Deployment] : TCP 8080`,
          `${ns}/open-webui[Deployment] => inference-gateway/inference-gateway[Deployment] : TCP 8080`,
          `${ns}/open-webui[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53`,
          `${ns}/open-webui[Deployment] => ${ns}/redis[Deployment] : TCP 6379`,
          `${ns}/redis[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53`,
        ].sort(),
      );
    }
  });

  it('reports unrestricted namespaces against the whole address space as an ipBlock', () => {
    // gateway-system and kube-system have no policies: open to/from everything, including 0.0.0.0/0.
    expect(isAllowed(conns, { ipBlock: '0.0.0.0/0' }, EDGE, 8443)).toBe(true);
    const internet = findConnections(conns, EDGE, { ipBlock: '0.0.0.0/0' });
    expect(internet).toHaveLength(1);
    expect(internet[0]!.dst).toEqual({ ipBlock: '0.0.0.0/0', cidrs: ['0.0.0.0/0'], first: '0.0.0.0', last: '255.255.255.255' });
    expect(internet[0]!.ports.all).toBe(true);
    for (const t of TENANTS) {
      expect(isAllowed(conns, webui(t), { ip: '1.1.1.1' })).toBe(false);
      expect(isAllowed(conns, { ip: '1.1.1.1' }, webui(t))).toBe(false);
    }
  });

  it('DNS egress shows up as connections to the DNS workload on TCP/UDP 53', () => {
    expect(isAllowed(conns, webui('a'), COREDNS, 'UDP/53')).toBe(true);
    expect(isAllowed(conns, webui('a'), COREDNS, { protocol: 'TCP', port: 53 })).toBe(true);
    expect(isAllowed(conns, webui('a'), COREDNS, 'UDP/5353')).toBe(false);
  });
});

describe('the evaluator is not vacuous', () => {
  it('without the tenant NetworkPolicies, tenant-a reaches tenant-b (and the model stays protected)', () => {
    const conns = analyzeConnectivity([BASE, KUBE_DNS]);
    expect(isAllowed(conns, webui('a'), redis('b'), 6379)).toBe(true);
    expect(isAllowed(conns, webui('a'), webui('b'), 8080)).toBe(true);
    expect(findConnections(conns, webui('a'), redis('b'))[0]!.ports.text).toBe('All connections');
    expect(isAllowed(conns, webui('a'), OLLAMA)).toBe(false);
  });

  it('removing only the default-deny changes nothing: the allow-policies already isolate every tenant pod', () => {
    // Upstream semantics: any policy selecting a pod isolates it for that policy type. Every tenant
    // pod is selected by an Ingress allow and by the Egress DNS allow (podSelector: {}), so the
    // default-deny is defence in depth here, not the thing providing isolation.
    const withDeny = analyzeConnectivity(ISOLATED);
    const withoutDeny = analyzeConnectivity([BASE, KUBE_DNS, ALLOWS]);
    expect(lines(withoutDeny)).toEqual(lines(withDeny));
    expect(isAllowed(withoutDeny, webui('a'), redis('b'))).toBe(false);
  });

  it('one extra buggy policy (namespaceSelector: {}) is detected as a leak', () => {
    const conns = analyzeConnectivity([...ISOLATED, LEAKY]);
    expect(isAllowed(conns, EDGE, redis('b'), 9121)).toBe(true); // unrestricted egress side
    expect(isAllowed(conns, COREDNS, redis('b'), 9121)).toBe(true);
    expect(isAllowed(conns, EDGE, redis('a'), 9121)).toBe(false);
    // tenant-a egress is still restricted, so the bug alone does not open tenant-a -> tenant-b.
    expect(isAllowed(conns, webui('a'), redis('b'))).toBe(false);
    expect(isAllowed(conns, redis('a'), redis('b'))).toBe(false);
  });
});

describe('semantics of the analyzer output', () => {
  it('ipBlock egress is split into disjoint ranges and never matches pods', () => {
    const conns = analyzeConnectivity([...ISOLATED, EXTERNAL]);
    const out = findConnections(conns, webui('a')).filter((c) => !isWorkload(c.dst));
    expect(out.map((c) => (isWorkload(c.dst) ? '' : `${c.dst.ipBlock} ${c.ports.text}`))).toEqual([
      '0.0.0.0-9.255.255.255 TCP 443',
      '11.0.0.0-172.15.255.255 TCP 443',
      '172.32.0.0-192.167.255.255 TCP 443',
      '192.169.0.0-255.255.255.255 TCP 443',
    ]);
    expect(out[0]!.dst).toMatchObject({ cidrs: ['0.0.0.0/5', '8.0.0.0/7'] });
    expect(isAllowed(conns, webui('a'), { ip: '8.8.8.8' }, 443)).toBe(true);
    expect(isAllowed(conns, webui('a'), { ip: '10.1.2.3' }, 443)).toBe(false);
    expect(isAllowed(conns, webui('a'), { ipBlock: '10.0.0.0/8' })).toBe(false);
    expect(isAllowed(conns, webui('a'), { ipBlock: '9.0.0.0/7' }, 443)).toBe(true); // overlaps 9.0.0.0/8
    // 0.0.0.0/0 in an ipBlock does not cover pods: cross-tenant stays closed.
    expect(isAllowed(conns, webui('a'), webui('b'), 443)).toBe(false);
  });

  it('without a DNS workload, NCA adds a synthetic kube-system/kube-dns-livesim pod', () => {
    const report = analyzeConnectivityReport([BASE, DENY, ALLOWS]);
    expect(report.syntheticDns).toBe(true);
    const dns = w('kube-system', 'kube-dns-livesim');
    expect(isAllowed(report.connections, webui('a'), dns, 'UDP/53')).toBe(true);
    expect(findConnections(report.connections, webui('a'), dns)[0]!.dst).toEqual({ ...dns, kind: 'Pod' });
  });

  it('parses the connection grammar, including complements', () => {
    expect(parsePorts('All connections')).toMatchObject({ all: true, text: 'All connections' });
    expect(parsePorts('{protocols:TCP, UDP,dst_ports:53}').text).toBe('TCP 53,UDP 53');
    expect(parsePorts('{protocols:TCP,dst_ports:443,9000-9010},{protocols:UDP,dst_ports:53}').protocols).toEqual({
      TCP: [
        { from: 443, to: 443 },
        { from: 9000, to: 9010 },
      ],
      UDP: [{ from: 53, to: 53 }],
    });
    const allBut = parsePorts('All but {protocols:TCP,dst_ports:80}');
    expect(allBut.all).toBe(false);
    expect(allBut.protocols.TCP).toEqual([
      { from: 1, to: 79 },
      { from: 81, to: 65535 },
    ]);
    expect(allBut.protocols.UDP).toEqual([{ from: 1, to: 65535 }]);
    expect(parsePorts('TCP 443,9000-9010,UDP 53', 'netpol-analyzer').text).toBe('TCP 443,9000-9010,UDP 53');
    expect(() => parsePorts('{protocols:TCP,methods:GET}')).toThrow(NetpolAnalysisError);
  });
});

describe('no silent pass: bad input makes the analysis fail', () => {
  const withExtra = (name: string, text: string) => () => analyzeConnectivity([...ISOLATED, tmpCopy({ [name]: text })]);

  it('rejects CiliumNetworkPolicy (both evaluators would silently ignore it)', () => {
    const cnp = 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: x, namespace: tenant-a}\nspec:\n  endpointSelector: {}\n';
    expect(withExtra('cnp.yaml', cnp)).toThrow(/kind CiliumNetworkPolicy is not supported: its rules would be silently ignored/);
  });

  it('rejects unparsable YAML (NCA would print a parse error and exit 0)', () => {
    expect(withExtra('bad.yaml', 'a: [b\n')).toThrow(/Parse Error/);
  });

  it('rejects unknown policy fields (NCA exits non-zero)', () => {
    const typo =
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: typo, namespace: tenant-a}\n' +
      'spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n  ingres: []\n';
    expect(withExtra('typo.yaml', typo)).toThrow(/ingres is not a valid entry/);
  });

  it('rejects duplicate policies (NCA would keep only the first one)', () => {
    const dup = readFileSync(join(DENY, 'tenant-a.yaml'), 'utf8').replace('policyTypes: [Ingress, Egress]', 'policyTypes: [Ingress]');
    expect(withExtra('dup.yaml', dup)).toThrow(/already exists/);
  });

  it('rejects workloads with replicas: 0 (NCA would model no pod for them)', () => {
    const scaled = readFileSync(join(BASE, 'platform-workloads.yaml'), 'utf8').replace(/replicas: 1/g, 'replicas: 0');
    const dir = tmpCopy({ 'platform-workloads.yaml': scaled });
    cpSync(join(BASE, 'namespaces.yaml'), join(dir, 'namespaces.yaml'));
    expect(() => analyzeConnectivity([dir])).toThrow(/replicas: 0/);
  });

  it('rejects workloads whose namespace has no Namespace object (labels would be unknown)', () => {
    const orphan = readFileSync(join(BASE, 'tenant-workloads.yaml'), 'utf8').replaceAll('tenant-b', 'tenant-c');
    expect(withExtra('orphan.yaml', orphan)).toThrow(/Namespace tenant-c is missing/);
  });

  it('rejects inputs without workloads or without Namespace objects', () => {
    expect(() => analyzeConnectivity([DENY, ALLOWS])).toThrow(/no workload/);
    expect(() => analyzeConnectivity([tmpCopy({ 'w.yaml': readFileSync(join(BASE, 'tenant-workloads.yaml'), 'utf8') })])).toThrow(
      /no Namespace object/,
    );
  });
});

describe.skipIf(!process.env['NETPOL_ANALYZER_BIN'])('cross-check with netpol-analyzer (NETPOL_ANALYZER_BIN)', () => {
  it.each([
    ['isolated', ISOLATED],
    ['no tenant policies', [BASE, KUBE_DNS]],
    ['leaky metrics', [...ISOLATED, LEAKY]],
  ] as const)('%s: both evaluators compute the same connectivity', (_name, dirs) => {
    const bin = process.env['NETPOL_ANALYZER_BIN']!;
    const nca = analyzeConnectivity([...dirs], { backend: 'nca' });
    const npa = analyzeConnectivity([...dirs], { backend: 'netpol-analyzer', bin });
    expect(lines(npa)).toEqual(lines(nca));
  });
});
