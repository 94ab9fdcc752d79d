import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespClient } from './redis-resp.ts';
import { SharedTenantLimiter } from './shared-limiter.ts';
import type { TenantLimits } from './tenant-limiter.ts';
import { RedisServer } from './testing/redis-server.ts';

const limits = (id: string): TenantLimits => ({ id, tier: 'standard', models: ['llama3:8b'], requestsPerMinute: 10, tokensPerMinute: 1_000_000, monthlyTokenBudget: 500 });
const FIXED_NOW = () => Date.UTC(2026, 11, 2, 10, 0, 30);

/** Real redis-server from Debian; each SharedTenantLimiter with its own connection plays one replica. */
describe('SharedTenantLimiter on a real redis-server', () => {
  let redis: RedisServer;
  const clients: RespClient[] = [];
  const replica = async (id: string) => {
    const client = await RespClient.connect('127.0.0.1', redis.port);
    clients.push(client);
    return new SharedTenantLimiter(limits(id), () => client, 3, FIXED_NOW);
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await redis?.stop();
  });

  it('admits the configured requests per minute across 3 replicas, not 3x', async () => {
    const replicas = await Promise.all([replica('acme'), replica('acme'), replica('acme')]);
    const verdicts = await Promise.all(Array.from({ length: 30 }, (_, i) => replicas[i % 3]!.admit()));
    expect(verdicts.filter((v) => v === null)).toHaveLength(10);
    expect(verdicts.filter((v) => v === 'rate_limited')).toHaveLength(20);
  });

  it('keeps the monthly budget when a replica restarts', async () => {
    const before = await replica('globex');
    await before.record(500);
    const restarted = await replica('globex');
    expect(await restarted.admit()).toBe('budget_exceeded');
  });

  it('fails open to 1/replicas of the limit when Redis is unreachable', async () => {
    const offline = new SharedTenantLimiter(limits('initech'), () => undefined, 3, FIXED_NOW);
    const verdicts = await Promise.all(Array.from({ length: 10 }, () => offline.admit()));
    expect(verdicts.filter((v) => v === null)).toHaveLength(3);
    expect(offline.sharedLimitsAvailable()).toBe(false);
  });
});
