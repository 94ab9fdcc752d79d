import { MODEL_CATALOGUE, MODEL_IDS, type ModelId, type Tier, TIERS } from '@panal/tenant-config';
import type { AlertRule, PromDuration, RecordingRule, RuleGroup } from './rule-types';

/**
 * Buckets of `panal_gateway_request_duration_seconds` (apps/inference-gateway/src/metrics.ts): a
 * latency threshold must be one of them, or the SLI would silently read a bucket that does not exist.
 */
export const GATEWAY_DURATION_BUCKETS_SECONDS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * Buckets of `panal_gateway_time_to_first_byte_seconds` (same file): the duration buckets plus 15 and 20 s,
 * where the CPU prefill of the standard models lands. A time-to-first-token threshold must be one of them.
 */
export const GATEWAY_FIRST_BYTE_BUCKETS_SECONDS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 60, 120, 300, 600];

/** An objective on a gateway histogram: the fraction of requests of some models within a threshold. */
export interface HistogramObjective {
  /** Models whose requests count (the gateway's histograms are per model, not per tenant). */
  readonly models: readonly ModelId[];
  /** A request over this is "slow"; must be a bucket of the histogram. */
  readonly thresholdSeconds: number;
  /** Fraction of requests that must be within the threshold. */
  readonly target: number;
}

/**
 * Time-to-first-token objectives per tier (threshold and target), measured on the gateway from accepting
 * the request to the first byte of a successful answer (`panal_gateway_time_to_first_byte_seconds`).
 */
export const TIME_TO_FIRST_TOKEN_OBJECTIVES: Readonly<Record<Tier, Omit<HistogramObjective, 'models'>>> = {
  /**
   * 95 % within 20 s. Standard runs 7-8B models on CPU: prefill of the assumed 750-token prompt (S5) at
   * ~60-100 tokens/s is 7-12 s on a free slot (docs/diseno/3-capacidad-y-costes.md, S7), so 5 or 10 s
   * would burn the budget on a healthy pool. 20 s leaves room for a short wait behind the replica's 4
   * parallel slots and stays below the 60 s full-request threshold, so it says something the latency SLI
   * does not: requests queue before they start. Revisit when S7 is measured.
   */
  standard: { thresholdSeconds: 20, target: 0.95 },
  /**
   * 90 % within 10 s, excluding nothing. A warm H100 prefills thousands of tokens/s (S8), so a warm pool
   * answers in well under 10 s even with a short queue; a cold start (minutes, spot scale-from-zero, D7)
   * does not, and counts against this budget: the 10 % lets at most one request in ten wait for a cold
   * pool. How long a cold start lasts has its own alerts (`PremiumRequestsWaiting`, `GpuPoolStuckProvisioning`).
   */
  premium: { thresholdSeconds: 10, target: 0.9 },
};

/** Service level objectives of one tier. */
export interface TierSlo {
  /** The tier. */
  readonly tier: Tier;
  /** Fraction of chat requests of this tier's tenants answered without a 5xx, over 30 days. */
  readonly availabilityTarget: number;
  /** Latency objective (request to last byte), measured on the pool that serves the tier's headline model. */
  readonly latency: HistogramObjective;
  /** Time-to-first-token objective (request to first byte of the answer), on the same models. */
  readonly timeToFirstToken: HistogramObjective;
}

const poolModels = (pool: 'standard' | 'premium'): ModelId[] => MODEL_IDS.filter((m) => MODEL_CATALOGUE[m].pool === pool);

/**
 * The SLOs per tier (30-day window). Premium runs on spot GPUs that scale to zero, so its objective is
 * honest about evictions (docs/diseno/4-modos-de-fallo.md, "Desalojo spot") and cold starts
 * (docs/adr/0012-tiempos-de-aprovisionamiento-y-arranque-en-frio.md): lower availability and a latency
 * threshold that a warm pool meets but a cold start (minutes) does not.
 */
export const TIER_SLOS: Readonly<Record<Tier, TierSlo>> = {
  standard: {
    tier: 'standard',
    availabilityTarget: 0.995,
    // 60 s, not 30: the capacity model (libs/observability/src/capacity) puts a 750-token prompt plus a
    // 250-token answer at ≈ 44 s on a replica as busy as its HPA keeps it (prefill ≈ 9 s, then ≈ 7 tokens/s),
    // so 30 s burned the budget on a healthy pool. A test there fails if the model and this threshold disagree.
    latency: { models: poolModels('standard'), thresholdSeconds: 60, target: 0.95 },
    timeToFirstToken: { models: poolModels('standard'), ...TIME_TO_FIRST_TOKEN_OBJECTIVES.standard },
  },
  premium: {
    tier: 'premium',
    availabilityTarget: 0.99,
    latency: { models: poolModels('premium'), thresholdSeconds: 120, target: 0.9 },
    timeToFirstToken: { models: poolModels('premium'), ...TIME_TO_FIRST_TOKEN_OBJECTIVES.premium },
  },
};

/** One burn-rate condition: both windows must burn faster than `factor` × the error budget. */
export interface BurnWindow {
  /** Long window (is it burning?). */
  readonly long: PromDuration;
  /** Short window (is it still burning?): a fix stops the alert within minutes. */
  readonly short: PromDuration;
  /** Burn-rate factor: 14.4 spends 2 % of a 30-day budget in 1 h. */
  readonly factor: number;
  /** Who is told. */
  readonly severity: 'page' | 'ticket';
}

/**
 * Multi-window, multi-burn-rate alerting, as in the SRE workbook (30-day budget): page on 2 % in 1 h or
 * 5 % in 6 h, ticket on 10 % in 3 days.
 * @see https://sre.google/workbook/alerting-on-slos/
 */
export const BURN_WINDOWS: readonly BurnWindow[] = [
  { long: '1h', short: '5m', factor: 14.4, severity: 'page' },
  { long: '6h', short: '30m', factor: 6, severity: 'page' },
  { long: '1d', short: '2h', factor: 3, severity: 'ticket' },
  { long: '3d', short: '6h', factor: 1, severity: 'ticket' },
];

/** Every window a burn-rate alert reads. */
export const SLI_WINDOWS: readonly PromDuration[] = [...new Set(BURN_WINDOWS.flatMap((w) => [w.short, w.long]))];

/** Series with one `tenant` and its `tier` (from the namespace labels kube-state-metrics exports). */
export const TENANT_TIER_INFO = 'panal:tenant_tier:info';

/** Recording rule mapping each tenant to its tier, so gateway series (labelled by tenant only) can be grouped by tier. */
export function tenantTierInfoRule(): RecordingRule {
  // kube_namespace_labels carries these only because the AKS cluster allow-lists them (monitor_metrics.labels_allowed).
  return {
    record: TENANT_TIER_INFO,
    expr: `max by (tenant, tier) (label_replace(label_replace(kube_namespace_labels{label_panal_io_role="tenant"}, "tenant", "$1", "label_panal_io_tenant", "(.+)"), "tier", "$1", "label_panal_io_tier", "(.+)"))`,
  };
}

const round = (x: number): number => Number(x.toPrecision(6));
const modelMatcher = (models: readonly ModelId[]): string => `model=~"${models.map((m) => m.replace(/\./g, '\\\\.')).join('|')}"`;

/** Name of the per-tier error ratio over a window. */
export const errorRatio = (w: PromDuration): string => `tier:panal_gateway_errors:ratio_rate${w}`;
/** Name of the per-tier slow-request ratio over a window. */
export const slowRatio = (w: PromDuration): string => `tier:panal_gateway_slow_requests:ratio_rate${w}`;
/** Name of the per-tier ratio of requests whose first token came later than the tier's threshold, over a window. */
export const slowFirstTokenRatio = (w: PromDuration): string => `tier:panal_gateway_slow_first_token:ratio_rate${w}`;

/** Recording rules: 5xx ratio per tier, for every SLI window. */
export function errorRatioRules(): RecordingRule[] {
  const byTier = (selector: string, w: PromDuration) =>
    `sum by (tier) (rate(panal_gateway_requests_total${selector}[${w}]) * on (tenant) group_left (tier) ${TENANT_TIER_INFO})`;
  return SLI_WINDOWS.map((w) => ({ record: errorRatio(w), expr: `${byTier('{code=~"5.."}', w)}\n/\n${byTier('', w)}` }));
}

/** Recording rules of one histogram objective: fraction of requests over the threshold, for every SLI window. */
function overThresholdRules(
  slo: TierSlo,
  field: 'latency' | 'timeToFirstToken',
  histogram: string,
  buckets: readonly number[],
  name: (w: PromDuration) => string,
): RecordingRule[] {
  const { models, thresholdSeconds } = slo[field];
  if (!buckets.includes(thresholdSeconds))
    throw new Error(`${field}.thresholdSeconds of tier ${slo.tier} must be a bucket of the gateway histogram (${buckets.join(', ')}), but ${thresholdSeconds} was provided`);
  if (models.length === 0) throw new Error(`${field}.models of tier ${slo.tier} must not be empty`);
  const m = modelMatcher(models);
  return SLI_WINDOWS.map((w) => ({
    record: name(w),
    labels: { tier: slo.tier },
    expr: `1 - (\n  sum(rate(${histogram}_bucket{${m}, le="${thresholdSeconds}"}[${w}]))\n/\n  sum(rate(${histogram}_count{${m}}[${w}]))\n)`,
  }));
}

/** Recording rules: fraction of requests slower than the tier's threshold, for every SLI window. */
export function slowRatioRules(slo: TierSlo): RecordingRule[] {
  return overThresholdRules(slo, 'latency', 'panal_gateway_request_duration_seconds', GATEWAY_DURATION_BUCKETS_SECONDS, slowRatio);
}

/**
 * Recording rules: fraction of successful requests whose first token came later than the tier's
 * threshold, for every SLI window. Failed requests have no first byte; they count in the error SLI.
 */
export function slowFirstTokenRatioRules(slo: TierSlo): RecordingRule[] {
  return overThresholdRules(slo, 'timeToFirstToken', 'panal_gateway_time_to_first_byte_seconds', GATEWAY_FIRST_BYTE_BUCKETS_SECONDS, slowFirstTokenRatio);
}

/** What each SLI kind reads and how its alerts talk about it. */
const SLI_KINDS = {
  Errors: { slo: 'availability', name: 'availability', series: errorRatio, target: (s: TierSlo) => s.availabilityTarget, what: (_slo: TierSlo, t: number) => `5xx ratio (objective ${t} % answered)` },
  Latency: { slo: 'latency', name: 'latency', series: slowRatio, target: (s: TierSlo) => s.latency.target, what: (s: TierSlo, t: number) => `requests slower than ${s.latency.thresholdSeconds} s (objective ${t} % faster)` },
  FirstToken: {
    slo: 'time_to_first_token',
    name: 'time-to-first-token',
    series: slowFirstTokenRatio,
    target: (s: TierSlo) => s.timeToFirstToken.target,
    what: (s: TierSlo, t: number) => `share of requests whose first token took longer than ${s.timeToFirstToken.thresholdSeconds} s (objective ${t} % sooner)`,
  },
} as const;

/** An SLI with burn-rate alerts. */
export type SliKind = keyof typeof SLI_KINDS;

/** Burn-rate alerts of one SLI of one tier: one page alert and one ticket alert, each an OR of its windows. */
export function burnRateAlerts(kind: SliKind, slo: TierSlo): AlertRule[] {
  const sli = SLI_KINDS[kind];
  const target = sli.target(slo);
  if (!(target > 0 && target < 1)) throw new Error(`SLO target of tier ${slo.tier} (${kind}) must be between 0 and 1 exclusive, but ${target} was provided`);
  const budget = 1 - target;
  const series = sli.series;
  const tierName = slo.tier[0]!.toUpperCase() + slo.tier.slice(1);
  const what = sli.what(slo, round(target * 100));
  return (['page', 'ticket'] as const).map((severity) => {
    const windows = BURN_WINDOWS.filter((w) => w.severity === severity);
    const expr = windows
      .map((w) => `(\n  ${series(w.long)}{tier="${slo.tier}"} > ${round(w.factor * budget)}\nand\n  ${series(w.short)}{tier="${slo.tier}"} > ${round(w.factor * budget)}\n)`)
      .join('\nor\n');
    return {
      alert: `${tierName}${kind}BudgetBurn${severity === 'page' ? 'Fast' : 'Slow'}`,
      expr,
      for: severity === 'page' ? '2m' : '15m',
      severity,
      labels: { slo: sli.slo, tier: slo.tier },
      summary: `${slo.tier} tier is burning its ${sli.name} error budget ${severity === 'page' ? 'fast' : 'steadily'}`,
      description: `The ${what} burns the 30-day budget at ≥${windows.map((w) => `${w.factor}× over ${w.long}`).join(' or ')}. Check the gateway dashboard for the model and tenants affected, then the model pool.`,
    };
  });
}

/** Every SLO rule group: SLIs first, then the alerts that read them. */
export function sloRuleGroups(slos: Readonly<Record<Tier, TierSlo>> = TIER_SLOS): RuleGroup[] {
  return [
    { name: 'panal-slo-availability', interval: '1m', rules: [tenantTierInfoRule(), ...errorRatioRules()] },
    { name: 'panal-slo-latency', interval: '1m', rules: TIERS.flatMap((t) => slowRatioRules(slos[t])) },
    { name: 'panal-slo-first-token', interval: '1m', rules: TIERS.flatMap((t) => slowFirstTokenRatioRules(slos[t])) },
    { name: 'panal-slo-alerts', interval: '1m', rules: TIERS.flatMap((t) => (['Errors', 'Latency', 'FirstToken'] as const).flatMap((k) => burnRateAlerts(k, slos[t]))) },
  ];
}
