 
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoscalerAvailable } from '../toolchain.ts';
import { sleep, waitFor } from '../cluster.ts';
import { isReady, poolOf } from '../observe.ts';
import { STOCKOUT_ANNOTATION } from '../stages.ts';
import { gpuNodes as gpuNodesOf, PREMIUM, PremiumDemand, readyPods, recordDuration, startPlatform, type Platform } from './harness.ts';


const WITH_AUTOSCALER = autoscalerAvailable();
/**
 * Scenario 5, stock-out half, on its own simulated AKS (a clean autoscaler state): spot capacity
 * never arrives, so after max-node-provision-time the autoscaler gives up on the spot groups and
 * the priority expander's next choice, the on-demand GPU pool, takes the premium model.
 */
let platform: Platform;
let demand: PremiumDemand;
const gpuNodes = () => gpuNodesOf(platform);
const figure = (name: string, seconds: number) => recordDuration(platform, name, seconds);
const premiumDemand = (active: boolean) => demand.set(active);

beforeAll(async () => {
  if (!WITH_AUTOSCALER) return;
  platform = await startPlatform('spot-stockout', 'Falta de capacidad spot: respaldo en el pool on-demand');
  demand = new PremiumDemand(platform);
  // Start from rest: no premium replica, no GPU node.
  await waitFor('GPU pools at zero', platform.cluster.scaled(1800), async () => (await gpuNodes()).length === 0 &&
    ((await platform.cluster.getJson(['get', 'deployment', PREMIUM.deployment, '-n', PREMIUM.namespace])).spec.replicas ?? 1) === 0);
}, 10 * 60_000);

afterAll(async () => {
  await platform?.stop();
});

describe.skipIf(!WITH_AUTOSCALER)('scenario 5: spot stock-out', () => {
  it('falls back to the on-demand GPU pool within max-node-provision-time plus boot and model start', async () => {
    const { cluster, recorder } = platform;
    // Stock-out: Azure accepts the spot scale-up but no VM ever boots. Every new spot node is marked
    // so that kwok never boots it (stages.ts), as a VM stuck in creation never registers Ready.
    let injecting = true;
    const stuck = new Set<string>();
    const injector = (async () => {
      while (injecting) {
        for (const n of await gpuNodes()) {
          if (poolOf(n) === 'gpuspot' && !n.metadata.annotations?.[STOCKOUT_ANNOTATION] && !isReady(n)) {
            await cluster.kubectl(['annotate', 'node', n.metadata.name, `${STOCKOUT_ANNOTATION}=true`]);
            stuck.add(n.metadata.name);
          }
        }
        await sleep(100);
      }
    })();
    try {
      const started = recorder.mark('falta de capacidad spot + demanda premium');
      premiumDemand(true);
      const provision = cluster.model.autoscalerProfile.maxNodeProvisionTime;
      const budgetSeconds = cluster.scaled(provision + cluster.timings.budgets.stockOutFallbackBeyondProvisionTime);
      await waitFor('premium ready on the fallback pool', budgetSeconds * 1.5, async () => (await readyPods(cluster, PREMIUM.namespace, PREMIUM.selector)).length >= 1);
      recorder.mark('modelo premium listo en gpuondemand');
      const elapsed = recorder.now() - started;
      figure('respaldo on-demand por falta de spot', elapsed);
      const [pod] = await readyPods(cluster, PREMIUM.namespace, PREMIUM.selector);
      recorder.figures['pool de respaldo'] = pod.pool;
      expect(stuck.size).toBeGreaterThan(0); // spot was tried first and failed (not skipped)
      expect(pod.pool).toBe('gpuondemand');
      // Not before the autoscaler gave up on spot, and within the budget after it.
      expect(elapsed).toBeGreaterThanOrEqual(cluster.scaled(provision));
      expect(elapsed).toBeLessThanOrEqual(budgetSeconds);
    } finally {
      injecting = false;
      await injector;
      premiumDemand(false);
      // Azure gives up on the stuck VMs; their node objects go.
      for (const name of stuck) await cluster.kubectlResult(['delete', 'node', name, '--wait=false']);
    }
  });
});
