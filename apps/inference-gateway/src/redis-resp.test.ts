import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisReplyError, RespClient } from './redis-resp.ts';

/** Runs against the real redis-server from Debian (no fake): `apt-get install redis-server`. */
const REDIS = '/usr/bin/redis-server';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('RespClient against a real redis-server', () => {
  let redis: ChildProcess;
  let dir: string;
  let client: RespClient;

  beforeAll(async () => {
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'gw-redis-'));
    redis = spawn(REDIS, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      try { client = await RespClient.connect('127.0.0.1', port); break; } catch (error) {
        if (i > 50) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });

  afterAll(() => {
    client?.close();
    redis?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers PING, INCRBY and bulk strings in order when pipelined', async () => {
    const replies = await Promise.all([client.command('PING'), client.command('INCRBY', 'k', 5), client.command('INCRBY', 'k', 7), client.command('GET', 'k'), client.command('GET', 'missing')]);
    expect(replies).toEqual(['PONG', 5, 12, '12', null]);
  });

  it('runs an atomic Lua script returning an array', async () => {
    const script = "local n = redis.call('INCRBY', KEYS[1], ARGV[1]); redis.call('EXPIRE', KEYS[1], 120); return {n, redis.call('TTL', KEYS[1])}";
    expect(await client.command('EVAL', script, 1, 'w', 3)).toEqual([3, 120]);
  });

  it('rejects with the Redis error text', async () => {
    await expect(client.command('INCRBY', 'k', 'not-a-number')).rejects.toThrow(RedisReplyError);
    expect(await client.command('PING')).toBe('PONG');
  });
});
