import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWebUIApi as api } from './openwebui-api';
import { ensureOpenWebUIInstalled, randomSecret, REPO_ROOT, runMigrationJob, startOpenWebUIReplica, tenantRuntime, type OpenWebUIReplica, type TenantRuntime } from './openwebui';
import { startOtelCollector, waitForSamples, type OtelCollector, type PromSample } from './otel-collector';
import { bootstrapTenantDatabase, freePort, startPgBouncer, startPostgres, startRedis, type PgBouncer, type PostgresCluster, type Redis, type TenantDatabase } from './services';
import { execFileSync } from 'node:child_process';


const STANDARD = 'acme';
const PREMIUM = 'initech';
const figures: Record<string, number> = {};

describe('OpenWebUI 0.12.4 from PyPI on real PostgreSQL (pgvector, PgBouncer) and Redis, configured from dist/manifests', () => {
  let pg: PostgresCluster;
  let bouncer: PgBouncer;
  const redis: Record<string, Redis> = {};
  const dbs: Record<string, TenantDatabase> = {};
  const rt: Record<string, TenantRuntime> = {};
  // One collector per tenant namespace: the k8sattributes stand-in knows the senders' Namespace from
  // its option (all replicas connect from 127.0.0.1; in the cluster the connection finds the pod).
  const collectors: Record<string, OtelCollector> = {};
  let a1: OpenWebUIReplica;
  let a2: OpenWebUIReplica;
  let b1: OpenWebUIReplica;
  const suiteStart = Date.now();

  beforeAll(async () => {
    const t0 = Date.now();
    const venv = ensureOpenWebUIInstalled();
    figures.ensureOpenWebUIMs = Date.now() - t0;
    pg = await startPostgres();
    for (const t of [STANDARD, PREMIUM]) dbs[t] = await bootstrapTenantDatabase(pg, t);
    bouncer = await startPgBouncer(pg, Object.values(dbs));
    const t1 = Date.now();
    for (const t of [STANDARD, PREMIUM]) collectors[t] = await startOtelCollector({ sourceNamespace: `tenant-${t}` });
    figures.otelCollectorsStartMs = Date.now() - t1;
    // No inference gateway in this suite: its Service maps to a loopback port nobody listens on.
    const closedPort = await freePort();
    for (const t of [STANDARD, PREMIUM]) {
      redis[t] = await startRedis();
      const services = {
        [`redis.tenant-${t}:6379`]: `127.0.0.1:${redis[t].port}`,
        // The rendered collector Service (otel-collector.observability:4318) -> this tenant's collector.
        ...collectors[t].services,
        'inference-gateway.inference-gateway:8080': `127.0.0.1:${closedPort}`,
      };
      rt[t] = tenantRuntime(t, venv, services, {
        // What platform-infra writes into the tenant's Key Vault, pointing at the local PgBouncer.
        'database-url': `postgresql://${dbs[t].role}:${dbs[t].password}@127.0.0.1:${bouncer.port}/${dbs[t].database}`,
        'webui-secret-key': randomSecret(),
        'inference-gateway-key': randomSecret(),
        'oidc-client-secret': randomSecret(),
      });
      const m = await runMigrationJob(rt[t]);
      figures[`migrationJob_${t}_ms`] = m.ms;
    }
    a1 = await startOpenWebUIReplica(rt[STANDARD], 'r1');
    figures.replicaStartMs = a1.startMs;
    a2 = await startOpenWebUIReplica(rt[STANDARD], 'r2');
    b1 = await startOpenWebUIReplica(rt[PREMIUM], 'r1');
    figures.rssIdleKiB = a1.rssKiB();
  });

  afterAll(async () => {
    figures.suiteMs = Date.now() - suiteStart;
    const out = join(REPO_ROOT, '.out/real-stack');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'openwebui-figures.json'), JSON.stringify(figures, null, 2) + '\n');
    console.log('OpenWebUI figures', figures);
    await Promise.allSettled([a1?.stop(), a2?.stop(), b1?.stop()]);
    await Promise.allSettled([bouncer?.stop(), ...Object.values(redis).map((r) => r.stop()), ...Object.values(collectors).map((c) => c.stop())]);
    await pg?.stop();
  });

  const user = { name: 'Ada Admin', email: 'ada@acme.example.com', password: 'correct horse battery staple' };
  let token: string;
  let chatId: string;

  it('runs the rendered migration Job and starts each replica within its rendered startup probe budget', () => {
    for (const r of [a1, a2, b1]) expect(r.startMs).toBeLessThan(60 * 5 * 1000);
  });

  it('tenant A: the first user signs up as admin, logs in and lists models', async () => {
    const signup = await api(a1.url, '/api/v1/auths/signup', { body: user });
    expect(signup.status, JSON.stringify(signup.json)).toBe(200);
    expect(signup.json.role).toBe('admin');
    const signin = await api(a1.url, '/api/v1/auths/signin', { body: { email: user.email, password: user.password } });
    expect(signin.status).toBe(200);
    // The rendered WEBUI_AUTH_COOKIE_SECURE=true reaches OpenWebUI: browsers send the session only over HTTPS (the edge).
    const sessionCookie = signin.setCookies.find((c: string) => c.startsWith('token='));
    expect(sessionCookie, JSON.stringify(signin.setCookies)).toMatch(/;\s*Secure(;|$)/i);
    token = signin.json.token;
    const models = await api(a1.url, '/api/models', { token });
    expect(models.status).toBe(200);
    expect(Array.isArray(models.json.data)).toBe(true);
  });

  it("stores A's chats in A's database only", async () => {
    const created = await api(a1.url, '/api/v1/chats/new', { token, body: { chat: { title: 'Rutas de reparto', messages: [] } } });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    chatId = created.json.id;
    const count = (t: string) => pg.psql({ user: dbs[t].role, password: dbs[t].password, database: dbs[t].database, port: bouncer.port, sql: `SELECT count(*) FROM chat WHERE id = '${chatId}'` });
    expect(await count(STANDARD)).toBe('1');
    expect(await count(PREMIUM)).toBe('0');
    figures.rssAfterLoginAndChatKiB = a1.rssKiB();
  });

  it("B's credentials cannot open A's database", async () => {
    const b = dbs[PREMIUM];
    const a = dbs[STANDARD];
    await expect(pg.psql({ user: b.role, password: b.password, database: a.database, port: bouncer.port, sql: 'SELECT count(*) FROM chat' })).rejects.toThrow(/permission denied for database|password authentication failed/);
    await expect(pg.psql({ user: b.role, password: b.password, database: a.database, sql: 'SELECT count(*) FROM chat' })).rejects.toThrow(/permission denied for database "tenant_acme"/);
    // And A's session token means nothing to B's OpenWebUI (another WEBUI_SECRET_KEY, another user table).
    expect((await api(b1.url, '/api/v1/auths/', { token })).status).toBe(401);
  });

  it('two replicas of A share login and chat history; killing replica 1 keeps the session on replica 2', async () => {
    const me = await api(a2.url, '/api/v1/auths/', { token });
    expect(me.status).toBe(200);
    expect(me.json.email).toBe(user.email);
    const list = await api(a2.url, '/api/v1/chats/', { token });
    expect(list.json.map((c: { id: string }) => c.id)).toContain(chatId);
    // Replica state shared through Redis (websocket session pool, models, config).
    const keys = execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redis[STANDARD].port), 'DBSIZE'], { encoding: 'utf8' }).trim();
    expect(Number(keys)).toBeGreaterThan(0);
    await a1.kill();
    expect((await api(a2.url, '/api/v1/auths/', { token })).status).toBe(200);
    const again = await api(a2.url, `/api/v1/chats/${chatId}`, { token });
    expect(again.status).toBe(200);
    expect(again.json.chat.title).toBe('Rutas de reparto');
    const signin = await api(a2.url, '/api/v1/auths/signin', { body: { email: user.email, password: user.password } });
    expect(signin.status).toBe(200);
  });

  it("serves the backend's own static files from STATIC_DIR on the emptyDir (seeded by the rendered init container)", async () => {
    const res = await fetch(`${a2.url}/static/swagger-ui/swagger-ui.css`);
    expect(res.status).toBe(200);
  });

  it("pushes metrics over OTLP/HTTP to the rendered collector; they leave its prometheus exporter with the tenant and tier the rendered transform sets, without the attributes it deletes", async () => {
    // webui.users.total counts the tenant database's users: A has the one who signed up, B none.
    const tiers = { [STANDARD]: 'standard', [PREMIUM]: 'premium' };
    const usersTotal = (s: PromSample[]) => s.filter((x) => x.name.startsWith('webui_users_total') && x.labels.job === 'open-webui');
    for (const [t, users] of [[STANDARD, 1], [PREMIUM, 0]] as const) {
      const [sample] = await waitForSamples(collectors[t], (s) => usersTotal(s).filter((x) => x.value === users), 90_000);
      expect(sample.labels).toMatchObject({ tenant: t, tier: tiers[t] });
    }
    // The request counter of A's replicas, per route: the sign-in the tests above made is there, labelled acme.
    const [signin] = await waitForSamples(collectors[STANDARD], (s) => s.filter((x) => x.name === 'http_server_requests_total' && x.labels.http_route === '/api/v1/auths/signin'), 90_000);
    expect(signin.labels).toMatchObject({ tenant: STANDARD, tier: 'standard', http_method: 'POST', http_status_code: '200' });
    expect(signin.value).toBeGreaterThanOrEqual(1);
    for (const t of [STANDARD, PREMIUM]) {
      const owui = (await collectors[t].scrape()).split('\n').filter((l) => l.includes('job="open-webui"'));
      expect(owui.length).toBeGreaterThan(0);
      // Every OpenWebUI series carries its own tenant only, and none of the deleted attributes.
      for (const line of owui) {
        expect(line).toContain(`tenant="${t}"`);
        expect(line).not.toMatch(/[{,](url_full|http_url|user_[a-z_]*|session_[a-z_]*)="/);
      }
      // They came in over OTLP/HTTP: the rendered receiver opens only that protocol, and the collector counts it by transport.
      const accepted = (await collectors[t].scrapeTelemetry()).split('\n').filter((l) => l.startsWith('otelcol_receiver_accepted_metric_points'));
      expect(accepted).toHaveLength(1);
      expect(accepted[0]).toMatch(/\{receiver="otlp",transport="http"\} [1-9]\d*$/);
    }
  });
});
