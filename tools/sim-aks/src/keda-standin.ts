/* eslint-disable @typescript-eslint/no-explicit-any -- ScaledObject JSON read field by field */
import { join } from 'node:path';
import { sleep, type SimCluster } from './cluster.ts';
import { compressPrometheusTime, DemandSignal, PrometheusServer } from './prometheus.ts';

export { DemandSignal } from './prometheus.ts';

/**
 * STAND-IN for KEDA's 0↔1 activation (not KEDA itself). It reads the platform's real ScaledObjects
 * from the API server and applies the part of KEDA's semantics that scale-to-zero depends on:
 * every `pollingInterval` the `activity` trigger's query is run against a real Prometheus server
 * (the pinned 3.16.0, on loopback) that scrapes the simulated gateway metrics; a value above
 * `activationThreshold` takes a target at 0 replicas to 1; after `cooldownPeriod` without activity
 * it goes back to `minReplicaCount`. Above 1 replica KEDA hands over to an HPA on its external
 * metric, which the scenarios do not exercise.
 *
 * Why a stand-in: KEDA's Prometheus trigger reads Azure Monitor managed Prometheus with workload
 * identity, neither of which exists offline, and the demand signal is what the scenarios must
 * control. What is real: the production query (time-compressed by compressPrometheusTime, the
 * one deviation), its evaluation by Prometheus, the gateway's metric names, the PodMonitor's
 * scrape interval and the ScaledObject's intervals and thresholds. Not simulated: the `warm-hours`
 * cron trigger (docs/adr/0018-arranque-en-frio-premium.md); the scenarios run as if outside that window.
 * @see https://keda.sh/docs/latest/scalers/prometheus/
 */

/** The gateway's PodMonitor, whose scrape interval the simulated Prometheus uses. */
const GATEWAY_PODMONITOR = { resource: 'podmonitors.azmonitoring.coreos.com', namespace: 'inference-gateway', name: 'inference-gateway' } as const;

/** What the stand-in takes from one ScaledObject. */
export interface ActivationSpec {
  readonly namespace: string;
  readonly deployment: string;
  readonly minReplicas: number;
  readonly pollingSeconds: number;
  readonly cooldownSeconds: number;
  readonly activationThreshold: number;
  /** The `activity` trigger's PromQL, as rendered (production durations). */
  readonly query: string;
  /** KEDA's `ignoreNullValues` (default true): an empty result counts as 0 instead of an error. */
  readonly ignoreNullValues: boolean;
}

/** Reads the activation part of a ScaledObject; fails loudly on a shape it does not understand. */
export function activationSpec(so: any): ActivationSpec {
  const where = `ScaledObject ${so.metadata.namespace}/${so.metadata.name}`;
  const trigger = (so.spec.triggers ?? []).find((t: any) => t.type === 'prometheus' && t.name === 'activity');
  if (!trigger) throw new Error(`${where}: no prometheus trigger named "activity"`);
  const query = trigger.metadata.query;
  if (typeof query !== 'string' || !query.trim()) throw new Error(`${where}: the activity trigger has no metadata.query`);
  const threshold = Number(trigger.metadata.activationThreshold ?? 0);
  if (!Number.isFinite(threshold)) throw new Error(`${where}: activationThreshold must be a number, but "${trigger.metadata.activationThreshold}" was provided`);
  return {
    namespace: so.metadata.namespace,
    deployment: so.spec.scaleTargetRef.name,
    minReplicas: so.spec.minReplicaCount ?? 0,
    pollingSeconds: so.spec.pollingInterval ?? 30,
    cooldownSeconds: so.spec.cooldownPeriod ?? 300,
    activationThreshold: threshold,
    query,
    ignoreNullValues: String(trigger.metadata.ignoreNullValues ?? 'true') !== 'false',
  };
}

export class KedaActivationStandIn {
  private running = false;
  private loop?: Promise<void>;
  private prometheus?: PrometheusServer;
  private productionScrapeSeconds = 0;
  private readonly lastActive = new Map<string, number>();
  /** Scale events, for the report's timeline. */
  readonly events: { at: number; deployment: string; replicas: number }[] = [];
  /** Last value of each target's activity query (`namespace/deployment`). */
  readonly activity = new Map<string, number>();

  constructor(
    private readonly cluster: SimCluster,
    private readonly signal: DemandSignal,
  ) {}

  /** Starts the metrics endpoint and Prometheus (building it on a cold cache), then the loop. Throws if Prometheus cannot be built or started. */
  async start(): Promise<void> {
    const podMonitor = await this.cluster.getJson(['get', GATEWAY_PODMONITOR.resource, GATEWAY_PODMONITOR.name, '-n', GATEWAY_PODMONITOR.namespace]);
    const interval = podMonitor.spec?.podMetricsEndpoints?.[0]?.interval;
    if (!/^\d+s$/.test(interval ?? '')) throw new Error(`PodMonitor ${GATEWAY_PODMONITOR.namespace}/${GATEWAY_PODMONITOR.name}: expected podMetricsEndpoints[0].interval in seconds, but "${interval}" was found`);
    this.productionScrapeSeconds = Number(interval.slice(0, -1));
    const time = compressPrometheusTime(this.cluster.profile, '', this.productionScrapeSeconds);
    this.prometheus = await PrometheusServer.start({ dir: join(this.cluster.stateDir, 'prometheus'), target: await this.signal.listen(), time });
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    // A fatal error already surfaced as a rejection when it happened; stopping must still clean up.
    await this.loop?.catch(() => undefined);
    await this.prometheus?.stop();
    await this.signal.close();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let polling = 1;
      try {
        const list = await this.cluster.getJson<{ items: any[] }>(['get', 'scaledobjects.keda.sh', '-A']);
        for (const so of list.items) {
          const spec = activationSpec(so);
          polling = this.cluster.scaled(spec.pollingSeconds);
          await this.reconcile(spec);
        }
      } catch (error) {
        // Prometheus gone is fatal (no silent fallback): the loop ends with a rejection nobody awaits yet.
        if (this.prometheus?.exited) throw new Error(`keda stand-in: ${(error as Error).message}`);
        if (this.running) console.warn(`keda stand-in: ${(error as Error).message}`);
      }
      await sleep(polling * 1000);
    }
  }

  private async reconcile(spec: ActivationSpec): Promise<void> {
    const key = `${spec.namespace}/${spec.deployment}`;
    const { query, scrapeIntervalSeconds } = compressPrometheusTime(this.cluster.profile, spec.query, this.productionScrapeSeconds);
    // The scrape part of the visibility lag is Prometheus' own; the rest (Azure Monitor ingestion) is a query in the past.
    const ingestionLagMs = Math.max(0, this.signal.visibilityLagSeconds - scrapeIntervalSeconds) * 1000;
    const value = await this.prometheus!.query(query, Date.now() - ingestionLagMs);
    if (value === undefined && !spec.ignoreNullValues) throw new Error(`ScaledObject ${key}: the activity query returned no sample and ignoreNullValues is false`);
    this.activity.set(key, value ?? 0);
    const active = (value ?? 0) > spec.activationThreshold;
    const current = (await this.cluster.getJson(['get', 'deployment', spec.deployment, '-n', spec.namespace])).spec.replicas ?? 1;
    const now = Date.now();
    if (active) this.lastActive.set(key, now);
    let desired = current;
    if (active && current < 1) desired = 1;
    const idleFor = (now - (this.lastActive.get(key) ?? 0)) / 1000;
    if (!active && current > spec.minReplicas && idleFor >= this.cluster.scaled(spec.cooldownSeconds)) desired = spec.minReplicas;
    if (desired !== current) {
      await this.cluster.kubectl(['scale', `deployment/${spec.deployment}`, '-n', spec.namespace, `--replicas=${desired}`]);
      this.events.push({ at: now, deployment: key, replicas: desired });
    }
  }
}
