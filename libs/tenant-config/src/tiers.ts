/**
 * Service tiers and everything a tier decides: which models a tenant may call, how far its
 * OpenWebUI may scale and how much of the cluster its namespace may claim.
 *
 * This is the single source of truth for tier bounds: the tenant schema, the ResourceQuota and
 * the inference gateway allowlist all read it, so a tier can never mean two things.
 */

/** The commercial tiers a tenant can be on. */
export const TIERS = ['standard', 'premium'] as const;

/** A commercial tier. */
export type Tier = (typeof TIERS)[number];

/** Models served by the shared model pools, by their Ollama name. */
export const MODEL_IDS = ['llama3:8b', 'mistral:7b', 'llama3:70b'] as const;

/** A model served by the shared model pools. */
export type ModelId = (typeof MODEL_IDS)[number];

/** An inclusive integer range. */
export interface Bounds {
  /** Smallest allowed value. */
  readonly min: number;
  /** Largest allowed value. */
  readonly max: number;
}

/** Namespace capacity a tenant gets: requests the scheduler reserves, and object counts. */
export interface TenantQuota {
  /** CPU cores the namespace may request in total (`requests.cpu`). */
  readonly cpuCores: number;
  /** Memory the namespace may request in total, in GiB (`requests.memory`). */
  readonly memoryGiB: number;
  /** Pods that may exist in the namespace at once (`pods`). */
  readonly pods: number;
}

/**
 * What the inference gateway allows one tenant key. Every replica of the gateway enforces the
 * rate limits on its own (see docs/adr/0005), so these are per replica; the budget is counted per
 * replica and exported to Prometheus, where the monthly total is alerted on.
 */
export interface GatewayLimits {
  /** Requests per minute a tenant key may start (token bucket, burst = one minute). */
  readonly requestsPerMinute: number;
  /** Prompt + completion tokens per minute; over it, new requests get 429 until the window moves. */
  readonly tokensPerMinute: number;
  /** Prompt + completion tokens per calendar month (UTC); over it, requests get 429 with `budget_exceeded`. */
  readonly monthlyTokenBudget: number;
}

/** What a tier decides. */
export interface TierProfile {
  /** Limits the inference gateway applies to each tenant key of this tier. */
  readonly gateway: GatewayLimits;
  /** Models a tenant of this tier may call through the inference gateway. */
  readonly models: readonly ModelId[];
  /** Bounds for OpenWebUI replicas; `min` is at least 2 so a zone loss never takes a tenant down. */
  readonly openWebUIReplicas: Bounds;
  /** Replicas used when the tenant folder does not say. */
  readonly defaultOpenWebUIReplicas: Bounds;
  /**
   * Minutes without traffic before a tenant of this tier sleeps (OpenWebUI and Redis at zero) when
   * its folder does not say: half an hour outlasts a lunch break's gap between questions but not a
   * night or a weekend, which is where a dormant tenant saves (docs/adr/0022).
   */
  readonly defaultDormantAfterIdleMinutes: number;
  /** Quota used when the tenant folder does not override it. */
  readonly defaultQuota: TenantQuota;
  /** Bounds a tenant folder's quota overrides must stay within, per field. */
  readonly quotaBounds: { readonly [K in keyof TenantQuota]: Bounds };
}

/**
 * Tier profiles.
 *
 * Quota defaults fit the largest default OpenWebUI scale-out plus one surge pod, Redis and the
 * migration job (see `tenantFootprint`); the loader rejects overrides that would not.
 */
export const TIER_PROFILES: Readonly<Record<Tier, TierProfile>> = {
  standard: {
    models: ['llama3:8b', 'mistral:7b'],
    gateway: { requestsPerMinute: 120, tokensPerMinute: 60_000, monthlyTokenBudget: 50_000_000 },
    openWebUIReplicas: { min: 2, max: 8 },
    defaultOpenWebUIReplicas: { min: 2, max: 4 },
    defaultDormantAfterIdleMinutes: 30,
    defaultQuota: { cpuCores: 4, memoryGiB: 10, pods: 20 },
    quotaBounds: {
      cpuCores: { min: 2, max: 8 },
      memoryGiB: { min: 6, max: 24 },
      pods: { min: 10, max: 40 },
    },
  },
  premium: {
    models: ['llama3:8b', 'mistral:7b', 'llama3:70b'],
    gateway: { requestsPerMinute: 300, tokensPerMinute: 150_000, monthlyTokenBudget: 200_000_000 },
    openWebUIReplicas: { min: 2, max: 16 },
    defaultOpenWebUIReplicas: { min: 3, max: 8 },
    defaultDormantAfterIdleMinutes: 30,
    defaultQuota: { cpuCores: 8, memoryGiB: 20, pods: 40 },
    quotaBounds: {
      cpuCores: { min: 4, max: 16 },
      memoryGiB: { min: 10, max: 48 },
      pods: { min: 20, max: 80 },
    },
  },
};
