import { MODEL_CATALOGUE, type ModelId, MODEL_IDS, modelPoolNamespace } from '@panal/tenant-config';
import { DEFAULT_PRICES, PRICE_SOURCE, type UnitPrices } from './prices';
import { samples, usageInputSchema, type UsageInput } from './usage-input';

/** One tenant's line of the monthly report. Money in USD, rounded to cents. */
export interface TenantUsageLine {
  readonly month: string;
  readonly tenant: string;
  readonly tier: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Tokens on models of the standard (CPU) pool. */
  readonly standardTokens: number;
  /** Tokens on models of the premium (GPU) pool. */
  readonly premiumTokens: number;
  /** The tenant namespace's own requests (OpenWebUI, Redis), priced as a share of a `cpu` node. */
  readonly namespaceUsd: number;
  /** Share of the standard model pool, by standard tokens. */
  readonly standardPoolUsd: number;
  /** Share of the GPU node-hours (spot and on-demand), by premium tokens. */
  readonly premiumGpuUsd: number;
  /** The tenant's own fixed resources (private endpoint). */
  readonly fixedUsd: number;
  readonly totalUsd: number;
}

/** The monthly report. */
export interface UsageReport {
  readonly month: string;
  readonly currency: 'USD';
  readonly priceSource: typeof PRICE_SOURCE;
  readonly tenants: readonly TenantUsageLine[];
  /** Pool cost nobody's tokens explain (a pool that ran with no tokens of its kind), for the platform's own line. */
  readonly unallocatedUsd: number;
  readonly totalUsd: number;
}

const cents = (usd: number): number => Math.round(usd * 100) / 100;
const poolOf = (model: string): 'standard' | 'premium' | undefined => (MODEL_IDS as readonly string[]).includes(model) ? MODEL_CATALOGUE[model as ModelId].pool : undefined;

/**
 * Cost of requests as a share of `cpu` nodes: a namespace holding `c` core-hours and `m` GiB-hours
 * occupies max(c / vCPUs, m / GiB) node-hours (whichever resource it exhausts first), priced per node-hour.
 */
export function requestsCostUsd(cpuCoreHours: number, memoryGiBHours: number, prices: UnitPrices): number {
  return Math.max(cpuCoreHours / prices.cpuNodeVcpus, memoryGiBHours / prices.cpuNodeMemoryGiB) * prices.cpuNodeUsdPerHour;
}

/**
 * Builds the monthly per-tenant report from a month of usage (the {@link USAGE_QUERIES} answers).
 * @throws Error naming the field when the input is malformed or a token series names an unknown model
 */
export function buildUsageReport(raw: unknown, prices: UnitPrices = DEFAULT_PRICES): UsageReport {
  const parsed = usageInputSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`usage input is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const input: UsageInput = parsed.data;

  const tiers = new Map(samples(input, 'tenantTier').map((s) => [s.metric.tenant!, s.metric.tier!]));
  const tokens = new Map<string, { prompt: number; completion: number; standard: number; premium: number }>();
  for (const s of samples(input, 'tokens')) {
    const { tenant, model, type } = s.metric;
    const pool = poolOf(model ?? '');
    if (!tenant || !pool) throw new Error(`queries.tokens: series ${JSON.stringify(s.metric)} has no tenant or an unknown model (known: ${MODEL_IDS.join(', ')})`);
    if (type !== 'prompt' && type !== 'completion') throw new Error(`queries.tokens: type must be prompt or completion, but '${type}' was provided`);
    const t = tokens.get(tenant) ?? { prompt: 0, completion: 0, standard: 0, premium: 0 };
    t[type] += s.value;
    t[pool] += s.value;
    tokens.set(tenant, t);
  }
  const byNamespace = (q: 'namespaceCpuCoreHours' | 'namespaceMemoryGiBHours') => new Map(samples(input, q).map((s) => [s.metric.namespace!, s.value]));
  const cpu = byNamespace('namespaceCpuCoreHours');
  const mem = byNamespace('namespaceMemoryGiBHours');
  const nsCost = (ns: string) => requestsCostUsd(cpu.get(ns) ?? 0, mem.get(ns) ?? 0, prices);
  const gpuHours = new Map(samples(input, 'gpuNodeHours').map((s) => [s.metric.priority!, s.value]));

  const standardPoolUsd = nsCost(modelPoolNamespace('standard'));
  const premiumGpuUsd = (gpuHours.get('spot') ?? 0) * prices.gpuSpotUsdPerHour + (gpuHours.get('ondemand') ?? 0) * prices.gpuOnDemandUsdPerHour;
  const tenants = [...new Set([...tiers.keys(), ...tokens.keys()])].sort();
  const totalStandard = tenants.reduce((a, t) => a + (tokens.get(t)?.standard ?? 0), 0);
  const totalPremium = tenants.reduce((a, t) => a + (tokens.get(t)?.premium ?? 0), 0);

  const lines = tenants.map((tenant): TenantUsageLine => {
    const t = tokens.get(tenant) ?? { prompt: 0, completion: 0, standard: 0, premium: 0 };
    const namespaceUsd = nsCost(`tenant-${tenant}`);
    const standardShare = totalStandard > 0 ? (standardPoolUsd * t.standard) / totalStandard : 0;
    const premiumShare = totalPremium > 0 ? (premiumGpuUsd * t.premium) / totalPremium : 0;
    const fixedUsd = prices.tenantPrivateEndpointUsdPerHour * input.hours;
    return {
      month: input.month,
      tenant,
      tier: tiers.get(tenant) ?? 'unknown',
      promptTokens: t.prompt,
      completionTokens: t.completion,
      standardTokens: t.standard,
      premiumTokens: t.premium,
      namespaceUsd: cents(namespaceUsd),
      standardPoolUsd: cents(standardShare),
      premiumGpuUsd: cents(premiumShare),
      fixedUsd: cents(fixedUsd),
      totalUsd: cents(namespaceUsd + standardShare + premiumShare + fixedUsd),
    };
  });
  const unallocatedUsd = cents((totalStandard > 0 ? 0 : standardPoolUsd) + (totalPremium > 0 ? 0 : premiumGpuUsd));
  return {
    month: input.month,
    currency: 'USD',
    priceSource: PRICE_SOURCE,
    tenants: lines,
    unallocatedUsd,
    totalUsd: cents(lines.reduce((a, l) => a + l.totalUsd, 0) + unallocatedUsd),
  };
}

/** CSV columns, in order. */
export const USAGE_CSV_COLUMNS: readonly (keyof TenantUsageLine)[] = [
  'month', 'tenant', 'tier', 'promptTokens', 'completionTokens', 'standardTokens', 'premiumTokens', 'namespaceUsd', 'standardPoolUsd', 'premiumGpuUsd', 'fixedUsd', 'totalUsd',
];

/** The report as CSV (RFC 4180, header row, `.` decimals, amounts with 2 decimals) for billing to import. */
export function usageReportCsv(report: UsageReport): string {
  const cell = (v: string | number, k: keyof TenantUsageLine) => (typeof v === 'number' ? (k.endsWith('Usd') ? v.toFixed(2) : String(v)) : /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const rows = report.tenants.map((l) => USAGE_CSV_COLUMNS.map((k) => cell(l[k], k)).join(','));
  return [USAGE_CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}
