 
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL_ROLE_LABEL, PoolRole } from '@panal/platform-model';
import { autoscalerAvailable } from '../toolchain.ts';
import { writeManifests } from '@panal/k8s-constructs';
import { renderTenants } from '../../../../apps/tenants/src/render-tenants.ts';
import { generateBenchRepo } from '../../../bench/generate-tenants.ts';
import { REPO_ROOT, sleep } from '../cluster.ts';
import { snapshot } from '../observe.ts';
import { applyManifests, platformManifests, readManifests, type Manifest } from '../platform.ts';
import { readyCounts, recordDuration, scaledWorkloads, startPlatform, type Platform } from './harness.ts';


const WITH_AUTOSCALER = autoscalerAvailable();
/**
 * Scenario 7: 300 tenants (generated like the synth benchmark: every fifth one premium) rendered by
 * the real tenants app and applied with the platform add-ons. The scheduler and the autoscaler must
 * converge: every tenant's OpenWebUI at its minimum, nothing left Pending. Reported: API objects,
 * time to converge and node count per pool.
 */
/** 300 in `make test`; `make bench-sim TENANTS=<n>` runs the same scenario at another size. */
const TENANTS = Number(process.env.PANAL_SIM_TENANTS ?? 300);
let platform: Platform;
let work: string;
let tenantManifests: Manifest[];

beforeAll(async () => {
  if (!WITH_AUTOSCALER) return;
  work = mkdtempSync(join(tmpdir(), 'panal-sim-scale-'));
  generateBenchRepo(REPO_ROOT, work, TENANTS);
  const { tenants, files } = renderTenants({ repoRoot: work, envDir: join(work, 'environments/example') });
  expect(tenants.length).toBe(TENANTS);
  writeManifests(join(work, 'dist/manifests/tenants'), files);
  tenantManifests = readManifests(join(work, 'dist/manifests/tenants'));
  // The platform itself (add-ons, Argo CD objects) first, without the three example tenants.
  const platformOnly = platformManifests().filter((m) => !m.file.startsWith('dist/manifests/tenants/'));
  // Sampling 1,300 pods every second would compete with the control plane for the two cores.
  platform = await startPlatform('scale-300', `Escala: ${TENANTS} tenants`, platformOnly, { sampleEveryMs: 5000 });
}, 15 * 60_000);

afterAll(async () => {
  await platform?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!WITH_AUTOSCALER)(`scenario 7: ${TENANTS} tenants`, () => {
  it('applies every tenant and converges: each OpenWebUI at its minimum, no pod left Pending', async () => {
    const { cluster, recorder } = platform;
    const started = recorder.mark(`${TENANTS} tenants aplicados`);
    await applyManifests(cluster, tenantManifests);
    const applied = recorder.mark('aplicación terminada');
    // Real seconds: kubectl and the API server are not on the simulated clock, the two cores set this pace.
    recorder.figures[`aplicar ${TENANTS} tenants con server-side apply (s reales)`] = Number((applied - started).toFixed(1));

    const workloads = (await scaledWorkloads(cluster)).filter((w) => w.namespace.startsWith('tenant-'));
    expect(workloads.length).toBe(TENANTS);
    // An hour of production time after the apply, and never less than 5 real minutes: at this size the
    // two cores, not the simulated clock, set the pace.
    const deadline = applied + Math.max(cluster.scaled(3600), 300);
    let converged = false;
    let last = { short: workloads.length, pending: -1 };
    while (!converged && recorder.now() < deadline) {
      const counts = await readyCounts(cluster, workloads);
      const short = workloads.filter((w) => counts.get(w)!.ready < w.minReplicas).length;
      const { pendingPods } = await snapshot(cluster);
      last = { short, pending: pendingPods };
      converged = short === 0 && pendingPods === 0;
      if (!converged) await sleep(2000);
    }
    const s = await snapshot(cluster);
    recorder.mark('convergencia');
    recordDuration(platform, 'de empezar a aplicar a convergencia', recorder.now() - started);
    recordDuration(platform, 'de terminar de aplicar a convergencia', recorder.now() - applied);
    for (const [pool, n] of Object.entries(s.nodes)) recorder.figures[`nodos ${pool}`] = n;
    recorder.figures['tenants sin su mínimo de OpenWebUI'] = last.short;
    recorder.figures['pods Pending al final'] = last.pending;
    recorder.figures['objetos en la API (tenants)'] = tenantManifests.length;
    const pods = (await cluster.getJson<{ items: any[] }>(['get', 'pods', '-A'])).items.length;
    recorder.figures['pods'] = pods;
    console.log(`scale: ${TENANTS} tenants, ${tenantManifests.length} tenant objects, ${pods} pods, nodes ${JSON.stringify(s.nodes)}, converged=${converged}`);

    expect(last).toEqual({ short: 0, pending: 0 });
    // The CPU pools (one per zone) grew to hold them, each within its bounds.
    const cpuPools = cluster.model.pools.filter((p) => p.labels[POOL_ROLE_LABEL] === PoolRole.cpu);
    expect(cpuPools).toHaveLength(3);
    const total = cpuPools.reduce((n, p) => n + (s.nodes[p.name] ?? 0), 0);
    expect(total).toBeGreaterThan(cpuPools.reduce((n, p) => n + p.minCount, 0));
    for (const p of cpuPools) {
      expect(s.nodes[p.name] ?? 0, p.name).toBeGreaterThanOrEqual(p.minCount);
      expect(s.nodes[p.name] ?? 0, p.name).toBeLessThanOrEqual(p.maxCount);
    }
  });
});
