import { z } from 'zod';
import { MODEL_CATALOGUE, modelServiceUrl } from './models';
import type { Tenant } from './tenant';
import { MODEL_IDS, TIER_PROFILES, TIERS, type ModelId } from './tiers';

const modelId = z.enum(MODEL_IDS);
const positiveInt = z.number().int().positive();

/**
 * Schema of the inference gateway's configuration file (`gateway.json`): rendered by
 * cluster-addons from the tenant folders, tier profiles and model catalogue, read by the gateway
 * at start. Key values are not in it: in the cluster the gateway reads the SHA-256 of each key from
 * `keyVault`; locally each tenant's key is a file under `keysDir/<tenant id>/`.
 */
export const inferenceGatewayConfigSchema = z.strictObject({
  /** Format version; the gateway refuses files it does not understand. */
  version: z.literal(1),
  /** Port of the OpenAI-compatible API (the only port tenants may reach). */
  listenPort: z.number().int().min(1).max(65535),
  /** Port of `/metrics`, `/healthz` and `/readyz` (scraped by Prometheus, never reachable by tenants). */
  metricsPort: z.number().int().min(1).max(65535),
  /**
   * Folder with one sub-folder per tenant holding the file `inference-gateway-key` (local runs and
   * tests). Ignored when `keyVault` is set.
   */
  keysDir: z.string().min(1).optional(),
  /**
   * Where the SHA-256 of each tenant key is read from in the cluster: one secret per tenant,
   * `<secretPrefix><tenant id>`, in one Key Vault, with the gateway's workload identity
   * (docs/adr/0019-gateway-a-mil-inquilinos.md). New tenants and rotations appear within `refreshSeconds`.
   */
  keyVault: z
    .strictObject({
      /** Vault URL, `https://<name>.vault.azure.net`. */
      vaultUrl: z.string().url(),
      /** Name prefix of the hash secrets. */
      secretPrefix: z.string().regex(/^[0-9a-zA-Z-]+$/),
      /** Seconds between reads (list, then GET only what changed). */
      refreshSeconds: positiveInt,
    })
    .optional(),
  /** How the gateway talks to model pools. */
  upstream: z.strictObject({
    /** Budget to open a connection to one upstream before counting the attempt as failed. */
    connectTimeoutMs: positiveInt,
    /** Attempts on a connection error before the first response byte (warm models). */
    maxAttempts: positiveInt,
    /** Pause between attempts; doubles up to 8× this value. */
    retryBackoffMs: positiveInt,
    /** Longest a response may stay silent once streaming has started. */
    idleTimeoutMs: positiveInt,
  }),
  /** Routes per model. */
  models: z.record(
    modelId,
    z.strictObject({
      /** Base URLs of the model's Services (OpenAI API under `/v1`). */
      upstreams: z.array(z.string().url()).min(1),
      /**
       * Seconds a request keeps retrying while the model's pool comes up from zero replicas; 0 for
       * always-warm models, which use `upstream.maxAttempts` instead.
       */
      coldStartBudgetSeconds: z.number().int().min(0),
      /** Model to answer with, flagged `x-panal-degraded: true`, once the cold-start budget is spent. */
      degradedFallback: modelId.optional(),
    }),
  ),
  /**
   * Limits and monthly budgets shared by every replica through one Redis (docs/adr/0019-gateway-a-mil-inquilinos.md).
   * Without it each replica keeps its own counters in memory (local runs, tests): with N replicas a
   * tenant gets up to N× its limits and budgets restart at zero with the pod.
   */
  sharedLimits: z
    .strictObject({
      /** Host of the Redis Service. */
      redisHost: z.string().min(1),
      /** Port of the Redis Service. */
      redisPort: z.number().int().min(1).max(65535),
      /**
       * Replicas the limits are split between while Redis does not answer: each one then admits
       * 1/replicas of every limit from memory (fail open, `panal_gateway_shared_limits_available 0`).
       */
      fallbackReplicas: positiveInt,
    })
    .optional(),
  /** Tenant keys and what each may do. */
  tenants: z.array(
    z.strictObject({
      id: z.string().regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/),
      tier: z.enum(TIERS),
      models: z.array(modelId).min(1),
      requestsPerMinute: positiveInt,
      tokensPerMinute: positiveInt,
      monthlyTokenBudget: positiveInt,
    }),
  ),
}).refine((c) => c.keysDir !== undefined || c.keyVault !== undefined, { message: 'set keyVault (in the cluster) or keysDir (local runs): without either no tenant key is known', path: ['keyVault'] });

/** A parsed gateway configuration. */
export type InferenceGatewayConfig = z.output<typeof inferenceGatewayConfigSchema>;

/**
 * How long the gateway holds a request for a model whose pool is at zero (premium) while it starts:
 * autoscaler + GPU node boot + driver + image + weights, typically ≈ 550-580 s and up to ≈ 11.5 min
 * (docs/modelos-y-gpu.md). Measured on the simulated AKS (tools/sim-aks, scenario 4): with 600 s the
 * typical cold start used ~96 % of the budget, so the first request after idle could fail instead of
 * waiting, which it must do (docs/adr/0012-tiempos-de-aprovisionamiento-y-arranque-en-frio.md). 900 s
 * covers the documented upper estimate with margin.
 */
export const DEFAULT_PREMIUM_COLD_START_BUDGET_SECONDS = 900;

/**
 * OpenWebUI's own timeout for a model call (`AIOHTTP_CLIENT_TIMEOUT`, upstream default 300 s). It
 * must outlast the gateway's cold-start wait, or OpenWebUI gives up on a request the gateway is
 * still holding for a starting premium model.
 */
export function openWebUiClientTimeoutSeconds(premiumColdStartBudgetSeconds = DEFAULT_PREMIUM_COLD_START_BUDGET_SECONDS): number {
  return premiumColdStartBudgetSeconds + 120;
}

/** Options of {@link deriveInferenceGatewayConfig}. */
export interface DeriveGatewayConfigOptions {
  /** Every loaded tenant; only `active` ones get a key (the others have no Key Vault secret mounted yet). */
  readonly tenants: readonly Tenant[];
  /** Port of the OpenAI-compatible API. */
  readonly listenPort: number;
  /** Cold-start budget of models served from a pool that scales to zero, in seconds. */
  readonly premiumColdStartBudgetSeconds: number;
  /** Standard model that answers Premium requests, flagged as degraded, when the budget is spent. @default - none: the request fails with 503 */
  readonly premiumDegradedFallback?: ModelId;
  /** Key Vault of the tenant key hashes. @default - none: keys are read from files under GATEWAY_KEYS_DIR */
  readonly keyVault?: InferenceGatewayConfig['keyVault'];
  /** Redis shared by the replicas for limits and budgets. @default - none: in-memory limits per replica */
  readonly sharedLimits?: InferenceGatewayConfig['sharedLimits'];
}

/** Where tenant key files are read from when no `keyVault` is configured (local runs). */
export const GATEWAY_KEYS_DIR = '/var/run/panal/tenant-keys';

/** Port of the gateway's metrics and health endpoints. */
export const GATEWAY_METRICS_PORT = 9090;

/**
 * The gateway configuration, derived only from the tenant folders (tier, state), the tier profiles
 * (allowlist and limits) and the model catalogue (routes): nothing in it is written by hand.
 */
export function deriveInferenceGatewayConfig(options: DeriveGatewayConfigOptions): InferenceGatewayConfig {
  const models = Object.fromEntries(
    MODEL_IDS.map((id) => {
      const spec = MODEL_CATALOGUE[id];
      const premium = spec.pool === 'premium';
      return [
        id,
        {
          upstreams: [modelServiceUrl(spec)],
          coldStartBudgetSeconds: premium ? options.premiumColdStartBudgetSeconds : 0,
          ...(premium && options.premiumDegradedFallback ? { degradedFallback: options.premiumDegradedFallback } : {}),
        },
      ];
    }),
  ) as InferenceGatewayConfig['models'];
  const tenants = options.tenants
    .filter((t) => t.state === 'active')
    .map((t) => ({ id: t.id, tier: t.tier, models: [...t.models], ...TIER_PROFILES[t.tier].gateway }))
    .sort((a, b) => a.id.localeCompare(b.id));
  return inferenceGatewayConfigSchema.parse({
    version: 1,
    listenPort: options.listenPort,
    metricsPort: GATEWAY_METRICS_PORT,
    ...(options.keyVault ? { keyVault: options.keyVault } : { keysDir: GATEWAY_KEYS_DIR }),
    upstream: { connectTimeoutMs: 2_000, maxAttempts: 3, retryBackoffMs: 250, idleTimeoutMs: 120_000 },
    models,
    ...(options.sharedLimits ? { sharedLimits: options.sharedLimits } : {}),
    tenants,
  });
}
