 
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoscalerAvailable } from '../toolchain.ts';
import { sleep, waitFor } from '../cluster.ts';
import { gatewayColdStartBudgetSeconds, platformManifests } from '../platform.ts';
import { gpuNodes as gpuNodesOf, PREMIUM, PremiumDemand, readyPods, recordDuration, startPlatform, type Platform } from './harness.ts';


const WITH_AUTOSCALER = autoscalerAvailable();
/**
 * Scenario 4 and the eviction half of 5 on one simulated AKS, in this order: the GPU pools rest at
 * zero; premium demand brings a spot GPU node and the model within the gateway's wait; a spot
 * eviction (cordon, drain, delete) is absorbed; demand stops and everything returns to zero.
 * Times are simulated (test profile); figures are also given in production seconds.
 */
let platform: Platform;
const manifests = platformManifests();
const budget = gatewayColdStartBudgetSeconds(PREMIUM.model, manifests);

beforeAll(async () => {
  if (!WITH_AUTOSCALER) return;
  platform = await startPlatform('gpu-lifecycle', 'GPU: de cero a uno y vuelta, desalojo spot y falta de capacidad spot', manifests);
}, 10 * 60_000);

afterAll(async () => {
  await platform?.stop();
});

const gpuPoolNames = () => platform.cluster.model.pools.filter((p) => p.gpu).map((p) => p.name);
const gpuNodes = () => gpuNodesOf(platform);
const figure = (name: string, seconds: number) => recordDuration(platform, name, seconds);
let demand: PremiumDemand;
const premiumDemand = (active: boolean) => (demand ??= new PremiumDemand(platform)).set(active);

async function premiumReplicas(): Promise<number> {
  return (await platform.cluster.getJson(['get', 'deployment', PREMIUM.deployment, '-n', PREMIUM.namespace])).spec.replicas ?? 1;
}

describe.skipIf(!WITH_AUTOSCALER)('scenarios 4 and 5: premium scale from zero and back, spot eviction', () => {
  it('rests at zero premium replicas and zero GPU nodes without premium traffic', async () => {
    const { cluster, recorder } = platform;
    const { autoscalerProfile } = cluster.model;
    // Upper bound: the KEDA cooldown, then the autoscaler's delay after add and unneeded time.
    const bound = cluster.scaled(autoscalerProfile.scaleDownDelayAfterAdd + autoscalerProfile.scaleDownUnneeded + 600);
    const took = await waitFor('GPU pools at zero', bound, async () => (await premiumReplicas()) === 0 && (await gpuNodes()).length === 0);
    recorder.mark('GPU en cero');
    figure('reposo: GPU a cero tras aplicar', took);
  });

  it('scales the model 0→1 on demand, adds a spot GPU node and is ready within the gateway wait', async () => {
    const { cluster, recorder } = platform;
    expect(cluster.autoscalerRunning).toBe(true);
    const started = recorder.mark('demanda premium (petición en espera)');
    premiumDemand(true);
    const took = await waitFor('premium model ready', cluster.scaled(budget) * 1.5, async () => (await readyPods(cluster, PREMIUM.namespace, PREMIUM.selector)).length >= 1);
    recorder.mark('modelo premium listo');
    const [pod] = await readyPods(cluster, PREMIUM.namespace, PREMIUM.selector);
    figure('arranque en frío premium', recorder.now() - started);
    recorder.figures['pool del primer nodo GPU'] = pod.pool;
    // The priority expander prefers spot (highest number wins).
    expect(pod.pool).toBe('gpuspot');
    // The first request waited, it did not fail: the cold start fits the gateway's wait.
    expect(took).toBeLessThanOrEqual(cluster.scaled(budget));
  });

  it('survives a spot eviction: cordon, drain, delete; the model is back within the gateway wait', async () => {
    const { cluster, recorder } = platform;
    const [before] = await readyPods(cluster, PREMIUM.namespace, PREMIUM.selector);
    expect(before.pool).toBe('gpuspot');
    const started = recorder.mark(`aviso de desalojo spot (${before.node})`);
    // AKS node auto-drain on the Scheduled Events "Preempt" notice: cordon and drain, then Azure deletes the VM.
    await cluster.kubectl(['cordon', before.node]);
    await cluster.kubectl(['drain', before.node, '--ignore-daemonsets', '--delete-emptydir-data', '--force', `--timeout=${Math.ceil(cluster.scaled(cluster.timings.spot.evictionNotice)) + 30}s`]);
    const noticeLeft = cluster.scaled(cluster.timings.spot.evictionNotice) - (recorder.now() - started);
    if (noticeLeft > 0) await sleep(noticeLeft * 1000);
    await cluster.kubectl(['delete', 'node', before.node, '--wait=false']);
    recorder.mark('VM spot eliminada');
    const budgetSeconds = cluster.scaled(budget);
    await waitFor('premium model ready again', budgetSeconds * 1.5, async () => {
      const ready = await readyPods(cluster, PREMIUM.namespace, PREMIUM.selector);
      return ready.some((p) => p.node !== before.node);
    });
    recorder.mark('modelo premium listo tras desalojo');
    figure('reprogramación tras desalojo spot', recorder.now() - started);
    const [after] = await readyPods(cluster, PREMIUM.namespace, PREMIUM.selector);
    recorder.figures['pool tras desalojo'] = after.pool;
    expect(gpuPoolNames()).toContain(after.pool);
    expect(recorder.now() - started).toBeLessThanOrEqual(budgetSeconds);
  });

  it('goes back to zero replicas and zero GPU nodes after the idle window', async () => {
    const { cluster, recorder } = platform;
    premiumDemand(false);
    const idleFrom = recorder.mark('fin de la demanda premium');
    const so = (await cluster.getJson<{ items: any[] }>(['get', 'scaledobjects.keda.sh', '-n', PREMIUM.namespace])).items[0];
    const queryWindow = Number(/\[(\d+)m\]/.exec(so.spec.triggers[0].metadata.query)?.[1] ?? 0) * 60;
    // Idle window: the activity query's range + KEDA's cooldown; then the autoscaler's unneeded time.
    const toZeroReplicas = cluster.scaled(cluster.timings.demand.metricVisibilityLag + queryWindow + so.spec.cooldownPeriod + so.spec.pollingInterval) + 5;
    await waitFor('premium at 0 replicas', toZeroReplicas, async () => (await premiumReplicas()) === 0);
    recorder.mark('modelo premium a 0 réplicas');
    figure('ventana de inactividad hasta 0 réplicas', recorder.now() - idleFrom);
    const { autoscalerProfile } = cluster.model;
    const toZeroNodes = cluster.scaled(autoscalerProfile.scaleDownUnneeded + autoscalerProfile.scaleDownDelayAfterAdd + 120);
    await waitFor('GPU nodes removed', toZeroNodes, async () => (await gpuNodes()).length === 0);
    recorder.mark('nodos GPU retirados');
    figure('de fin de demanda a 0 nodos GPU', recorder.now() - idleFrom);
    // Not before the idle window: the model stayed up while the query still saw the traffic.
    expect(recorder.now() - idleFrom).toBeGreaterThanOrEqual(cluster.scaled(queryWindow));
  });
});
