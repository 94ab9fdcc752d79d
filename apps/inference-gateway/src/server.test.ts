import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { contentSha256, MODEL_CATALOGUE, TIER_PROFILES, type InferenceGatewayConfig } from '@panal/tenant-config';
import { startGateway, type RunningGateway } from './server';
import { FakeModelServer } from './testing/fake-model-server';
import { chat, exampleGatewayConfig, localConfig, testKey } from './testing/gateway-harness';

/** Sample lines whose labels are out of alphabetical order: prom-client keeps the call site's order, and the exposition has always been sorted. */
const unsortedLabelLines = (text: string) =>
  text.split('\n').filter((line) => {
    const names = [.../^\w+\{(.*)\} /.exec(line)?.[1].matchAll(/(\w+)="(?:[^"\\]|\\.)*"/g) ?? []].map((m) => m[1]);
    return names.join() !== [...names].sort().join();
  });

/**
 * Behaviour of the real gateway code, over real sockets on 127.0.0.1, with the configuration
 * derived from the example tenant folders (acme and globex are standard, initech premium) and
 * fake OpenAI-compatible model servers behind it.
 */
describe('inference gateway', () => {
  const standard = new FakeModelServer();
  const premium = new FakeModelServer();
  const running: RunningGateway[] = [];
  const cleanups: (() => void)[] = [];
  const base = exampleGatewayConfig();

  let keysDir = '';
  const start = async (tweak?: (c: InferenceGatewayConfig) => InferenceGatewayConfig, keyReloadMs?: number) => {
    const local = localConfig(base, { 'llama3:8b': standard.url, 'mistral:7b': standard.url, 'llama3:70b': premium.url }, tweak);
    cleanups.push(local.cleanup);
    keysDir = local.keysDir;
    const gw = await startGateway(local.config, { host: '127.0.0.1', port: 0, metricsPort: 0, keyReloadMs });
    running.push(gw);
    return gw;
  };
  const metricsText = async (gw: RunningGateway) => {
    const text = await (await fetch(`${gw.metricsUrl}/metrics`)).text();
    expect(unsortedLabelLines(text)).toEqual([]);
    return text;
  };

  beforeAll(async () => {
    await standard.start(0);
    await premium.start(0);
  });
  afterEach(async () => {
    while (running.length) await running.pop()!.close();
    while (cleanups.length) cleanups.pop()!();
    Object.assign(standard.behaviour, { latencyMs: 0, chunkDelayMs: 0, dropNext: 0, busyNext: 0 });
    Object.assign(premium.behaviour, { latencyMs: 0, chunkDelayMs: 0, dropNext: 0, busyNext: 0 });
  });
  afterAll(async () => {
    await standard.stop();
    await premium.stop();
  });

  it('derives its tenants from the example folders with their tier allowlists', () => {
    expect(base.tenants.map((t) => [t.id, t.tier, t.models])).toEqual([
      ['acme', 'standard', TIER_PROFILES.standard.models],
      ['globex', 'standard', TIER_PROFILES.standard.models],
      ['initech', 'premium', TIER_PROFILES.premium.models],
    ]);
  });

  it('refuses a standard key for llama3:70b and never reaches the premium pool', async () => {
    // GIVEN a running gateway and acme's (standard) key
    const gw = await start();
    const before = premium.received.length;
    // WHEN acme asks for the 70B model
    const denied = await chat(gw.url, testKey('acme'), 'llama3:70b');
    // THEN it gets 403 model_not_allowed, and the premium backend saw nothing
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.text).error.code).toBe('model_not_allowed');
    expect(premium.received.length).toBe(before);
    // AND the same key may use a standard model, while initech's premium key may use 70B
    expect((await chat(gw.url, testKey('acme'), 'llama3:8b')).status).toBe(200);
    expect((await chat(gw.url, testKey('initech'), 'llama3:70b')).status).toBe(200);
    expect(await metricsText(gw)).toContain('panal_gateway_rejected_total{reason="model_not_allowed",tenant="acme"} 1');
  });

  it('lists only the tier models on /v1/models', async () => {
    const gw = await start();
    const res = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${testKey('globex')}` } });
    expect(((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(['llama3:8b', 'mistral:7b']);
  });

  it('rejects unknown keys and anything but inference endpoints', async () => {
    const gw = await start();
    expect((await chat(gw.url, 'not-a-key-but-long-enough', 'llama3:8b')).status).toBe(401);
    expect((await chat(gw.url, '', 'llama3:8b')).status).toBe(401);
    for (const [method, path] of [['POST', '/api/pull'], ['DELETE', '/api/delete'], ['POST', '/api/create'], ['GET', '/api/tags']]) {
      const res = await fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${testKey('initech')}` }, body: method === 'GET' ? undefined : '{}' });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await fetch(`${gw.url}/metrics`)).status).toBe(401);
  });

  it('picks up a rotated key from its file without a restart', async () => {
    // GIVEN a gateway that re-reads key files every 50 ms
    const gw = await start(undefined, 50);
    expect((await chat(gw.url, testKey('acme'), 'llama3:8b')).status).toBe(200);
    // WHEN the CSI driver rewrites acme's key file
    writeFileSync(join(keysDir, 'acme', 'inference-gateway-key'), 'rotated-key-for-acme-0123456789');
    await new Promise((r) => setTimeout(r, 200));
    // THEN the old key is refused and the new one accepted
    expect((await chat(gw.url, testKey('acme'), 'llama3:8b')).status).toBe(401);
    expect((await chat(gw.url, 'rotated-key-for-acme-0123456789', 'llama3:8b')).status).toBe(200);
  });

  it('enforces the request rate limit per tenant key, without touching other tenants', async () => {
    // GIVEN a gateway whose tenants may start 3 requests per minute
    const gw = await start((c) => ({ ...c, tenants: c.tenants.map((t) => ({ ...t, requestsPerMinute: 3 })) }));
    // WHEN acme sends 5
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await chat(gw.url, testKey('acme'), 'mistral:7b')).status);
    // THEN the 4th and 5th get 429 with Retry-After, and globex is unaffected
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    const limited = await chat(gw.url, testKey('acme'), 'mistral:7b');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(JSON.parse(limited.text).error.code).toBe('rate_limited');
    expect((await chat(gw.url, testKey('globex'), 'mistral:7b')).status).toBe(200);
  });

  it('enforces the token rate limit and the monthly budget from recorded usage', async () => {
    const gw = await start((c) => ({ ...c, tenants: c.tenants.map((t) => (t.id === 'acme' ? { ...t, tokensPerMinute: 10 } : t.id === 'globex' ? { ...t, monthlyTokenBudget: 10 } : t)) }));
    expect((await chat(gw.url, testKey('acme'), 'llama3:8b', { content: 'one two three four five six' })).status).toBe(200); // 6 + 5 tokens
    const overTokens = await chat(gw.url, testKey('acme'), 'llama3:8b');
    expect([overTokens.status, JSON.parse(overTokens.text).error.code]).toEqual([429, 'token_rate_limited']);
    expect((await chat(gw.url, testKey('globex'), 'llama3:8b', { content: 'one two three four five six' })).status).toBe(200);
    const overBudget = await chat(gw.url, testKey('globex'), 'llama3:8b');
    expect([overBudget.status, JSON.parse(overBudget.text).error.code]).toEqual([429, 'budget_exceeded']);
  });

  it('records usage per tenant and model, streaming and not, in Prometheus format', async () => {
    const gw = await start();
    await chat(gw.url, testKey('acme'), 'llama3:8b', { content: 'a b c' });
    const streamed = await chat(gw.url, testKey('initech'), 'llama3:70b', { content: 'a b c d', stream: true });
    expect(streamed.status).toBe(200);
    expect(streamed.text).toContain('data: [DONE]');
    expect(streamed.text.match(/"content":"tok "/g)).toHaveLength(5);
    const text = await metricsText(gw);
    expect(text).toContain('panal_gateway_tokens_total{model="llama3:8b",tenant="acme",type="prompt"} 3');
    expect(text).toContain('panal_gateway_tokens_total{model="llama3:8b",tenant="acme",type="completion"} 5');
    expect(text).toContain('panal_gateway_tokens_total{model="llama3:70b",tenant="initech",type="prompt"} 4');
    expect(text).toContain('panal_gateway_tokens_total{model="llama3:70b",tenant="initech",type="completion"} 5');
    expect(text).toContain('panal_gateway_requests_total{code="200",model="llama3:70b",tenant="initech"} 1');
    expect(text).toContain('panal_gateway_requests_received_total{model="llama3:70b"} 1');
    expect(text).not.toMatch(/tenant="globex"/);
  });

  it('times the first byte of the answer (time to first token), not the last, and only for answers', async () => {
    const gw = await start((c) => ({ ...c, upstream: { ...c.upstream, retryBackoffMs: 10, maxAttempts: 2 } }));
    const bucket = (text: string, metric: string, model: string, le: string) =>
      Number(text.match(new RegExp(`^${metric}_bucket\\{le="${le}",model="${model.replace('.', '\\.')}"\\} (\\d+)$`, 'm'))?.[1]);
    // GIVEN a premium model that takes 600 ms before its first byte (a slow prefill or a short cold start)
    premium.behaviour.latencyMs = 600;
    // AND a standard model that answers at once but streams 5 tokens 300 ms apart
    standard.behaviour.chunkDelayMs = 300;
    // WHEN a tenant of each tier streams a chat, and another request fails before any byte
    expect((await chat(gw.url, testKey('initech'), 'llama3:70b', { stream: true })).status).toBe(200);
    expect((await chat(gw.url, testKey('acme'), 'llama3:8b', { stream: true })).status).toBe(200);
    standard.behaviour.dropNext = 2;
    expect((await chat(gw.url, testKey('acme'), 'mistral:7b')).status).toBe(503);
    const text = await metricsText(gw);
    // THEN the premium first byte lands above 0.5 s and within 2.5 s
    expect(bucket(text, 'panal_gateway_time_to_first_byte_seconds', 'llama3:70b', '0.5')).toBe(0);
    expect(bucket(text, 'panal_gateway_time_to_first_byte_seconds', 'llama3:70b', '2.5')).toBe(1);
    // AND the standard first token within 0.5 s, while its last byte came after more than 1 s
    expect(bucket(text, 'panal_gateway_time_to_first_byte_seconds', 'llama3:8b', '0.5')).toBe(1);
    expect(bucket(text, 'panal_gateway_request_duration_seconds', 'llama3:8b', '1')).toBe(0);
    // AND the request that never got an answer has no first byte (it counts as an error, not as fast)
    expect(text).toContain('panal_gateway_time_to_first_byte_seconds_count{model="llama3:70b"} 1');
    expect(text).not.toContain('panal_gateway_time_to_first_byte_seconds_count{model="mistral:7b"}');
    expect(text).toContain('panal_gateway_request_duration_seconds_count{model="mistral:7b"} 1');
    expect(text).toContain('# HELP panal_gateway_time_to_first_byte_seconds Time from the gateway accepting the request to the first byte');
  });

  it('keeps a premium request waiting while the pool scales from zero, then answers it', async () => {
    // GIVEN the premium pool has no replica (nothing listens) and a 600 s cold-start budget
    const port = Number(new URL(premium.url).port);
    await premium.stop();
    const gw = await start((c) => ({ ...c, upstream: { ...c.upstream, retryBackoffMs: 50 } }));
    // WHEN initech asks for 70B, and the pool comes up 1.5 s later
    const pending = chat(gw.url, testKey('initech'), 'llama3:70b', { stream: true });
    await new Promise((r) => setTimeout(r, 500));
    const waiting = await metricsText(gw);
    setTimeout(() => void premium.start(port), 1000);
    const answer = await pending;
    // THEN the request succeeded after waiting, and the wait was visible to KEDA while it lasted
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('data: [DONE]');
    expect(waiting).toContain('panal_gateway_inflight_requests{model="llama3:70b"} 1');
    expect(waiting).toContain('panal_gateway_requests_received_total{model="llama3:70b"} 1');
    expect(await metricsText(gw)).toMatch(/panal_gateway_upstream_retries_total\{model="llama3:70b",reason="connect_refused"\} [1-9]/);
  });

  it('answers 503 when the cold-start budget is spent, or the degraded fallback when configured', async () => {
    const port = Number(new URL(premium.url).port);
    await premium.stop();
    try {
      const tight = (c: InferenceGatewayConfig) => ({ ...c, upstream: { ...c.upstream, retryBackoffMs: 50 }, models: { ...c.models, 'llama3:70b': { ...c.models['llama3:70b']!, coldStartBudgetSeconds: 1 } } });
      const gw = await start(tight);
      const failed = await chat(gw.url, testKey('initech'), 'llama3:70b');
      expect([failed.status, JSON.parse(failed.text).error.code]).toEqual([503, 'model_unavailable']);
      const degraded = await start((c) => {
        const t = tight(c);
        return { ...t, models: { ...t.models, 'llama3:70b': { ...t.models['llama3:70b']!, degradedFallback: 'llama3:8b' as const } } };
      });
      const fallback = await chat(degraded.url, testKey('initech'), 'llama3:70b');
      expect(fallback.status).toBe(200);
      expect(fallback.headers.get('x-panal-degraded')).toBe('true');
      expect(JSON.parse(fallback.text).model).toBe('llama3:8b');
    } finally {
      await premium.start(port);
    }
  });

  it('retries when the backend drops the connection before the first byte, or answers busy', async () => {
    const gw = await start((c) => ({ ...c, upstream: { ...c.upstream, retryBackoffMs: 20 } }));
    standard.behaviour.dropNext = 2;
    const streamed = await chat(gw.url, testKey('acme'), 'mistral:7b', { stream: true });
    expect(streamed.status).toBe(200);
    expect(streamed.text).toContain('data: [DONE]');
    standard.behaviour.busyNext = 1;
    expect((await chat(gw.url, testKey('acme'), 'mistral:7b')).status).toBe(200);
    const text = await metricsText(gw);
    expect(text).toContain('panal_gateway_upstream_retries_total{model="mistral:7b",reason="reset_before_first_byte"} 2');
    expect(text).toContain('panal_gateway_upstream_retries_total{model="mistral:7b",reason="busy"} 1');
  });

  it('gives up on a warm model after maxAttempts connection failures', async () => {
    const gw = await start((c) => ({ ...c, upstream: { ...c.upstream, retryBackoffMs: 10, maxAttempts: 3 } }));
    standard.behaviour.dropNext = 5;
    expect((await chat(gw.url, testKey('acme'), 'llama3:8b')).status).toBe(503);
    expect(standard.behaviour.dropNext).toBe(2);
  });

  it('routes each model to its pool from the catalogue', () => {
    for (const [id, route] of Object.entries(base.models)) {
      const spec = MODEL_CATALOGUE[id as keyof typeof MODEL_CATALOGUE];
      expect(route.upstreams).toEqual([`http://ollama-${spec.slug}.models-${spec.pool}.svc.cluster.local:11434`]);
      expect(route.coldStartBudgetSeconds > 0).toBe(spec.pool === 'premium');
    }
  });
  describe('live reload of the mounted configuration', () => {
    const writeConfig = (file: string, config: InferenceGatewayConfig) => {
      const text = `${JSON.stringify(config, null, 2)}\n`;
      writeFileSync(file, text);
      return contentSha256(text);
    };
    /** A gateway started from a file holding acme and globex only (initech's key file exists, it is not configured). */
    const startFromFile = async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gw-config-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const file = join(dir, 'gateway.json');
      const local = localConfig(base, { 'llama3:8b': standard.url, 'mistral:7b': standard.url, 'llama3:70b': premium.url });
      cleanups.push(local.cleanup);
      const full = local.config;
      const config = { ...full, tenants: full.tenants.filter((t) => t.id !== 'initech') };
      const sha = writeConfig(file, config);
      const gw = await startGateway(config, { host: '127.0.0.1', port: 0, metricsPort: 0, keyReloadMs: 3_600_000, configFile: file, configSha256: sha, configPollMs: 50 });
      running.push(gw);
      return { gw, file, full, config, sha };
    };
    const info = async (gw: RunningGateway) => (await metricsText(gw)).split('\n').filter((l) => l.startsWith('panal_gateway_config_info{'));
    const until = async (what: string, check: () => Promise<boolean>) => {
      const deadline = Date.now() + 5000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    it('accepts a tenant added to its file and refuses a removed one without a restart, while a stream in flight finishes', async () => {
      // GIVEN a gateway serving acme and globex, and a stream of acme's in flight (5 tokens 200 ms apart)
      const { gw, file, full, sha } = await startFromFile();
      expect(await info(gw)).toEqual([`panal_gateway_config_info{sha256="${sha}"} 1`]);
      expect((await chat(gw.url, testKey('initech'), 'llama3:70b')).status).toBe(401);
      standard.behaviour.chunkDelayMs = 200;
      const streaming = chat(gw.url, testKey('acme'), 'llama3:8b', { stream: true });
      await new Promise((r) => setTimeout(r, 100));
      // WHEN the file gains initech and loses globex
      const next = writeConfig(file, { ...full, tenants: full.tenants.filter((t) => t.id !== 'globex') });
      await until('initech accepted', async () => (await chat(gw.url, testKey('initech'), 'llama3:70b')).status === 200);
      // THEN globex's key is refused, initech has its tier's models, and acme's stream finished whole
      expect((await chat(gw.url, testKey('globex'), 'llama3:8b')).status).toBe(401);
      const models = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${testKey('initech')}` } });
      expect(((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(TIER_PROFILES.premium.models);
      const streamed = await streaming;
      expect(streamed.status).toBe(200);
      expect(streamed.text).toContain('data: [DONE]');
      const text = await metricsText(gw);
      expect(text).toContain('panal_gateway_tenant_keys_loaded 2\n');
      expect(text).toContain('panal_gateway_requests_total{code="200",model="llama3:8b",tenant="acme"} 1');
      expect(text).not.toContain('panal_gateway_config_reload_failures_total{');
      expect(await info(gw)).toEqual([`panal_gateway_config_info{sha256="${next}"} 1`]);
    });

    it('keeps serving the last good configuration from an invalid file, counting each failed check', async () => {
      const { gw, file, full, config, sha } = await startFromFile();
      // Valid JSON the schema refuses (initech with a model id that does not exist), then a half-written file.
      writeFileSync(file, JSON.stringify({ ...full, tenants: full.tenants.map((t) => (t.id === 'initech' ? { ...t, models: ['gpt-9'] } : t)) }));
      await until('a failure counted', async () => (await metricsText(gw)).includes('panal_gateway_config_reload_failures_total{reason="invalid"}'));
      writeFileSync(file, JSON.stringify(config).slice(0, 100));
      const failures = async () => Number(/^panal_gateway_config_reload_failures_total\{reason="invalid"\} (\d+)$/m.exec(await metricsText(gw))?.[1] ?? 0);
      const before = await failures();
      await until('more failures counted', async () => (await failures()) > before);
      expect((await chat(gw.url, testKey('initech'), 'llama3:70b')).status).toBe(401);
      expect((await chat(gw.url, testKey('acme'), 'llama3:8b')).status).toBe(200);
      expect(await info(gw)).toEqual([`panal_gateway_config_info{sha256="${sha}"} 1`]);
      expect((await fetch(`${gw.metricsUrl}/readyz`)).status).toBe(200);
    });
  });
});
