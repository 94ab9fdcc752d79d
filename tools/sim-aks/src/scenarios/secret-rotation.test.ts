import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, sleep, waitFor } from '../cluster.ts';
import { platformManifests } from '../platform.ts';
import { startPlatform, type Platform } from './harness.ts';

/**
 * Secret rotation reaches the pods: the real Stakater Reloader (built by tools/reloader/ensure.sh at
 * the release the environment's image pins) runs out of cluster against the simulated AKS's real
 * kube-apiserver, as its rendered ServiceAccount (a token of `reloader/reloader`, so only the
 * rendered RoleBindings authorise it) and with the rendered Deployment's arguments. The Secrets
 * Store CSI driver is not in the simulator: the test plays its part and writes the synced Secret
 * `open-webui-secrets` the way the driver does (created when the first pod mounts the volume,
 * updated on rotation). A rotated value must roll OpenWebUI (new pod-template annotation, new
 * ReplicaSet); a Secret created, or updated without a change of its data, must not.
 */
const RELOADER_ENSURE = join(REPO_ROOT, 'tools/reloader/ensure.sh');
const SYNCED_SECRET = 'open-webui-secrets';
const ROTATED = 'tenant-acme';
const UNCHANGED = 'tenant-globex';
const LAST_RELOADED = 'reloader.stakater.com/last-reloaded-from';
const EVENTS = 'reloader_events_received_total';
/** Reloader's metrics and liveness listen here, fixed in its code (`DefaultHttpListenAddr`). */
const RELOADER_HTTP = 'http://127.0.0.1:9090';

/** The binary, or why the scenario cannot run (one line). */
function reloaderBinary(): { bin?: string; why?: string } {
  const r = spawnSync('bash', [RELOADER_ENSURE], { encoding: 'utf8', timeout: 30 * 60_000 });
  if (r.status === 0) return { bin: r.stdout.trim().split('\n').at(-1) };
  const reason = (r.stderr || '').trim().split('\n').filter(Boolean).at(-1) ?? `exit ${r.status}`;
  if (r.status === 4) return { why: reason };
  throw new Error(`tools/reloader/ensure.sh failed: ${reason}`);
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

const { bin: RELOADER, why: RELOADER_MISSING } = reloaderBinary();
const PORT_BUSY = RELOADER && !(await portFree(9090)) ? 'port 9090 (fixed in Reloader) is in use on this machine' : undefined;
const SKIP = RELOADER_MISSING ?? PORT_BUSY;
if (SKIP) console.warn(`sim-aks secret-rotation: skipped, not proven here: ${SKIP}`);

const manifests = platformManifests();
const rendered = manifests.find((m) => m.object.kind === 'Deployment' && m.object.metadata.namespace === 'reloader')?.object as any;

let platform: Platform;
let reloader: ChildProcess | undefined;
let reloaderLog = '';

const secret = (namespace: string, data: Record<string, string>, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  // The labels the CSI driver puts on what it syncs.
  metadata: { name: SYNCED_SECRET, namespace, labels: { 'secrets-store.csi.k8s.io/managed': 'true', ...labels } },
  type: 'Opaque',
  stringData: data,
});
const writeSecret = (obj: object) => platform.cluster.applyObjects([obj], 'secrets-store-csi-driver-stand-in');
const templateAnnotations = async (ns: string) => ((await platform.cluster.getJson(['get', 'deployment', 'open-webui', '-n', ns])).spec.template.metadata.annotations ?? {}) as Record<string, string>;
const replicaSets = async (ns: string) =>
  (await platform.cluster.getJson<{ items: any[] }>(['get', 'replicasets', '-n', ns, '-l', 'app.kubernetes.io/name=open-webui'])).items.map((rs) => rs.metadata.name as string).sort();
const metric = async (name: string) => {
  const text = await (await fetch(`${RELOADER_HTTP}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
};
const FIRST_VALUES = { 'database-url': 'postgresql://acme:first@db/acme', 'webui-secret-key': 'k1', 'inference-gateway-key': 'g1', 'oidc-client-secret': 'o1' };

beforeAll(async () => {
  if (SKIP) return;
  expect(rendered, 'dist/manifests has no Reloader Deployment (run the synth)').toBeDefined();
  platform = await startPlatform('secret-rotation', 'Rotación de secretos: Reloader despliega OpenWebUI de nuevo', manifests, { autoscaler: false });
  const { cluster } = platform;
  // Reloader authenticates as its rendered ServiceAccount: the admin token never reaches it.
  const token = (await cluster.kubectl(['create', 'token', rendered.spec.template.spec.serviceAccountName, '-n', 'reloader', '--duration=2h'])).trim();
  const admin = readFileSync(cluster.kubeconfig, 'utf8');
  const server = /server: (\S+)/.exec(admin)![1];
  const kubeconfig = join(cluster.stateDir, 'reloader.kubeconfig');
  writeFileSync(
    kubeconfig,
    dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'sim-aks', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'reloader', user: { token } }],
      contexts: [{ name: 'sim-aks', context: { cluster: 'sim-aks', user: 'reloader' } }],
      'current-context': 'sim-aks',
    }),
    { mode: 0o600 },
  );
  const args: string[] = rendered.spec.template.spec.containers[0].args;
  const logFile = join(cluster.stateDir, 'logs', 'reloader.log');
  const fd = openSync(logFile, 'a');
  // Neither KUBERNETES_NAMESPACE nor RELOADER_NAMESPACE: as rendered (they would change what it watches or writes).
  reloader = spawn(RELOADER!, args, { env: { PATH: process.env.PATH, HOME: cluster.stateDir, KUBECONFIG: kubeconfig }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | null>((r) => reloader!.once('exit', r));
  void exited.then((code) => (reloaderLog = `${readFileSync(logFile, 'utf8')}\n(exited ${code})`));
  await waitFor('Reloader serving /metrics and watching both tenants', 60, async () => {
    const log = readFileSync(logFile, 'utf8');
    return (await fetch(`${RELOADER_HTTP}/live`)).ok && log.includes(`in namespace: ${ROTATED}`) && log.includes(`in namespace: ${UNCHANGED}`);
  });
  platform.recorder.mark('Reloader en marcha (fuera del clúster, con el token de su ServiceAccount)');
}, 15 * 60_000);

afterAll(async () => {
  if (reloader && reloader.exitCode === null) {
    reloader.kill('SIGTERM');
    await new Promise((r) => reloader!.once('exit', r));
  }
  await platform?.stop();
});

describe.skipIf(SKIP)('secret rotation reaches the OpenWebUI pods (real Reloader, real API server)', () => {
  it('rolls nothing when the CSI driver creates the synced Secrets, or updates them without changing their data', async () => {
    const before: Record<string, string[]> = { [ROTATED]: await replicaSets(ROTATED), [UNCHANGED]: await replicaSets(UNCHANGED) };
    expect(before[ROTATED].length).toBe(1);
    await writeSecret(secret(ROTATED, FIRST_VALUES));
    await writeSecret(secret(UNCHANGED, FIRST_VALUES));
    await waitFor('Reloader to see both Secrets created', 30, async () => (await metric(`${EVENTS}{event_type="add"`)) >= 2);
    // Real updates (new resourceVersion) with the same data: what a CSI resync without rotation does.
    await writeSecret(secret(ROTATED, FIRST_VALUES, { 'panal.io/resync': '1' }));
    await writeSecret(secret(UNCHANGED, FIRST_VALUES, { 'panal.io/resync': '1' }));
    await writeSecret(secret(UNCHANGED, FIRST_VALUES, { 'panal.io/resync': '2' }));
    // Reloader received the updates, so the silence below is its decision, not a missed event.
    await waitFor('Reloader to receive the three updates', 30, async () => (await metric(`${EVENTS}{event_type="update"`)) >= 3);
    await sleep(3000);
    for (const ns of [ROTATED, UNCHANGED]) {
      expect(await templateAnnotations(ns), ns).not.toHaveProperty(LAST_RELOADED);
      expect(await replicaSets(ns), ns).toEqual(before[ns]);
    }
    expect(await metric('reloader_reload_executed_total{success="true"}')).toBe(0);
  });

  it('rolls OpenWebUI of the tenant whose Secret rotated, and only that one', async () => {
    const started = platform.recorder.mark(`rotación de ${SYNCED_SECRET} en ${ROTATED}`);
    const before = await replicaSets(ROTATED);
    const untouched = await replicaSets(UNCHANGED);
    await writeSecret(secret(ROTATED, { ...FIRST_VALUES, 'database-url': 'postgresql://acme:rotated@db/acme' }));
    await waitFor('a new pod-template annotation on open-webui', 60, async () => (await templateAnnotations(ROTATED))[LAST_RELOADED] !== undefined);
    const annotation = JSON.parse((await templateAnnotations(ROTATED))[LAST_RELOADED]!);
    expect(annotation).toMatchObject({ type: 'SECRET', name: SYNCED_SECRET, namespace: ROTATED });
    await waitFor('a new ReplicaSet of open-webui', 60, async () => (await replicaSets(ROTATED)).length > before.length);
    platform.recorder.mark('nuevo ReplicaSet de OpenWebUI');
    platform.recorder.figures['rotación → nuevo ReplicaSet (s)'] = Number((platform.recorder.now() - started).toFixed(1));
    expect((await replicaSets(ROTATED)).filter((rs) => !before.includes(rs))).toHaveLength(1);
    // The other tenant's OpenWebUI did not move.
    expect(await replicaSets(UNCHANGED)).toEqual(untouched);
    expect(await templateAnnotations(UNCHANGED)).not.toHaveProperty(LAST_RELOADED);
    expect(await metric('reloader_reload_executed_total{success="true"}')).toBe(1);
  });

  it('does not roll again when the rotated Secret is rewritten with the same data', async () => {
    const before = await replicaSets(ROTATED);
    const annotation = (await templateAnnotations(ROTATED))[LAST_RELOADED];
    const updates = await metric(`${EVENTS}{event_type="update"`);
    await writeSecret(secret(ROTATED, { ...FIRST_VALUES, 'database-url': 'postgresql://acme:rotated@db/acme' }, { 'panal.io/resync': '2' }));
    await waitFor('Reloader to receive the update', 30, async () => (await metric(`${EVENTS}{event_type="update"`)) > updates);
    await sleep(3000);
    expect(await replicaSets(ROTATED)).toEqual(before);
    expect((await templateAnnotations(ROTATED))[LAST_RELOADED]).toBe(annotation);
    expect(reloader?.exitCode ?? null, reloaderLog).toBeNull();
  });
});
