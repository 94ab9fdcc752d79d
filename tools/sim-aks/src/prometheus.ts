import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { GatewayMetrics } from '../../../apps/inference-gateway/src/metrics.ts';
import type { SimProfile } from './profile.ts';

const ENSURE = join(import.meta.dirname, '..', '..', 'promtool', 'ensure.sh');

/**
 * Path of the pinned Prometheus server (tools/promtool/ensure.sh prometheus: the same Go module and
 * version as promtool, built into the cache on first use). Throws with the build's output: the KEDA
 * stand-in has no fallback.
 */
export function ensurePrometheus(): string {
  try {
    const out = execFileSync('bash', [ENSURE, 'prometheus'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.trim().split('\n').at(-1)!;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`Prometheus server could not be built (tools/promtool/ensure.sh prometheus): ${(e.stderr || e.message).trim()}`);
  }
}

/** One PromQL duration (`15m`, `1h30m`, `1500ms`) in milliseconds. */
function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(n) * units[unit];
  return total;
}

const DURATION = '(?:\\d+(?:ms|s|m|h|d|w|y))+';

/** What Prometheus and the queries run with under a profile. */
export interface CompressedPrometheusTime {
  /** The query with every range, subquery step and offset multiplied by the profile's time scale. */
  readonly query: string;
  /** Scrape interval of the gateway's metrics (and scrape timeout), seconds. */
  readonly scrapeIntervalSeconds: number;
  /** `--query.lookback-delta` (production default 5 min), seconds. */
  readonly lookbackDeltaSeconds: number;
}

/**
 * THE one deviation from production PromQL in the simulator. Simulated time runs `timeScale` times
 * production time (profile `test`: 1/20), but Prometheus computes in wall-clock seconds: left as
 * they are, `increase(...[15m])` would see 20× the simulated history and keep the model up 20×
 * longer than the scenario's clock says. So every time constant of the measurement is multiplied
 * by the same factor, and only here: the query's range selectors (`[15m]` → `[45000ms]`),
 * subquery steps and `offset`s, the scrape interval of the gateway's PodMonitor (15 s → 0.75 s)
 * and the instant-vector lookback delta (5 min → 15 s). With all of them scaled alike the query
 * sees the same number of samples over the same share of the window as in production. No floor
 * (unlike control loops, see profile.ts): a floor on one of them would break the proportion.
 * String literals (label values) are never touched.
 */
export function compressPrometheusTime(profile: SimProfile, query: string, scrapeIntervalSeconds: number): CompressedPrometheusTime {
  const f = profile.timeScale;
  const scale = (d: string) => `${Math.max(1, Math.round(durationMs(d) * f))}ms`;
  const scaleCode = (code: string) =>
    code
      .replace(new RegExp(`\\[\\s*(${DURATION})\\s*(:\\s*(${DURATION})?\\s*)?\\]`, 'g'), (_, range: string, colon?: string, step?: string) =>
        colon === undefined ? `[${scale(range)}]` : `[${scale(range)}:${step ? scale(step) : ''}]`)
      .replace(new RegExp(`\\boffset\\s+(-?)(${DURATION})`, 'g'), (_, sign: string, d: string) => `offset ${sign}${scale(d)}`);
  // Odd indices are string literals ("…", '…', `…`), kept verbatim.
  const compressed = query
    .split(/("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : scaleCode(part)))
    .join('');
  return { query: compressed, scrapeIntervalSeconds: scrapeIntervalSeconds * f, lookbackDeltaSeconds: 300 * f };
}

/**
 * The inference gateway's demand metrics, served on a loopback `/metrics` endpoint that the
 * simulator's Prometheus scrapes. The series are the gateway's own registry
 * (apps/inference-gateway/src/metrics.ts), so names, labels and types are the ones the
 * production ScaledObject queries.
 */
export class DemandSignal {
  private readonly metrics = new GatewayMetrics();
  private server?: Server;

  /**
   * @param visibilityLagSeconds how long traffic takes to show in the metric KEDA queries (scrape +
   *   ingestion; data/timings.yaml `demand.metricVisibilityLag`, already scaled). The scrape part is
   *   Prometheus' own; the stand-in queries that much minus one scrape interval in the past for the rest.
   */
  constructor(readonly visibilityLagSeconds = 0) {}

  /** One premium request arrives (and completes at once) for `model`, e.g. `llama3:70b`. */
  request(model: string): void {
    this.metrics.received.inc({ model });
  }

  /** Requests of `model` currently waiting or streaming. */
  setInflight(model: string, count: number): void {
    this.metrics.inflight.set({ model }, count);
  }

  /** Starts the loopback `/metrics` endpoint (idempotent); returns `127.0.0.1:<port>`. */
  async listen(): Promise<string> {
    if (!this.server) {
      const server = createHttpServer((req, res) => {
        if (req.url !== '/metrics') return void res.writeHead(404).end();
        const { registry } = this.metrics;
        registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
          (err: Error) => res.writeHead(500).end(err.message),
        );
      });
      await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', () => ok()));
      this.server = server;
    }
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise((r) => server.close(r));
  }
}

/** Options of {@link PrometheusServer.start}. */
export interface PrometheusOptions {
  /** Folder for the config, the TSDB and the log. */
  readonly dir: string;
  /** `host:port` of the gateway metrics endpoint to scrape. */
  readonly target: string;
  /** Scrape interval and lookback delta, already compressed ({@link compressPrometheusTime}). */
  readonly time: Pick<CompressedPrometheusTime, 'scrapeIntervalSeconds' | 'lookbackDeltaSeconds'>;
}

/** A real Prometheus server on loopback, scraping the simulated gateway. */
export class PrometheusServer {
  private exit?: string;

  private constructor(
    /** `http://127.0.0.1:<port>`. */
    readonly url: string,
    private readonly child: ChildProcess,
    /** The server's log file. */
    readonly log: string,
  ) {
    child.once('exit', (code, signal) => (this.exit = `exited (${signal ?? `code ${code}`})`));
  }

  /** Builds (once) and starts Prometheus; resolves when it is ready and has scraped the target once. Throws naming its log otherwise. */
  static async start(options: PrometheusOptions): Promise<PrometheusServer> {
    const bin = ensurePrometheus();
    mkdirSync(join(options.dir, 'data'), { recursive: true });
    const ms = (s: number) => `${Math.max(1, Math.round(s * 1000))}ms`;
    const config = join(options.dir, 'prometheus.yml');
    writeFileSync(
      config,
      dump({
        global: { scrape_interval: ms(options.time.scrapeIntervalSeconds), scrape_timeout: ms(options.time.scrapeIntervalSeconds) },
        scrape_configs: [{ job_name: 'inference-gateway', static_configs: [{ targets: [options.target], labels: { namespace: 'inference-gateway' } }] }],
      }),
    );
    const port = await freePort();
    const log = join(options.dir, 'prometheus.log');
    const fd = openSync(log, 'a');
    const child = spawn(
      bin,
      [
        `--config.file=${config}`, `--storage.tsdb.path=${join(options.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`, `--query.lookback-delta=${ms(options.time.lookbackDeltaSeconds)}`,
        '--storage.tsdb.retention.time=1d', '--log.level=warn',
      ],
      { stdio: ['ignore', fd, fd] },
    );
    closeSync(fd);
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, child, log);
    const stopOnExit = () => child.kill('SIGKILL');
    process.once('exit', stopOnExit);
    child.once('exit', () => process.removeListener('exit', stopOnExit));
    try {
      await server.waitUntil('ready', 60, async () => (await fetch(`${server.url}/-/ready`)).ok);
      await server.waitUntil('the first scrape of the gateway metrics', 60, async () => (await server.query('up{job="inference-gateway"}')) === 1);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** Why the server is gone, or undefined while it runs. */
  get exited(): string | undefined {
    return this.exit;
  }

  /**
   * Value of an instant query at `atMs` (default now), as KEDA's Prometheus scaler reads it: one
   * sample or a scalar; undefined for an empty result; an error for several samples (KEDA's
   * "more than one element" error).
   */
  async query(expr: string, atMs = Date.now()): Promise<number | undefined> {
    if (this.exit) throw new Error(`Prometheus ${this.exit}; see ${this.log}`);
    const body = new URLSearchParams({ query: expr, time: (atMs / 1000).toFixed(3) });
    const res = await fetch(`${this.url}/api/v1/query`, { method: 'POST', body });
    const json = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: unknown } };
    if (json.status !== 'success') throw new Error(`Prometheus rejected ${expr}: ${json.error}`);
    const { resultType, result } = json.data!;
    if (resultType === 'scalar') return Number((result as [number, string])[1]);
    const samples = result as { value: [number, string] }[];
    if (samples.length > 1) throw new Error(`${expr} returned ${samples.length} samples; KEDA expects one`);
    return samples.length === 0 ? undefined : Number(samples[0].value[1]);
  }

  async stop(): Promise<void> {
    if (this.exit) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }

  private async waitUntil(what: string, timeoutSeconds: number, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      if (this.exit) throw new Error(`Prometheus ${this.exit} before ${what}: ${tail(this.log)}`);
      try {
        if (await check()) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`Prometheus not ${what} after ${timeoutSeconds}s: ${tail(this.log)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const tail = (file: string) => `${readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ')} (log: ${file})`;

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}
