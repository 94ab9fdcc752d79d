import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL_ROLE_LABEL, PoolRole } from '@panal/platform-model';
import { autoscalerAvailable } from '../toolchain.ts';
import { writeManifests } from '@panal/k8s-constructs';
import { renderClusterAddons } from '../../../../apps/cluster-addons/src/render-cluster-addons.ts';
import { renderTenants } from '../../../../apps/tenants/src/render-tenants.ts';
import { generateBenchRepo } from '../../../bench/generate-tenants.ts';
import { REPO_ROOT, sleep, type SimCluster } from '../cluster.ts';
import { isReady, poolOf, snapshot } from '../observe.ts';
import { applyManifests, platformManifests, readManifests, unvalidatedKinds, type Manifest } from '../platform.ts';
import { recordDuration, startPlatform, type Platform } from './harness.ts';

const WITH_AUTOSCALER = autoscalerAvailable();
/**
 * Scenario 7: N tenants (generated like the synth benchmark: every fifth one premium) rendered by the
 * real tenants app and applied with the platform add-ons. Everything must converge: nothing left
 * Pending, every tenant's OpenWebUI ready at its HPA minimum, every Redis ready, every migration Job
 * complete, every CPU pool within the bounds the Terraform declares.
 *
 * With the autoscaler built, the pools start at their minimum and the autoscaler grows them. Without
 * it (the Go module proxy does not serve it, so on a new machine), every pool starts at its declared
 * maximum: a stand-in for the autoscaler's upper bound, which answers "do N tenants fit in the pool
 * maxima and converge there" but not how, or how fast, the autoscaler would get there.
 */
/**
 * In `make test`: 300 tenants with the autoscaler; without it 100, because the 159 nodes of every
 * pool at its maximum already make the cluster as large as it gets, and the apply (≈ 1.5 s per tenant
 * on two shared cores) is what grows. `make bench-sim TENANTS=<n>` runs the same scenario at any size
 * (1,000 for the figures in docs/benchmarks.md).
 */
const TENANTS = Number(process.env.PANAL_SIM_TENANTS ?? (WITH_AUTOSCALER ? 300 : 100));
const MODE = WITH_AUTOSCALER
  ? 'the autoscaler grows the pools from their minimum'
  : "every pool created at its declared maxCount (stand-in for the autoscaler's upper bound; autoscaler not built)";
if (!WITH_AUTOSCALER) console.warn(`sim-aks scale: without the autoscaler (not built), every pool starts at its maxCount: this answers "do ${TENANTS} tenants fit in the declared maxima and converge there", not how the autoscaler gets there`);
let platform: Platform;
let work: string;
let tenantManifests: Manifest[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'panal-sim-scale-'));
  generateBenchRepo(REPO_ROOT, work, TENANTS);
  const { tenants, files } = renderTenants({ repoRoot: work, envDir: join(work, 'environments/example') });
  expect(tenants.length).toBe(TENANTS);
  writeManifests(join(work, 'dist/manifests/tenants'), files);
  // The add-ons hold per-tenant objects too (the activator's ReferenceGrant and scale RoleBinding, the
  // reloader's RoleBinding, the gateway's and the edge's tenant lists): rendered for these tenants, as
  // Argo CD would sync them, instead of the committed ones for the three example tenants.
  writeManifests(join(work, 'dist/manifests/cluster-addons'), renderClusterAddons({ repoRoot: work, envDir: join(work, 'environments/example') }));
  const skip = new Set(unvalidatedKinds());
  const addons = readManifests(join(work, 'dist/manifests/cluster-addons')).filter((m) => !skip.has(`${m.object.apiVersion}/${m.object.kind}`));
  const inTenantNamespace = (m: Manifest) => m.object.metadata.namespace?.startsWith('tenant-') ?? false;
  // Objects in a tenant namespace go with that tenant (its namespace must exist first).
  tenantManifests = [...readManifests(join(work, 'dist/manifests/tenants')), ...addons.filter(inTenantNamespace)];
  // The platform itself (add-ons, Argo CD objects) first, without the three example tenants.
  const committed = platformManifests().filter((m) => !m.file.startsWith('dist/manifests/tenants/') && !m.file.startsWith('dist/manifests/cluster-addons/'));
  const platformOnly = [...committed, ...addons.filter((m) => !inTenantNamespace(m))];
  console.log(`scale: ${TENANTS} tenants, ${MODE}`);
  // Every sample lists every pod; at thousands of pods that competes with the control plane for the two cores.
  platform = await startPlatform('scale-300', `Escala: ${TENANTS} tenants`, platformOnly, {
    sampleEveryMs: Math.max(5000, TENANTS * 15),
    initialPoolSize: WITH_AUTOSCALER ? 'min' : 'max',
  });
}, 15 * 60_000);

afterAll(async () => {
  await platform?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** What is still short of converged, from three cheap listings (no pod list). */
async function shortfall(cluster: SimCluster) {
  const [hpas, deployments, jobs, unbound, redisPods] = await Promise.all([
    cluster.getJson<{ items: any[] }>(['get', 'hpa', '-A']),
    cluster.getJson<{ items: any[] }>(['get', 'deployments', '-A']),
    cluster.getJson<{ items: any[] }>(['get', 'jobs', '-A']),
    cluster.getJson<{ items: any[] }>(['get', 'pods', '-A', '--field-selector=spec.nodeName=,status.phase=Pending']),
    cluster.getJson<{ items: any[] }>(['get', 'pods', '-A', '-l', 'app.kubernetes.io/name=redis,app.kubernetes.io/component=cache']),
  ]);
  const tenant = (o: any) => String(o.metadata.namespace).startsWith('tenant-');
  const ready = new Map(deployments.items.map((d) => [`${d.metadata.namespace}/${d.metadata.name}`, d.status?.readyReplicas ?? 0]));
  const openWebUi = hpas.items.filter((h) => tenant(h) && h.spec.scaleTargetRef.name === 'open-webui');
  const redis = deployments.items.filter((d) => tenant(d) && d.metadata.name === 'redis');
  const migrations = jobs.items.filter((j) => tenant(j) && j.metadata.name === 'open-webui-migrate');
  const names = (items: any[]) => items.slice(0, 3).map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
  const owuShort = openWebUi.filter((h) => (ready.get(`${h.metadata.namespace}/open-webui`) ?? 0) < h.spec.minReplicas);
  const hpaLow = openWebUi.filter((h) => (h.status?.desiredReplicas ?? 0) < h.spec.minReplicas);
  // Redis by its pod (what OpenWebUI talks to); a Deployment status behind its pod is counted apart.
  const redisReady = new Set(redisPods.items.filter((p) => !p.metadata.deletionTimestamp && isReady(p)).map((p) => p.metadata.namespace));
  const redisDown = redis.filter((d) => !redisReady.has(d.metadata.namespace));
  const redisStatusStale = redis.filter((d) => redisReady.has(d.metadata.namespace) && (d.status?.readyReplicas ?? 0) < 1).length;
  const jobsOpen = migrations.filter((j) => (j.status?.succeeded ?? 0) < 1);
  const pendingPods = unbound.items.filter((p) => !p.metadata.deletionTimestamp);
  return {
    /** A few of what is short, by kind (for the progress line and the failure message). */
    examples: [...names(owuShort), ...names(hpaLow), ...names(redisDown), ...names(jobsOpen), ...names(pendingPods)],
    openWebUi: openWebUi.length,
    redis: redis.length,
    migrations: migrations.length,
    /** OpenWebUI Deployments with fewer ready replicas than their HPA minimum. */
    openWebUiShort: owuShort.length,
    /** HPAs that have not yet asked for their minimum (the HPA acts without a metrics server: below-minimum is not a metric decision). */
    hpaBelowMin: hpaLow.length,
    redisNotReady: redisDown.length,
    /** Redis Deployments whose status says 0 ready while their pod is Ready (reported, not a failure). */
    redisStatusStale,
    migrationsIncomplete: jobsOpen.length,
    pending: pendingPods.length,
  };
}

/** Peak resident memory (VmHWM, MiB) of each simulated component, from /proc. */
function componentPeakMemoryMiB(cluster: SimCluster): Record<string, number> {
  const records = JSON.parse(readFileSync(join(cluster.stateDir, 'processes.json'), 'utf8')) as { name: string; pid: number }[];
  const out: Record<string, number> = {};
  for (const r of records) {
    try {
      const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${r.pid}/status`, 'utf8'))?.[1] ?? 0);
      out[r.name] = Math.round(kb / 1024);
    } catch {
      // the process is gone; nothing to report
    }
  }
  return out;
}

describe(`scenario 7: ${TENANTS} tenants, ${MODE}`, () => {
  // The apply (≈ 1 s per tenant on two shared cores), the convergence wait and the final listings.
  const timeoutMs = (Math.max(300, TENANTS) * 3 + 600) * 1000;
  it('applies every tenant and converges: nothing Pending, OpenWebUI at its HPA minimum, Redis ready, migrations complete, pools within their maxima', { timeout: timeoutMs }, async () => {
    const { cluster, recorder } = platform;
    const started = recorder.mark(`${TENANTS} tenants aplicados`);
    await applyManifests(cluster, tenantManifests);
    const applied = recorder.mark('aplicación terminada');
    // Real seconds: kubectl and the API server are not on the simulated clock, the two cores set this pace.
    recorder.figures[`aplicar ${TENANTS} tenants con server-side apply (s reales)`] = Number((applied - started).toFixed(1));
    const loadAfterApply = loadavg()[0];

    // An hour of production time after the apply, and never less than 5 real minutes (10 s per tenant
    // above that): at this size the two cores, not the simulated clock, set the pace.
    const deadline = applied + Math.max(cluster.scaled(3600), 300, TENANTS);
    let last = await shortfall(cluster);
    const converged = (s: typeof last) => s.openWebUiShort + s.hpaBelowMin + s.redisNotReady + s.migrationsIncomplete + s.pending === 0;
    let lastLog = recorder.now();
    while (!converged(last) && recorder.now() < deadline) {
      await sleep(5000);
      last = await shortfall(cluster);
      if (recorder.now() - lastLog >= 30) {
        lastLog = recorder.now();
        console.log(`scale: ${(recorder.now() - applied).toFixed(0)} s after the apply, short: ${JSON.stringify(last)}`);
      }
    }
    recorder.mark('convergencia');
    recordDuration(platform, 'de empezar a aplicar a convergencia', recorder.now() - started);
    recordDuration(platform, 'de terminar de aplicar a convergencia', recorder.now() - applied);

    const s = await snapshot(cluster);
    const [nodes, allPods] = await Promise.all([cluster.getJson<{ items: any[] }>(['get', 'nodes']), cluster.getJson<{ items: any[] }>(['get', 'pods', '-A'])]);
    const cpuPools = cluster.model.pools.filter((p) => p.labels[POOL_ROLE_LABEL] === PoolRole.cpu);
    const cpuNodes = new Map(nodes.items.filter((n) => cpuPools.some((p) => p.name === poolOf(n))).map((n) => [n.metadata.name, n]));
    const millicores = (q: string | undefined) => (q === undefined ? 0 : q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
    const running = allPods.items.filter((p) => p.spec.nodeName && !['Succeeded', 'Failed'].includes(p.status?.phase));
    const requested = running.filter((p) => cpuNodes.has(p.spec.nodeName)).reduce((sum, p) => sum + p.spec.containers.reduce((c: number, k: any) => c + millicores(k.resources?.requests?.cpu), 0), 0) / 1000;
    const allocatable = [...cpuNodes.values()].reduce((sum, n) => sum + millicores(n.status.allocatable.cpu), 0) / 1000;
    const perNode = allocatable / Math.max(cpuNodes.size, 1);

    for (const [pool, n] of Object.entries(s.nodes)) recorder.figures[`nodos ${pool}`] = n;
    recorder.figures['modo'] = WITH_AUTOSCALER ? 'autoscaler' : 'pools en su maxCount (sin autoscaler)';
    recorder.figures['OpenWebUI por debajo de su mínimo del HPA'] = last.openWebUiShort;
    recorder.figures['Redis sin pod listo'] = last.redisNotReady;
    recorder.figures['Redis con pod listo y readyReplicas sin actualizar'] = last.redisStatusStale;
    recorder.figures['Jobs de migración sin completar'] = last.migrationsIncomplete;
    recorder.figures['pods Pending al final'] = last.pending;
    recorder.figures['objetos en la API (tenants)'] = tenantManifests.length;
    recorder.figures['pods'] = allPods.items.length;
    recorder.figures['pods en marcha'] = running.length;
    recorder.figures['vCPU pedidas en los pools cpu'] = Number(requested.toFixed(1));
    recorder.figures['vCPU asignables en los pools cpu'] = Number(allocatable.toFixed(1));
    // What the requests alone would fill, perfectly packed: a lower bound for what the autoscaler would add.
    recorder.figures['nodos cpu llenos por las peticiones (cota inferior)'] = Math.ceil(requested / perNode);
    recorder.figures['carga media (1 min) al terminar de aplicar'] = Number(loadAfterApply.toFixed(1));
    recorder.figures['carga media (1 min) al converger'] = Number(loadavg()[0].toFixed(1));
    const memory = componentPeakMemoryMiB(cluster);
    for (const [name, mib] of Object.entries(memory)) recorder.figures[`memoria pico ${name} (MiB)`] = mib;

    const cpuTotal = cpuPools.reduce((n, p) => n + (s.nodes[p.name] ?? 0), 0);
    console.log(
      [
        `scale: ${TENANTS} tenants (${MODE}), converged=${converged(last)}`,
        `  apply ${(applied - started).toFixed(1)} s real, converged ${(recorder.now() - applied).toFixed(1)} s after the apply (${Math.round((recorder.now() - applied) / cluster.profile.timeScale)} s production-equivalent)`,
        `  ${tenantManifests.length} tenant objects, ${allPods.items.length} pods (${running.length} running), nodes ${JSON.stringify(s.nodes)}`,
        `  cpu pools: ${requested.toFixed(1)} of ${allocatable.toFixed(1)} vCPU requested (${((100 * requested) / allocatable).toFixed(0)} %) on ${cpuTotal} nodes, ${Math.ceil(requested / perNode)} nodes' worth`,
        `  load average ${loadAfterApply.toFixed(1)} after the apply, ${loadavg()[0].toFixed(1)} at the end; peak memory MiB ${JSON.stringify(memory)}`,
        `  short: ${JSON.stringify(last)}`,
      ].join('\n'),
    );

    expect({ openWebUi: last.openWebUi, redis: last.redis, migrations: last.migrations }).toEqual({ openWebUi: TENANTS, redis: TENANTS, migrations: TENANTS });
    expect(last).toMatchObject({ openWebUiShort: 0, hpaBelowMin: 0, redisNotReady: 0, migrationsIncomplete: 0, pending: 0 });
    // Every CPU pool (one per zone) within its declared bounds; without the autoscaler, exactly at its maximum.
    expect(cpuPools).toHaveLength(3);
    for (const p of cpuPools) {
      expect(s.nodes[p.name] ?? 0, p.name).toBeGreaterThanOrEqual(p.minCount);
      expect(s.nodes[p.name] ?? 0, p.name).toBeLessThanOrEqual(p.maxCount);
      if (!WITH_AUTOSCALER) expect(s.nodes[p.name], p.name).toBe(p.maxCount);
    }
    // With the autoscaler, the CPU pools grew to hold them.
    if (WITH_AUTOSCALER) expect(cpuTotal).toBeGreaterThan(cpuPools.reduce((n, p) => n + p.minCount, 0));
  });
});
