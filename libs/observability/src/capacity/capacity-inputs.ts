/**
 * Every number the capacity and cost model reads, once, with where it comes from. The design doc's
 * capacity tables (docs/diseno/3-capacidad-y-costes.md) are generated from these by
 * `renderCapacityTables`, so a number changes in one place and the tables follow.
 *
 * Kinds of source are kept apart on purpose: an `assumption` is a guess to replace with production
 * data, `simulated` comes from the simulated AKS (estimated timings, not Azure), `local` from the real
 * stack on a development machine (real software, not AKS), `manifest` from what the platform renders,
 * `list-price` from Azure's public price list (to verify before budgeting).
 */

/** Where a number comes from. */
export type InputKind = 'assumption' | 'simulated' | 'local' | 'manifest' | 'list-price';

/** One input of the model. */
export interface CapacityInput {
  /** The value, in the unit the name says. */
  readonly value: number;
  /** Kind of source. */
  readonly kind: InputKind;
  /** The source in a few words (a file of this repository or a public page). */
  readonly source: string;
}

const assumption = (value: number, source: string): CapacityInput => ({ value, kind: 'assumption', source });

/** Demand per tenant (S1-S6 of the design doc). */
export const DEMAND = {
  /** S1: share of Premium tenants. */
  premiumShare: assumption(0.2, 'same mix as `make bench` (docs/benchmarks.md)'),
  /** S2: active users per tenant. */
  usersPerTenant: assumption(25, 'mid-sized company; measure distinct users per day in OpenWebUI'),
  /** S3: chat requests per user and working day. */
  requestsPerUserPerDay: assumption(10, 'office assistant use; measure with panal_gateway_requests_total'),
  /** S4: peak hour over the working-day average. */
  peakFactor: assumption(2, 'morning peak; measure the p95 per hour'),
  /** S5: prompt tokens per request. */
  promptTokens: assumption(750, 'short conversations with history; measure panal_gateway_tokens_total{type="prompt"}'),
  /** S5: answer tokens per request. */
  completionTokens: assumption(250, 'measure panal_gateway_tokens_total{type="completion"}'),
  /** S6: share of a Premium tenant's requests that go to the 70B model. */
  premiumLargeModelShare: assumption(0.3, 'measure by the `model` label'),
} as const;

/** Hours of the working day and working days per month. */
export const CALENDAR = {
  workingHoursPerDay: 8,
  workingDaysPerMonth: 22,
  hoursPerMonth: 730,
} as const;

/** Speed of one model replica (S7, S8). */
export const MODEL_SPEED = {
  /** S7: answer tokens/s of one Standard CPU replica, summed over its parallel conversations. */
  cpuAggregateTokensPerSecond: assumption(20, 'no published memory bandwidth for D16ds_v5; measure with `ollama run --verbose`'),
  /** S7: answer tokens/s of one conversation alone on a Standard CPU replica. */
  cpuSingleConversationTokensPerSecond: assumption(8, 'as above'),
  /** S7: prompt tokens/s a Standard CPU replica prefills (one prompt at a time: prefill is compute-bound). */
  cpuPrefillTokensPerSecond: assumption(80, 'middle of 60-100; measure `prompt eval rate` of `ollama run --verbose`'),
  /** S8: answer tokens/s of one 70B replica on an H100 NVL, summed over 4 conversations. */
  gpuAggregateTokensPerSecond: assumption(120, '35-45 % of the 3.9 TB/s / 43 GB memory-bandwidth bound, batched'),
} as const;

/** What the manifests render (read from the code that renders them where it is exported). */
export const RENDERED = {
  /** CPU the HPA of each Standard model keeps per replica (averageUtilization). */
  modelHpaTargetUtilization: { value: 0.7, kind: 'manifest', source: 'libs/k8s-constructs/src/models/ollama-model.ts (HPA averageUtilization 70)' } as CapacityInput,
  /** CPU requested by one Standard model replica, cores. */
  standardModelReplicaCpu: { value: 6, kind: 'manifest', source: 'libs/k8s-constructs/src/models/ollama-model.ts (cpuCores default)' } as CapacityInput,
  /** CPU requested by one gateway replica, cores. */
  gatewayReplicaCpu: { value: 0.5, kind: 'manifest', source: 'libs/k8s-constructs/src/gateway/inference-gateway.ts' } as CapacityInput,
  /** Gateway replicas at the minimum. */
  gatewayReplicas: { value: 3, kind: 'manifest', source: 'libs/k8s-constructs/src/gateway/inference-gateway.ts (HPA min)' } as CapacityInput,
} as const;

/**
 * Dormant tenants (docs/adr/0022-inquilinos-dormidos-y-activador.md): OpenWebUI and Redis scale to zero
 * after `dormantAfterIdleMinutes` without a request, and the tenant activator wakes them on the next one.
 */
export const DORMANCY = {
  /** Minutes a tenant stays awake after its last request (the tier default of `openWebUI.dormantAfterIdleMinutes`). */
  dormantAfterIdleMinutes: { value: 30, kind: 'manifest', source: 'libs/tenant-config/src/tiers.ts (defaultDormantAfterIdleMinutes)' } as CapacityInput,
} as const;

/** What the tenant activator renders. */
export const ACTIVATOR = {
  /** Replicas at the minimum (one per zone). */
  replicas: { value: 3, kind: 'manifest', source: 'libs/k8s-constructs/src/activator/tenant-activator.ts (HPA min)' } as CapacityInput,
  /** CPU requested by one replica, cores. */
  replicaCpu: { value: 0.25, kind: 'manifest', source: 'libs/k8s-constructs/src/activator/tenant-activator.ts' } as CapacityInput,
  /** Memory requested by one replica, GiB. */
  replicaMemoryGiB: { value: 0.25, kind: 'manifest', source: 'libs/k8s-constructs/src/activator/tenant-activator.ts' } as CapacityInput,
} as const;

/** Nodes of the `cpu` pools. */
export const CPU_NODE = {
  /** vCPUs of a D16ds_v5 the pods can request (AKS reserves the rest, DaemonSets take some). */
  allocatableVcpu: assumption(15, 'AKS kube-reserved and DaemonSets; read `kubectl describe node` Allocatable in the cluster'),
  /** Memory of a D16ds_v5 the pods can request, GiB (64 GiB minus AKS reservations and eviction threshold). */
  allocatableMemoryGiB: assumption(57, 'AKS memory reservation for 64 GiB nodes; read Allocatable in the cluster'),
  /** Nodes of the `cpu` pools always on in prod (their minimum). */
  minimumNodes: { value: 3, kind: 'manifest', source: 'libs/platform-model/src/node-pools.ts (cpu1-cpu3 min 1 each)' } as CapacityInput,
} as const;

/**
 * Minutes a spot H100 stays on after the last Premium request: 15 min KEDA window + 60 s cooldown +
 * 10 min `scale-down-unneeded` (26 min from the configuration) plus metric visibility, polling and the
 * node removal. The simulated AKS measured ≈ 29 min (docs/simulacion.md): the model uses that figure.
 */
export const GPU_IDLE_TAIL_MINUTES: CapacityInput = { value: 29, kind: 'simulated', source: 'docs/simulacion.md, scenario 4' };

/**
 * Hours per working day one 70B replica is kept warm whatever the traffic (`modelServing.premiumWarmHours`
 * of the example environment: 08-19 h, docs/adr/0018-arranque-en-frio-premium.md).
 */
export const PREMIUM_WARM_HOURS_PER_DAY: CapacityInput = { value: 11, kind: 'manifest', source: 'environments/example/environment.yaml (premiumWarmHours 08-19)' };

/**
 * The fixed platform bill in prod without the `cpu` nodes, the GPUs and telemetry ingestion, USD/month:
 * the rows of docs/costes-infraestructura.md (AKS control plane, `system` pool, PostgreSQL with zone HA
 * and storage, Files, Blob, platform private endpoints, Grafana, the egress Azure Firewall with its public IP, the Premium container registry).
 */
export const PLATFORM_BASE_USD_PER_MONTH: CapacityInput = {
  value: 73 + 504 + 1051 + 59 + 410 + 10 + 44 + 66 + 917 + 51,
  kind: 'list-price',
  source: 'docs/costes-infraestructura.md, prod table (every row except the `cpu` and GPU pools)',
};
