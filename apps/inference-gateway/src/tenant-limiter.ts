import type { InferenceGatewayConfig } from '@panal/tenant-config';

/** Limits of one tenant key, as configured. */
export type TenantLimits = InferenceGatewayConfig['tenants'][number];

/** Why a request was refused, or `null` when it may go on. */
export type LimitVerdict = null | 'rate_limited' | 'token_rate_limited' | 'budget_exceeded';

/**
 * Request and token limits of one tenant on one gateway replica: a token bucket for requests
 * (capacity = one minute of requests), a fixed one-minute window for tokens, and a calendar-month
 * (UTC) token budget. State is in memory; Prometheus keeps the durable usage record.
 */
export class TenantLimiter {
  private bucket: number;
  private refilledAt: number;
  private windowStart = 0;
  private windowTokens = 0;
  private month = '';
  private monthTokens = 0;

  constructor(
    readonly limits: TenantLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.bucket = limits.requestsPerMinute;
    this.refilledAt = now();
  }

  /** Takes one request from the bucket if every limit allows it. */
  admit(): LimitVerdict {
    const t = this.now();
    this.roll(t);
    if (this.monthTokens >= this.limits.monthlyTokenBudget) return 'budget_exceeded';
    if (this.windowTokens >= this.limits.tokensPerMinute) return 'token_rate_limited';
    this.bucket = Math.min(this.limits.requestsPerMinute, this.bucket + ((t - this.refilledAt) / 60_000) * this.limits.requestsPerMinute);
    this.refilledAt = t;
    if (this.bucket < 1) return 'rate_limited';
    this.bucket -= 1;
    return null;
  }

  /** Records tokens a finished request used. */
  record(tokens: number): void {
    this.roll(this.now());
    this.windowTokens += tokens;
    this.monthTokens += tokens;
  }

  /** Seconds until a refused request is worth retrying (for `Retry-After`). */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.windowStart + 60_000 - this.now()) / 1000));
  }

  private roll(t: number): void {
    if (t - this.windowStart >= 60_000) {
      this.windowStart = t;
      this.windowTokens = 0;
    }
    const month = new Date(t).toISOString().slice(0, 7);
    if (month !== this.month) {
      this.month = month;
      this.monthTokens = 0;
    }
  }
}
