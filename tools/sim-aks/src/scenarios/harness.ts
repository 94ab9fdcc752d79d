/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes JSON read field by field */
import { SimCluster, waitFor } from '../cluster.ts';
import { DemandSignal, KedaActivationStandIn } from '../keda-standin.ts';
import { isReady, poolOf, zoneOf } from '../observe.ts';
import { applyManifests, platformManifests, type Manifest } from '../platform.ts';
import { TEST_PROFILE } from '../profile.ts';
import { Recorder } from '../recorder.ts';

/** A simulated AKS with the platform applied, a demand signal and a recorder. */
export interface Platform {
  readonly cluster: SimCluster;
  readonly signal: DemandSignal;
  readonly keda: KedaActivationStandIn;
  readonly recorder: Recorder;
  stop(): Promise<void>;
}

/** Options of {@link startPlatform}. */
export interface StartOptions {
  /** Sampling period of the recorder. @default 1000 */
  readonly sampleEveryMs?: number;
  /**
   * Run the cluster autoscaler when it is built. A scenario whose behaviour is not the autoscaler's
   * says `false`, so it proves the same with or without one. @default true
   */
  readonly autoscaler?: boolean;
  /** Nodes per pool at start: its minimum or its declared maximum (SimClusterOptions.initialPoolSize). @default 'min' */
  readonly initialPoolSize?: 'min' | 'max';
}

/**
 * Brings up one cluster for a scenario file (state in `.out/sim-aks/<scenario>`), applies
 * `manifests` (default: all of dist/manifests) as Argo CD would, starts the KEDA stand-in and the
 * recorder, and waits until every schedulable pod is bound.
 */
export async function startPlatform(scenario: string, title: string, manifests: readonly Manifest[] = platformManifests(), options: StartOptions = {}): Promise<Platform> {
  const sampleEveryMs = options.sampleEveryMs ?? 1000;
  const cluster = await SimCluster.up({ name: scenario, profile: TEST_PROFILE, autoscaler: options.autoscaler, initialPoolSize: options.initialPoolSize });
  const recorder = new Recorder(cluster, scenario, title, sampleEveryMs).start();
  await applyManifests(cluster, manifests);
  recorder.mark('plataforma aplicada');
  const signal = new DemandSignal(cluster.scaled(cluster.timings.demand.metricVisibilityLag));
  const keda = new KedaActivationStandIn(cluster, signal);
  await keda.start();
  return {
    cluster,
    signal,
    keda,
    recorder,
    async stop() {
      await keda.stop();
      await recorder.finish();
      await cluster.stop();
    },
  };
}

export async function pods(cluster: SimCluster, namespace: string, selector?: string): Promise<any[]> {
  return (await cluster.getJson<{ items: any[] }>(['get', 'pods', '-n', namespace, ...(selector ? ['-l', selector] : [])])).items.filter((p) => !p.metadata.deletionTimestamp);
}

export async function nodesByName(cluster: SimCluster): Promise<Map<string, any>> {
  return new Map((await cluster.getJson<{ items: any[] }>(['get', 'nodes'])).items.map((n) => [n.metadata.name, n]));
}

/** Ready pods matching `selector` in `namespace`, with the pool and zone of their node. */
export async function readyPods(cluster: SimCluster, namespace: string, selector: string) {
  const nodes = await nodesByName(cluster);
  return (await pods(cluster, namespace, selector))
    .filter((p) => isReady(p) && nodes.has(p.spec.nodeName) && isReady(nodes.get(p.spec.nodeName)))
    .map((p) => ({ name: p.metadata.name, node: p.spec.nodeName, pool: poolOf(nodes.get(p.spec.nodeName)), zone: zoneOf(nodes.get(p.spec.nodeName)) }));
}

/** Waits until `count` pods matching the selector are Ready on Ready nodes; returns the seconds it took. */
export function waitForReadyPods(cluster: SimCluster, namespace: string, selector: string, count: number, timeoutSeconds: number): Promise<number> {
  return waitFor(`${count} ready pod(s) ${selector} in ${namespace}`, timeoutSeconds, async () => (await readyPods(cluster, namespace, selector)).length >= count);
}

export const PREMIUM = { namespace: 'models-premium', deployment: 'ollama-llama3-70b', selector: 'panal.io/model=llama3-70b', model: 'llama3:70b' } as const;

/** Nodes of the GPU pools (Ready or not). */
export async function gpuNodes(platform: Platform): Promise<any[]> {
  const gpuPools = platform.cluster.model.pools.filter((p) => p.gpu).map((p) => p.name);
  return (await platform.cluster.getJson<{ items: any[] }>(['get', 'nodes'])).items.filter((n) => gpuPools.includes(poolOf(n)));
}

/** Records a duration both in simulated and in production-equivalent seconds (for the report). */
export function recordDuration(platform: Platform, name: string, simulatedSeconds: number): void {
  platform.recorder.figures[`${name} (s simulados)`] = Number(simulatedSeconds.toFixed(1));
  platform.recorder.figures[`${name} (s de producción equivalentes)`] = Math.round(simulatedSeconds / platform.cluster.profile.timeScale);
}

/** Premium users at work: while on, one request in flight and a new one every simulated second. */
export class PremiumDemand {
  private ticker?: NodeJS.Timeout;

  constructor(private readonly platform: Platform) {}

  set(active: boolean): void {
    const { signal } = this.platform;
    signal.setInflight(PREMIUM.model, active ? 1 : 0);
    clearInterval(this.ticker);
    this.ticker = undefined;
    if (active) {
      signal.request(PREMIUM.model);
      this.ticker = setInterval(() => signal.request(PREMIUM.model), 1000);
    }
  }
}

/** A Deployment an HPA keeps at a minimum: what must stay available through disruptions. */
export interface ScaledWorkload {
  readonly namespace: string;
  readonly deployment: string;
  readonly selector: string;
  readonly minReplicas: number;
}

/** Every HPA-managed Deployment with the label selector of its pods. */
export async function scaledWorkloads(cluster: SimCluster): Promise<ScaledWorkload[]> {
  const hpas = (await cluster.getJson<{ items: any[] }>(['get', 'hpa', '-A'])).items;
  const out: ScaledWorkload[] = [];
  for (const hpa of hpas) {
    const deployment = await cluster.getJson(['get', 'deployment', hpa.spec.scaleTargetRef.name, '-n', hpa.metadata.namespace]);
    const selector = Object.entries(deployment.spec.selector.matchLabels as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',');
    out.push({ namespace: hpa.metadata.namespace, deployment: deployment.metadata.name, selector, minReplicas: hpa.spec.minReplicas });
  }
  return out.sort((a, b) => `${a.namespace}/${a.deployment}`.localeCompare(`${b.namespace}/${b.deployment}`));
}

/** Ready pods (on Ready nodes) per workload, from one listing of pods and nodes. */
export async function readyCounts(cluster: SimCluster, workloads: readonly ScaledWorkload[]): Promise<Map<ScaledWorkload, { ready: number; zones: Set<string> }>> {
  const nodes = await nodesByName(cluster);
  const all = (await cluster.getJson<{ items: any[] }>(['get', 'pods', '-A'])).items;
  const out = new Map<ScaledWorkload, { ready: number; zones: Set<string> }>();
  for (const w of workloads) {
    const labels = Object.fromEntries(w.selector.split(',').map((kv) => kv.split('=')));
    const mine = all.filter((p) => p.metadata.namespace === w.namespace && !p.metadata.deletionTimestamp && Object.entries(labels).every(([k, v]) => p.metadata.labels?.[k] === v));
    const ready = mine.filter((p) => isReady(p) && nodes.has(p.spec.nodeName) && isReady(nodes.get(p.spec.nodeName)));
    out.set(w, { ready: ready.length, zones: new Set(ready.map((p) => zoneOf(nodes.get(p.spec.nodeName)))) });
  }
  return out;
}
