import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../../apps/inference-gateway/src/server';
import { startRenderedGateway } from './gateway';
import { buildModelStore } from './model-store';
import { startModelServer, type RunningModelServer } from './model-server';
import { ensureOpenWebUIInstalled, randomSecret, runMigrationJob, startOpenWebUIReplica, tenantRuntime, type OpenWebUIReplica } from './openwebui';
import { bootstrapTenantDatabase, freePort, startPgBouncer, startPostgres, startRedis, type PgBouncer, type PostgresCluster, type Redis } from './services';

const TENANT = 'acme';
const MODEL = 'llama3:8b';

/**
 * A chat typed into OpenWebUI goes through the whole real path: OpenWebUI (rendered env) -> the
 * inference gateway (rendered gateway.json, the tenant's key from a local Key Vault stand-in) -> the
 * real model server (rendered Deployment) serving a generated tiny model from the store.
 */

describe('OpenWebUI chat through the real inference gateway and model server', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  let pg: PostgresCluster;
  let bouncer: PgBouncer;
  let redis: Redis;
  let server: RunningModelServer;
  let gateway: RunningGateway;
  let owui: OpenWebUIReplica;
  let allowed: string[];

  beforeAll(async () => {
    const venv = ensureOpenWebUIInstalled();
    const root = await mkdtemp(join(tmpdir(), 'panal-chat-e2e-'));
    cleanups.push(async () => {
      // The model store is read-only: give write back to remove it.
      execFileSync('chmod', ['-R', 'u+w', root]);
      await rm(root, { recursive: true, force: true });
    });
    const storeDir = join(root, 'models');
    await buildModelStore(storeDir, [MODEL]);
    server = await startModelServer({ storeDir, model: MODEL });
    cleanups.push(() => server.stop());

    // The gateway with its rendered gateway.json; the tenant key comes from a local Key Vault stand-in.
    const key = `standin-${TENANT}-${randomBytes(16).toString('hex')}`;
    ({ gateway } = await startRenderedGateway({ root, keys: { [TENANT]: key }, modelServers: { [MODEL]: server.url }, randomKey: randomSecret }));
    cleanups.push(() => gateway.close());
    allowed = ((await (await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).json()) as any).data.map((m: { id: string }) => m.id);

    pg = await startPostgres();
    cleanups.push(() => pg.stop());
    const db = await bootstrapTenantDatabase(pg, TENANT);
    bouncer = await startPgBouncer(pg, [db]);
    cleanups.push(() => bouncer.stop());
    redis = await startRedis();
    cleanups.push(() => redis.stop());
    const gatewayPort = new URL(gateway.url).port;
    const rt = tenantRuntime(TENANT, venv, {
      [`redis.tenant-${TENANT}:6379`]: `127.0.0.1:${redis.port}`,
      'otel-collector.observability:4318': `127.0.0.1:${await freePort()}`,
      'inference-gateway.inference-gateway:8080': `127.0.0.1:${gatewayPort}`,
    }, {
      'database-url': `postgresql://${db.role}:${db.password}@127.0.0.1:${bouncer.port}/${db.database}`,
      'webui-secret-key': randomSecret(),
      'inference-gateway-key': key,
      'oidc-client-secret': randomSecret(),
    });
    await runMigrationJob(rt);
    owui = await startOpenWebUIReplica(rt, 'r1');
    cleanups.push(() => owui.stop());
  });

  afterAll(async () => {
    while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
  });

  it("lists exactly the models the gateway allows the tenant's key, and answers a chat with the real model", async () => {
    const post = (path: string, body: unknown, token?: string) =>
      fetch(`${owui.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    const signup = (await (await post('/api/v1/auths/signup', { name: 'Ada', email: 'ada@acme.example.com', password: 'correct horse battery staple' })).json()) as any;
    const token = signup.token as string;
    const models = ((await (await fetch(`${owui.url}/api/models`, { headers: { authorization: `Bearer ${token}` } })).json()) as any).data.map((m: { id: string }) => m.id);
    expect(allowed).toContain(MODEL);
    expect(allowed).not.toContain('llama3:70b');
    expect([...models].sort()).toEqual([...allowed].sort());
    const rssBefore = owui.rssKiB();
    const res = await post('/api/chat/completions', { model: MODEL, stream: false, messages: [{ role: 'user', content: 'hello there model' }] }, token);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const body = JSON.parse(text);
    expect(body.choices[0].message.role).toBe('assistant');
    const metrics = await (await fetch(`${gateway.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`panal_gateway_tokens_total\\{[^}]*tenant="${TENANT}"[^}]*\\} [1-9]`));
    console.log(`OpenWebUI RSS before chat ${Math.round(rssBefore / 1024)} MiB, after ${Math.round(owui.rssKiB() / 1024)} MiB`);
  });
});
