import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimCluster, sleep, waitFor } from './cluster.ts';
import { DemandSignal, KedaActivationStandIn } from './keda-standin.ts';
import { applyManifests, readManifests, MANIFESTS_DIR } from './platform.ts';
import { TEST_PROFILE } from './profile.ts';

/**
 * The KEDA stand-in on a real Prometheus, without the cluster autoscaler: the premium Deployment,
 * its ScaledObject and the gateway's PodMonitor from dist/manifests on a simulated control plane.
 * A burst of premium requests (none left in flight) must take the Deployment 0 → 1 through the
 * query's increase() term alone, and idleness must take it back to 0 only after the idle window
 * and the cooldown.
 */
const PREMIUM = { namespace: 'models-premium', deployment: 'ollama-llama3-70b', model: 'llama3:70b' } as const;
/** The idle window the platform promises (docs/modelos-y-gpu.md, "Escalado a cero"), production seconds. */
const IDLE_WINDOW = 15 * 60;

let cluster: SimCluster;
let signal: DemandSignal;
let keda: KedaActivationStandIn;
let so: any;
/** The gateway PodMonitor's scrape interval, production seconds. */
let scrapeSeconds: number;

const replicas = async () => (await cluster.getJson(['get', 'deployment', PREMIUM.deployment, '-n', PREMIUM.namespace])).spec.replicas as number;

beforeAll(async () => {
  cluster = await SimCluster.up({ name: 'keda-standin', profile: TEST_PROFILE, autoscaler: false });
  const wanted = readManifests(MANIFESTS_DIR).filter(
    (m) => m.file.startsWith(`dist/manifests/cluster-addons/${PREMIUM.namespace}/`) || (m.object.metadata.name === 'inference-gateway' && ['Namespace', 'PodMonitor'].includes(m.object.kind)),
  );
  await applyManifests(cluster, wanted);
  scrapeSeconds = Number((wanted.find((m) => m.object.kind === 'PodMonitor')!.object as any).spec.podMetricsEndpoints[0].interval.replace(/s$/, ''));
  so = (await cluster.getJson(['get', 'scaledobjects.keda.sh', PREMIUM.deployment, '-n', PREMIUM.namespace]));
  signal = new DemandSignal(cluster.scaled(cluster.timings.demand.metricVisibilityLag));
  keda = new KedaActivationStandIn(cluster, signal);
  await keda.start();
}, 20 * 60_000);

afterAll(async () => {
  await keda?.stop();
  await cluster?.stop();
});

describe('KEDA stand-in on a real Prometheus (no autoscaler needed)', () => {
  it('rests the premium Deployment at 0, wakes it on a burst of requests and puts it back to 0 after the idle window and cooldown', async () => {
    const lag = cluster.timings.demand.metricVisibilityLag;
    // Applied with the Deployment's default of 1 replica; nothing ever asked for it.
    await waitFor('premium Deployment at rest (0 replicas)', cluster.scaled(so.spec.pollingInterval + so.spec.cooldownPeriod) + 5, async () => (await replicas()) === 0);

    // A burst: a request every 0.5 s for 3 s, each answered at once (no request left in flight).
    const burstStart = Date.now();
    for (let i = 0; i < 6; i++) {
      signal.request(PREMIUM.model);
      await sleep(500);
    }
    const lastRequest = Date.now();
    const toOne = await waitFor('0 → 1 after the burst', cluster.scaled(lag + so.spec.pollingInterval) + 5, async () => (await replicas()) === 1);
    console.log(`keda stand-in: 0 → 1 ${((Date.now() - burstStart) / 1000).toFixed(1)} s after the burst began (${toOne.toFixed(1)} s after it ended)`);
    expect(keda.activity.get(`${PREMIUM.namespace}/${PREMIUM.deployment}`)).toBeGreaterThan(Number(so.spec.triggers[0].metadata.activationThreshold));

    // Idle: back to 0 after the window (+ visibility lag) and the cooldown, not before the window.
    const budget = cluster.scaled(lag + IDLE_WINDOW + so.spec.cooldownPeriod + 2 * so.spec.pollingInterval) + 5;
    await waitFor('1 → 0 after the idle window and cooldown', budget, async () => (await replicas()) === 0);
    const idleSeconds = (Date.now() - lastRequest) / 1000;
    console.log(`keda stand-in: 1 → 0 ${idleSeconds.toFixed(1)} s after the last request (window ${cluster.scaled(IDLE_WINDOW)} s + cooldown ${cluster.scaled(so.spec.cooldownPeriod)} s, simulated)`);
    // Not before the window + cooldown, less what sampling can shave off: one scrape (the last request
    // lands between two samples) and one poll (the last active reading is up to one poll before the end).
    const scrape = scrapeSeconds * cluster.profile.timeScale;
    expect(idleSeconds).toBeGreaterThanOrEqual(cluster.scaled(IDLE_WINDOW + so.spec.cooldownPeriod) - scrape - cluster.scaled(so.spec.pollingInterval));
    expect(keda.events.map((e) => e.replicas)).toEqual([0, 1, 0]);
  });

  it('decides on the query result: a never-idle query wakes the Deployment with no demand at all', async () => {
    // GIVEN the Deployment at rest and no traffic for longer than the idle window
    expect(await replicas()).toBe(0);
    // WHEN the ScaledObject's activity query is replaced by one that is never idle
    const triggers = so.spec.triggers.map((t: any) => (t.name === 'activity' ? { ...t, metadata: { ...t.metadata, query: `${t.metadata.query} + 1` } } : t));
    await cluster.kubectl(['patch', 'scaledobjects.keda.sh', PREMIUM.deployment, '-n', PREMIUM.namespace, '--type=merge', '-p', JSON.stringify({ spec: { triggers } })]);
    // THEN the stand-in activates it on its next polls
    await waitFor('0 → 1 with the never-idle query', cluster.scaled(so.spec.pollingInterval) * 3 + 5, async () => (await replicas()) === 1);
    expect(keda.activity.get(`${PREMIUM.namespace}/${PREMIUM.deployment}`)).toBe(1);
  });
});
