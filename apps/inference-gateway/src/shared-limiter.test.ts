import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespClient } from './redis-resp.ts';
import { SharedTenantLimiter } from './shared-limiter.ts';
import type { TenantLimits } from './tenant-limiter.ts';

/** Real redis-server from Debian; each SharedTenantLimiter with its own connection plays one replica. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const limits = (id: string): TenantLimits => ({ id, tier: 'standard', models: ['llama3:8b'], requestsPerMinute: 10, tokensPerMinute: 1_000_000, monthlyTokenBudget: 500 });
const FIXED_NOW = () => Date.UTC(2026, 11, 2, 10, 0, 30);

describe('SharedTenantLimiter on a real redis-server', () => {
  let redis: ChildProcess;
  let dir: string;
  let port: number;
  const clients: RespClient[] = [];
  const replica = async (id: string) => {
    const client = await RespClient.connect('127.0.0.1', port);
    clients.push(client);
    return new SharedTenantLimiter(limits(id), () => client, 3, FIXED_NOW);
  };

  beforeAll(async () => {
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'gw-redis-'));
    redis = spawn('/usr/bin/redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      try { (await RespClient.connect('127.0.0.1', port)).close(); break; } catch (error) {
        if (i > 50) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });

  afterAll(() => {
    for (const c of clients) c.close();
    redis?.kill();
    rmSync(dir, { recursive: true, force: true });
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
