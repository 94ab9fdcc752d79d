import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kwokComponent, sleep, waitFor } from '../cluster.ts';
import { isReady, zoneOf } from '../observe.ts';
import { NODE_LIFECYCLE } from '../profile.ts';
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

  // A loaded host can leave a zone's kubelets late on their leases for a few seconds: the node
  // lifecycle controller then marks the nodes Unknown and sets Ready=False on their pods. Once the
  // kubelets report again, every pod they run must be Ready again (before the fix, such pods stayed
  // Running and not Ready for ever and scenario 7 never converged).
  it('brings every pod of a zone whose kubelets stalled past the grace period back to Ready', async () => {
    const { cluster } = platform;
    const zone = `${cluster.model.region}-2`;
    const zoneNodes = (await cluster.getJson<{ items: { metadata: { name: string; labels: Record<string, string> } }[] }>(['get', 'nodes'])).items
      .filter((n) => zoneOf(n) === zone)
      .map((n) => n.metadata.name);
    type PodItem = { metadata: { name: string; namespace: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status: { phase?: string; conditions?: { type: string; status: string }[] } };
    const runningNotReady = async () => {
      const items = (await cluster.getJson<{ items: PodItem[] }>(['get', 'pods', '-A'])).items;
      return items.filter((p) => zoneNodes.includes(p.spec.nodeName ?? '') && p.status.phase === 'Running' && !p.metadata.deletionTimestamp && !isReady(p));
    };
    expect(await runningNotReady()).toEqual([]);

    // Three grace periods: long enough for the controller to act, well short of the eviction toleration.
    const stallSeconds = 3 * cluster.scaled(NODE_LIFECYCLE.nodeMonitorGracePeriod);
    expect(stallSeconds).toBeLessThan(cluster.scaled(NODE_LIFECYCLE.notReadyTolerationSeconds));
    let stalled = true;
    const stall = cluster.stallComponent(kwokComponent('2'), stallSeconds).finally(() => { stalled = false; });
    let mostNotReady = 0;
    let nodesNotReadySeen = false;
    while (stalled) {
      mostNotReady = Math.max(mostNotReady, (await runningNotReady()).length);
      const nodes = (await cluster.getJson<{ items: { metadata: { name: string }; status: unknown }[] }>(['get', 'nodes'])).items;
      nodesNotReadySeen ||= nodes.some((n) => zoneNodes.includes(n.metadata.name) && !isReady(n));
      await sleep(250);
    }
    await stall;
    // Not a vacuous run: the stall did mark nodes and pods not Ready.
    expect(nodesNotReadySeen).toBe(true);
    expect(mostNotReady).toBeGreaterThan(0);

    const recoveredWithin = cluster.scaled(120) + 10;
    await waitFor(`every pod of zone ${zone} Ready again`, recoveredWithin, async () => (await runningNotReady()).length === 0);
    const nodes = (await cluster.getJson<{ items: { metadata: { name: string }; status: unknown }[] }>(['get', 'nodes'])).items;
    expect(nodes.filter((n) => zoneNodes.includes(n.metadata.name)).every(isReady)).toBe(true);
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
