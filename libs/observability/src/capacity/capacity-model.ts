import { DEFAULT_PRICES, type UnitPrices } from '../billing/prices';
import { ACTIVATOR, CALENDAR, CPU_NODE, DEMAND, DORMANCY, GPU_IDLE_TAIL_MINUTES, MODEL_SPEED, PLATFORM_BASE_USD_PER_MONTH, PREMIUM_WARM_HOURS_PER_DAY, RENDERED } from './capacity-inputs';

/** What one awake tenant of a tier keeps requested whether or not anyone is chatting (zero while it sleeps). */
export interface TenantIdleFootprint {
  /** CPU cores requested (OpenWebUI replicas at their minimum + Redis). */
  readonly cpuCores: number;
  /** Memory requested, GiB. */
  readonly memoryGiB: number;
}

/** Inputs of one load level. */
export interface LoadLevel {
  /** Name shown in the tables. */
  readonly name: string;
  /** Tenants on the level; {@link DEMAND}.premiumShare of them are Premium. */
  readonly tenants: number;
}

/** Memory requested by one Standard model replica, GiB (the catalogue's `memoryGiB`). */
const STANDARD_MODEL_REPLICA_MEMORY_GIB = 8;
/** Standard models served, each with its own replicas and a minimum of 2 (zone loss). */
const STANDARD_MODELS = 2;
const STANDARD_MODEL_MIN_REPLICAS = 2;

/** Peak chat requests per second of one tenant (S2-S4). */
export function peakRequestsPerSecond(): number {
  const perDay = DEMAND.usersPerTenant.value * DEMAND.requestsPerUserPerDay.value;
  return ((perDay / CALENDAR.workingHoursPerDay) * DEMAND.peakFactor.value) / 3600;
}

/**
 * Seconds of a whole Standard CPU replica one request takes: its prefill (one prompt at a time, the
 * replica's cores all busy) plus its answer's share of the replica's aggregate decode rate. Counting
 * only the answer tokens, as the first version of this model did, leaves out the prefill.
 */
export function cpuReplicaSecondsPerRequest(): number {
  return DEMAND.promptTokens.value / MODEL_SPEED.cpuPrefillTokensPerSecond.value + DEMAND.completionTokens.value / MODEL_SPEED.cpuAggregateTokensPerSecond.value;
}

/**
 * Latency of a Standard request at the HPA's target load: prefill, then the answer at the per-conversation
 * rate when the replica's parallel slots are as busy as the target utilization keeps them.
 * This is what the Standard latency SLO must be able to meet.
 */
export function standardLatencyAtTargetLoad(): { timeToFirstTokenSeconds: number; fullRequestSeconds: number } {
  const prefill = DEMAND.promptTokens.value / MODEL_SPEED.cpuPrefillTokensPerSecond.value;
  const busySlots = Math.max(1, 4 * RENDERED.modelHpaTargetUtilization.value);
  const perConversation = Math.min(MODEL_SPEED.cpuSingleConversationTokensPerSecond.value, MODEL_SPEED.cpuAggregateTokensPerSecond.value / busySlots);
  return { timeToFirstTokenSeconds: prefill, fullRequestSeconds: prefill + DEMAND.completionTokens.value / perConversation };
}

/** The capacity and monthly cost of one load level. */
export interface LevelCapacity {
  readonly level: LoadLevel;
  readonly standardTenants: number;
  readonly premiumTenants: number;
  /** Requests/s at the peak that go to the CPU models and to the 70B model. */
  readonly cpuRequestsPerSecond: number;
  readonly gpuRequestsPerSecond: number;
  /** Answer tokens/s at the peak on each. */
  readonly cpuCompletionTokensPerSecond: number;
  readonly gpuCompletionTokensPerSecond: number;
  /** Standard replicas: with prefill and HPA headroom, and what counting answer tokens alone gave. */
  readonly standardReplicas: number;
  readonly standardReplicasAnswerTokensOnly: number;
  /** 70B replicas in business hours. */
  readonly gpuReplicas: number;
  /** Requests of every pod on the `cpu` pools. */
  readonly requestedCpuCores: number;
  readonly requestedMemoryGiB: number;
  /** `cpu` nodes at the peak: the binding resource, never below the pools' minimum (what pool maxima and quota must allow). */
  readonly cpuNodes: number;
  /** `cpu` nodes outside working hours, once tenants sleep: the models' minimum replicas, the gateway and the activator. */
  readonly cpuNodesOffHours: number;
  /** `cpu` nodes with every tenant awake at its minimum and nobody chatting (the models at their minimum): what a fresh sync of every tenant asks for. */
  readonly cpuNodesAwakeIdle: number;
  readonly bindingResource: 'cpu' | 'memory';
  /** USD per month. */
  readonly cost: {
    readonly base: number;
    readonly cpuNodes: number;
    readonly tenantEndpoints: number;
    readonly gpu: number;
    readonly total: number;
  };
  /** USD per tenant-month by tier; `perTenant.standard × standardTenants + perTenant.premium × premiumTenants = cost.total`. */
  readonly perTenant: { readonly standard: TenantCost; readonly premium: TenantCost };
}

/** What one tenant of a tier costs per month, by item. */
export interface TenantCost {
  readonly idleFootprint: number;
  readonly endpoint: number;
  readonly platformShare: number;
  readonly cpuInference: number;
  readonly gpuInference: number;
  readonly total: number;
}

/**
 * Hours a GPU replica is on per month: the longer of the working day and the warm window, plus the idle
 * tail after the last request of each day.
 */
export function gpuHoursPerMonth(): number {
  const onHours = Math.max(CALENDAR.workingHoursPerDay, PREMIUM_WARM_HOURS_PER_DAY.value);
  return CALENDAR.workingDaysPerMonth * (onHours + GPU_IDLE_TAIL_MINUTES.value / 60);
}

/** USD per month of one always-on `cpu` node. */
export function cpuNodeUsdPerMonth(prices: UnitPrices = DEFAULT_PRICES): number {
  return prices.cpuNodeUsdPerHour * CALENDAR.hoursPerMonth;
}

/**
 * Hours per month a tenant in use is awake: the working hours plus, each working day, the idle period
 * after its last request before it sleeps (docs/adr/0022-inquilinos-dormidos-y-activador.md).
 */
export function awakeHoursPerMonth(): number {
  return CALENDAR.workingDaysPerMonth * (CALENDAR.workingHoursPerDay + DORMANCY.dormantAfterIdleMinutes.value / 60);
}

/**
 * What a tenant costs per month on its own while nobody uses it, its platform share and inference
 * aside: its requests' share of a `cpu` node (whichever of CPU or memory fills the node first) for the
 * hours it is awake, plus its private endpoint. A dormant tenant nobody uses is awake 0 h; one that
 * never sleeps (`dormantAfterIdleMinutes: 0`) all month.
 */
export function idleTenantUsdPerMonth(footprint: TenantIdleFootprint, awakeHours: number, prices: UnitPrices = DEFAULT_PRICES): { footprint: number; endpoint: number; total: number } {
  const nodeShare = Math.max(footprint.cpuCores / CPU_NODE.allocatableVcpu.value, footprint.memoryGiB / CPU_NODE.allocatableMemoryGiB.value);
  const fp = nodeShare * prices.cpuNodeUsdPerHour * awakeHours;
  const endpoint = prices.tenantPrivateEndpointUsdPerHour * CALENDAR.hoursPerMonth;
  return { footprint: fp, endpoint, total: fp + endpoint };
}

/** The `cpu` pools with a given number of Standard model replicas running, and the tenants awake or asleep. */
interface CpuPoolState {
  readonly requestedCpuCores: number;
  readonly requestedMemoryGiB: number;
  readonly nodes: number;
  readonly bindingResource: 'cpu' | 'memory';
  /** Fraction of the nodes each consumer pays for: by requests of the resource that fills the nodes. */
  readonly share: { readonly standardTenant: number; readonly premiumTenant: number; readonly models: number; readonly platform: number };
}

function cpuPoolState(
  standardTenants: number,
  premiumTenants: number,
  idle: Readonly<Record<'standard' | 'premium', TenantIdleFootprint>>,
  standardReplicas: number,
  tenantsAwake: boolean,
): CpuPoolState {
  const awake = tenantsAwake ? 1 : 0;
  const std = { cpu: awake * idle.standard.cpuCores, mem: awake * idle.standard.memoryGiB };
  const prem = { cpu: awake * idle.premium.cpuCores, mem: awake * idle.premium.memoryGiB };
  const modelCpu = standardReplicas * RENDERED.standardModelReplicaCpu.value;
  const modelMemory = standardReplicas * STANDARD_MODEL_REPLICA_MEMORY_GIB;
  // The gateway and the activator run whether tenants sleep or not: platform overhead.
  const platformCpu = RENDERED.gatewayReplicas.value * RENDERED.gatewayReplicaCpu.value + ACTIVATOR.replicas.value * ACTIVATOR.replicaCpu.value;
  const platformMemory = ACTIVATOR.replicas.value * ACTIVATOR.replicaMemoryGiB.value;
  const requestedCpuCores = standardTenants * std.cpu + premiumTenants * prem.cpu + modelCpu + platformCpu;
  const requestedMemoryGiB = standardTenants * std.mem + premiumTenants * prem.mem + modelMemory + platformMemory;
  const byCpu = Math.ceil(requestedCpuCores / CPU_NODE.allocatableVcpu.value);
  const byMemory = Math.ceil(requestedMemoryGiB / CPU_NODE.allocatableMemoryGiB.value);
  const bindingResource: 'cpu' | 'memory' = byMemory > byCpu ? 'memory' : 'cpu';
  const of = (cpu: number, mem: number) => (bindingResource === 'cpu' ? cpu / requestedCpuCores : mem / requestedMemoryGiB);
  return {
    requestedCpuCores,
    requestedMemoryGiB,
    nodes: Math.max(CPU_NODE.minimumNodes.value, byCpu, byMemory),
    bindingResource,
    share: { standardTenant: of(std.cpu, std.mem), premiumTenant: of(prem.cpu, prem.mem), models: of(modelCpu, modelMemory), platform: of(platformCpu, platformMemory) },
  };
}

/**
 * Capacity of a load level at the peak hour, and its monthly cost with the pools following the load:
 * the peak's nodes for every working hour (an upper bound: the morning peak does not last all day) and the
 * floor (idle tenants, the models' minimum, the gateway) the rest of the month. Costs are split per tenant
 * so that the split adds up to the total: node capacity left unused by rounding up is shared in
 * proportion to use.
 */
export function levelCapacity(level: LoadLevel, idle: Readonly<Record<'standard' | 'premium', TenantIdleFootprint>>, prices: UnitPrices = DEFAULT_PRICES): LevelCapacity {
  const premiumTenants = Math.round(level.tenants * DEMAND.premiumShare.value);
  const standardTenants = level.tenants - premiumTenants;
  const perTenant = peakRequestsPerSecond();
  const large = DEMAND.premiumLargeModelShare.value;
  const cpuRps = standardTenants * perTenant + premiumTenants * perTenant * (1 - large);
  const gpuRps = premiumTenants * perTenant * large;
  const completion = DEMAND.completionTokens.value;

  const busyReplicas = cpuRps * cpuReplicaSecondsPerRequest();
  const minStandard = STANDARD_MODELS * STANDARD_MODEL_MIN_REPLICAS;
  const standardReplicas = Math.max(minStandard, Math.ceil(busyReplicas / RENDERED.modelHpaTargetUtilization.value));
  const standardReplicasAnswerTokensOnly = Math.max(minStandard, Math.ceil((cpuRps * completion) / MODEL_SPEED.cpuAggregateTokensPerSecond.value));
  const gpuReplicas = gpuRps > 0 ? Math.max(1, Math.ceil((gpuRps * completion) / MODEL_SPEED.gpuAggregateTokensPerSecond.value)) : 0;

  // Three periods a month: the working hours at the peak (an upper bound), the idle period after the
  // working day before tenants sleep (models back at their minimum), and the rest with every tenant asleep.
  const peak = cpuPoolState(standardTenants, premiumTenants, idle, standardReplicas, true);
  const tail = cpuPoolState(standardTenants, premiumTenants, idle, minStandard, true);
  const floor = cpuPoolState(standardTenants, premiumTenants, idle, minStandard, false);
  const businessHours = CALENDAR.workingHoursPerDay * CALENDAR.workingDaysPerMonth;
  const tailHours = awakeHoursPerMonth() - businessHours;
  const offHours = CALENDAR.hoursPerMonth - businessHours - tailHours;
  const peakCost = peak.nodes * prices.cpuNodeUsdPerHour * businessHours;
  const tailCost = tail.nodes * prices.cpuNodeUsdPerHour * tailHours;
  const floorCost = floor.nodes * prices.cpuNodeUsdPerHour * offHours;

  const endpointEach = prices.tenantPrivateEndpointUsdPerHour * CALENDAR.hoursPerMonth;
  const gpu = gpuReplicas * gpuHoursPerMonth() * prices.gpuSpotUsdPerHour;
  const base = PLATFORM_BASE_USD_PER_MONTH.value;
  const cost = { base, cpuNodes: peakCost + tailCost + floorCost, tenantEndpoints: level.tenants * endpointEach, gpu, total: 0 };
  cost.total = cost.base + cost.cpuNodes + cost.tenantEndpoints + cost.gpu;

  // Each period's node cost split by share; the models' share is paid per request, the gateway's and the activator's are platform overhead.
  const both = (pick: (s: CpuPoolState['share']) => number) => peakCost * pick(peak.share) + tailCost * pick(tail.share) + floorCost * pick(floor.share);
  const modelsCost = both((x) => x.models);
  const platformShare = (base + both((x) => x.platform)) / level.tenants;
  const cpuPerRequest = cpuRps > 0 ? modelsCost / cpuRps : 0;
  const tenantCost = (tier: 'standard' | 'premium'): TenantCost => {
    const cpuShare = tier === 'standard' ? 1 : 1 - large;
    const items = {
      idleFootprint: both((x) => (tier === 'standard' ? x.standardTenant : x.premiumTenant)),
      endpoint: endpointEach,
      platformShare,
      cpuInference: cpuPerRequest * perTenant * cpuShare,
      gpuInference: tier === 'premium' && premiumTenants > 0 ? gpu / premiumTenants : 0,
    };
    return { ...items, total: items.idleFootprint + items.endpoint + items.platformShare + items.cpuInference + items.gpuInference };
  };

  return {
    level,
    standardTenants,
    premiumTenants,
    cpuRequestsPerSecond: cpuRps,
    gpuRequestsPerSecond: gpuRps,
    cpuCompletionTokensPerSecond: cpuRps * completion,
    gpuCompletionTokensPerSecond: gpuRps * completion,
    standardReplicas,
    standardReplicasAnswerTokensOnly,
    gpuReplicas,
    requestedCpuCores: peak.requestedCpuCores,
    requestedMemoryGiB: peak.requestedMemoryGiB,
    cpuNodes: peak.nodes,
    cpuNodesOffHours: floor.nodes,
    cpuNodesAwakeIdle: tail.nodes,
    bindingResource: peak.bindingResource,
    cost,
    perTenant: { standard: tenantCost('standard'), premium: tenantCost('premium') },
  };
}
