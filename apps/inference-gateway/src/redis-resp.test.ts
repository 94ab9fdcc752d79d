import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisReplyError, RespClient } from './redis-resp.ts';
import { RedisServer } from './testing/redis-server.ts';

/** Runs against the real redis-server from Debian (no fake), installed by scripts/install-redis.sh if missing. */
describe('RespClient against a real redis-server', () => {
  let redis: RedisServer;
  let client: RespClient;

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = await RespClient.connect('127.0.0.1', redis.port);
  });

  afterAll(async () => {
    client?.close();
    await redis?.stop();
  });

  it('drops the connection when a reply does not come within the command timeout', async () => {
    // GIVEN a connection with a 200 ms command budget
    const slow = await RespClient.connect('127.0.0.1', redis.port, 2_000, 200);
    const closed = new Promise<boolean>((r) => slow.onClose(() => r(true)));
    // WHEN a command blocks for longer (BLPOP on an empty list waits 5 s)
    // THEN it fails, the connection closes, and later commands fail at once instead of getting its reply
    await expect(slow.command('BLPOP', 'empty-list', 5)).rejects.toThrow('no reply within 200 ms');
    expect(await closed).toBe(true);
    expect(slow.isClosed).toBe(true);
    await expect(slow.command('PING')).rejects.toThrow('redis connection closed');
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
