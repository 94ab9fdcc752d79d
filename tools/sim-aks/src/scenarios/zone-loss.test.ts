import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kwokComponent, sleep, waitFor } from '../cluster.ts';
import { isReady, zoneOf } from '../observe.ts';
import { readyCounts, recordDuration, scaledWorkloads, startPlatform, type Platform, type ScaledWorkload } from './harness.ts';

/**
 * Scenario 6: one availability zone goes dark. Its kubelets stop reporting (kwok is restarted
 * without them), the node lifecycle controller marks the nodes NotReady/unreachable and evicts
 * their pods after the default toleration, and replacements must find room in the two other zones.
 * Throughout, every tenant keeps ≥1 ready OpenWebUI replica, each standard model ≥1 and the
 * gateway ≥2; afterwards every workload is back at its minimum, in the surviving zones.
 */
let platform: Platform;
let workloads: ScaledWorkload[];
const lostZone = () => `${platform.cluster.model.region}-1`;

beforeAll(async () => {
  platform = await startPlatform('zone-loss', 'Pérdida de una zona de disponibilidad');
  workloads = await scaledWorkloads(platform.cluster);
  await waitFor('every workload at its minimum', platform.cluster.scaled(600), async () => {
    const counts = await readyCounts(platform.cluster, workloads);
    return workloads.every((w) => counts.get(w)!.ready >= w.minReplicas);
  });
}, 10 * 60_000);

afterAll(async () => {
  await platform?.stop();
});

/** The floor each kind of workload must never go below while a zone is lost. */
function floorOf(w: ScaledWorkload): number {
  if (w.namespace === 'inference-gateway') return 2;
  return 1; // tenant OpenWebUI, standard models, and anything else an HPA keeps
}

describe('scenario 6: loss of one availability zone', () => {
  it('spreads every HA workload over at least two zones before the loss', async () => {
    const counts = await readyCounts(platform.cluster, workloads);
    const single = workloads.filter((w) => w.minReplicas >= 2 && counts.get(w)!.zones.size < 2).map((w) => `${w.namespace}/${w.deployment}`);
    expect(single).toEqual([]);
    expect(workloads.some((w) => w.namespace.startsWith('tenant-'))).toBe(true);
  });

  it('keeps the floors through the loss and recovers every minimum in the surviving zones', async () => {
    const { cluster, recorder } = platform;
    const zone = lostZone();
    const lostNodes = (await cluster.getJson<{ items: { metadata: { name: string; labels: Record<string, string> } }[] }>(['get', 'nodes'])).items
      .filter((n) => zoneOf(n) === zone)
      .map((n) => n.metadata.name);
    expect(lostNodes.length).toBeGreaterThan(0);

    const started = recorder.mark(`zona ${zone} perdida`);
    // The zone's kubelets fall silent at once: its kwok process dies (one per zone, see cluster.ts).
    await cluster.stopComponent(kwokComponent(zone.slice(cluster.model.region.length + 1)));

    const breaches: string[] = [];
    const lowest = new Map<string, number>();
    let recovered = false;
    const deadline = recorder.now() + cluster.scaled(1800);
    let notReadySeen = false;
    while (!recovered && recorder.now() < deadline) {
      const counts = await readyCounts(cluster, workloads);
      for (const w of workloads) {
        const { ready } = counts.get(w)!;
        const key = `${w.namespace}/${w.deployment}`;
        lowest.set(key, Math.min(lowest.get(key) ?? Infinity, ready));
        if (ready < floorOf(w)) breaches.push(`${key}: ${ready} ready at t=${(recorder.now() - started).toFixed(1)}s`);
      }
      const nodes = (await cluster.getJson<{ items: { metadata: { name: string }; status: unknown }[] }>(['get', 'nodes'])).items;
      if (!notReadySeen && nodes.filter((n) => lostNodes.includes(n.metadata.name)).every((n) => !isReady(n))) {
        notReadySeen = true;
        recorder.mark('nodos de la zona NotReady');
        recordDuration(platform, 'zona perdida → nodos NotReady', recorder.now() - started);
      }
      recovered = notReadySeen && workloads.every((w) => counts.get(w)!.ready >= w.minReplicas && !counts.get(w)!.zones.has(zone));
      if (!recovered) await sleep(500);
    }
    if (recovered) {
      recorder.mark('capacidad recuperada en las otras zonas');
      recordDuration(platform, 'zona perdida → mínimos recuperados', recorder.now() - started);
    }
    recorder.figures['réplicas listas mínimas (gateway)'] = Math.min(...[...lowest].filter(([k]) => k.startsWith('inference-gateway/')).map(([, v]) => v));
    recorder.figures['réplicas listas mínimas (OpenWebUI de un tenant)'] = Math.min(...[...lowest].filter(([k]) => k.startsWith('tenant-')).map(([, v]) => v));

    expect(notReadySeen).toBe(true);
    expect(breaches).toEqual([]);
    expect(recovered).toBe(true);
    // The lost nodes were really out of service (not a vacuous run): still NotReady at the end.
    const after = (await cluster.getJson<{ items: { metadata: { name: string; annotations?: Record<string, string> }; status: unknown }[] }>(['get', 'nodes'])).items;
    expect(after.filter((n) => lostNodes.includes(n.metadata.name)).every((n) => !isReady(n))).toBe(true);
  });
});
