/**
 * The platform's OpenTelemetry Collector, run the way the rendered manifests run it: the config is
 * the rendered ConfigMap `cluster-addons/observability/configmap-otel-collector.yaml`, the args and
 * environment come from the Deployment next to it, and the binary is built from the Go module proxy
 * by `tools/otel-collector/ensure.sh`. Receivers, processors, pipelines and telemetry settings stay
 * as rendered; only what cannot exist on this machine is replaced, each replacement named in
 * {@link LOCAL_DEVIATIONS}.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from './openwebui';
import { freePort, startProcess, type ManagedProcess } from './services';

const execFileAsync = promisify(execFile);
const LOOPBACK = '127.0.0.1';
const OBSERVABILITY_DIR = 'cluster-addons/observability';

/** Runs `tools/otel-collector/ensure.sh` (idempotent; the cold build takes minutes) and returns the `otelcol` binary. */
export function ensureOtelCollectorBuilt(): string {
  const out = execFileSync('bash', [join(REPO_ROOT, 'tools/otel-collector/ensure.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').at(-1)!;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- collector config: free-form YAML, read by the keys named at each use
export type CollectorConfig = Record<string, any>;

type Container = { name: string; image: string; args?: string[]; env?: { name: string; value?: string }[]; ports?: { name: string; containerPort: number }[]; readinessProbe?: { httpGet: { path: string; port: string | number } }; volumeMounts?: { name: string; mountPath: string }[] };

/** What the rendered manifests say about the collector. */
export interface RenderedCollector {
  /** `data["config.yaml"]` of the ConfigMap, parsed. */
  readonly config: CollectorConfig;
  readonly container: Container;
  /** Service ports: `otel-collector.observability:<port>` -> container port number. */
  readonly servicePorts: Readonly<Record<string, number>>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests
function readYaml(path: string): any {
  if (!existsSync(path)) throw new Error(`${path} does not exist: run \`nx run cluster-addons:synth\` first`);
  return parse(readFileSync(path, 'utf8'));
}

/** Reads the collector's ConfigMap, Deployment and Service from `dist/manifests/cluster-addons/observability/`. */
export function readRenderedCollector(manifestsDir = join(REPO_ROOT, 'dist/manifests')): RenderedCollector {
  const dir = join(manifestsDir, OBSERVABILITY_DIR);
  const cm = readYaml(join(dir, 'configmap-otel-collector.yaml'));
  const deployment = readYaml(join(dir, 'deployment-otel-collector.yaml'));
  const service = readYaml(join(dir, 'service-otel-collector.yaml'));
  const container: Container = deployment.spec.template.spec.containers.find((c: Container) => c.name === 'collector');
  if (!container) throw new Error(`${dir}/deployment-otel-collector.yaml has no container "collector"`);
  const servicePorts: Record<string, number> = {};
  for (const p of service.spec.ports as { port: number; targetPort: string | number }[]) {
    const target = typeof p.targetPort === 'number' ? p.targetPort : container.ports?.find((cp) => cp.name === p.targetPort)?.containerPort;
    if (target === undefined) throw new Error(`Service port ${p.port} targets ${p.targetPort}, which the collector container does not declare`);
    servicePorts[`${service.metadata.name}.${service.metadata.namespace}:${p.port}`] = target;
  }
  return { config: parse(cm.data['config.yaml']), container, servicePorts };
}

/** Labels and name of a rendered Namespace (`dist/manifests/**\/namespace-<name>.yaml`). */
export function readRenderedNamespace(name: string, manifestsDir = join(REPO_ROOT, 'dist/manifests')): { name: string; labels: Record<string, string> } {
  const file = `namespace-${name}.yaml`;
  const walk = (dir: string): string | undefined => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (e === file) return p;
      if (statSync(p).isDirectory()) {
        const found = walk(p);
        if (found) return found;
      }
    }
    return undefined;
  };
  const path = walk(manifestsDir);
  if (!path) throw new Error(`no rendered Namespace ${name} (${file}) under ${manifestsDir}`);
  const ns = readYaml(path);
  if (ns.kind !== 'Namespace' || ns.metadata.name !== name) throw new Error(`${path} is not Namespace ${name}`);
  return { name, labels: ns.metadata.labels ?? {} };
}

/**
 * What this machine changes in the rendered config, and why. Everything else (the otlp receiver
 * and its limits, memory_limiter, transform/metric-labels, batch, the prometheus exporter, the
 * pipelines and their order, the collector's own log settings) is the rendered value.
 */
export const LOCAL_DEVIATIONS = {
  'processors.k8sattributes': {
    replacedBy: 'processors.resource/k8sattributes (same place in every pipeline)',
    why:
      'no Kubernetes API here, and every sender connects from 127.0.0.1, so the pod cannot be found from the connection. ' +
      'The caller names the Namespace its senders run in (option `sourceNamespace`); the stand-in inserts, for each rendered ' +
      '`extract.labels` rule with `from: namespace`, that rendered Namespace\'s label `key` as resource attribute `tag_name`, ' +
      'and `k8s.namespace.name` if the rendered `extract.metadata` lists it. Like k8sattributes, it keeps a value the sender already set (`insert`). ' +
      'k8s.pod.name and k8s.deployment.name are not set: there are no pods here.',
  },
  'extensions.azure_auth': {
    replacedBy: 'nothing (removed from extensions and service.extensions)',
    why: 'no Azure here: no Entra ID token (workload identity) to get',
  },
  'exporters.otlphttp/azuremonitor': {
    replacedBy: 'exporters.debug/azuremonitor (verbosity basic: one line per batch in the collector log)',
    why: 'no Azure Monitor here: logs and traces end in the collector log instead',
  },
  'endpoints 0.0.0.0:<port>': {
    replacedBy: '127.0.0.1:<free port> (otlp http receiver, prometheus exporter, health_check)',
    why: 'nothing listens beyond loopback on this machine, and several collectors may run at once',
  },
  'service.telemetry.metrics.readers[].pull.exporter.prometheus': {
    replacedBy: 'host 127.0.0.1, a free port',
    why: 'same reason as the endpoints',
  },
} as const;

/** Where each rendered listener ended up. */
export interface LocalPorts {
  /** Rendered port (e.g. 4318) -> local port. */
  readonly byRenderedPort: Readonly<Record<number, number>>;
  readonly otlpHttp: number;
  readonly prometheus: number;
  readonly healthCheck: number;
  readonly telemetry: number;
}

/** The config to run here: the rendered one with exactly {@link LOCAL_DEVIATIONS} applied. */
export async function localCollectorConfig(rendered: CollectorConfig, opts: { sourceNamespace: string; manifestsDir?: string }): Promise<{ config: CollectorConfig; ports: LocalPorts }> {
  const config: CollectorConfig = structuredClone(rendered);
  const service = config.service ?? {};
  const renameInPipelines = (kind: 'processors' | 'exporters', from: string, to: string) => {
    for (const p of Object.values(service.pipelines ?? {}) as Record<string, string[]>[]) p[kind] = (p[kind] ?? []).map((id) => (id === from ? to : id));
  };

  // k8sattributes -> resource/k8sattributes, from the rendered Namespace of the senders.
  const ns = readRenderedNamespace(opts.sourceNamespace, opts.manifestsDir);
  for (const id of Object.keys(config.processors ?? {}).filter((k) => k === 'k8sattributes' || k.startsWith('k8sattributes/'))) {
    const k8s = config.processors[id];
    const attributes: { key: string; value: string; action: 'insert' }[] = [];
    if ((k8s.extract?.metadata ?? []).includes('k8s.namespace.name')) attributes.push({ key: 'k8s.namespace.name', value: ns.name, action: 'insert' });
    for (const rule of (k8s.extract?.labels ?? []) as { from?: string; key: string; tag_name?: string }[]) {
      if (rule.from !== 'namespace') continue;
      const value = ns.labels[rule.key];
      // k8sattributes adds nothing for a label the Namespace does not have.
      if (value !== undefined) attributes.push({ key: rule.tag_name ?? `k8s.namespace.labels.${rule.key}`, value, action: 'insert' });
    }
    if (attributes.length === 0) throw new Error(`k8sattributes stand-in: Namespace ${ns.name} gives none of the attributes ${id} extracts`);
    const to = id.replace(/^k8sattributes/, 'resource/k8sattributes');
    delete config.processors[id];
    config.processors[to] = { attributes };
    renameInPipelines('processors', id, to);
  }

  // azure_auth and the exporters that authenticate with it.
  const azureAuth = Object.keys(config.extensions ?? {}).filter((k) => k === 'azure_auth' || k.startsWith('azure_auth/'));
  for (const id of azureAuth) delete config.extensions[id];
  service.extensions = (service.extensions ?? []).filter((id: string) => !azureAuth.includes(id));
  for (const id of Object.keys(config.exporters ?? {})) {
    const auth = config.exporters[id]?.auth?.authenticator;
    if (!azureAuth.includes(auth) && id !== 'otlphttp/azuremonitor') continue;
    const to = `debug/${id.includes('/') ? id.split('/')[1] : id}`;
    delete config.exporters[id];
    config.exporters[to] = { verbosity: 'basic' };
    renameInPipelines('exporters', id, to);
  }

  // Listeners: every "0.0.0.0:<port>" -> 127.0.0.1:<free port>.
  const byRenderedPort: Record<number, number> = {};
  const rewrite = async (node: unknown): Promise<unknown> => {
    if (typeof node === 'string') {
      const m = /^0\.0\.0\.0:(\d+)$/.exec(node);
      if (!m) return node;
      const port = (byRenderedPort[Number(m[1])] ??= await freePort());
      return `${LOOPBACK}:${port}`;
    }
    if (Array.isArray(node)) return Promise.all(node.map(rewrite));
    if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) (node as Record<string, unknown>)[k] = await rewrite(v);
    }
    return node;
  };
  for (const section of ['receivers', 'exporters', 'extensions']) if (config[section]) config[section] = await rewrite(config[section]);
  let telemetry = 0;
  for (const reader of service.telemetry?.metrics?.readers ?? []) {
    const prom = reader.pull?.exporter?.prometheus;
    if (!prom) continue;
    telemetry = byRenderedPort[Number(prom.port)] ??= await freePort();
    prom.host = LOOPBACK;
    prom.port = telemetry;
  }
  const left = JSON.stringify(config).match(/0\.0\.0\.0[^"]*/);
  if (left) throw new Error(`rendered collector config still listens on ${left[0]} after the local deviations: add it to LOCAL_DEVIATIONS`);

  const portOf = (address: unknown, what: string): number => {
    const m = typeof address === 'string' ? /^127\.0\.0\.1:(\d+)$/.exec(address) : null;
    if (!m) throw new Error(`rendered collector config has no ${what} endpoint (got ${JSON.stringify(address)})`);
    return Number(m[1]);
  };
  const ports: LocalPorts = {
    byRenderedPort,
    otlpHttp: portOf(config.receivers?.otlp?.protocols?.http?.endpoint, 'receivers.otlp.protocols.http'),
    prometheus: portOf(config.exporters?.prometheus?.endpoint, 'exporters.prometheus'),
    healthCheck: portOf(config.extensions?.health_check?.endpoint, 'extensions.health_check'),
    telemetry,
  };
  return { config, ports };
}

/** `otelcol validate` on a config: what the collector says about it, without starting it. */
export async function validateCollectorConfig(config: CollectorConfig, bin = ensureOtelCollectorBuilt()): Promise<{ ok: boolean; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'panal-otelcol-validate-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(config));
  try {
    const { stdout, stderr } = await execFileAsync(bin, ['validate', `--config=${file}`], { env: { PATH: '/usr/bin:/bin', HOME: dir } });
    return { ok: true, output: stdout + stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` || err.message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One sample of the Prometheus text exposition format. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses the Prometheus text format (the samples; comments and metadata lines are skipped). */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** A running collector. */
export interface OtelCollector {
  /** What `otel-collector.observability:4318` (the Service the tenants send to) maps to: `127.0.0.1:<port>`. */
  readonly otlpHttpAddress: string;
  /** Every Service address of the collector -> its loopback address (for `mapServiceNames`). */
  readonly services: Readonly<Record<string, string>>;
  /** The prometheus exporter (rendered `0.0.0.0:8889`): `http://127.0.0.1:<port>/metrics`. */
  readonly prometheusUrl: string;
  /** The collector's own metrics (rendered service.telemetry reader, port 8888). */
  readonly telemetryUrl: string;
  /** The config the collector runs (rendered + {@link LOCAL_DEVIATIONS}). */
  readonly config: CollectorConfig;
  readonly process: ManagedProcess;
  /** GET prometheusUrl: the exposition text. */
  scrape(): Promise<string>;
  /** GET telemetryUrl. */
  scrapeTelemetry(): Promise<string>;
  /** The collector's log so far (JSON lines, as rendered). */
  log(): string;
  stop(): Promise<void>;
}

export interface OtelCollectorOptions {
  /** Namespace of the pods that send to this collector (what k8sattributes would find from the connection). */
  readonly sourceNamespace: string;
  readonly manifestsDir?: string;
  /** Changes the local config before start (mutation tests). */
  readonly mutate?: (config: CollectorConfig) => void;
  /** The binary; default: {@link ensureOtelCollectorBuilt}. */
  readonly bin?: string;
}

/**
 * Starts the collector with the rendered config and the local deviations, with the Deployment's
 * args (the ConfigMap mount mapped to a temporary directory) and env, and waits for the rendered
 * readiness probe on the health_check extension.
 */
export async function startOtelCollector(opts: OtelCollectorOptions): Promise<OtelCollector> {
  const bin = opts.bin ?? ensureOtelCollectorBuilt();
  const rendered = readRenderedCollector(opts.manifestsDir);
  const { config, ports } = await localCollectorConfig(rendered.config, opts);
  opts.mutate?.(config);
  const root = mkdtempSync(join(tmpdir(), 'panal-otelcol-'));
  const c = rendered.container;
  // The ConfigMap volume: the container's mount of volume "config" -> a local directory with config.yaml.
  const mount = c.volumeMounts?.find((m) => m.name === 'config')?.mountPath;
  if (!mount) throw new Error('the collector container mounts no volume "config"');
  const confDir = join(root, 'conf');
  mkdirSync(confDir);
  writeFileSync(join(confDir, 'config.yaml'), stringify(config));
  const args = (c.args ?? []).map((a) => a.replaceAll(mount, confDir));
  if (!args.some((a) => a.startsWith('--config='))) throw new Error(`collector args ${JSON.stringify(c.args)} name no --config`);
  const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', HOME: root };
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  const logFile = join(root, 'otelcol.log');
  const proc = startProcess(bin, args, { env, cwd: root, logFile });
  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  let lastLog = '';

  // Readiness probe as rendered: path on the port named by the probe (the health_check extension).
  const probePath = c.readinessProbe?.httpGet.path ?? '/';
  const healthUrl = `http://${LOOPBACK}:${ports.healthCheck}${probePath}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.proc.exitCode !== null) throw new Error(`otelcol exited with ${proc.proc.exitCode}; log:\n${readLog().slice(-4000)}`);
    try {
      const res = await fetch(healthUrl, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      /* not yet listening */
    }
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(`otelcol did not become ready on ${healthUrl} within 60 s; log:\n${readLog().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  const services: Record<string, string> = {};
  for (const [addr, containerPort] of Object.entries(rendered.servicePorts)) {
    const local = ports.byRenderedPort[containerPort];
    if (local) services[addr] = `${LOOPBACK}:${local}`;
  }
  const otlpHttpAddress = `${LOOPBACK}:${ports.otlpHttp}`;
  const prometheusUrl = `http://${LOOPBACK}:${ports.prometheus}/metrics`;
  const telemetryUrl = `http://${LOOPBACK}:${ports.telemetry}/metrics`;
  const get = async (url: string) => {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
    return res.text();
  };
  return {
    otlpHttpAddress,
    services,
    prometheusUrl,
    telemetryUrl,
    config,
    process: proc,
    scrape: () => get(prometheusUrl),
    scrapeTelemetry: () => get(telemetryUrl),
    log: () => readLog() || lastLog,
    async stop() {
      await proc.stop();
      lastLog = readLog();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Polls the prometheus exporter until `found` returns samples, or throws after `timeoutMs` with the last scrape. */
export async function waitForSamples(collector: OtelCollector, found: (samples: PromSample[]) => PromSample[], timeoutMs = 30_000): Promise<PromSample[]> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  for (;;) {
    text = await collector.scrape();
    const hit = found(parsePrometheusText(text));
    if (hit.length > 0) return hit;
    if (Date.now() > deadline) throw new Error(`no matching sample on ${collector.prometheusUrl} within ${timeoutMs} ms; last scrape:\n${text.slice(0, 4000)}\ncollector log:\n${collector.log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
