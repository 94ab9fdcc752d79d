/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes JSON read field by field */
import { join } from 'node:path';
import { REPO_ROOT, SimCluster, waitFor } from '../cluster.ts';
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

/**
 * Brings up one cluster for a scenario file (state in `.out/sim-aks/<scenario>`), applies
 * `manifests` (default: all of dist/manifests) as Argo CD would, starts the KEDA stand-in and the
 * recorder, and waits until every schedulable pod is bound.
 */
export async function startPlatform(scenario: string, title: string, manifests: readonly Manifest[] = platformManifests()): Promise<Platform> {
  const cluster = await SimCluster.up({ name: scenario, stateDir: join(REPO_ROOT, '.out', 'sim-aks', scenario), profile: TEST_PROFILE });
  const recorder = new Recorder(cluster, scenario, title).start();
  await applyManifests(cluster, manifests);
  recorder.mark('plataforma aplicada');
  const signal = new DemandSignal(cluster.scaled(cluster.timings.demand.metricVisibilityLag));
  const keda = new KedaActivationStandIn(cluster, signal);
  keda.start();
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
