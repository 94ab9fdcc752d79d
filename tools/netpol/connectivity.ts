/**
 * Typed wrapper around an offline Kubernetes NetworkPolicy evaluator.
 *
 * Default backend: np-guard's network-config-analyzer (`nca`, PyPI, pinned in versions.env),
 * run as `nca --connectivity -r <dir>... -o txt_no_fw_rules --output_endpoints deployments`.
 * Optional backend: np-guard's netpol-analyzer (`k8snetpolicy list --dirpath <dir> -o json`),
 * selected with NETPOL_BACKEND=netpol-analyzer (not obtainable from the Go proxy today, see README).
 *
 * Both backends compute, from YAML manifests only, the set of allowed connections between the
 * *workloads* found in the manifests (Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
 * CronJob, ReplicationController) and IP ranges. Semantics that matter for isolation proofs
 * (verified by experiment, see README.md):
 *  - Only workloads present in the input are endpoints. No workload => no connection is reported.
 *    NCA also drops workloads with `replicas: 0` (it models at most min(replicas, 2) pods), so
 *    such manifests are rejected here instead of being silently treated as isolated.
 *  - namespaceSelectors match the labels of Namespace objects in the input. A namespace without a
 *    Namespace object only gets `kubernetes.io/metadata.name=<name>`; custom labels
 *    (e.g. `panal.io/tenant`) then match nothing. Missing Namespace objects are rejected here.
 *  - Upstream `networking.k8s.io/v1` semantics: a pod selected by any policy of a direction is
 *    isolated in that direction; the allowed set is the union of rules, and a connection needs
 *    both the source's egress and the destination's ingress to allow it.
 *  - IP endpoints are printed as disjoint ranges (`a.b.c.d-e.f.g.h`); ipBlock rules never match
 *    pods (pods have no IPs in the model).
 *  - Connections from a workload to itself (between its replicas) are never reported.
 *  - NCA adds a synthetic `kube-system/kube-dns-livesim[Pod]` (labels `k8s-app: kube-dns`) when a
 *    policy refers to kube-dns pods that are not in the input ("livesim").
 *  - "All connections" means every IP protocol (0-255, ICMP included) on every port.
 *
 * Fail-closed: a non-zero exit, any analyzer output line that is not a known style lint, and
 * input kinds the analyzers ignore (CiliumNetworkPolicy, AdminNetworkPolicy, ...) raise
 * NetpolAnalysisError instead of returning a possibly incomplete connectivity map.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------
// Public types

export type Backend = 'nca' | 'netpol-analyzer';

/** A workload endpoint. `kind` is the owner kind printed by the tool (Deployment, Pod, ...). */
export interface Workload {
  namespace: string;
  name: string;
  kind?: string;
}

/** An IP endpoint: one contiguous address range as printed by the tool. */
export interface IpBlock {
  /** The range as a single CIDR when it is exactly one (e.g. '0.0.0.0/0'), else 'first-last'. */
  ipBlock: string;
  /** The same range as a minimal list of CIDRs. */
  cidrs: string[];
  first: string;
  last: string;
}

export type Endpoint = Workload | IpBlock;

export interface PortRange {
  from: number;
  to: number;
}

export type PortProtocol = 'TCP' | 'UDP' | 'SCTP';

/** Allowed protocols/ports of one connection. */
export interface PortSpec {
  /** Every protocol and port ("All connections"). When true, `protocols` lists full ranges. */
  all: boolean;
  /** Allowed port ranges per port-carrying protocol (absent protocol = nothing allowed). */
  protocols: Partial<Record<PortProtocol, PortRange[]>>;
  /** Other IP protocol numbers allowed (only non-empty in practice when `all` is true). */
  otherProtocols: number[];
  /** Canonical text: 'All connections' | 'No connections' | 'TCP 53,UDP 53' | 'TCP 443,9000-9010'
   * (other IP protocols, only possible for complements, as 'IP-protocols 0-5,7-16'). */
  text: string;
}

export interface Connection {
  src: Endpoint;
  dst: Endpoint;
  ports: PortSpec;
  /** Raw connection strings printed by the tool for this pair (several lines may be merged). */
  raw: string[];
}

export interface AnalyzeOptions {
  backend?: Backend;
  /** Explicit path of the analyzer executable (skips ensure.sh). */
  bin?: string;
  /**
   * Diagnostics (stderr lines, after the 'file:line:col: ' prefix) that may be tolerated.
   * By default only pure style lints are tolerated; everything else makes the analysis fail.
   */
  tolerate?: RegExp[];
}

export interface AnalysisReport {
  backend: Backend;
  version: string;
  connections: Connection[];
  /** Tolerated diagnostics (style lints etc.). */
  diagnostics: string[];
  /** True when NCA added its synthetic kube-dns pod (kube-system/kube-dns-livesim). */
  syntheticDns: boolean;
}

export class NetpolAnalysisError extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
  ) {
    super(details.length ? `${message}\n  ${details.join('\n  ')}` : message);
    this.name = 'NetpolAnalysisError';
  }
}

// ---------------------------------------------------------------------------------------------
// Installation

const HERE = fileURLToPath(new URL('.', import.meta.url));

export function readVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(HERE, 'versions.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

function defaultBackend(): Backend {
  const b = process.env['NETPOL_BACKEND'] ?? 'nca';
  if (b !== 'nca' && b !== 'netpol-analyzer') {
    throw new NetpolAnalysisError(`NETPOL_BACKEND must be 'nca' or 'netpol-analyzer', got '${b}'`);
  }
  return b;
}

const binCache = new Map<Backend, string>();

/** Runs ensure.sh (installs into the user cache on first use) and returns the executable path. */
export function ensureAnalyzer(backend: Backend = defaultBackend()): string {
  const cached = binCache.get(backend);
  if (cached) return cached;
  let stdout: string;
  try {
    stdout = execFileSync('bash', [join(HERE, 'ensure.sh')], {
      env: { ...process.env, NETPOL_BACKEND: backend },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new NetpolAnalysisError(`ensure.sh failed for backend ${backend}`, [
      ...(err.stderr ?? err.message).trim().split('\n'),
    ]);
  }
  const lines = stdout.trim().split('\n');
  const bin = lines[lines.length - 1]!.trim();
  if (!bin || !existsSync(bin)) {
    throw new NetpolAnalysisError(`ensure.sh did not print an existing executable path: '${bin}'`);
  }
  binCache.set(backend, bin);
  return bin;
}

// ---------------------------------------------------------------------------------------------
// Input checks (things both tools would otherwise ignore silently)

const YAML_EXT = /\.(ya?ml|json)$/i;
const WORKLOAD_KINDS = [
  'Pod',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'ReplicationController',
];
/** Kinds that matter for connectivity on a real cluster but that the evaluators ignore, or model in
 * a way this wrapper does not support. CiliumNetworkPolicy is silently ignored by both tools. */
const UNSUPPORTED_KINDS: Record<string, string> = {
  CiliumNetworkPolicy: 'its rules would be silently ignored',
  CiliumClusterwideNetworkPolicy: 'its rules would be silently ignored',
  CiliumCIDRGroup: 'it would be silently ignored',
  AdminNetworkPolicy: 'not supported by NCA 2.1.0 (its rules would be ignored)',
  BaselineAdminNetworkPolicy: 'not supported by NCA 2.1.0 (its rules would be ignored)',
  ClusterNetworkPolicy: 'its rules would be silently ignored',
  MultiNetworkPolicy: 'its rules would be silently ignored',
  GlobalNetworkPolicy: 'Calico policies are not supported by this wrapper',
  AuthorizationPolicy: 'Istio policies are not supported by this wrapper',
  Sidecar: 'Istio policies are not supported by this wrapper',
  Ingress:
    'the analyzers would add a synthetic ingress-controller endpoint; analyse NetworkPolicies and workloads only',
  Route: 'the analyzers would add a synthetic ingress-controller endpoint; analyse NetworkPolicies and workloads only',
};

function listManifestFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listManifestFiles(p));
    else if (YAML_EXT.test(entry.name)) out.push(p);
  }
  return out.sort();
}

function kindRegex(kinds: string[]): RegExp {
  // Matches `kind: X` in YAML and `"kind": "X"` in JSON.
  return new RegExp(`^\\s*(?:-\\s+)?["']?kind["']?\\s*:\\s*["']?(${kinds.join('|')})["']?\\s*,?\\s*$`, 'gm');
}

function checkInputs(dirs: string[]): string[] {
  if (dirs.length === 0) throw new NetpolAnalysisError('analyzeConnectivity: no manifest directory given');
  const abs = dirs.map((d) => resolve(d));
  const problems: string[] = [];
  let workloads = 0;
  let namespaces = 0;
  for (const d of abs) {
    if (!existsSync(d) || !statSync(d).isDirectory()) {
      throw new NetpolAnalysisError(`not a directory: ${d}`);
    }
    for (const f of listManifestFiles(d)) {
      const text = readFileSync(f, 'utf8');
      workloads += [...text.matchAll(kindRegex(WORKLOAD_KINDS))].length;
      namespaces += [...text.matchAll(kindRegex(['Namespace']))].length;
      for (const m of text.matchAll(kindRegex(Object.keys(UNSUPPORTED_KINDS)))) {
        problems.push(`${f}: kind ${m[1]} is not supported: ${UNSUPPORTED_KINDS[m[1]!]}`);
      }
      for (const m of text.matchAll(/^\s*["']?(replicas|parallelism)["']?\s*:\s*0\s*,?\s*$/gm)) {
        problems.push(
          `${f}: '${m[1]}: 0' - NCA models no pod for this workload, so its connections would vanish ` +
            '(render the manifest with replicas >= 1 for the analysis)',
        );
      }
      if (/\{\{.*\}\}/.test(text)) problems.push(`${f}: looks like an unrendered template ({{ }})`);
    }
  }
  if (problems.length) throw new NetpolAnalysisError('unsupported input for the NetworkPolicy analysis', problems);
  if (workloads === 0) {
    throw new NetpolAnalysisError(
      'no workload (Pod/Deployment/StatefulSet/...) in the input: the analyzer only reports connections between workloads',
      abs,
    );
  }
  if (namespaces === 0) {
    throw new NetpolAnalysisError(
      'no Namespace object in the input: namespaceSelectors on custom labels would match nothing',
      abs,
    );
  }
  return abs;
}

// ---------------------------------------------------------------------------------------------
// Running the analyzers

/** Style lints of NCA that do not change the computed connectivity. */
const DEFAULT_TOLERATED: RegExp[] = [
  /^Warning: A podSelector selects all pods in the current namespace; it should better be removed\.$/,
  /^Warning: A non-empty namespaceSelector selects all pods\. Better use "namespaceSelector: \{\}"$/,
];

const NCA_STDOUT_OK: RegExp[] = [
  /^global: cluster has \d+ unique endpoints, \d+ namespaces$/,
  /^wrote query output to: /,
  /^Total run time: /,
  /^Info: Found missing elements - adding complementary kube-dns elements$/,
];

function stripLocation(line: string): string {
  // 'path/file.yaml:16:13: Warning: ...' -> 'Warning: ...'
  return line.replace(/^.*?:\d+:\d+: /, '');
}

interface RawPair {
  src: string;
  dst: string;
  conn: string;
}

interface RunResult {
  pairs: RawPair[];
  diagnostics: string[];
  syntheticDns: boolean;
}

function runTool(bin: string, args: string[], cwd: string) {
  const r = spawnSync(bin, args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    // Both tools fall back to a live cluster in some argument combinations; make that impossible.
    env: { ...process.env, KUBECONFIG: join(cwd, 'no-such-kubeconfig') },
  });
  if (r.error) throw new NetpolAnalysisError(`cannot run ${bin}: ${r.error.message}`);
  const lines = (s: string | null) => (s ?? '').split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
  return { status: r.status, signal: r.signal, stdout: lines(r.stdout), stderr: lines(r.stderr) };
}

function classify(lines: string[], tolerate: RegExp[], problems: string[], diagnostics: string[]): void {
  for (const line of lines) {
    if (tolerate.some((re) => re.test(stripLocation(line)))) diagnostics.push(line);
    else problems.push(line);
  }
}

/**
 * NCA reads files in directory order and complains ("Namespace X is missing from the peer
 * container") when a resource of a namespace comes before its Namespace object, which then may lose
 * its labels. Copy the input so files that declare Namespaces are read first, in a stable order.
 */
function namespacesFirst(dirs: string[], work: string): string[] {
  const first = join(work, 'input-0-namespaces');
  const rest = join(work, 'input-1-resources');
  dirs.forEach((d, i) => {
    for (const f of listManifestFiles(d).sort()) {
      const text = readFileSync(f, 'utf8');
      const target = join(kindRegex(['Namespace']).test(text) ? first : rest, String(i), relative(d, f));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(f, target);
    }
  });
  return [first, rest].filter((d) => existsSync(d));
}

function runNca(bin: string, dirs: string[], tolerate: RegExp[], work: string): RunResult {
  const outFile = join(work, 'connectivity.txt');
  // Absolute paths only: the bare words 'k8s', 'calico', 'istio' make NCA read a live cluster.
  const args = ['--connectivity', ...namespacesFirst(dirs, work).flatMap((d) => ['-r', d])];
  args.push('-o', 'txt_no_fw_rules', '--output_endpoints', 'deployments', '-f', outFile);
  const r = runTool(bin, args, work);
  if (r.status !== 0) {
    throw new NetpolAnalysisError(`nca exited with status ${r.status ?? r.signal}`, [...r.stderr, ...r.stdout]);
  }
  const problems: string[] = [];
  const diagnostics: string[] = [];
  let syntheticDns = false;
  for (const line of r.stdout) {
    if (!NCA_STDOUT_OK.some((re) => re.test(line))) problems.push(line);
    if (line.startsWith('Info: Found missing elements - adding complementary kube-dns')) syntheticDns = true;
  }
  classify(r.stderr, tolerate, problems, diagnostics);
  if (problems.length) {
    throw new NetpolAnalysisError(
      'nca reported problems: the computed connectivity may ignore policies or resources',
      problems,
    );
  }
  if (!existsSync(outFile)) throw new NetpolAnalysisError(`nca wrote no output file ${outFile}`);
  const pairs: RawPair[] = [];
  for (const line of readFileSync(outFile, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const m = /^(\S+) => (\S+) : (.+)$/.exec(line.trim());
    if (!m) throw new NetpolAnalysisError(`unexpected nca output line: '${line}'`);
    pairs.push({ src: m[1]!, dst: m[2]!, conn: m[3]! });
  }
  return { pairs, diagnostics, syntheticDns };
}

function runNetpolAnalyzer(bin: string, dirs: string[], tolerate: RegExp[], work: string): RunResult {
  // k8snetpolicy takes a single --dirpath and does not follow symlinked directories: copy.
  const input = join(work, 'input');
  dirs.forEach((d, i) => cpSync(d, join(input, `${i}-${basename(d)}`), { recursive: true, dereference: true }));
  const r = runTool(bin, ['list', '--dirpath', input, '-o', 'json'], work);
  const problems: string[] = [];
  const diagnostics: string[] = [];
  // Its log lines start with a timestamp: '2026/11/26 08:16:45 <message>'.
  const stderr = r.stderr.map((l) => l.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, ''));
  if (r.status !== 0) {
    throw new NetpolAnalysisError(`k8snetpolicy exited with status ${r.status ?? r.signal}`, stderr);
  }
  classify(stderr, tolerate, problems, diagnostics);
  if (problems.length) {
    throw new NetpolAnalysisError(
      'k8snetpolicy reported problems: the computed connectivity may ignore policies or resources',
      problems,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout.join('\n') || '[]');
  } catch (e) {
    throw new NetpolAnalysisError(`k8snetpolicy printed invalid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new NetpolAnalysisError('k8snetpolicy JSON output is not an array');
  const pairs = parsed.map((x: unknown) => {
    const o = x as Partial<RawPair>;
    if (typeof o.src !== 'string' || typeof o.dst !== 'string' || typeof o.conn !== 'string') {
      throw new NetpolAnalysisError(`unexpected k8snetpolicy JSON entry: ${JSON.stringify(x)}`);
    }
    return { src: o.src, dst: o.dst, conn: o.conn };
  });
  return { pairs, diagnostics, syntheticDns: false };
}

// ---------------------------------------------------------------------------------------------
// Public API

/**
 * Evaluates all manifests under `dirs` (recursively; .yaml/.yml/.json) together and returns the
 * full report. Throws NetpolAnalysisError if the analyzer fails, or prints anything that is not a
 * known-harmless lint (parse errors, skipped templates, ignored keys, duplicate policies, selectors
 * that select nothing, namespaces without Namespace object, ...).
 */
export function analyzeConnectivityReport(dirs: string[], opts: AnalyzeOptions = {}): AnalysisReport {
  const backend = opts.backend ?? defaultBackend();
  const absDirs = checkInputs(dirs);
  const bin = opts.bin ?? ensureAnalyzer(backend);
  const versions = readVersions();
  const tolerate = opts.tolerate ?? (backend === 'nca' ? DEFAULT_TOLERATED : []);
  const work = mkdtempSync(join(tmpdir(), 'panal-netpol-'));
  try {
    const res =
      backend === 'nca'
        ? runNca(bin, absDirs, tolerate, work)
        : runNetpolAnalyzer(bin, absDirs, tolerate, work);
    const parseConn = backend === 'nca' ? parseNcaConn : parseNetpolAnalyzerConn;
    return {
      backend,
      version: (backend === 'nca' ? versions['NCA_VERSION'] : versions['NETPOL_ANALYZER_VERSION']) ?? 'unknown',
      connections: mergePairs(res.pairs, parseConn),
      diagnostics: res.diagnostics,
      syntheticDns: res.syntheticDns,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Allowed connections between the workloads / IP ranges defined by the manifests in `dirs`. */
export function analyzeConnectivity(dirs: string[], opts: AnalyzeOptions = {}): Connection[] {
  return analyzeConnectivityReport(dirs, opts).connections;
}

export type EndpointQuery = Workload | { ipBlock: string } | { ip: string };
/** A bare number means TCP. */
export type PortQuery = number | `${PortProtocol}/${number}` | { protocol: PortProtocol; port: number };

export function isWorkload(e: Endpoint): e is Workload {
  return 'name' in e;
}

/** Connections whose endpoints match the (optional) queries. */
export function findConnections(conns: Connection[], src?: EndpointQuery, dst?: EndpointQuery): Connection[] {
  return conns.filter((c) => (!src || endpointMatches(c.src, src)) && (!dst || endpointMatches(c.dst, dst)));
}

/**
 * True if some connection from `src` to `dst` is allowed (on `port` if given).
 * Workload queries match namespace+name (and kind if given). IP queries ({ip} or {ipBlock: CIDR})
 * match if ANY address of the query overlaps an allowed range ("exists" semantics, the strict
 * choice for isolation proofs). Connections of a workload to itself are never reported.
 */
export function isAllowed(conns: Connection[], src: EndpointQuery, dst: EndpointQuery, port?: PortQuery): boolean {
  const q = port === undefined ? undefined : parsePortQuery(port);
  return findConnections(conns, src, dst).some((c) => {
    if (!q) return true;
    const ranges = c.ports.protocols[q.protocol] ?? [];
    return ranges.some((r) => r.from <= q.port && q.port <= r.to);
  });
}

export function endpointToString(e: Endpoint): string {
  return isWorkload(e) ? `${e.namespace}/${e.name}${e.kind ? `[${e.kind}]` : ''}` : e.ipBlock;
}

export function connectionToString(c: Connection): string {
  return `${endpointToString(c.src)} => ${endpointToString(c.dst)} : ${c.ports.text}`;
}

// ---------------------------------------------------------------------------------------------
// Endpoints

function parsePortQuery(p: PortQuery): { protocol: PortProtocol; port: number } {
  if (typeof p === 'number') return { protocol: 'TCP', port: p };
  if (typeof p === 'object') return p;
  const m = /^(TCP|UDP|SCTP)\/(\d+)$/.exec(p);
  if (!m) throw new NetpolAnalysisError(`bad port query '${p}' (expected e.g. 8080, 'UDP/53')`);
  return { protocol: m[1] as PortProtocol, port: Number(m[2]) };
}

function endpointMatches(e: Endpoint, q: EndpointQuery): boolean {
  if ('name' in q) {
    return isWorkload(e) && e.namespace === q.namespace && e.name === q.name && (!q.kind || q.kind === e.kind);
  }
  if (isWorkload(e)) return false;
  const { first, last } = 'ip' in q ? cidrOrIpRange(q.ip) : cidrOrIpRange(q.ipBlock);
  const ef = parseIp(e.first);
  const el = parseIp(e.last);
  if (ef.v6 !== first.v6) return false;
  return first.n <= el.n && ef.n <= last.n;
}

function parseEndpoint(s: string): Endpoint {
  const w = /^([^/\s]+)\/([^\s[\]]+)\[([A-Za-z]+)\]$/.exec(s);
  if (w) return { namespace: w[1]!, name: w[2]!, kind: w[3]! };
  const r = /^([0-9a-fA-F:.]+)-([0-9a-fA-F:.]+)$/.exec(s);
  const c = /^[0-9a-fA-F:.]+\/\d+$/.test(s) ? cidrOrIpRange(s) : undefined;
  if (r || c) {
    const first = c ? c.first : parseIp(r![1]!);
    const last = c ? c.last : parseIp(r![2]!);
    const cidrs = rangeToCidrs(first, last);
    return { ipBlock: cidrs.length === 1 ? cidrs[0]! : s, cidrs, first: formatIp(first), last: formatIp(last) };
  }
  throw new NetpolAnalysisError(`unexpected endpoint in analyzer output: '${s}'`);
}

// IP arithmetic on BigInt (IPv4 and IPv6).
interface Ip {
  n: bigint;
  v6: boolean;
}

function parseIp(s: string): Ip {
  if (!s.includes(':')) {
    const parts = s.split('.');
    if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
      throw new NetpolAnalysisError(`bad IPv4 address '${s}'`);
    }
    return { n: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n), v6: false };
  }
  let str = s;
  const tail: string[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(str);
  if (v4) {
    const n = parseIp(v4[1]!).n;
    tail.push((n >> 16n).toString(16), (n & 0xffffn).toString(16));
    str = str.slice(0, -v4[1]!.length) + 'x';
  }
  const [head, rest] = str.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = (rest === undefined ? h : [...h, ...Array(8 - h.length - t.length - (v4 ? 1 : 0)).fill('0'), ...t])
    .flatMap((g) => (g === 'x' ? tail : [g]));
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) {
    throw new NetpolAnalysisError(`bad IPv6 address '${s}'`);
  }
  return { n: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), v6: true };
}

function formatIp(ip: Ip): string {
  if (!ip.v6) return [24n, 16n, 8n, 0n].map((sh) => ((ip.n >> sh) & 0xffn).toString()).join('.');
  const groups = [...Array(8).keys()].map((i) => ((ip.n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups.
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

function cidrOrIpRange(s: string): { first: Ip; last: Ip } {
  const [addr, len] = s.split('/') as [string, string | undefined];
  const ip = parseIp(addr);
  const bits = ip.v6 ? 128n : 32n;
  const prefix = len === undefined ? bits : BigInt(len);
  if (prefix < 0n || prefix > bits) throw new NetpolAnalysisError(`bad CIDR '${s}'`);
  const hostMask = (1n << (bits - prefix)) - 1n;
  return { first: { n: ip.n & ~hostMask, v6: ip.v6 }, last: { n: (ip.n & ~hostMask) | hostMask, v6: ip.v6 } };
}

function rangeToCidrs(first: Ip, last: Ip): string[] {
  const bits = first.v6 ? 128n : 32n;
  const out: string[] = [];
  let cur = first.n;
  while (cur <= last.n) {
    let size = 0n; // host bits of the block
    while (size < bits) {
      const next = size + 1n;
      if ((cur & ((1n << next) - 1n)) !== 0n || cur + (1n << next) - 1n > last.n) break;
      size = next;
    }
    out.push(`${formatIp({ n: cur, v6: first.v6 })}/${bits - size}`);
    cur += 1n << size;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Connection sets: protocol number -> port intervals (ports 1-65535; for protocols without ports
// the interval is the full range).

type Interval = [number, number];
type ConnModel = Map<number, Interval[]>;

const MIN_PORT = 1;
const MAX_PORT = 65535;
const PORT_PROTOCOLS: Record<PortProtocol, number> = { TCP: 6, UDP: 17, SCTP: 132 };
const PROTOCOL_NUMBERS: Record<string, number> = { ...PORT_PROTOCOLS, ICMP: 1, ICMPv6: 58, ICMPV6: 58 };
const FULL: Interval[] = [[MIN_PORT, MAX_PORT]];

function normalize(iv: Interval[]): Interval[] {
  const s = iv.filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  const out: Interval[] = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function subtract(iv: Interval[], minus: Interval[]): Interval[] {
  let cur = normalize(iv);
  for (const [a, b] of minus) {
    cur = cur.flatMap(([x, y]): Interval[] => {
      if (b < x || a > y) return [[x, y]];
      return [
        [x, a - 1],
        [b + 1, y],
      ].filter(([p, q]) => p! <= q!) as Interval[];
    });
  }
  return cur;
}

function addTo(m: ConnModel, proto: number, iv: Interval[]): void {
  m.set(proto, normalize([...(m.get(proto) ?? []), ...iv]));
}

function allModel(): ConnModel {
  const m: ConnModel = new Map();
  for (let p = 0; p <= 255; p++) m.set(p, FULL.map(([a, b]) => [a, b] as Interval));
  return m;
}

function parseRanges(s: string): Interval[] {
  return s.split(',').map((tok) => {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(tok);
    if (!m) throw new NetpolAnalysisError(`bad port range '${tok}' in '${s}'`);
    return [Number(m[1]), Number(m[2] ?? m[1])] as Interval;
  });
}

function protocolNumber(name: string): number {
  const n = PROTOCOL_NUMBERS[name] ?? (/^\d+$/.test(name) ? Number(name) : undefined);
  if (n === undefined || n > 255) throw new NetpolAnalysisError(`unknown protocol '${name}'`);
  return n;
}

/** NCA: 'All connections' | 'No connections' | ['All but '] '{protocols:TCP, UDP,dst_ports:53},{...}' */
function parseNcaConn(s: string): ConnModel {
  if (s === 'All connections') return allModel();
  if (s === 'No connections') return new Map();
  const negate = s.startsWith('All but ');
  const body = negate ? s.slice('All but '.length) : s;
  const cubes = [...body.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!);
  if (cubes.length === 0 || cubes.map((c) => `{${c}}`).join(',') !== body) {
    throw new NetpolAnalysisError(`cannot parse nca connection '${s}'`);
  }
  const union: ConnModel = new Map();
  for (const cube of cubes) {
    let protocols: number[] = [...Array(256).keys()];
    let ports: Interval[] = FULL;
    for (const field of cube.split(/,(?=[a-z_]+:)/)) {
      const i = field.indexOf(':');
      const key = field.slice(0, i);
      const value = field.slice(i + 1).trim();
      if (key === 'protocols') {
        if (value === '*') continue;
        const neg = value.startsWith('all but ');
        const names = (neg ? value.slice('all but '.length) : value).split(',').map((x) => x.trim());
        const listed = new Set(names.map(protocolNumber));
        protocols = protocols.filter((p) => listed.has(p) !== neg);
      } else if (key === 'dst_ports') {
        ports = parseRanges(value);
      } else {
        throw new NetpolAnalysisError(
          `unsupported connection dimension '${key}' in '${s}' (only upstream NetworkPolicy is supported)`,
        );
      }
    }
    const portRestricted = !(ports.length === 1 && ports[0]![0] <= MIN_PORT && ports[0]![1] >= MAX_PORT);
    for (const p of protocols) {
      const hasPorts = Object.values(PORT_PROTOCOLS).includes(p);
      if (hasPorts) addTo(union, p, ports);
      else if (!portRestricted) addTo(union, p, FULL);
    }
  }
  if (!negate) return union;
  const out: ConnModel = new Map();
  for (const [p, iv] of allModel()) {
    const rest = subtract(iv, union.get(p) ?? []);
    if (rest.length) out.set(p, rest);
  }
  return out;
}

/** netpol-analyzer: 'All Connections' | 'No Connections' | 'TCP 443,9000-9010,UDP 53' */
function parseNetpolAnalyzerConn(s: string): ConnModel {
  if (s === 'All Connections') return allModel();
  if (s === 'No Connections') return new Map();
  const m: ConnModel = new Map();
  let proto: number | undefined;
  for (const tok of s.split(',')) {
    const withProto = /^([A-Z]+) (.+)$/.exec(tok.trim());
    if (withProto) proto = protocolNumber(withProto[1]!);
    if (proto === undefined) throw new NetpolAnalysisError(`cannot parse k8snetpolicy connection '${s}'`);
    const ports = withProto ? withProto[2]! : tok;
    addTo(m, proto, ports.trim() === 'ALL PORTS' ? FULL : parseRanges(ports));
  }
  return m;
}

/** Parses one connection string as printed by the given backend. */
export function parsePorts(s: string, backend: Backend = 'nca'): PortSpec {
  return toPortSpec(backend === 'nca' ? parseNcaConn(s) : parseNetpolAnalyzerConn(s));
}

function toPortSpec(m: ConnModel): PortSpec {
  const all = [...Array(256).keys()].every((p) => {
    const iv = m.get(p);
    return iv?.length === 1 && iv[0]![0] <= MIN_PORT && iv[0]![1] >= MAX_PORT;
  });
  const protocols: Partial<Record<PortProtocol, PortRange[]>> = {};
  const parts: string[] = [];
  for (const name of Object.keys(PORT_PROTOCOLS) as PortProtocol[]) {
    const iv = m.get(PORT_PROTOCOLS[name]);
    if (!iv?.length) continue;
    protocols[name] = iv.map(([from, to]) => ({ from, to }));
    parts.push(`${name} ${iv.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`);
  }
  const portNums = new Set<number>(Object.values(PORT_PROTOCOLS));
  const otherProtocols = all ? [] : [...m.keys()].filter((p) => !portNums.has(p) && m.get(p)?.length).sort((a, b) => a - b);
  if (otherProtocols.length) {
    const runs = normalize(otherProtocols.map((p) => [p, p] as Interval));
    parts.push(`IP-protocols ${runs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`);
  }
  return {
    all,
    protocols,
    otherProtocols,
    text: all ? 'All connections' : parts.length ? parts.join(',') : 'No connections',
  };
}

function mergePairs(pairs: RawPair[], parseConn: (s: string) => ConnModel): Connection[] {
  const byKey = new Map<string, { src: Endpoint; dst: Endpoint; model: ConnModel; raw: string[] }>();
  for (const p of pairs) {
    const key = `${p.src} ${p.dst}`;
    let entry = byKey.get(key);
    if (!entry) {
      entry = { src: parseEndpoint(p.src), dst: parseEndpoint(p.dst), model: new Map(), raw: [] };
      byKey.set(key, entry);
    }
    for (const [proto, iv] of parseConn(p.conn)) addTo(entry.model, proto, iv);
    entry.raw.push(p.conn);
  }
  return [...byKey.values()]
    .map((e) => ({ src: e.src, dst: e.dst, ports: toPortSpec(e.model), raw: e.raw }))
    .filter((c) => c.ports.text !== 'No connections');
}
