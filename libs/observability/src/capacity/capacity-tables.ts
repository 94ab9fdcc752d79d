import { OPEN_WEBUI_SIZE, REDIS_SIZE, TIER_PROFILES, type Tier } from '@panal/tenant-config';
import { DEFAULT_PRICES, type UnitPrices } from '../billing/prices';
import { TIER_SLOS } from '../rules/slo';
import { CALENDAR, CPU_NODE, DORMANCY, GPU_IDLE_TAIL_MINUTES, PLATFORM_BASE_USD_PER_MONTH, PREMIUM_WARM_HOURS_PER_DAY } from './capacity-inputs';
import {
  awakeHoursPerMonth,
  cpuNodeUsdPerMonth,
  cpuReplicaSecondsPerRequest,
  gpuHoursPerMonth,
  idleTenantUsdPerMonth,
  levelCapacity,
  peakRequestsPerSecond,
  standardLatencyAtTargetLoad,
  type LevelCapacity,
  type LoadLevel,
  type TenantIdleFootprint,
} from './capacity-model';

/** The load levels of the design doc. */
export const LOAD_LEVELS: readonly LoadLevel[] = [
  { name: 'Pequeño', tenants: 50 },
  { name: 'Medio', tenants: 200 },
  { name: 'Grande', tenants: 500 },
  { name: 'Objetivo', tenants: 1000 },
];

/**
 * What an idle tenant of each tier requests, from the sizes the manifests render: OpenWebUI at the
 * tier's default minimum replicas plus Redis.
 */
export function renderedIdleFootprints(): Record<Tier, TenantIdleFootprint> {
  const of = (tier: Tier): TenantIdleFootprint => {
    const replicas = TIER_PROFILES[tier].defaultOpenWebUIReplicas.min;
    return {
      cpuCores: (replicas * OPEN_WEBUI_SIZE.cpuRequestMilli + REDIS_SIZE.cpuRequestMilli) / 1000,
      memoryGiB: (replicas * OPEN_WEBUI_SIZE.memoryRequestMiB + REDIS_SIZE.memoryRequestMiB) / 1024,
    };
  };
  return { standard: of('standard'), premium: of('premium') };
}

const es = (n: number, digits = 0): string => n.toLocaleString('es-ES', { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: true }).replace(/\./g, '\u00a0');

/** Names of the generated blocks, as they appear in `<!-- capacity:<name> -->` markers of the doc. */
export type CapacityBlock = 'replicas' | 'costs' | 'per-tenant' | 'latency';

/** Every generated block of the capacity doc, rendered from the model. */
export function renderCapacityBlocks(prices: UnitPrices = DEFAULT_PRICES): Record<CapacityBlock, string> {
  const idle = renderedIdleFootprints();
  const levels: LevelCapacity[] = LOAD_LEVELS.map((l) => levelCapacity(l, idle, prices));
  const node = cpuNodeUsdPerMonth(prices);

  const replicas = [
    '| Nivel | Inquilinos (Std + Prem) | Peticiones/s en el pico (CPU / 70B) | Réplicas Standard | (solo tokens de respuesta) | Réplicas 70B | vCPU / GiB pedidos | Nodos `cpu` | Límite |',
    '|---|---|---|---|---|---|---|---|---|',
    ...levels.map(
      (c) =>
        `| ${c.level.name} | ${c.level.tenants} (${c.standardTenants} + ${c.premiumTenants}) | ${es(c.cpuRequestsPerSecond, 2)} / ${es(c.gpuRequestsPerSecond, 2)} | **${c.standardReplicas}** | ${c.standardReplicasAnswerTokensOnly} | ${c.gpuReplicas} | ${es(c.requestedCpuCores, 1)} / ${es(c.requestedMemoryGiB)} | **${c.cpuNodes}** | ${c.bindingResource === 'cpu' ? 'CPU' : 'memoria'} |`,
    ),
  ].join('\n');

  const costs = [
    `| Nivel | Base | Nodos \`cpu\` en el pico / con los inquilinos dormidos (${CALENDAR.workingHoursPerDay * CALENDAR.workingDaysPerMonth} h en pico, ${es(awakeHoursPerMonth() - CALENDAR.workingHoursPerDay * CALENDAR.workingDaysPerMonth)} h de espera antes de dormir, el resto dormidos) | *Endpoints* de inquilino | GPU (*spot*) | **Total** | Media por inquilino |`,
    '|---|---|---|---|---|---|---|',
    ...levels.map(
      (c) =>
        `| ${c.level.tenants} inquilinos | ${es(c.cost.base)} | ${c.cpuNodes} / ${c.cpuNodesOffHours} nodos → ${es(c.cost.cpuNodes)} | ${es(c.cost.tenantEndpoints)} | ${es(c.cost.gpu)} | **${es(c.cost.total)}** | ${es(c.cost.total / c.level.tenants)} |`,
    ),
  ].join('\n');

  const perTenantRows = (c: LevelCapacity) => {
    const s = c.perTenant.standard;
    const p = c.perTenant.premium;
    return [
      `| Huella despierto (OpenWebUI + Redis, solo las horas despierto) | ${es(s.idleFootprint, 1)} | ${es(p.idleFootprint, 1)} |`,
      `| *Private endpoint* del Key Vault | ${es(s.endpoint, 1)} | ${es(p.endpoint, 1)} |`,
      `| Parte de la base, del *gateway* y del activador | ${es(s.platformShare, 1)} | ${es(p.platformShare, 1)} |`,
      `| Inferencia CPU (por peticiones) | ${es(s.cpuInference, 1)} | ${es(p.cpuInference, 1)} |`,
      `| Inferencia GPU (70B, entre los Premium) | — | ${es(p.gpuInference, 1)} |`,
      `| **Total** | **${es(s.total, 1)}** | **${es(p.total, 1)}** |`,
    ];
  };
  const medium = levels.find((l) => l.level.name === 'Medio') ?? levels[0];
  const dormant = (tier: Tier) => idleTenantUsdPerMonth(idle[tier], 0, prices);
  const alwaysOn = (tier: Tier) => idleTenantUsdPerMonth(idle[tier], CALENDAR.hoursPerMonth, prices);
  const perTenant = [
    `Al nivel medio (${medium.level.tenants} inquilinos), USD por inquilino y mes; la suma por inquilino da el total del nivel (${es(medium.cost.total)}):`,
    '',
    '| Concepto | Standard | Premium |',
    '|---|---|---|',
    ...perTenantRows(medium),
    '',
    `Un inquilino en uso está despierto ${es(awakeHoursPerMonth())} h al mes (${CALENDAR.workingHoursPerDay} h × ${CALENDAR.workingDaysPerMonth} días + ${DORMANCY.dormantAfterIdleMinutes.value} min de espera antes de dormir cada día); el resto duerme con OpenWebUI y Redis a cero ([ADR 0022](../adr/0022-inquilinos-dormidos-y-activador.md)).`,
    '',
    `**Suelo de un inquilino que nadie usa** (su huella mientras está despierto más su *endpoint*; la base y la inferencia aparte), nodo \`cpu\` de ${CPU_NODE.allocatableVcpu.value} vCPU / ${CPU_NODE.allocatableMemoryGiB.value} GiB asignables a ${es(node)} USD/mes:`,
    '',
    '| Inquilino que nadie usa | Standard | Premium |',
    '|---|---|---|',
    `| Huella despierto (OpenWebUI en su mínimo + Redis) | ${es(idle.standard.cpuCores, 2)} vCPU / ${es(idle.standard.memoryGiB, 2)} GiB | ${es(idle.premium.cpuCores, 2)} vCPU / ${es(idle.premium.memoryGiB, 2)} GiB |`,
    `| Dormido (por defecto: duerme a los ${DORMANCY.dormantAfterIdleMinutes.value} min, 0 h despierto) | **${es(dormant('standard').total, 1)} USD/mes** | **${es(dormant('premium').total, 1)} USD/mes** |`,
    `| Siempre encendido (\`dormantAfterIdleMinutes: 0\`) | ${es(alwaysOn('standard').total, 1)} USD/mes | ${es(alwaysOn('premium').total, 1)} USD/mes |`,
  ].join('\n');

  const lat = standardLatencyAtTargetLoad();
  const slo = TIER_SLOS.standard;
  const latency = [
    `- Segundos de réplica por petición Standard: ${es(cpuReplicaSecondsPerRequest(), 1)} (*prefill* + respuesta); pico por inquilino ${es(peakRequestsPerSecond() * 3600, 1)} peticiones/h.`,
    `- Latencia Standard a la carga objetivo del HPA: primer token ≈ ${es(lat.timeToFirstTokenSeconds, 1)} s, respuesta completa ≈ ${es(lat.fullRequestSeconds, 1)} s; SLO: ${Math.round(slo.timeToFirstToken.target * 100)} % ≤ ${slo.timeToFirstToken.thresholdSeconds} s al primer token y ${Math.round(slo.latency.target * 100)} % ≤ ${slo.latency.thresholdSeconds} s la respuesta completa.`,
    `- GPU: ${es(gpuHoursPerMonth(), 1)} h/mes por réplica del 70B (${Math.max(CALENDAR.workingHoursPerDay, PREMIUM_WARM_HOURS_PER_DAY.value)} h de horario caliente × ${CALENDAR.workingDaysPerMonth} días + ${GPU_IDLE_TAIL_MINUTES.value} min de cola por día, medida en el simulador; [ADR 0018](../adr/0018-arranque-en-frio-premium.md)) a ${es(prices.gpuSpotUsdPerHour, 1)} USD/h *spot*.`,
    `- Base fija de prod sin nodos \`cpu\` ni GPU: ${es(PLATFORM_BASE_USD_PER_MONTH.value)} USD/mes.`,
  ].join('\n');

  return { replicas, costs, 'per-tenant': perTenant, latency };
}

/** Replaces each `<!-- capacity:<name> -->…<!-- /capacity:<name> -->` block of `doc` with its rendering. */
export function applyCapacityBlocks(doc: string, blocks: Record<CapacityBlock, string>): string {
  let out = doc;
  for (const [name, body] of Object.entries(blocks)) {
    const re = new RegExp(`(<!-- capacity:${name} -->\\n)[\\s\\S]*?(<!-- /capacity:${name} -->)`);
    if (!re.test(out)) throw new Error(`the capacity doc has no <!-- capacity:${name} --> block`);
    out = out.replace(re, (_m, open: string, close: string) => `${open}${body}\n${close}`);
  }
  return out;
}
