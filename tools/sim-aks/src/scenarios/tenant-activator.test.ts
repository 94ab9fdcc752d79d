import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError, KubernetesClient } from '../../../../apps/tenant-activator/src/kubernetes.ts';
import { REPO_ROOT, SimCluster, waitFor } from '../cluster.ts';
import { MANIFESTS_DIR, readManifests } from '../platform.ts';
import { TEST_PROFILE } from '../profile.ts';

/**
 * The tenant activator (apps/tenant-activator, run as a child process with tsx through its real
 * entry point) against the simulated AKS's real kube-apiserver, controller-manager, scheduler and
 * kwok kubelets, authenticated as a ServiceAccount with only the RBAC the activator is meant to
 * get. The tenant is acme's rendered namespace and Deployments (dist/manifests/tenants/acme) with
 * both Deployments at zero replicas. kwok pods have no network, so a local HTTP server stands in
 * for the OpenWebUI pod the Service would reach; everything on the Kubernetes side is real.
 * One idle "minute" is 4 s here (`--test-minute-ms`, a test-only flag).
 */
const NS = 'tenant-acme';
const HOST = 'acme.panal.example';
const ANNOTATION = 'panal.io/last-activity';
const IDLE_MS = 4000;

let cluster: SimCluster;
let activator: ChildProcess | undefined;
let activatorLog = '';
let openWebUIStandIn: Server;
let proxyUrl = '';
let metricsUrl = '';
let apiUrl = '';
let tokenFile = '';
/** What the OpenWebUI stand-in saw: the ready replicas of open-webui at the moment each request reached it. */
const readyWhenAnswered: number[] = [];

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
const deployment = (name: string) => cluster.getJson(['get', 'deployment', name, '-n', NS]);
const metric = async (series: string) => {
  const line = (await (await fetch(`${metricsUrl}/metrics`)).text()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
};
const send = (path: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${proxyUrl}${path}`, { headers: { host: HOST } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });

beforeAll(async () => {
  cluster = await SimCluster.up({ name: 'tenant-activator', profile: TEST_PROFILE, autoscaler: false });
  // acme as rendered, minus what needs add-ons the simulator does not run (HPA metrics, CSI, routes, policies).
  const keep = new Set(['Namespace', 'ResourceQuota', 'LimitRange', 'ServiceAccount', 'Deployment']);
  const objects = readManifests(join(MANIFESTS_DIR, 'tenants', 'acme'))
    .map((m) => structuredClone(m.object) as any)
    .filter((o) => keep.has(o.kind) && (o.kind !== 'Deployment' || ['open-webui', 'redis'].includes(o.metadata.name)));
  expect(objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name).sort()).toEqual(['open-webui', 'redis']);
  for (const o of objects) if (o.kind === 'Deployment') o.spec.replicas = 0; // dormant
  await cluster.applyObjects(objects.filter((o) => o.kind === 'Namespace'), 'argocd-controller');
  await cluster.applyObjects(objects.filter((o) => o.kind !== 'Namespace'), 'argocd-controller');

  // The activator's RBAC exactly as rendered (dist/manifests/cluster-addons/tenant-activator): read
  // Deployments cluster-wide, patch open-webui and redis (and their scale) only in tenant namespaces.
  const rbacKinds = new Set(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'RoleBinding']);
  const rbac = readManifests(join(MANIFESTS_DIR, 'cluster-addons', 'tenant-activator'))
    .map((m) => structuredClone(m.object) as any)
    .filter((o) => rbacKinds.has(o.kind) && (o.kind !== 'RoleBinding' || o.metadata.namespace === NS));
  expect(rbac.filter((o) => o.kind === 'RoleBinding')).toHaveLength(1);
  await cluster.applyObjects(rbac.filter((o) => o.kind === 'Namespace'), 'sim-aks');
  await cluster.applyObjects(rbac.filter((o) => o.kind !== 'Namespace'), 'sim-aks');
  tokenFile = join(cluster.stateDir, 'tenant-activator.token');
  writeFileSync(tokenFile, (await cluster.kubectl(['create', 'token', 'tenant-activator', '-n', 'activator', '--duration=2h'])).trim(), { mode: 0o600 });
  apiUrl = /server: (\S+)/.exec(readFileSync(cluster.kubeconfig, 'utf8'))![1];

  // Stands in for acme's OpenWebUI pod (kwok pods have no network): records how many replicas were ready when each request arrived.
  openWebUIStandIn = createServer((req, res) => {
    void deployment('open-webui').then((d) => {
      readyWhenAnswered.push(d.status?.readyReplicas ?? 0);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`openwebui ${req.url}`);
    });
  });
  await new Promise<void>((r) => openWebUIStandIn.listen(0, '127.0.0.1', () => r()));

  const [port, metricsPort] = [await freePort(), await freePort()];
  const config = {
    version: 1, listenPort: 8080, metricsPort: 9090,
    holdSeconds: 120, wakeTimeoutSeconds: 180, sleepCheckSeconds: 1, activityWriteSeconds: 1, backgroundPathPrefixes: ['/ws/'],
    tenants: [{
      id: 'acme', namespace: NS, hostnames: [HOST], upstream: `http://127.0.0.1:${(openWebUIStandIn.address() as AddressInfo).port}`,
      dormantAfterIdleMinutes: 1, workloads: [{ deployment: 'open-webui', wakeReplicas: 2 }, { deployment: 'redis', wakeReplicas: 1 }],
    }],
  };
  const configFile = join(cluster.stateDir, 'activator.json');
  writeFileSync(configFile, JSON.stringify(config));
  const logFile = join(cluster.stateDir, 'logs', 'tenant-activator.log');
  const fd = openSync(logFile, 'a');
  activator = spawn(
    join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
    [
      join(REPO_ROOT, 'apps/tenant-activator/src/main.ts'), '--config', configFile, '--host', '127.0.0.1', '--port', String(port), '--metrics-port', String(metricsPort),
      '--kube-api-url', apiUrl, '--kube-token-file', tokenFile, '--kube-ca-file', join(cluster.stateDir, 'pki', 'apiserver.crt'), '--test-minute-ms', String(IDLE_MS),
    ],
    { stdio: ['ignore', fd, fd], env: { PATH: process.env.PATH, HOME: process.env.HOME } },
  );
  closeSync(fd);
  void new Promise<number | null>((r) => activator!.once('exit', r)).then((code) => (activatorLog = `${readFileSync(logFile, 'utf8')}\n(exited ${code})`));
  proxyUrl = `http://127.0.0.1:${port}`;
  metricsUrl = `http://127.0.0.1:${metricsPort}`;
  await waitFor('the activator ready (Deployments listed with its ServiceAccount)', 60, async () => (await fetch(`${metricsUrl}/readyz`)).ok);
}, 15 * 60_000);

afterAll(async () => {
  if (activator && activator.exitCode === null) {
    activator.kill('SIGTERM');
    await new Promise((r) => activator!.once('exit', r));
  }
  await new Promise((r) => openWebUIStandIn?.close(r));
  await cluster?.stop();
});

describe('tenant activator against the real kube-apiserver (simulated AKS)', () => {
  it('wakes the dormant tenant on its first request, holds it until a replica is ready, then answers it', async () => {
    expect((await deployment('open-webui')).spec.replicas).toBe(0);
    const started = Date.now();
    const res = await send('/');
    const heldSeconds = (Date.now() - started) / 1000;
    expect(res, activatorLog).toEqual({ status: 200, body: 'openwebui /' });
    // The request reached OpenWebUI only once the API server reported a ready replica (kwok made the pod Ready).
    expect(readyWhenAnswered[0]).toBeGreaterThanOrEqual(1);
    expect((await deployment('open-webui')).spec.replicas).toBe(2);
    expect((await deployment('redis')).spec.replicas).toBe(1);
    expect(await metric('panal_activator_wakes_total{result="ready",tenant="acme"}')).toBe(1);
    console.log(`sim-aks tenant-activator: first request held ${heldSeconds.toFixed(1)} s while the tenant woke`);
  });

  it('records the activity annotation on the OpenWebUI Deployment', async () => {
    const value = (await deployment('open-webui')).metadata.annotations?.[ANNOTATION];
    expect(value).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.now() - Date.parse(value)).toBeLessThan(60_000);
  });

  it('puts the tenant back to sleep after the idle period: every workload to zero', async () => {
    await waitFor('both Deployments at zero', 60, async () => (await deployment('open-webui')).spec.replicas === 0 && (await deployment('redis')).spec.replicas === 0);
    expect(await metric('panal_activator_sleeps_total{tenant="acme"}')).toBe(1);
    await waitFor('the OpenWebUI pods gone', 60, async () => ((await deployment('open-webui')).status?.readyReplicas ?? 0) === 0);
  });

  it('the API server refuses a sleep decided on a resourceVersion that a concurrent activity write replaced (409), and accepts the current one', async () => {
    // The same client code and ServiceAccount as the activator. Awake, with fresh activity so the
    // running activator leaves it alone for the idle period.
    const kube = new KubernetesClient({ apiUrl, token: () => readFileSync(tokenFile, 'utf8').trim(), ca: readFileSync(join(cluster.stateDir, 'pki', 'apiserver.crt'), 'utf8') });
    await cluster.kubectl(['annotate', '--overwrite', 'deployment/open-webui', '-n', NS, `${ANNOTATION}=${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')}`]);
    await cluster.kubectl(['scale', 'deployment/open-webui', '-n', NS, '--replicas=1']);
    const read = await kube.getDeployment(NS, 'open-webui');
    // Another replica records newer activity between the read and the scale. The annotation has
    // second resolution: a value equal to the one above would be a no-op patch that leaves the
    // resourceVersion alone, so it is one second later than the first.
    await kube.annotate(NS, 'open-webui', ANNOTATION, new Date(Date.now() + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect((await kube.getDeployment(NS, 'open-webui')).resourceVersion).not.toBe(read.resourceVersion);
    const refused = await kube.scale(NS, 'open-webui', 0, read.resourceVersion).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KubeApiError);
    expect((refused as KubeApiError).status).toBe(409);
    expect((await deployment('open-webui')).spec.replicas).toBe(1);
    const current = await kube.getDeployment(NS, 'open-webui');
    await kube.scale(NS, 'open-webui', 0, current.resourceVersion);
    expect((await deployment('open-webui')).spec.replicas).toBe(0);
  });

  it('the ServiceAccount cannot scale a Deployment outside tenant namespaces', async () => {
    const kube = new KubernetesClient({ apiUrl, token: () => readFileSync(tokenFile, 'utf8').trim(), ca: readFileSync(join(cluster.stateDir, 'pki', 'apiserver.crt'), 'utf8') });
    const list = await kube.listDeployments('open-webui');
    expect(list.items.map((d) => d.namespace)).toContain(NS);
    const denied = await kube.scale('kube-system', 'coredns', 0).catch((e: unknown) => e);
    expect((denied as KubeApiError).status).toBe(403);
    expect(activator?.exitCode ?? null, activatorLog).toBeNull();
  });
});
