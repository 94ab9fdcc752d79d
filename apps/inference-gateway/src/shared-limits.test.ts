import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { InferenceGatewayConfig } from '@panal/tenant-config';
import { startGateway, type RunningGateway } from './server';
import { FakeModelServer } from './testing/fake-model-server';
import { chat, exampleGatewayConfig, localConfig, testKey } from './testing/gateway-harness';
import { freePort, RedisServer } from './testing/redis-server';

/**
 * Several gateway instances, each with its own Redis connection as separate pods would have, sharing
 * one real redis-server (Debian's) for limits and budgets (docs/adr/0019-gateway-a-mil-inquilinos.md).
 * The clock starts at second 1 of a minute and runs at real speed, so no test crosses a window edge.
 */
describe('inference gateway with shared limits', () => {
  const backend = new FakeModelServer();
  const running: RunningGateway[] = [];
  const cleanups: (() => void)[] = [];
  const base = exampleGatewayConfig();
  let redis: RedisServer;
  const t0 = Date.now();
  const now = () => Date.UTC(2026, 11, 2, 10, 0, 1) + (Date.now() - t0);

  const start = async (shared: { port: number; fallbackReplicas?: number }, tweak: (t: InferenceGatewayConfig['tenants'][number]) => InferenceGatewayConfig['tenants'][number] = (t) => t) => {
    const local = localConfig(base, { 'llama3:8b': backend.url, 'mistral:7b': backend.url, 'llama3:70b': backend.url }, (c) => ({
      ...c,
      sharedLimits: { redisHost: '127.0.0.1', redisPort: shared.port, fallbackReplicas: shared.fallbackReplicas ?? 3 },
      tenants: c.tenants.map(tweak),
    }));
    cleanups.push(local.cleanup);
    const gw = await startGateway(local.config, { host: '127.0.0.1', port: 0, metricsPort: 0, now });
    running.push(gw);
    return gw;
  };
  const metricsText = async (gw: RunningGateway) => (await fetch(`${gw.metricsUrl}/metrics`)).text();

  beforeAll(async () => {
    await backend.start(0);
    redis = await RedisServer.start();
  });
  afterEach(async () => {
    while (running.length) await running.pop()!.close();
    while (cleanups.length) cleanups.pop()!();
    await redis.resume(); // a test may have killed it
    await redis.flush();
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await backend.stop();
    await redis?.stop();
  });

  it('admits exactly requestsPerMinute across 3 replicas, not 3x, and leaves other tenants alone', async () => {
    // GIVEN 3 gateways sharing one Redis, acme limited to 5 requests per minute
    const gws = await Promise.all([0, 1, 2].map(() => start({ port: redis.port }, (t) => (t.id === 'acme' ? { ...t, requestsPerMinute: 5 } : t))));
    // WHEN acme sends 15 requests, 5 through each replica, all at once
    const codes = await Promise.all(Array.from({ length: 15 }, (_, i) => chat(gws[i % 3]!.url, testKey('acme'), 'mistral:7b').then((r) => r.status)));
    // THEN exactly 5 are answered and 10 get 429, whichever replica they hit
    expect(codes.filter((c) => c === 200)).toHaveLength(5);
    expect(codes.filter((c) => c === 429)).toHaveLength(10);
    // AND globex, on the same Redis, is not limited by acme's count
    expect((await chat(gws[0]!.url, testKey('globex'), 'mistral:7b')).status).toBe(200);
    for (const gw of gws) expect(await metricsText(gw)).toContain('panal_gateway_shared_limits_available 1');
  });

  it('keeps the monthly budget across a restart of every gateway', async () => {
    // GIVEN globex with a budget of 10 tokens, which one request of 6 + 5 tokens spends
    const budget = (t: InferenceGatewayConfig['tenants'][number]) => (t.id === 'globex' ? { ...t, monthlyTokenBudget: 10 } : t);
    const first = await start({ port: redis.port }, budget);
    expect((await chat(first.url, testKey('globex'), 'llama3:8b', { content: 'one two three four five six' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100)); // the usage is written to Redis after the answer ends
    // WHEN that gateway stops and a new one starts (a rollout)
    await running.pop()!.close();
    const restarted = await start({ port: redis.port }, budget);
    // THEN the new one still refuses globex for this month
    const refused = await chat(restarted.url, testKey('globex'), 'llama3:8b');
    expect([refused.status, JSON.parse(refused.text).error.code]).toEqual([429, 'budget_exceeded']);
  });

  it('fails open to 1/fallbackReplicas of each limit without Redis, and says so', async () => {
    // GIVEN a gateway whose Redis port has nothing listening, acme limited to 6 per minute over 3 replicas
    const warn = vi.spyOn(console, 'warn');
    const gw = await start({ port: await freePort(), fallbackReplicas: 3 }, (t) => (t.id === 'acme' ? { ...t, requestsPerMinute: 6 } : t));
    // WHEN acme sends 5 requests
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await chat(gw.url, testKey('acme'), 'mistral:7b')).status);
    // THEN the replica serves its share (6 / 3 = 2) instead of refusing everything
    expect(codes).toEqual([200, 200, 429, 429, 429]);
    expect(await metricsText(gw)).toContain('panal_gateway_shared_limits_available 0');
    expect(warn.mock.calls.some(([m]) => String(m).includes('shared limits unavailable') && String(m).includes('1/3'))).toBe(true);
  });

  it('falls back when Redis dies under load and returns to shared counting when it is back', async () => {
    // GIVEN a gateway counting in Redis
    const gw = await start({ port: redis.port }, (t) => (t.id === 'acme' ? { ...t, requestsPerMinute: 300 } : t));
    expect((await chat(gw.url, testKey('acme'), 'mistral:7b')).status).toBe(200);
    // WHEN redis-server is killed
    await redis.kill();
    // THEN requests are still answered, from the in-memory share, and the gauge drops to 0
    expect((await chat(gw.url, testKey('acme'), 'mistral:7b')).status).toBe(200);
    expect(await metricsText(gw)).toContain('panal_gateway_shared_limits_available 0');
    // AND once it is back, the gateway reconnects by itself and counts in Redis again
    await redis.resume();
    await vi.waitFor(async () => expect(await metricsText(gw)).toContain('panal_gateway_shared_limits_available 1'), { timeout: 5_000, interval: 100 });
  });
});
