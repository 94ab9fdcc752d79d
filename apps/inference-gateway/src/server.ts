import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  changedStartOnlyKeys,
  contentSha256,
  INFERENCE_GATEWAY_START_ONLY_KEYS,
  inferenceGatewayConfigSchema,
  watchConfigFile,
  type InferenceGatewayConfig,
  type ModelId,
} from '@panal/tenant-config';
import { KeyRing, readKeyFiles } from './key-ring';
import { KeyVaultKeyHashes, KeyVaultThrottled } from './key-vault-hashes';
import { GatewayMetrics } from './metrics';
import { RedisLink } from './redis-link';
import { SharedTenantLimiter } from './shared-limiter';
import { TenantLimiter, type LimitVerdict, type TenantLimits } from './tenant-limiter';
import { openUpstream, UpstreamUnavailable } from './upstream';
import { WorkloadIdentityCredential, type WorkloadIdentityEnv } from './workload-identity-credential';

/** The only paths the gateway serves to tenants: inference, never model management. */
const INFERENCE_PATHS = new Set(['/v1/chat/completions', '/v1/completions', '/v1/embeddings']);
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  /** Host to bind. @default '0.0.0.0' */
  readonly host?: string;
  /** Overrides `listenPort` (0 picks a free port, for tests). @default - config.listenPort */
  readonly port?: number;
  /** Overrides `metricsPort`. @default - config.metricsPort */
  readonly metricsPort?: number;
  /** How often keys are re-read (files, or the Key Vault), in ms. @default - keyVault.refreshSeconds, or 60000 for files */
  readonly keyReloadMs?: number;
  /** Where the workload identity variables come from (Key Vault keys only). @default process.env */
  readonly env?: WorkloadIdentityEnv;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
  /**
   * The mounted configuration file to reload tenants, routes and upstream settings from
   * (`INFERENCE_GATEWAY_LIVE_KEYS`). @default - none: the configuration given stays for the process's life
   */
  readonly configFile?: string;
  /** SHA-256 of the bytes `config` was parsed from (metric `panal_gateway_config_info`; those bytes are not applied again). */
  readonly configSha256?: string;
  /** Pause between reads of `configFile`. @default 5000 */
  readonly configPollMs?: number;
}

/** What the request path needs of a limiter, in memory ({@link TenantLimiter}) or shared ({@link SharedTenantLimiter}). */
interface Limiter {
  admit(): LimitVerdict | Promise<LimitVerdict>;
  record(tokens: number): void | Promise<void>;
  retryAfterSeconds(): number;
}

/**
 * Per-tenant limiters. With `sharedLimits` they count in Redis, and the gauge
 * `panal_gateway_shared_limits_available` with one log line per change says when they fell back to
 * 1/replicas of each limit in memory; without it, in-memory limiters as before.
 */
function tenantLimiters(config: InferenceGatewayConfig, metrics: GatewayMetrics, now: () => number): { limiterFor: (t: TenantLimits) => Limiter; ready: Promise<void>; close: () => void } {
  const shared = config.sharedLimits;
  if (!shared) return { limiterFor: (t) => new TenantLimiter(t, now), ready: Promise.resolve(), close: () => {} };
  let available: boolean | undefined;
  const report = (ok: boolean, reason?: string) => {
    if (ok === available) return;
    available = ok;
    metrics.sharedLimitsAvailable.set(ok ? 1 : 0);
    if (ok) console.log(`inference-gateway: shared limits on, Redis ${shared.redisHost}:${shared.redisPort}`);
    else console.warn(`inference-gateway: shared limits unavailable (${reason ?? 'redis error'}); each replica now admits 1/${shared.fallbackReplicas} of every tenant limit from memory`);
  };
  const link = new RedisLink({ host: shared.redisHost, port: shared.redisPort, onState: report });
  const limiterFor = (t: TenantLimits) => new SharedTenantLimiter(t, () => link.current(), shared.fallbackReplicas, now, (ok, error) => report(ok, error?.message));
  return { limiterFor, ready: link.start(), close: () => link.close() };
}

/**
 * Keeps the key ring current: from the Key Vault of key hashes when `config.keyVault` is set (the
 * first read is awaited; a failed read keeps the last set and is retried, after `Retry-After` on 429),
 * otherwise from the key files. `loaded()` is false until one read succeeded: the pod is not ready before.
 */
async function keepKeysCurrent(
  config: InferenceGatewayConfig,
  keys: KeyRing,
  tenantIds: () => string[],
  metrics: GatewayMetrics,
  options: GatewayOptions,
): Promise<{ loaded: () => boolean; stop: () => void; tenantsChanged: () => void }> {
  let loaded = false;
  let lastMissing = '';
  const report = ({ loaded: count, missing }: { loaded: number; missing: string[] }) => {
    metrics.keys.set(count);
    const text = missing.join(', ');
    if (text && text !== lastMissing) console.warn(`inference-gateway: no key for tenants ${text}; their requests get 401 until it appears`);
    lastMissing = text;
  };
  const apply = (byTenant: ReadonlyMap<string, readonly Buffer[]>) => {
    report(keys.replace(byTenant));
    loaded = true;
  };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const vault = config.keyVault;
  if (!vault) {
    const reload = () => apply(readKeyFiles(config.keysDir!, tenantIds()));
    reload();
    timer = setInterval(reload, options.keyReloadMs ?? 60_000);
    timer.unref();
    // A reloaded tenant list: the files of new tenants are read now.
    return { loaded: () => loaded, stop: () => clearInterval(timer), tenantsChanged: () => (keys.setTenants(tenantIds()), reload()) };
  }
  const source = new KeyVaultKeyHashes({ vaultUrl: vault.vaultUrl, secretPrefix: vault.secretPrefix, credential: new WorkloadIdentityCredential(options.env ?? process.env) });
  const everyMs = options.keyReloadMs ?? vault.refreshSeconds * 1000;
  let refreshing = false;
  const refresh = async () => {
    refreshing = true;
    let waitMs = everyMs;
    try {
      apply((await source.refresh()).byTenant);
    } catch (error) {
      const throttled = error instanceof KeyVaultThrottled;
      if (throttled) waitMs = Math.max(everyMs, error.retryAfterSeconds * 1000);
      metrics.keyReadFailures.inc({ reason: throttled ? 'throttled' : 'error' });
      console.warn(`inference-gateway: reading key hashes from ${vault.vaultUrl} failed (${(error as Error).message}); keeping the ${loaded ? 'last keys read' : 'empty key set: every request gets 401'}, next try in ${Math.round(waitMs / 1000)} s`);
    }
    refreshing = false;
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), waitMs);
    timer.unref();
  };
  await refresh();
  return {
    loaded: () => loaded,
    stop: () => ((stopped = true), clearTimeout(timer)),
    // A reloaded tenant list: the hashes already read apply to it now (a removed tenant's key stops
    // working at once), and the vault is read again now rather than at the next period, so a new
    // tenant whose secret Terraform just wrote does not wait `refreshSeconds` more.
    tenantsChanged: () => {
      report(keys.setTenants(tenantIds()));
      if (refreshing || stopped) return;
      clearTimeout(timer);
      void refresh();
    },
  };
}

/** A running gateway. */
export interface RunningGateway {
  /** Base URL of the OpenAI-compatible API. */
  readonly url: string;
  /** Base URL of `/metrics`, `/healthz`, `/readyz`. */
  readonly metricsUrl: string;
  /** The live metrics. */
  readonly metrics: GatewayMetrics;
  /** Reads `configFile` now and applies it if it changed and is valid (tests; a timer does it every `configPollMs`). */
  checkConfig(): Promise<void>;
  /** Stops accepting, lets in-flight requests finish. */
  close(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolveSleep) => {
    const t = setTimeout(resolveSleep, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolveSleep()), { once: true });
  });

function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { message, type: status === 429 ? 'rate_limit_error' : 'invalid_request_error', code } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Token usage found in an OpenAI response object or stream chunk. */
function usageOf(obj: unknown): { prompt: number; completion: number } | undefined {
  const u = (obj as { usage?: { prompt_tokens?: number; completion_tokens?: number } } | null)?.usage;
  return u ? { prompt: u.prompt_tokens ?? 0, completion: u.completion_tokens ?? 0 } : undefined;
}

/**
 * Starts the inference gateway: authenticates the tenant key, checks the tier allowlist and
 * limits, routes to the model's pool, waits for a cold pool within its budget, retries failures
 * before the first byte, streams the answer back and meters tokens per tenant and model.
 */
export async function startGateway(config: InferenceGatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const now = options.now ?? Date.now;
  const metrics = new GatewayMetrics();
  // `config` keeps the start-only settings (ports, key source, Redis) for the process's life; `live`
  // is the last good configuration read, swapped whole by a reload with the tenant table, limiters
  // and key ring built from it (docs/adr/0022, Enmienda 2026-12-04). A request reads its tenant and
  // limiter when it is authenticated and its route when it is routed, and keeps them until it ends.
  let live = config;
  let tenants = new Map(config.tenants.map((t) => [t.id, t]));
  const { limiterFor, ready: limitsReady, close: closeLimits } = tenantLimiters(config, metrics, now);
  await limitsReady;
  let limiters = new Map<string, Limiter>(config.tenants.map((t) => [t.id, limiterFor(t)]));
  const keys = new KeyRing([...tenants.keys()]);
  const keyReader = await keepKeysCurrent(config, keys, () => [...tenants.keys()], metrics, options);
  const inflight = new Set<ServerResponse>();
  const loaded = (sha256: string) => {
    metrics.configInfo.reset();
    metrics.configInfo.set({ sha256 }, 1);
    metrics.configLastReload.set(now() / 1000);
  };
  loaded(options.configSha256 ?? contentSha256(`${JSON.stringify(config, null, 2)}\n`));

  /** Swaps in a valid configuration read from the file. Limiters of tenants whose limits did not change are kept (their counts go on). */
  function reload(next: InferenceGatewayConfig, sha256: string): void {
    const nextLimiters = new Map<string, Limiter>();
    for (const t of next.tenants) {
      const before = tenants.get(t.id);
      const kept = before && JSON.stringify(before) === JSON.stringify(t) ? limiters.get(t.id) : undefined;
      nextLimiters.set(t.id, kept ?? limiterFor(t));
    }
    const added = next.tenants.filter((t) => !tenants.has(t.id)).map((t) => t.id);
    const ids = new Set(next.tenants.map((t) => t.id));
    const removed = [...tenants.keys()].filter((id) => !ids.has(id));
    const startOnly = changedStartOnlyKeys(INFERENCE_GATEWAY_START_ONLY_KEYS, config, next);
    live = next;
    tenants = new Map(next.tenants.map((t) => [t.id, t]));
    limiters = nextLimiters;
    keyReader.tenantsChanged();
    loaded(sha256);
    console.log(
      `inference-gateway: configuration reloaded (${sha256.slice(0, 12)}): ${tenants.size} tenants` +
        (added.length ? `, added ${added.join(', ')}` : '') +
        (removed.length ? `, removed ${removed.join(', ')}` : '') +
        (startOnly.length ? `; ${startOnly.join(', ')} changed but apply only at the next start (the pods roll for them)` : ''),
    );
  }
  const watch = options.configFile
    ? watchConfigFile({
        path: options.configFile,
        schema: inferenceGatewayConfigSchema,
        loadedSha256: options.configSha256 ?? '',
        intervalMs: options.configPollMs ?? 5000,
        apply: reload,
        onFailure: (reason) => metrics.configReloadFailures.inc({ reason }),
        log: (line) => console.warn(`inference-gateway: ${line}`),
      })
    : undefined;

  /**
   * Routes one request to the model's pool. `onFirstByte` is called once, when the first byte of a
   * successful answer arrives (time to first token); it stays the caller's across a degraded fallback.
   */
  async function proxy(req: IncomingMessage, res: ServerResponse, tenantId: string, limiter: Limiter, model: ModelId, payload: Record<string, unknown>, onFirstByte: () => void): Promise<number> {
    const { models, upstream: upstreamSettings } = live;
    const route = models[model]!;
    const started = now();
    const deadline = started + route.coldStartBudgetSeconds * 1000;
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    if (payload.stream === true) payload.stream_options = { ...(payload.stream_options as object), include_usage: true };
    const body = Buffer.from(JSON.stringify(payload));
    let attempt = 0;
    for (;;) {
      const upstream = route.upstreams[attempt % route.upstreams.length]!;
      try {
        const upstreamRes = await openUpstream(upstream, req.url!, 'POST', body, upstreamSettings.connectTimeoutMs, abort.signal);
        return await relay(upstreamRes, res, tenantId, limiter, model, upstreamSettings.idleTimeoutMs, onFirstByte);
      } catch (err) {
        if (!(err instanceof UpstreamUnavailable)) {
          if (abort.signal.aborted) return 499;
          throw err;
        }
        if (abort.signal.aborted) return 499; // the client left while we waited
        attempt++;
        metrics.retries.inc({ model, reason: err.reason });
        const backoff = Math.min(upstreamSettings.retryBackoffMs * 2 ** (attempt - 1), upstreamSettings.retryBackoffMs * 8);
        const canWait = route.coldStartBudgetSeconds > 0 ? now() + backoff < deadline : attempt < upstreamSettings.maxAttempts;
        if (canWait) {
          await sleep(backoff, abort.signal);
          continue;
        }
        if (route.degradedFallback) {
          metrics.degraded.inc({ model, tenant: tenantId });
          res.setHeader('x-panal-degraded', 'true');
          res.setHeader('x-panal-requested-model', model);
          return proxy(req, res, tenantId, limiter, route.degradedFallback, { ...payload, model: route.degradedFallback }, onFirstByte);
        }
        const waited = ((now() - started) / 1000).toFixed(1);
        sendError(res, 503, 'model_unavailable', `model ${model} did not answer after ${attempt} attempts in ${waited}s (${err.message}); try again shortly`, { 'retry-after': '30' });
        return 503;
      }
    }
  }

  function relay(upstreamRes: IncomingMessage, res: ServerResponse, tenantId: string, limiter: Limiter, model: ModelId, idleTimeoutMs: number, onFirstByte: () => void): Promise<number> {
    return new Promise((resolveRelay) => {
      const status = upstreamRes.statusCode ?? 502;
      // Only successful answers time the first token: an error body arriving fast is not a fast answer.
      const firstByte = status >= 200 && status < 300 ? onFirstByte : () => {};
      const contentType = String(upstreamRes.headers['content-type'] ?? 'application/json');
      const streaming = contentType.startsWith('text/event-stream');
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-cache' });
      let pending = '';
      const whole: Buffer[] = [];
      let usage: { prompt: number; completion: number } | undefined;
      const idle = setTimeout(() => upstreamRes.destroy(new Error('upstream idle')), idleTimeoutMs);
      upstreamRes.on('data', (chunk: Buffer) => {
        firstByte();
        idle.refresh();
        res.write(chunk);
        if (!streaming) {
          whole.push(chunk);
          return;
        }
        pending += chunk.toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (!line.startsWith('data:') || line.includes('[DONE]') || !line.includes('"usage"')) continue;
          try {
            usage = usageOf(JSON.parse(line.slice(5))) ?? usage;
          } catch {
            // A malformed chunk is passed through untouched; it only means no usage from it.
          }
        }
      });
      const finish = (code: number) => {
        clearTimeout(idle);
        if (!streaming && whole.length > 0) {
          try {
            usage = usageOf(JSON.parse(Buffer.concat(whole).toString('utf8')));
          } catch {
            // Not JSON: no usage to meter.
          }
        }
        if (usage) {
          metrics.tokens.inc({ model, tenant: tenantId, type: 'prompt' }, usage.prompt);
          metrics.tokens.inc({ model, tenant: tenantId, type: 'completion' }, usage.completion);
          void limiter.record(usage.prompt + usage.completion);
        }
        resolveRelay(code);
      };
      upstreamRes.on('end', () => {
        firstByte(); // an empty body: its headers were the first (and only) thing the model sent
        res.end();
        finish(status);
      });
      upstreamRes.on('error', () => {
        res.destroy();
        finish(502);
      });
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const auth = req.headers.authorization ?? '';
    const tenantId = auth.startsWith('Bearer ') ? keys.tenantFor(auth.slice(7).trim()) : undefined;
    if (!tenantId) {
      metrics.rejected.inc({ reason: 'unauthorized', tenant: '' });
      return sendError(res, 401, 'invalid_api_key', 'missing or unknown bearer key');
    }
    // What this request may do is read once, here: a reload while it runs does not change it.
    const tenant = tenants.get(tenantId);
    const limiter = limiters.get(tenantId);
    const { models } = live;
    if (!tenant || !limiter) {
      metrics.rejected.inc({ reason: 'unauthorized', tenant: '' });
      return sendError(res, 401, 'invalid_api_key', 'missing or unknown bearer key');
    }
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') {
      const body = JSON.stringify({ object: 'list', data: tenant.models.map((id) => ({ id, object: 'model', owned_by: 'panal' })) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
      return;
    }
    if (req.method !== 'POST' || !INFERENCE_PATHS.has(path)) {
      metrics.rejected.inc({ reason: 'not_found', tenant: tenantId });
      return sendError(res, 404, 'not_found', `${req.method} ${path} is not an inference endpoint of this gateway`);
    }
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse((await readBody(req)).toString('utf8')) as Record<string, unknown>;
    } catch {
      metrics.rejected.inc({ reason: 'bad_request', tenant: tenantId });
      return sendError(res, 400, 'invalid_body', 'the body must be a JSON object of at most 8 MiB');
    }
    const model = String(payload.model ?? '') as ModelId;
    if (!(model in models)) {
      metrics.rejected.inc({ reason: 'unknown_model', tenant: tenantId });
      return sendError(res, 404, 'model_not_found', `model "${model}" is not served; GET /v1/models lists yours`);
    }
    if (!tenant.models.includes(model)) {
      metrics.rejected.inc({ reason: 'model_not_allowed', tenant: tenantId });
      return sendError(res, 403, 'model_not_allowed', `model "${model}" is not in the ${tenant.tier} tier; allowed: ${tenant.models.join(', ')}`);
    }
    const verdict = await limiter.admit();
    if (verdict) {
      metrics.rejected.inc({ reason: verdict, tenant: tenantId });
      return sendError(res, 429, verdict, `tenant ${tenantId}: ${verdict.replace(/_/g, ' ')}`, { 'retry-after': String(limiter.retryAfterSeconds()) });
    }
    metrics.received.inc({ model });
    metrics.inflight.inc({ model });
    const started = now();
    let firstByteSeen = false;
    // Labelled with the requested model, like the duration, also when a degraded fallback answered.
    const onFirstByte = () => {
      if (firstByteSeen) return;
      firstByteSeen = true;
      metrics.firstByte.observe({ model }, (now() - started) / 1000);
    };
    let status = 500;
    try {
      status = await proxy(req, res, tenantId, limiter, model, payload, onFirstByte);
    } finally {
      metrics.inflight.dec({ model });
      metrics.requests.inc({ code: String(status), model, tenant: tenantId });
      metrics.duration.observe({ model }, (now() - started) / 1000);
    }
  }

  const api = createServer((req, res) => {
    inflight.add(res);
    res.on('close', () => inflight.delete(res));
    handle(req, res).catch((err: Error) => {
      console.error(`inference-gateway: ${req.method} ${req.url}: ${err.stack ?? err.message}`);
      sendError(res, 500, 'internal_error', 'internal error');
    });
  });
  api.requestTimeout = 0; // cold starts can take minutes; the cold-start budget bounds the wait instead
  let ready = true;
  const admin = createServer((req, res) => {
    if (req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    } else if (req.url === '/healthz' || req.url === '/readyz') {
      const isReady = ready && keyReader.loaded();
      res.writeHead(isReady || req.url === '/healthz' ? 200 : 503);
      res.end(isReady ? 'ok' : ready ? 'no tenant keys read yet' : 'draining');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  const listen = (server: Server, port: number) =>
    new Promise<number>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(port, options.host ?? '0.0.0.0', () => resolveListen((server.address() as AddressInfo).port));
    });
  const host = options.host ?? '0.0.0.0';
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host;
  const apiPort = await listen(api, options.port ?? config.listenPort);
  const adminPort = await listen(admin, options.metricsPort ?? config.metricsPort);
  return {
    url: `http://${shown}:${apiPort}`,
    metricsUrl: `http://${shown}:${adminPort}`,
    metrics,
    checkConfig: () => watch?.check() ?? Promise.resolve(),
    close: async () => {
      ready = false;
      watch?.stop();
      keyReader.stop();
      closeLimits();
      // close() waits for every connection; idle keep-alive ones would hold it until they time out.
      const apiClosed = new Promise<void>((r) => api.close(() => r()));
      api.closeIdleConnections();
      await apiClosed;
      const adminClosed = new Promise<void>((r) => admin.close(() => r()));
      admin.closeIdleConnections();
      await adminClosed;
    },
  };
}
