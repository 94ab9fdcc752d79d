import type { RespClient } from './redis-resp.ts';
import { TenantLimiter, type LimitVerdict, type TenantLimits } from './tenant-limiter.ts';

/**
 * Admission in one atomic step: refuse on the monthly budget or the minute's tokens, else count the
 * request in the minute window (expires after 120 s) and refuse past requestsPerMinute.
 * KEYS: requests-in-minute, tokens-in-minute, tokens-in-month. ARGV: rpm, tpm, monthly budget.
 */
const ADMIT = `
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[3]) then return 'budget_exceeded' end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[2]) then return 'token_rate_limited' end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], 120) end
if n > tonumber(ARGV[1]) then return 'rate_limited' end
return 'ok'`;

/** Tokens of a finished request, in the minute window and in the month (kept 40 days). */
const RECORD = `
redis.call('INCRBY', KEYS[1], ARGV[1]); redis.call('EXPIRE', KEYS[1], 120)
redis.call('INCRBY', KEYS[2], ARGV[1]); redis.call('EXPIRE', KEYS[2], 3456000)
return 'ok'`;

/**
 * Request/token limits and the monthly budget shared by every gateway replica through Redis (ADR 0019).
 * When Redis does not answer, it fails open to an in-memory limiter holding 1/replicas of each limit,
 * so the fleet stays near the configured limit, and reports `sharedLimitsAvailable() === false`.
 */
export class SharedTenantLimiter {
  private readonly fallback: TenantLimiter;
  private redisHealthy = true;

  constructor(
    readonly limits: TenantLimits,
    private readonly redis: () => RespClient | undefined,
    replicas: number,
    private readonly now: () => number = Date.now,
    /** Told whether each Redis call worked, so the gateway can export and log the state. */
    private readonly onRedisResult: (ok: boolean, error?: Error) => void = () => {},
  ) {
    const share = (n: number) => Math.max(1, Math.floor(n / Math.max(1, replicas)));
    this.fallback = new TenantLimiter({ ...limits, requestsPerMinute: share(limits.requestsPerMinute), tokensPerMinute: share(limits.tokensPerMinute), monthlyTokenBudget: share(limits.monthlyTokenBudget) }, now);
  }

  sharedLimitsAvailable(): boolean {
    return this.redisHealthy;
  }

  async admit(): Promise<LimitVerdict> {
    const [rpm, tpm, month] = this.keys();
    try {
      const verdict = await this.client().command('EVAL', ADMIT, 3, rpm, tpm, month, this.limits.requestsPerMinute, this.limits.tokensPerMinute, this.limits.monthlyTokenBudget);
      this.healthy(true);
      return verdict === 'ok' ? null : (verdict as LimitVerdict);
    } catch (error) {
      this.healthy(false, error as Error);
      return this.fallback.admit();
    }
  }

  async record(tokens: number): Promise<void> {
    this.fallback.record(tokens);
    const [, tpm, month] = this.keys();
    try {
      await this.client().command('EVAL', RECORD, 2, tpm, month, Math.max(0, Math.round(tokens)));
      this.healthy(true);
    } catch (error) {
      this.healthy(false, error as Error);
    }
  }

  retryAfterSeconds(): number {
    return Math.max(1, 60 - Math.floor((this.now() % 60_000) / 1000));
  }

  private healthy(ok: boolean, error?: Error): void {
    this.redisHealthy = ok;
    this.onRedisResult(ok, error);
  }

  private client(): RespClient {
    const client = this.redis();
    if (!client) throw new Error('redis not connected');
    return client;
  }

  /** Keys share a hash tag per tenant so a Redis Cluster would keep them on one slot. */
  private keys(): [string, string, string] {
    const t = this.now();
    const minute = Math.floor(t / 60_000);
    const month = new Date(t).toISOString().slice(0, 7);
    const id = this.limits.id;
    return [`gw:{${id}}:req:${minute}`, `gw:{${id}}:tok:${minute}`, `gw:{${id}}:month:${month}`];
  }
}
