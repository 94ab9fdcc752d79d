/* eslint-disable @typescript-eslint/no-explicit-any -- ScaledObject JSON read field by field */
import { durationSeconds } from './aks-model.ts';
import { sleep, type SimCluster } from './cluster.ts';

/**
 * STAND-IN for KEDA's 0↔1 activation (not KEDA itself). It reads the platform's real ScaledObjects
 * from the API server and applies the part of KEDA's semantics that scale-to-zero depends on:
 * every `pollingInterval` the activation metric is read; above `activationThreshold` a target at
 * 0 replicas goes to 1; after `cooldownPeriod` without activity it goes back to `minReplicaCount`.
 * Above 1 replica KEDA hands over to an HPA on its external metric, which the scenarios do not
 * exercise.
 *
 * Why a stand-in: KEDA's Prometheus trigger reads Azure Monitor managed Prometheus with workload
 * identity, neither of which exists offline, so the metric would be invented either way; and the
 * demand signal is what the scenarios must control. What this stand-in reads is the production
 * ScaledObject (intervals, thresholds, target, and the query's range window), so a change to
 * those values changes the simulated timeline.
 */
export class DemandSignal {
  private readonly requests = new Map<string, number[]>();
  private readonly inflight = new Map<string, { at: number; count: number }[]>();

  /**
   * @param visibilityLagSeconds how long traffic takes to show in the metric KEDA queries (scrape +
   *   ingestion; data/timings.yaml `demand.metricVisibilityLag`, already scaled).
   */
  constructor(private readonly visibilityLagSeconds = 0) {}

  /** One premium request arrives (and completes at once) for `model`, e.g. `llama3:70b`. */
  request(model: string): void {
    this.requests.set(model, [...(this.requests.get(model) ?? []), Date.now()]);
  }

  /** Requests of `model` currently waiting or streaming. */
  setInflight(model: string, count: number): void {
    this.inflight.set(model, [...(this.inflight.get(model) ?? []), { at: Date.now(), count }]);
  }

  /** The activity query's value as KEDA sees it now: requests within the window plus in-flight ones, both `visibilityLag` old. */
  activity(model: string, windowSeconds: number): number {
    const seenUntil = Date.now() - this.visibilityLagSeconds * 1000;
    const since = seenUntil - windowSeconds * 1000;
    const recent = (this.requests.get(model) ?? []).filter((t) => t >= since && t <= seenUntil).length;
    const visible = (this.inflight.get(model) ?? []).filter((e) => e.at <= seenUntil).at(-1)?.count ?? 0;
    return recent + visible;
  }
}

/** What the stand-in takes from one ScaledObject. */
export interface ActivationSpec {
  readonly namespace: string;
  readonly deployment: string;
  readonly model: string;
  readonly minReplicas: number;
  readonly pollingSeconds: number;
  readonly cooldownSeconds: number;
  readonly activationThreshold: number;
  /** Range of the activity query (`increase(...[15m])`), the real idle window before the cooldown. */
  readonly queryWindowSeconds: number;
}

/** Reads the activation part of a ScaledObject; fails loudly on a shape it does not understand. */
export function activationSpec(so: any): ActivationSpec {
  const where = `ScaledObject ${so.metadata.namespace}/${so.metadata.name}`;
  const trigger = (so.spec.triggers ?? []).find((t: any) => t.type === 'prometheus' && t.name === 'activity');
  if (!trigger) throw new Error(`${where}: no prometheus trigger named "activity"`);
  const query: string = trigger.metadata.query;
  const model = /model="([^"]+)"/.exec(query)?.[1];
  const window = /\[(\d+[smh])\]/.exec(query)?.[1];
  if (!model || !window) throw new Error(`${where}: the activity query names no model="..." or [window]: ${query}`);
  return {
    namespace: so.metadata.namespace,
    deployment: so.spec.scaleTargetRef.name,
    model,
    minReplicas: so.spec.minReplicaCount ?? 0,
    pollingSeconds: so.spec.pollingInterval ?? 30,
    cooldownSeconds: so.spec.cooldownPeriod ?? 300,
    activationThreshold: Number(trigger.metadata.activationThreshold ?? 0),
    queryWindowSeconds: durationSeconds(window, `${where} query window`),
  };
}

export class KedaActivationStandIn {
  private running = false;
  private loop?: Promise<void>;
  private readonly lastActive = new Map<string, number>();
  /** Scale events, for the report's timeline. */
  readonly events: { at: number; deployment: string; replicas: number }[] = [];

  constructor(
    private readonly cluster: SimCluster,
    private readonly signal: DemandSignal,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
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
        if (this.running) console.warn(`keda stand-in: ${(error as Error).message}`);
      }
      await sleep(polling * 1000);
    }
  }

  private async reconcile(spec: ActivationSpec): Promise<void> {
    const key = `${spec.namespace}/${spec.deployment}`;
    const active = this.signal.activity(spec.model, this.cluster.scaled(spec.queryWindowSeconds)) > spec.activationThreshold;
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
