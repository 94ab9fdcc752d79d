/**
 * The whole local platform for the example environment, from `dist/manifests`: one real model
 * server per catalogue model the tenants may use (Ollama serving generated tiny models from the
 * read-only store, `llama3:70b` included), the inference gateway with its rendered configuration,
 * PostgreSQL + pgvector behind PgBouncer with each tenant's database bootstrapped, and per tenant a
 * Redis, an OpenTelemetry Collector from the rendered ConfigMap (one per tenant namespace: on
 * loopback the collector cannot tell senders apart by connection, as k8sattributes does), the
 * OpenWebUI replicas and an admin login. `make stack` runs it for a
 * person (src/cli.ts); the e2e tests run it for the browser and premium checks.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ModelId } from '@panal/tenant-config';
import type { RunningGateway } from '../../../apps/inference-gateway/src/server';
import { renderedGatewayConfig, startRenderedGateway } from './gateway';
import { buildModelStore, REPO_ROOT } from './model-store';
import { startModelServer, type RunningModelServer } from './model-server';
import { ensureOpenWebUIInstalled, randomSecret, readRenderedTenant, runMigrationJob, startOpenWebUIReplica, tenantRuntime, type OpenWebUIReplica } from './openwebui';
import { ensureOtelCollectorBuilt, startOtelCollector, type OtelCollector } from './otel-collector';
import { bootstrapTenantDatabase, startPgBouncer, startPostgres, startRedis, type PostgresCluster, type TenantDatabase } from './services';

const TENANT_MANIFESTS_DIR = join(REPO_ROOT, 'dist/manifests/tenants');

/** Options of {@link startLocalPlatform}. */
export interface LocalPlatformOptions {
  /**
   * Tenants to bring up, by id.
   * @default every tenant rendered under dist/manifests/tenants/ that has an OpenWebUI Deployment
   */
  readonly tenants?: readonly string[];
  /**
   * OpenWebUI replicas per tenant. One replica takes ≈1.2 GiB here, so the default is one, not the
   * rendered minimum (2–3), which the Deployment's HPA keeps in the cluster.
   * @default 1
   */
  readonly replicas?: number;
  /** Progress lines (what is starting, how long it took). @default no output */
  readonly log?: (line: string) => void;
  /**
   * Aborts the start between steps (Ctrl-C while starting): what was started is stopped and the
   * call rejects. @default never aborted
   */
  readonly signal?: AbortSignal;
}

/** A person's way into one tenant's OpenWebUI. */
export interface LocalTenant {
  readonly id: string;
  readonly tier: string;
  /** URL of the first replica. */
  readonly url: string;
  /** The first user signed up (OpenWebUI makes it the tenant's admin); the password is generated at start. */
  readonly login: { readonly email: string; readonly password: string };
  readonly replicas: readonly OpenWebUIReplica[];
  readonly database: TenantDatabase;
  /** The tenant's inference gateway key (what its Key Vault would hold). */
  readonly gatewayKey: string;
  /** The collector this tenant's OpenWebUI exports its metrics to (`otel-collector.observability:4318`). */
  readonly collector: OtelCollector;
}

/** The running local platform. */
export interface LocalPlatform {
  readonly tenants: readonly LocalTenant[];
  readonly gateway: RunningGateway;
  readonly modelServers: Readonly<Partial<Record<ModelId, RunningModelServer>>>;
  readonly postgres: PostgresCluster;
  /** Stops every process it started and removes its scratch directories. */
  stop(): Promise<void>;
}

/** Tenants with an OpenWebUI Deployment in dist/manifests/tenants/, sorted. */
export async function renderedTenantIds(): Promise<string[]> {
  const ids = await readdir(TENANT_MANIFESTS_DIR);
  return ids.filter((id) => existsSync(join(TENANT_MANIFESTS_DIR, id, 'deployment-open-webui.yaml'))).sort();
}

/** The tenant's first hostname (HTTPRoute), which names its admin login. */
function firstHostname(tenantId: string): string {
  const route = parse(readFileSync(join(TENANT_MANIFESTS_DIR, tenantId, 'httproute-open-webui.yaml'), 'utf8'));
  const host = route?.spec?.hostnames?.[0];
  if (typeof host !== 'string') throw new Error(`dist/manifests/tenants/${tenantId}/httproute-open-webui.yaml has no spec.hostnames[0]`);
  return host;
}

async function signUpAdmin(url: string, tenantId: string): Promise<{ email: string; password: string }> {
  const login = { email: `admin@${firstHostname(tenantId)}`, password: randomBytes(10).toString('hex') };
  const res = await fetch(`${url}/api/v1/auths/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `Admin ${tenantId}`, ...login }) });
  if (!res.ok) throw new Error(`signing up the admin of ${tenantId} at ${url} failed: ${res.status} ${await res.text()}`);
  return login;
}

/**
 * Starts everything, in dependency order. On any failure, what was started is stopped before the
 * error propagates.
 */
export async function startLocalPlatform(opts: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const log = opts.log ?? (() => undefined);
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
  };
  const step = async <T>(work: Promise<T> | T): Promise<T> => {
    const value = await work;
    opts.signal?.throwIfAborted();
    return value;
  };
  try {
    const t0 = Date.now();
    const since = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
    const tenantIds = opts.tenants ? [...opts.tenants] : await renderedTenantIds();
    if (tenantIds.length === 0) throw new Error('no tenant to start: dist/manifests/tenants/ has none (run `make synth` first)');
    const replicas = opts.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`replicas must be an integer >= 1, but it is ${replicas}`);

    log('installing or checking OpenWebUI, Ollama and the data services (cold: tens of minutes, warm: seconds)');
    const venv = await step(ensureOpenWebUIInstalled());
    await step(ensureOtelCollectorBuilt());
    const root = await mkdtemp(join(tmpdir(), 'panal-platform-'));
    cleanups.push(async () => {
      // The model store is read-only: give write back to remove it.
      execFileSync('chmod', ['-R', 'u+w', root]);
      await rm(root, { recursive: true, force: true });
    });

    // Models: every model a started tenant may use, according to the rendered gateway configuration.
    const keys = Object.fromEntries(tenantIds.map((id) => [id, `standin-${id}-${randomSecret()}`]));
    const rendered = await renderedGatewayConfig();
    const unknown = tenantIds.filter((id) => !rendered.tenants.some((t) => t.id === id));
    if (unknown.length) throw new Error(`tenants ${unknown.join(', ')} are not in the rendered gateway configuration (run \`make synth\`)`);
    const tiers = Object.fromEntries(rendered.tenants.map((t) => [t.id, t.tier]));
    const models = [...new Set(rendered.tenants.filter((t) => tenantIds.includes(t.id)).flatMap((t) => t.models))].sort() as ModelId[];
    const storeDir = join(root, 'models');
    await step(buildModelStore(storeDir, models));
    const modelServers: Partial<Record<ModelId, RunningModelServer>> = {};
    for (const model of models) {
      const server = await startModelServer({ storeDir, model });
      cleanups.push(() => server.stop());
      await step(undefined);
      modelServers[model] = server;
      log(`model server ${model} ready at ${server.url} (${since()})`);
    }

    const { gateway } = await startRenderedGateway({ root, keys, modelServers: Object.fromEntries(Object.entries(modelServers).map(([m, s]) => [m, s!.url])), randomKey: randomSecret });
    cleanups.push(() => gateway.close());
    await step(undefined);
    log(`inference gateway ready at ${gateway.url} (${since()})`);

    const postgres = await startPostgres();
    cleanups.push(() => postgres.stop());
    const databases: Record<string, TenantDatabase> = {};
    for (const id of tenantIds) databases[id] = await bootstrapTenantDatabase(postgres, id);
    const bouncer = await startPgBouncer(postgres, Object.values(databases));
    cleanups.push(() => bouncer.stop());
    await step(undefined);
    log(`PostgreSQL ${postgres.port} and PgBouncer ${bouncer.port} ready, ${tenantIds.length} tenant databases bootstrapped (${since()})`);

    const gatewayAddress = `127.0.0.1:${new URL(gateway.url).port}`;
    // Tenants start side by side: most of a replica's start is imports and migrations, not one core.
    const tenants = await Promise.all(
      tenantIds.map(async (id): Promise<LocalTenant> => {
        const redis = await startRedis();
        cleanups.push(() => redis.stop());
        const collector = await startOtelCollector({ sourceNamespace: readRenderedTenant(id).namespace });
        cleanups.push(() => collector.stop());
        const db = databases[id]!;
        const rt = tenantRuntime(id, venv, { [`redis.tenant-${id}:6379`]: `127.0.0.1:${redis.port}`, ...collector.services, 'inference-gateway.inference-gateway:8080': gatewayAddress }, {
          'database-url': `postgresql://${db.role}:${db.password}@127.0.0.1:${bouncer.port}/${db.database}`,
          'webui-secret-key': randomSecret(),
          'inference-gateway-key': keys[id]!,
          'oidc-client-secret': randomSecret(),
        });
        await step(runMigrationJob(rt));
        const started: OpenWebUIReplica[] = [];
        for (let i = 1; i <= replicas; i++) {
          const replica = await startOpenWebUIReplica(rt, `r${i}`);
          cleanups.push(() => replica.stop());
          started.push(replica);
          await step(undefined);
        }
        const login = await signUpAdmin(started[0]!.url, id);
        log(`tenant ${id} (${tiers[id]}) ready at ${started[0]!.url} (${since()})`);
        return { id, tier: tiers[id]!, url: started[0]!.url, login, replicas: started, database: db, gatewayKey: keys[id]!, collector };
      }),
    );
    return { tenants, gateway, modelServers, postgres, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
