import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  changedStartOnlyKeys,
  contentSha256,
  LAST_ACTIVITY_ANNOTATION,
  TENANT_ACTIVATOR_START_ONLY_KEYS,
  tenantActivatorConfigSchema,
  watchConfigFile,
  type TenantActivatorConfig,
} from '@panal/tenant-config';
import { DeploymentCache } from './deployment-cache';
import { KubeApiError, type DeploymentView, type KubernetesClient } from './kubernetes';
import { ActivatorMetrics } from './metrics';
import { waitingJson, waitingPage } from './waiting-page';

type TenantConfig = TenantActivatorConfig['tenants'][number];

/** Options of {@link startActivator}. */
export interface ActivatorOptions {
  /** Host to bind. @default '0.0.0.0' */
  readonly host?: string;
  /** Overrides `listenPort` (0 picks a free port, for tests). */
  readonly port?: number;
  /** Overrides `metricsPort`. */
  readonly metricsPort?: number;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
  /**
   * Length in ms of one minute of `dormantAfterIdleMinutes`. Tests only, so an idle period fits in
   * a test run; production never sets it. @default 60000
   */
  readonly minuteMs?: number;
  /** Longest {@link RunningActivator.close} lets in-flight requests run before cutting them. @default 25000 */
  readonly drainMs?: number;
  /** Back-off after a failed list or watch of Deployments. @default 2000 */
  readonly watchRetryMs?: number;
  /**
   * The mounted configuration file to reload the tenant table and the other live settings from
   * (`TENANT_ACTIVATOR_LIVE_KEYS`). @default - none: the configuration given stays for the process's life
   */
  readonly configFile?: string;
  /** SHA-256 of the bytes `config` was parsed from (metric `panal_activator_config_info`; those bytes are not applied again). */
  readonly configSha256?: string;
  /** Pause between reads of `configFile`. @default 5000 */
  readonly configPollMs?: number;
}

/** A running activator. */
export interface RunningActivator {
  /** Base URL of the proxy. */
  readonly url: string;
  /** Base URL of `/metrics`, `/healthz`, `/readyz`. */
  readonly metricsUrl: string;
  readonly metrics: ActivatorMetrics;
  /** Reads `configFile` now and applies it if it changed and is valid (tests; a timer does it every `configPollMs`). */
  checkConfig(): Promise<void>;
  /** Runs one sleep pass now (tests; the timer runs them every `sleepCheckSeconds`). */
  sleepPass(): Promise<void>;
  /** Stops accepting, lets in-flight requests finish (up to `drainMs`), writes pending activity. */
  close(): Promise<void>;
}

type WakeResult = 'ready' | 'timeout' | 'error';

/** What one replica knows of one tenant. */
interface TenantState {
  /** Replaced in place by a reload, so requests, websockets and activity in flight keep their state. */
  config: TenantConfig;
  /** The Deployment whose ready replicas mean "awake" and that carries the activity annotation. */
  first: string;
  /** Requests (and upgrades being set up) in flight through this replica. */
  inflight: number;
  /** Open websockets through this replica (client side sockets). */
  readonly websockets: Set<Duplex>;
  /** Last activity this replica saw (ms); 0 = none since start. */
  lastSeen: number;
  /** When this replica last started an annotation write (ms). */
  lastWriteAt: number;
  /** The activity time its last successful write recorded. */
  writtenValue: number;
  writing?: Promise<void>;
  wake?: Promise<WakeResult>;
  /** Set while this replica tries to put the tenant to sleep; new requests wait for it. */
  sleeping?: Promise<void>;
}

/** Headers that belong to one connection, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** Connection errors after which a request that sent nothing yet may be tried again. */
const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE']);

/** `Host` as the routing key: lower case, without port or trailing dot. */
export function hostKey(host: string | undefined): string {
  const h = (host ?? '').trim().toLowerCase();
  const bare = h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.split(':')[0];
  return bare.replace(/\.$/, '');
}

/** RFC 3339, UTC, second precision. */
export const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const drop = new Set(HOP_BY_HOP);
  for (const token of String(headers.connection ?? '').split(',')) if (token.trim()) drop.add(token.trim().toLowerCase());
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !drop.has(k)) out[k] = v;
  return out;
}

function forwardedHeaders(req: IncomingMessage, upgrade: boolean): OutgoingHttpHeaders {
  const out = withoutHopByHop(req.headers);
  const peer = req.socket.remoteAddress ?? '';
  const previous = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = previous ? `${previous}, ${peer}` : peer;
  // The edge terminates TLS: what the browser used is https, whatever reached this hop.
  out['x-forwarded-proto'] = 'https';
  out['x-forwarded-host'] = req.headers.host ?? '';
  if (upgrade) {
    out.connection = 'Upgrade';
    out.upgrade = req.headers.upgrade ?? 'websocket';
  }
  return out;
}

const hasNoBody = (req: IncomingMessage) => req.headers['transfer-encoding'] === undefined && (req.headers['content-length'] === undefined || req.headers['content-length'] === '0');

/** A raw HTTP/1.1 answer on a socket that asked for an upgrade. */
function rawReply(socket: Duplex, status: number, reason: string, body: string, headers: Record<string, string> = {}): void {
  const lines = [`HTTP/1.1 ${status} ${reason}`, 'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`, 'connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/**
 * Starts the tenant activator: a reverse proxy that picks the tenant by `Host`, wakes a dormant
 * tenant (its workloads at zero) on the first request and holds requests until it is ready, records
 * activity on the tenant's first Deployment, and puts idle tenants to sleep with an optimistic
 * concurrency check so that any replica's newer activity wins (docs/adr/0022).
 */
export async function startActivator(config: TenantActivatorConfig, kube: KubernetesClient, options: ActivatorOptions = {}): Promise<RunningActivator> {
  const now = options.now ?? Date.now;
  const minuteMs = options.minuteMs ?? 60_000;
  const metrics = new ActivatorMetrics();
  kube.onError = (operation) => metrics.kubernetesErrors.inc({ operation });

  // `config` keeps the start-only settings (ports, the timers' periods) for the process's life;
  // `live` is the last good configuration read, swapped whole by a reload: every request, wake and
  // sleep pass reads its tenant table and live settings from it (docs/adr/0022, Enmienda 2026-12-04).
  let live = config;
  let tenants: TenantState[] = [];
  let byHost = new Map<string, TenantState>();
  /**
   * The tenant table of `next`, reusing the state of tenants already known (their in-flight
   * requests, websockets and activity survive). Throws, changing nothing, on a hostname claimed by
   * two tenants.
   */
  function tableOf(next: TenantActivatorConfig): { tenants: TenantState[]; byHost: Map<string, TenantState> } {
    const owner = new Map<string, string>();
    for (const t of next.tenants) {
      for (const h of t.hostnames) {
        const k = hostKey(h);
        if (owner.has(k)) throw new Error(`hostname ${h} belongs to both ${owner.get(k)} and ${t.id}`);
        owner.set(k, t.id);
      }
    }
    const known = new Map(tenants.map((t) => [t.config.id, t]));
    const nextTenants = next.tenants.map((c): TenantState => {
      const t = known.get(c.id);
      if (!t) return { config: c, first: c.workloads[0].deployment, inflight: 0, websockets: new Set(), lastSeen: 0, lastWriteAt: 0, writtenValue: 0 };
      t.config = c;
      t.first = c.workloads[0].deployment;
      return t;
    });
    const nextByHost = new Map<string, TenantState>();
    for (const t of nextTenants) for (const h of t.config.hostnames) nextByHost.set(hostKey(h), t);
    return { tenants: nextTenants, byHost: nextByHost };
  }
  const workloadsOf = (ts: readonly TenantState[]) => ts.flatMap((t) => t.config.workloads.map((w) => ({ namespace: t.config.namespace, name: w.deployment })));
  ({ tenants, byHost } = tableOf(config));
  const cache = new DeploymentCache(kube, workloadsOf(tenants), options.watchRetryMs);
  cache.start();
  const loaded = (sha256: string) => {
    metrics.configInfo.reset();
    metrics.configInfo.set({ sha256 }, 1);
    metrics.configLastReload.set(now() / 1000);
  };
  loaded(options.configSha256 ?? contentSha256(`${JSON.stringify(config, null, 2)}\n`));

  /** Swaps in a valid configuration read from the file: one new Host→tenant map, assigned at once. */
  function reload(next: TenantActivatorConfig, sha256: string): void {
    const table = tableOf(next);
    const ids = new Set(next.tenants.map((t) => t.id));
    const before = new Set(tenants.map((t) => t.config.id));
    const removed = tenants.filter((t) => !ids.has(t.config.id));
    const added = next.tenants.filter((t) => !before.has(t.id)).map((t) => t.id);
    const startOnly = changedStartOnlyKeys(TENANT_ACTIVATOR_START_ONLY_KEYS, config, next);
    live = next;
    tenants = table.tenants;
    byHost = table.byHost;
    cache.setWorkloads(workloadsOf(tenants));
    // A tenant no longer routed (suspended, removed): its websockets go, as when it sleeps.
    for (const t of removed) for (const ws of t.websockets) ws.destroy();
    loaded(sha256);
    console.log(
      `tenant-activator: configuration reloaded (${sha256.slice(0, 12)}): ${tenants.length} tenants` +
        (added.length ? `, added ${added.join(', ')}` : '') +
        (removed.length ? `, removed ${removed.map((t) => t.config.id).join(', ')}` : '') +
        (startOnly.length ? `; ${startOnly.join(', ')} changed but apply only at the next start (the pods roll for them)` : ''),
    );
  }
  const watch = options.configFile
    ? watchConfigFile({
        path: options.configFile,
        schema: tenantActivatorConfigSchema,
        loadedSha256: options.configSha256 ?? '',
        intervalMs: options.configPollMs ?? 5000,
        apply: reload,
        onFailure: (reason) => metrics.configReloadFailures.inc({ reason }),
        log: (line) => console.warn(`tenant-activator: ${line}`),
      })
    : undefined;

  const firstView = (t: TenantState) => cache.get(t.config.namespace, t.first);
  const isAwake = (t: TenantState) => {
    const d = firstView(t);
    return d !== undefined && d.replicas > 0 && d.readyReplicas > 0;
  };
  const agents = { http: new Agent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

  // ---- activity -------------------------------------------------------------------------------
  const activityWriteMs = config.activityWriteSeconds * 1000;

  function writeActivity(t: TenantState): Promise<void> {
    if (t.writing) return t.writing;
    const value = t.lastSeen || now();
    t.lastWriteAt = now();
    t.writing = kube
      .annotate(t.config.namespace, t.first, LAST_ACTIVITY_ANNOTATION, rfc3339(value))
      .then((updated) => {
        t.writtenValue = Math.max(t.writtenValue, value);
        // Its new resourceVersion, before the watch brings it: the wake's scale right after uses it.
        cache.assume(t.config.namespace, t.first, updated);
      })
      .catch((error: Error) => console.warn(`tenant-activator: ${t.config.id}: recording activity failed: ${error.message}`))
      .finally(() => {
        t.writing = undefined;
      });
    return t.writing;
  }
  /** Writes the activity annotation when there is newer activity and the last write is old enough. */
  function maybeWrite(t: TenantState): void {
    if (t.lastSeen > t.writtenValue && now() - t.lastWriteAt >= activityWriteMs) void writeActivity(t);
  }
  function touch(t: TenantState): void {
    t.lastSeen = now();
    maybeWrite(t);
  }
  // Long answers are activity for as long as they last, at the write cadence. Open websockets are
  // not: a browser tab left open would keep its tenant awake all night (docs/adr/0022).
  const activityTimer = setInterval(() => {
    for (const t of tenants) {
      if (t.inflight > 0) t.lastSeen = now();
      maybeWrite(t);
    }
  }, Math.max(50, Math.min(1000, activityWriteMs / 4)));
  activityTimer.unref();

  // ---- wake -----------------------------------------------------------------------------------
  async function scaleUpIfZero(t: TenantState, deployment: string, replicas: number): Promise<void> {
    const ns = t.config.namespace;
    let view: DeploymentView = cache.get(ns, deployment) ?? (await kube.getDeployment(ns, deployment));
    for (let attempt = 0; attempt < 5; attempt++) {
      // Never lower a running count: the HPA owns everything above zero.
      if (view.replicas > 0) return;
      try {
        const rv = await kube.scale(ns, deployment, replicas, view.resourceVersion);
        cache.assume(ns, deployment, { replicas, resourceVersion: rv });
        return;
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 409)) throw error;
        view = await kube.getDeployment(ns, deployment);
      }
    }
    throw new Error(`${ns}/${deployment}: the Deployment kept changing while scaling it up`);
  }

  function waitAwake(t: TenantState, ms: number): Promise<boolean> {
    if (isAwake(t)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        unsubscribe();
        resolve(ok);
      };
      const unsubscribe = cache.subscribe(() => {
        if (isAwake(t)) done(true);
      });
      const timer = setTimeout(() => done(false), ms);
    });
  }

  async function wakeTenant(t: TenantState): Promise<WakeResult> {
    const started = now();
    let result: WakeResult;
    try {
      // Activity first: from now on another replica's sleep pass sees a fresh annotation (and a
      // sleep it already decided on fails its resourceVersion check), so it cannot undo this wake.
      t.lastSeen = now();
      await writeActivity(t);
      await Promise.all(t.config.workloads.map((w) => scaleUpIfZero(t, w.deployment, w.wakeReplicas)));
      result = (await waitAwake(t, live.wakeTimeoutSeconds * 1000)) ? 'ready' : 'timeout';
      if (result === 'ready') metrics.wakeSeconds.observe((now() - started) / 1000);
      else console.warn(`tenant-activator: ${t.config.id}: no ready replica of ${t.first} ${live.wakeTimeoutSeconds} s after waking it`);
    } catch (error) {
      result = 'error';
      console.warn(`tenant-activator: ${t.config.id}: wake failed: ${(error as Error).message}`);
    }
    metrics.wakes.inc({ result, tenant: t.config.id });
    return result;
  }

  /** One wake per tenant at a time; every concurrent request shares it. */
  function ensureWake(t: TenantState): Promise<WakeResult> {
    t.wake ??= wakeTenant(t).finally(() => {
      t.wake = undefined;
    });
    return t.wake;
  }

  /**
   * Resolves `awake` (never held), `woke` (held until the tenant was ready), or why the request
   * cannot be forwarded: `waiting` (held past `holdSeconds`, or the wake failed), `gone` (client left).
   */
  async function awaitAwake(t: TenantState, gone: Promise<void>): Promise<'awake' | 'woke' | 'waiting' | 'gone'> {
    if (t.sleeping) await t.sleeping;
    if (isAwake(t)) return 'awake';
    metrics.held.inc({ tenant: t.config.id });
    let timer: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([
        ensureWake(t).then((r) => (r === 'ready' || isAwake(t) ? ('woke' as const) : ('waiting' as const))),
        new Promise<'waiting'>((r) => (timer = setTimeout(() => r('waiting'), live.holdSeconds * 1000))),
        gone.then(() => 'gone' as const),
      ]);
      return outcome;
    } finally {
      clearTimeout(timer);
      metrics.held.dec({ tenant: t.config.id });
    }
  }

  // ---- sleep ----------------------------------------------------------------------------------
  const lastActivityOf = (t: TenantState, d: DeploymentView) => {
    const annotated = Date.parse(d.annotations[LAST_ACTIVITY_ANNOTATION] ?? '');
    return Math.max(Number.isNaN(annotated) ? d.createdMs : annotated, t.lastSeen);
  };
  const busyHere = (t: TenantState) => t.inflight > 0 || t.wake !== undefined || t.writing !== undefined;
  const idle = (t: TenantState, d: DeploymentView) => now() - lastActivityOf(t, d) >= t.config.dormantAfterIdleMinutes * minuteMs;

  async function scaleDownOthers(t: TenantState): Promise<void> {
    for (const w of t.config.workloads.slice(1)) {
      const d = cache.get(t.config.namespace, w.deployment);
      if (d && d.replicas === 0) continue;
      const rv = await kube.scale(t.config.namespace, w.deployment, 0);
      cache.assume(t.config.namespace, w.deployment, { replicas: 0, resourceVersion: rv });
    }
  }

  async function trySleep(t: TenantState): Promise<void> {
    let release!: () => void;
    t.sleeping = new Promise<void>((r) => (release = r));
    const ns = t.config.namespace;
    try {
      // Decide on a fresh read, then scale with the resourceVersion of that read: any write to the
      // Deployment in between (another replica's activity annotation, a wake) makes this a 409.
      const fresh = await kube.getDeployment(ns, t.first);
      if (busyHere(t) || !idle(t, fresh)) return;
      if (fresh.replicas === 0) {
        // Asleep already; finish a sleep that stopped half way (e.g. the replica that started it died).
        await scaleDownOthers(t);
        return;
      }
      try {
        const rv = await kube.scale(ns, t.first, 0, fresh.resourceVersion);
        cache.assume(ns, t.first, { replicas: 0, resourceVersion: rv });
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 409) {
          metrics.sleepConflicts.inc({ tenant: t.config.id });
          console.log(`tenant-activator: ${t.config.id}: not put to sleep, ${t.first} changed since it was read (newer activity wins)`);
          return;
        }
        throw error;
      }
      metrics.sleeps.inc({ tenant: t.config.id });
      // Its pods are going away: close this replica's websockets now, and the clients' reconnects
      // (background paths) get 503 without waking it.
      for (const ws of t.websockets) ws.destroy();
      console.log(`tenant-activator: ${t.config.id}: asleep after ${t.config.dormantAfterIdleMinutes} idle minute(s)`);
      await scaleDownOthers(t);
    } finally {
      t.sleeping = undefined;
      release();
    }
  }

  /** A tenant found awake with one of its other workloads at zero (a sleep and a wake crossed): wake that one too. */
  async function repairHalfAwake(t: TenantState): Promise<void> {
    const fresh = await kube.getDeployment(t.config.namespace, t.first);
    if (fresh.replicas === 0) return;
    await Promise.all(t.config.workloads.slice(1).map((w) => scaleUpIfZero(t, w.deployment, w.wakeReplicas)));
  }

  async function sleepPass(): Promise<void> {
    for (const t of tenants) {
      const d = firstView(t);
      if (!d || busyHere(t) || t.sleeping) continue;
      try {
        const others = t.config.workloads.slice(1).map((w) => cache.get(t.config.namespace, w.deployment));
        if (d.replicas > 0 && others.some((o) => o?.replicas === 0)) await repairHalfAwake(t);
        if (t.config.dormantAfterIdleMinutes === 0 || !idle(t, d)) continue;
        if (d.replicas > 0 || others.some((o) => o !== undefined && o.replicas > 0)) await trySleep(t);
      } catch (error) {
        console.warn(`tenant-activator: ${t.config.id}: sleep pass: ${(error as Error).message}`);
      }
    }
  }
  let passing: Promise<void> | undefined;
  const runPass = () => {
    passing ??= sleepPass().finally(() => (passing = undefined));
    return passing;
  };
  const sleepTimer = setInterval(() => void runPass(), config.sleepCheckSeconds * 1000);
  sleepTimer.unref();

  // ---- proxy ----------------------------------------------------------------------------------
  function upstreamOf(t: TenantState, path: string) {
    const url = new URL(t.config.upstream);
    const https = url.protocol === 'https:';
    return {
      send: https ? httpsRequest : httpRequest,
      agent: https ? agents.https : agents.http,
      options: { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || (https ? 443 : 80), path: url.pathname.replace(/\/$/, '') + path },
    };
  }

  /** Streams one request to the tenant and its answer back; resolves the status (499: client left). */
  function forward(t: TenantState, req: IncomingMessage, res: ServerResponse, retryUntil: number): Promise<number> {
    return new Promise((resolve) => {
      const bodyless = hasNoBody(req);
      const up = upstreamOf(t, req.url ?? '/');
      let current: ReturnType<typeof httpRequest> | undefined;
      let settled = false;
      const settle = (code: number) => {
        if (settled) return;
        settled = true;
        resolve(code);
      };
      res.on('close', () => {
        if (!res.writableFinished) {
          current?.destroy();
          settle(499);
        }
      });
      const attempt = (n: number) => {
        const preq = up.send({ ...up.options, method: req.method, headers: forwardedHeaders(req, false), agent: up.agent });
        current = preq;
        preq.on('response', (pres) => {
          const status = pres.statusCode ?? 502;
          res.writeHead(status, pres.statusMessage, withoutHopByHop(pres.headers));
          // Headers now, not with the first body chunk: an SSE client must see its stream open.
          res.flushHeaders();
          pres.pipe(res);
          pres.on('error', () => res.destroy());
          pres.on('aborted', () => res.destroy());
          res.on('finish', () => settle(status));
        });
        preq.on('error', (error: NodeJS.ErrnoException) => {
          if (settled || res.headersSent) {
            res.destroy();
            settle(502);
            return;
          }
          // Nothing of the request was lost: try again (a pooled keep-alive connection the upstream
          // had closed, or a tenant that just woke whose Service is not routing yet).
          const again = bodyless && RETRYABLE.has(error.code ?? '') && ((preq.reusedSocket && n === 0) || now() < retryUntil);
          if (again) {
            setTimeout(() => attempt(n + 1), preq.reusedSocket && n === 0 ? 0 : 250);
            return;
          }
          const body = JSON.stringify({ error: { code: 'upstream_unavailable', message: `the workspace did not answer (${error.code ?? error.message})` } });
          res.writeHead(502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.end(body);
          settle(502);
        });
        if (bodyless) {
          preq.end();
          req.resume();
        } else req.pipe(preq);
      };
      attempt(0);
    });
  }

  let inflightRequests = 0;
  let draining = false;

  const isBackground = (url: string | undefined) => live.backgroundPathPrefixes.some((p) => (url ?? '/').startsWith(p));

  /** Background traffic of an open tab: forwarded to an awake tenant, never activity, never a wake. */
  async function handleBackground(t: TenantState, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let status = 503;
    if (t.sleeping === undefined && isAwake(t)) status = await forward(t, req, res, 0);
    else {
      const body = waitingJson(t.config.id);
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }
    metrics.requests.inc({ code: String(status), tenant: t.config.id });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t = byHost.get(hostKey(req.headers.host));
    if (!t) {
      // Unknown host: answered here, nothing is contacted.
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('unknown host\n');
      metrics.requests.inc({ code: '404', tenant: '' });
      return;
    }
    if (isBackground(req.url)) return handleBackground(t, req, res);
    t.inflight++;
    touch(t);
    let status = 500;
    try {
      const gone = new Promise<void>((r) => res.once('close', () => r()));
      const state = await awaitAwake(t, gone);
      if (state === 'gone') status = 499;
      else if (state === 'waiting') {
        status = 503;
        const browser = req.method === 'GET' && /text\/html/i.test(String(req.headers.accept ?? ''));
        const body = browser ? waitingPage() : waitingJson(t.config.id);
        res.writeHead(503, { 'content-type': browser ? 'text/html; charset=utf-8' : 'application/json', 'retry-after': '5', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      } else {
        // A request held through a wake may meet a Service not yet routing to the new pod: its
        // connect is retried for another hold period.
        status = await forward(t, req, res, state === 'woke' ? now() + live.holdSeconds * 1000 : 0);
      }
    } finally {
      t.inflight--;
      touch(t);
      metrics.requests.inc({ code: String(status), tenant: t.config.id });
    }
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const t = byHost.get(hostKey(req.headers.host));
    if (!t) {
      rawReply(socket, 404, 'Not Found', '{"error":{"code":"unknown_host"}}');
      metrics.requests.inc({ code: '404', tenant: '' });
      return;
    }
    if (isBackground(req.url)) {
      // A tab's socket.io: connected to an awake tenant without counting as activity; a sleeping
      // tenant is not woken for it.
      const status = t.sleeping === undefined && isAwake(t) ? await forwardUpgrade(t, req, socket, head) : 503;
      if (status === 503) rawReply(socket, 503, 'Service Unavailable', waitingJson(t.config.id), { 'retry-after': '5' });
      metrics.requests.inc({ code: String(status), tenant: t.config.id });
      return;
    }
    t.inflight++;
    touch(t);
    let status = 502;
    try {
      const gone = new Promise<void>((r) => socket.once('close', () => r()));
      const state = await awaitAwake(t, gone);
      if (state === 'gone') status = 499;
      else if (state === 'waiting') {
        status = 503;
        rawReply(socket, 503, 'Service Unavailable', waitingJson(t.config.id), { 'retry-after': '5' });
      } else status = await forwardUpgrade(t, req, socket, head);
    } finally {
      t.inflight--;
      touch(t);
      metrics.requests.inc({ code: String(status), tenant: t.config.id });
    }
  }

  /** Sends the upgrade request upstream; on 101 pipes both raw sockets and tracks the websocket until either side closes. */
  function forwardUpgrade(t: TenantState, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<number> {
    return new Promise((resolve) => {
      const up = upstreamOf(t, req.url ?? '/');
      // A connection of its own: an upgraded socket never goes back to a keep-alive pool.
      const preq = up.send({ ...up.options, method: req.method, headers: forwardedHeaders(req, true), agent: false });
      const head101 = (pres: IncomingMessage) => {
        const lines = [`HTTP/1.1 ${pres.statusCode} ${pres.statusMessage ?? ''}`];
        for (let i = 0; i < pres.rawHeaders.length; i += 2) lines.push(`${pres.rawHeaders[i]}: ${pres.rawHeaders[i + 1]}`);
        return `${lines.join('\r\n')}\r\n\r\n`;
      };
      preq.on('upgrade', (pres, upstream: Socket, upstreamHead: Buffer) => {
        socket.write(head101(pres));
        if (upstreamHead.length > 0) socket.write(upstreamHead);
        if (head.length > 0) upstream.write(head);
        upstream.setNoDelay(true);
        (socket as Socket).setNoDelay?.(true);
        t.websockets.add(socket);
        metrics.websockets.set({ tenant: t.config.id }, t.websockets.size);
        let closed = false;
        const close = () => {
          if (closed) return;
          closed = true;
          t.websockets.delete(socket);
          metrics.websockets.set({ tenant: t.config.id }, t.websockets.size);
          upstream.destroy();
          socket.destroy();
        };
        // Either side ending ends the websocket (the server sockets allow half-open connections).
        upstream.on('error', close).on('end', close).on('close', close);
        socket.on('error', close).on('end', close).on('close', close);
        upstream.pipe(socket);
        socket.pipe(upstream);
        resolve(101);
      });
      preq.on('response', (pres) => {
        // The upstream refused the upgrade: pass its answer on and close.
        socket.write(head101(pres));
        pres.pipe(socket);
        resolve(pres.statusCode ?? 502);
      });
      preq.on('error', (error: Error) => {
        rawReply(socket, 502, 'Bad Gateway', JSON.stringify({ error: { code: 'upstream_unavailable', message: error.message } }));
        resolve(502);
      });
      preq.end();
    });
  }

  const server = createServer({ noDelay: true }, (req, res) => {
    inflightRequests++;
    res.once('close', () => inflightRequests--);
    if (draining) res.setHeader('connection', 'close');
    handle(req, res).catch((error: Error) => {
      console.error(`tenant-activator: ${req.method} ${req.url}: ${error.stack ?? error.message}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    handleUpgrade(req, socket, head).catch((error: Error) => {
      console.error(`tenant-activator: upgrade ${req.url}: ${error.stack ?? error.message}`);
      socket.destroy();
    });
  });
  // Holds and streamed answers last; the edge's own timeouts bound a request instead.
  server.requestTimeout = 0;
  // Longer than the edge keeps an idle connection, so the edge never reuses one this side closed.
  server.keepAliveTimeout = 120_000;

  const admin = createServer((req, res) => {
    if (req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    } else if (req.url === '/healthz') {
      res.writeHead(200).end('ok');
    } else if (req.url === '/readyz') {
      const ready = !draining && cache.synced();
      res.writeHead(ready ? 200 : 503).end(ready ? 'ok' : draining ? 'draining' : 'deployments not listed yet');
    } else {
      res.writeHead(404).end();
    }
  });

  const host = options.host ?? '0.0.0.0';
  const listen = (s: Server, port: number) =>
    new Promise<number>((resolveListen, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => resolveListen((s.address() as AddressInfo).port));
    });
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host;
  const port = await listen(server, options.port ?? config.listenPort);
  const metricsPort = await listen(admin, options.metricsPort ?? config.metricsPort);

  return {
    url: `http://${shown}:${port}`,
    metricsUrl: `http://${shown}:${metricsPort}`,
    metrics,
    checkConfig: () => watch?.check() ?? Promise.resolve(),
    sleepPass: runPass,
    async close() {
      draining = true;
      watch?.stop();
      clearInterval(sleepTimer);
      clearInterval(activityTimer);
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      const deadline = Date.now() + (options.drainMs ?? 25_000);
      while (inflightRequests > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      server.closeAllConnections();
      for (const t of tenants) for (const ws of t.websockets) ws.destroy();
      await closed;
      await passing;
      // The activity this replica saw last is not lost with it (bounded: a slow API does not hold the exit).
      const pending = tenants.filter((t) => t.lastSeen > t.writtenValue).map((t) => writeActivity(t));
      await Promise.race([Promise.allSettled(pending), new Promise((r) => setTimeout(r, 2000))]);
      await cache.stop();
      agents.http.destroy();
      agents.https.destroy();
      await new Promise<void>((r) => admin.close(() => r()));
      admin.closeAllConnections();
    },
  };
}
