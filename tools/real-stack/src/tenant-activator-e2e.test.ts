import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantActivatorConfigSchema, type TenantActivatorConfig } from '@panal/tenant-config';
import { startActivator, type RunningActivator } from '../../../apps/tenant-activator/src/activator';
import { KubernetesClient } from '../../../apps/tenant-activator/src/kubernetes';
import { FakeKubeApi } from '../../../apps/tenant-activator/src/testing/fake-kube-api';
import { connectWebSocket, type TestWebSocket } from '../../../apps/tenant-activator/src/testing/websocket';
import { openWebUIApi as api } from './openwebui-api';
import { ensureOpenWebUIInstalled, randomSecret, readRenderedTenant, REPO_ROOT, runMigrationJob, startOpenWebUIReplica, tenantRuntime, type OpenWebUIReplica } from './openwebui';
import { bootstrapTenantDatabase, freePort, startPgBouncer, startPostgres, startRedis, type PgBouncer, type PostgresCluster, type Redis, type TenantDatabase } from './services';

/**
 * The real tenant activator (apps/tenant-activator, `startActivator` in process) in front of a real
 * OpenWebUI 0.12.4 of the rendered tenant `acme`, on real PostgreSQL (PgBouncer) and a real Redis,
 * configured from the rendered ConfigMap
 * dist/manifests/cluster-addons/tenant-activator/configmap-tenant-activator.yaml (acme's entry, with
 * only the replacements in {@link LOCAL_DEVIATIONS}).
 *
 * The Kubernetes API is a STAND-IN: {@link FakeKubeApi} (in memory, over HTTP; the activator's
 * Kubernetes side is proven against a real kube-apiserver in tools/sim-aks). Its `onScale` hook plays
 * the Deployment controller and kubelet with real processes ({@link ProcessKubelet}): `open-webui`
 * 0 -> N starts a real OpenWebUI replica and reports it ready only when its rendered health check
 * answers; -> 0 stops it. `redis` likewise starts and stops the tenant's real Redis.
 */
const TENANT = 'acme';
const CONFIGMAP = join(REPO_ROOT, 'dist/manifests/cluster-addons/tenant-activator/configmap-tenant-activator.yaml');
/** One idle "minute" of `dormantAfterIdleMinutes` in this test (the activator's test-only option). */
const MINUTE_MS = 1000;
const WAITING_PAGE_MARK = 'Estamos preparando tu espacio';

/** Every value of the rendered configuration replaced here, with the reason. Everything else is as rendered. */
const LOCAL_DEVIATIONS = {
  tenants: { to: `only ${TENANT}`, why: 'one real OpenWebUI replica takes ≈1.2 GiB and a core-minute to start on this shared 2-core machine; the other tenants run the same code path' },
  'tenants[].upstream': { to: 'http://127.0.0.1:<fixed free port>', why: "the tenant's OpenWebUI Service -> the loopback port every local replica of this test listens on (a port that outlives the replicas, as a Service outlives its pods)" },
  holdSeconds: { to: 240, why: 'a local OpenWebUI start (migrations done, Python imports, on a shared 2-core machine) takes about a minute, longer than the rendered 25 s; 240 s stays below the rendered wakeTimeoutSeconds (300 s)' },
  sleepCheckSeconds: { to: 1, why: 'the idle period is test-sized (30 "minutes" of 1 s); the rendered 60 s pass would overshoot it' },
  listenPort: { to: 0, why: 'a free port: other processes share this machine' },
  metricsPort: { to: 0, why: 'a free port: other processes share this machine' },
  minuteMs: { to: MINUTE_MS, why: "startActivator's test-only option: dormantAfterIdleMinutes (30, as rendered) becomes 30 s" },
} as const;

/**
 * What the stand-in kubelet does not do like the cluster: it runs at most ONE OpenWebUI replica
 * whatever `wakeReplicas` asks (the rendered 2): "awake" is the first ready replica, which is what
 * the activator waits for, and a second replica would double memory and start time here.
 */
const STAND_IN_MAX_OPENWEBUI_REPLICAS = 1;

function renderedActivatorConfig(): TenantActivatorConfig {
  const cm = parse(readFileSync(CONFIGMAP, 'utf8'));
  return tenantActivatorConfigSchema.parse(JSON.parse(cm.data['activator.json']));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}
const portOpen = (port: number) =>
  new Promise<boolean>((ok) => {
    const s = new Socket();
    s.once('connect', () => (s.destroy(), ok(true)));
    s.once('error', () => (s.destroy(), ok(false)));
    s.connect(port, '127.0.0.1');
  });
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** One request with an explicit Host; when its first byte (the status line) arrived, and the whole answer. */
function send(url: string, host: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string; firstByteMs: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers: { host, ...headers } }, (res) => {
      const firstByteMs = Date.now() - t0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), firstByteMs }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * STAND-IN for the Deployment controller and kubelet of the tenant namespace, driven by the
 * {@link FakeKubeApi} `onScale` hook: real processes, started and stopped as the scale asks.
 */
class ProcessKubelet {
  openWebUI?: OpenWebUIReplica;
  redis?: Redis;
  /** Every OpenWebUI replica started: its pid, start (spawn -> startup probe) and when it was reported ready. */
  readonly started: { pid: number; startMs: number; readyAt: number }[] = [];
  /** Every OpenWebUI replica stopped: pid and when. */
  readonly stopped: { pid: number; at: number }[] = [];
  readonly errors: Error[] = [];
  private chains: Record<string, Promise<void>> = { 'open-webui': Promise.resolve(), redis: Promise.resolve() };

  constructor(
    private readonly kube: FakeKubeApi,
    private readonly namespace: string,
    private readonly startReplica: (redis: Redis, n: number) => Promise<OpenWebUIReplica>,
    /** The rendered readiness probe's path. */
    private readonly readinessPath: string,
  ) {
    kube.readyAfterMs = undefined;
    kube.onScale = (ns, name, replicas) => {
      if (ns !== namespace || !(name in this.chains)) return;
      const step = name === 'redis' ? () => (replicas > 0 ? this.startRedis() : this.stopRedis()) : () => (replicas > 0 ? this.startOpenWebUI() : this.stopOpenWebUI());
      this.chains[name] = this.chains[name].then(step).catch((error: Error) => {
        console.error(`stand-in kubelet: ${name} -> ${replicas}: ${error.stack ?? error.message}`);
        this.errors.push(error);
      });
    };
  }

  private async startRedis(): Promise<void> {
    if (this.redis) return;
    this.redis = await startRedis();
    this.kube.setReady(this.namespace, 'redis', 1);
  }

  private async stopRedis(): Promise<void> {
    const r = this.redis;
    this.redis = undefined;
    await r?.stop();
  }

  private async startOpenWebUI(): Promise<void> {
    if (this.openWebUI) return;
    // The pod would crash-loop until its Redis answers; here the replica starts once it does.
    await until('the tenant Redis (started by the redis scale-up)', () => this.redis !== undefined, 120_000);
    const replica = await this.startReplica(this.redis!, this.started.length + 1);
    // Ready only when the rendered readiness probe's path answers, as the kubelet would report it.
    const res = await fetch(`${replica.url}${this.readinessPath}`);
    if (!res.ok) throw new Error(`replica health check answered ${res.status}`);
    this.openWebUI = replica;
    this.started.push({ pid: replica.process.pid, startMs: replica.startMs, readyAt: Date.now() });
    this.kube.setReady(this.namespace, 'open-webui', Math.min(STAND_IN_MAX_OPENWEBUI_REPLICAS, this.kube.deployment(this.namespace, 'open-webui').spec.replicas));
  }

  private async stopOpenWebUI(): Promise<void> {
    const r = this.openWebUI;
    if (!r) return;
    this.openWebUI = undefined;
    await r.stop();
    this.stopped.push({ pid: r.process.pid, at: Date.now() });
  }

  /** Waits for pending starts and stops, then stops what runs. */
  async shutdown(): Promise<void> {
    await Promise.allSettled(Object.values(this.chains));
    await Promise.allSettled([this.stopOpenWebUI(), this.stopRedis()]);
  }
}

describe('tenant activator in front of a real OpenWebUI 0.12.4 (acme, rendered ConfigMap; Kubernetes API and kubelet: in-memory stand-in driving real processes)', () => {
  const rendered = renderedActivatorConfig();
  const renderedTenant = rendered.tenants.find((t) => t.id === TENANT);
  if (!renderedTenant) throw new Error(`${CONFIGMAP} has no tenant ${TENANT}`);
  const NS = renderedTenant.namespace;
  const HOST = renderedTenant.hostnames[0];
  const figures: Record<string, number> = {};

  let pg: PostgresCluster;
  let bouncer: PgBouncer;
  let db: TenantDatabase;
  let kube: FakeKubeApi;
  let kubelet: ProcessKubelet;
  let activator: RunningActivator;
  let upstreamPort: number;
  let config: TenantActivatorConfig;

  const scaleCalls = (name: string) => kube.scaleCalls(name).map((c) => c.body.spec.replicas as number);
  const metric = async (series: string) => {
    const line = (await (await fetch(`${activator.metricsUrl}/metrics`)).text()).split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  };

  /** A browser navigation through the activator until OpenWebUI's own page: the wake time is to the first byte of the first answer. */
  async function navigate(): Promise<{ firstByteMs: number; untilOpenWebUIMs: number; waitingPages: number; body: string; contentType: string }> {
    const t0 = Date.now();
    let waitingPages = 0;
    let firstByteMs: number | undefined;
    for (;;) {
      const res = await send(activator.url, HOST, '/', { accept: 'text/html,application/xhtml+xml' });
      firstByteMs ??= res.firstByteMs;
      if (res.status === 503 && res.body.includes(WAITING_PAGE_MARK)) {
        // The waiting page reloads itself after Retry-After; so does this "browser".
        expect(res.headers['retry-after']).toBe('5');
        waitingPages++;
        if (Date.now() - t0 > 10 * 60_000) throw new Error('OpenWebUI did not come up through the activator within 10 min');
        await sleep(5000);
        continue;
      }
      return { firstByteMs, untilOpenWebUIMs: Date.now() - t0, waitingPages, body: res.body, contentType: String(res.headers['content-type']) };
    }
  }

  beforeAll(async () => {
    const t0 = Date.now();
    const venv = ensureOpenWebUIInstalled();
    figures.ensureOpenWebUIMs = Date.now() - t0;
    pg = await startPostgres();
    db = await bootstrapTenantDatabase(pg, TENANT);
    bouncer = await startPgBouncer(pg, [db]);
    // No inference gateway nor collector here: their Services map to a loopback port nobody listens on.
    const closed = `127.0.0.1:${await freePort()}`;
    // What the tenant's Key Vault holds; the same across wakes (sessions signed before a sleep stay valid).
    const secrets = {
      'database-url': `postgresql://${db.role}:${db.password}@127.0.0.1:${bouncer.port}/${db.database}`,
      'webui-secret-key': randomSecret(),
      'inference-gateway-key': randomSecret(),
      'oidc-client-secret': randomSecret(),
    };
    const runtime = (redisPort: number) =>
      tenantRuntime(TENANT, venv, { [`redis.${NS}:6379`]: `127.0.0.1:${redisPort}`, 'otel-collector.observability:4318': closed, 'inference-gateway.inference-gateway:8080': closed }, secrets);
    // The migration Job runs once, before any replica (the replicas start with ENABLE_DB_MIGRATIONS=false).
    const migration = await runMigrationJob(runtime(0));
    figures.migrationJobMs = migration.ms;

    upstreamPort = await freePort();
    kube = await new FakeKubeApi().start();
    // acme dormant: both Deployments at zero, as the activator leaves them.
    for (const w of renderedTenant.workloads) kube.addDeployment(NS, w.deployment, 0, 0);
    const readiness = readRenderedTenant(TENANT).server.readinessProbe;
    if (!readiness) throw new Error(`dist/manifests/tenants/${TENANT}: the open-webui container has no readinessProbe`);
    kubelet = new ProcessKubelet(kube, NS, (redis, n) => startOpenWebUIReplica(runtime(redis.port), `wake${n}`, { port: upstreamPort }), readiness.httpGet.path);

    config = tenantActivatorConfigSchema.parse({
      ...rendered,
      holdSeconds: LOCAL_DEVIATIONS.holdSeconds.to,
      sleepCheckSeconds: LOCAL_DEVIATIONS.sleepCheckSeconds.to,
      tenants: [{ ...renderedTenant, upstream: `http://127.0.0.1:${upstreamPort}` }],
    });
    activator = await startActivator(config, new KubernetesClient({ apiUrl: kube.url, token: () => kube.token }), {
      host: '127.0.0.1',
      port: LOCAL_DEVIATIONS.listenPort.to,
      metricsPort: LOCAL_DEVIATIONS.metricsPort.to,
      minuteMs: LOCAL_DEVIATIONS.minuteMs.to,
    });
    await until('activator /readyz', async () => (await fetch(`${activator.metricsUrl}/readyz`)).ok, 10_000);
  });

  afterAll(async () => {
    console.log('tenant activator + real OpenWebUI figures', figures, 'local deviations', Object.keys(LOCAL_DEVIATIONS));
    const out = join(REPO_ROOT, '.out/real-stack');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'tenant-activator-figures.json'), JSON.stringify(figures, null, 2) + '\n');
    tab?.close();
    await activator?.close();
    await kubelet?.shutdown();
    await kube?.stop();
    await bouncer?.stop();
    await pg?.stop();
  });

  const user = { name: 'Ada Admin', email: `ada@${HOST}`, password: 'correct horse battery staple' };
  let token: string;
  let chatId: string;
  /** When the last request that is activity (not background traffic) ended. */
  let lastActivityAt = 0;

  it("runs acme's entry of the rendered ConfigMap, replacing only what LOCAL_DEVIATIONS lists", () => {
    // Undo exactly the listed replacements: what is left is the rendered file, acme's entry.
    const undone = { ...config, holdSeconds: rendered.holdSeconds, sleepCheckSeconds: rendered.sleepCheckSeconds, tenants: config.tenants.map((t) => ({ ...t, upstream: renderedTenant.upstream })) };
    expect(undone).toEqual({ ...rendered, tenants: [renderedTenant] });
    expect(renderedTenant.upstream).toBe(`http://open-webui.${NS}.svc.cluster.local:80`);
    expect(config.tenants[0].upstream).toBe(`http://127.0.0.1:${upstreamPort}`);
    expect([config.holdSeconds, config.sleepCheckSeconds]).toEqual([LOCAL_DEVIATIONS.holdSeconds.to, LOCAL_DEVIATIONS.sleepCheckSeconds.to]);
  });

  it('dormant start: a browser navigation is held while the real OpenWebUI starts and answered with its own page', async () => {
    // Dormant: nothing runs and nothing listens where the Service points.
    expect(kubelet.started).toHaveLength(0);
    expect(await portOpen(upstreamPort)).toBe(false);
    const nav = await navigate();
    figures.wake1FirstByteMs = nav.firstByteMs;
    figures.wake1UntilOpenWebUIPageMs = nav.untilOpenWebUIMs;
    figures.wake1WaitingPages = nav.waitingPages;
    // The wake scaled both rendered workloads from zero to their rendered wakeReplicas, once.
    expect(scaleCalls('open-webui')).toEqual([renderedTenant.workloads[0].wakeReplicas]);
    expect(scaleCalls('redis')).toEqual([renderedTenant.workloads[1].wakeReplicas]);
    // ...which started one real OpenWebUI process, alive and answering on the upstream port.
    expect(kubelet.started).toHaveLength(1);
    figures.openWebUIStart1Ms = kubelet.started[0].startMs;
    expect(alive(kubelet.started[0].pid)).toBe(true);
    // OpenWebUI's own page (its SvelteKit index), not the activator's waiting page.
    expect(nav.contentType).toMatch(/text\/html/);
    expect(nav.body).not.toContain(WAITING_PAGE_MARK);
    expect(nav.body).toMatch(/<title>Open WebUI<\/title>/);
    expect(nav.body).toContain('/_app/');
    expect(await metric(`panal_activator_wakes_total{result="ready",tenant="${TENANT}"}`)).toBe(1);
    console.log(`wake 1 (dormant -> OpenWebUI page): first byte after ${(nav.firstByteMs / 1000).toFixed(1)} s, OpenWebUI page after ${(nav.untilOpenWebUIMs / 1000).toFixed(1)} s (${nav.waitingPages} waiting page(s)); replica start ${(kubelet.started[0].startMs / 1000).toFixed(1)} s`);
  });

  it('proxies normal traffic to the real app: sign-up of the first user, log-in and authenticated API calls', async () => {
    const signup = await api(activator.url, '/api/v1/auths/signup', { host: HOST, body: user });
    expect(signup.status, signup.text).toBe(200);
    expect(signup.json.role).toBe('admin');
    const signin = await api(activator.url, '/api/v1/auths/signin', { host: HOST, body: { email: user.email, password: user.password } });
    expect(signin.status, signin.text).toBe(200);
    token = signin.json.token;
    const me = await api(activator.url, '/api/v1/auths/', { host: HOST, token });
    expect(me.status).toBe(200);
    expect(me.json.email).toBe(user.email);
    const created = await api(activator.url, '/api/v1/chats/new', { host: HOST, token, body: { chat: { title: 'Rutas de reparto', messages: [] } } });
    expect(created.status, created.text).toBe(200);
    chatId = created.json.id;
    // Without the token the real app refuses: the answers above are OpenWebUI's, not the proxy's.
    expect((await api(activator.url, '/api/v1/auths/', { host: HOST })).status).toBe(401);
    lastActivityAt = Date.now();
  });

  let tab: TestWebSocket | undefined;
  let tabClosedAt: number | undefined;

  it("proxies background traffic to an awake tenant: a real socket.io handshake gets the real OpenWebUI's Engine.IO open packet", async () => {
    // The rendered ENABLE_WEBSOCKET_SUPPORT=true makes OpenWebUI's socket.io websocket-only: the
    // polling handshake reaches the real app and gets its own refusal (the activator would say 503).
    const polling = await send(activator.url, HOST, '/ws/socket.io/?EIO=4&transport=polling');
    expect(polling.status, polling.body).toBe(400);
    expect(polling.body).toContain('Invalid transport');
    // The websocket handshake, through the activator's upgrade path: Engine.IO v4 open packet
    // "0" + {"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"} from python-socketio.
    tab = await connectWebSocket(activator.url, HOST, '/ws/socket.io/?EIO=4&transport=websocket');
    const first = await tab.next();
    expect(first.startsWith('0{'), first).toBe(true);
    const open = JSON.parse(first.slice(1));
    expect(open).toMatchObject({ sid: expect.any(String), pingInterval: expect.any(Number), pingTimeout: expect.any(Number) });
    // socket.io CONNECT to the default namespace: the real server accepts it (always_connect).
    tab.send('40');
    expect(await tab.next()).toMatch(/^40\{"sid":"[^"]+"/);
    // Kept open like a browser tab: answers the server's pings, so only the activator can close it.
    const ws = tab;
    void (async () => {
      for (;;) if ((await ws.next()) === '2') ws.send('3');
    })();
    ws.socket.on('close', () => (tabClosedAt = Date.now()));
    expect(await metric(`panal_activator_open_websockets{tenant="${TENANT}"}`)).toBe(1);
    expect(scaleCalls('open-webui')).toHaveLength(1);
  });

  it('after the idle period it puts the tenant to sleep despite the open socket.io tab: the OpenWebUI process stops; socket.io then gets 503 + Retry-After and does not wake it', async () => {
    const pid = kubelet.started[0].pid;
    const idleFrom = lastActivityAt;
    const idleMs = renderedTenant.dormantAfterIdleMinutes * MINUTE_MS;
    await until('the activator to put acme to sleep and the OpenWebUI process to stop', () => kubelet.stopped.length === 1, idleMs + 60_000);
    figures.sleptAfterIdleMs = kubelet.stopped[0].at - idleFrom;
    // Not before the idle period since the last request that is activity (the socket.io traffic since is not).
    expect(kubelet.stopped[0].at - idleFrom).toBeGreaterThanOrEqual(idleMs - 1000);
    expect(scaleCalls('open-webui')).toEqual([renderedTenant.workloads[0].wakeReplicas, 0]);
    await until('the redis scale-down', () => scaleCalls('redis').length === 2, 10_000);
    expect(scaleCalls('redis')).toEqual([renderedTenant.workloads[1].wakeReplicas, 0]);
    expect(kubelet.stopped[0].pid).toBe(pid);
    expect(alive(pid)).toBe(false);
    expect(await portOpen(upstreamPort)).toBe(false);
    await until('the tenant Redis to stop', () => kubelet.redis === undefined, 20_000);
    expect(await metric(`panal_activator_sleeps_total{tenant="${TENANT}"}`)).toBe(1);
    // The open tab (a real socket.io websocket, answering pings) did not keep it awake, and the sleep closed it.
    expect(tabClosedAt).toBeDefined();
    expect(tabClosedAt!).toBeGreaterThanOrEqual(idleFrom + idleMs - 1000);

    const scalesBefore = kube.scaleCalls().length;
    const res = await send(activator.url, HOST, '/ws/socket.io/?EIO=4&transport=polling');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    // The tab's reconnect (the websocket upgrade) is refused the same way.
    await expect(connectWebSocket(activator.url, HOST, '/ws/socket.io/?EIO=4&transport=websocket')).rejects.toMatchObject({ status: 503 });
    // Give a wrongly started wake time to show: no scale call, no process, still at zero.
    await sleep(3000);
    expect(kube.scaleCalls()).toHaveLength(scalesBefore);
    expect(kube.deployment(NS, 'open-webui').spec.replicas).toBe(0);
    expect(kubelet.started).toHaveLength(1);
    expect(kubelet.openWebUI).toBeUndefined();
    expect(await portOpen(upstreamPort)).toBe(false);
  });

  it('the next page request wakes it again and sleeping lost no data: the session, the log-in and the chat are still there', async () => {
    const nav = await navigate();
    figures.wake2FirstByteMs = nav.firstByteMs;
    figures.wake2UntilOpenWebUIPageMs = nav.untilOpenWebUIMs;
    expect(nav.body).toMatch(/<title>Open WebUI<\/title>/);
    expect(scaleCalls('open-webui')).toEqual([renderedTenant.workloads[0].wakeReplicas, 0, renderedTenant.workloads[0].wakeReplicas]);
    expect(await metric(`panal_activator_wakes_total{result="ready",tenant="${TENANT}"}`)).toBe(2);
    // A new process: the first one is gone.
    expect(kubelet.started).toHaveLength(2);
    figures.openWebUIStart2Ms = kubelet.started[1].startMs;
    expect(kubelet.started[1].pid).not.toBe(kubelet.started[0].pid);
    expect(alive(kubelet.started[1].pid)).toBe(true);
    console.log(`wake 2 (slept -> OpenWebUI page): first byte after ${(nav.firstByteMs / 1000).toFixed(1)} s, OpenWebUI page after ${(nav.untilOpenWebUIMs / 1000).toFixed(1)} s (${nav.waitingPages} waiting page(s)); replica start ${(kubelet.started[1].startMs / 1000).toFixed(1)} s`);

    // The token signed before the sleep is still valid (same WEBUI_SECRET_KEY, user in PostgreSQL), with a new, empty Redis.
    expect((await api(activator.url, '/api/v1/auths/', { host: HOST, token })).status).toBe(200);
    const signin = await api(activator.url, '/api/v1/auths/signin', { host: HOST, body: { email: user.email, password: user.password } });
    expect(signin.status, signin.text).toBe(200);
    const chat = await api(activator.url, `/api/v1/chats/${chatId}`, { host: HOST, token: signin.json.token });
    expect(chat.status, chat.text).toBe(200);
    expect(chat.json.chat.title).toBe('Rutas de reparto');
    // A wrong password still fails: the log-in above was checked, not waved through.
    expect((await api(activator.url, '/api/v1/auths/signin', { host: HOST, body: { email: user.email, password: 'wrong' } })).status).not.toBe(200);
    expect(kubelet.errors).toEqual([]);
  });
});
