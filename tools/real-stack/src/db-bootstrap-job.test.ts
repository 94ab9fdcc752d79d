import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DATABASE_BOOTSTRAP_FILES, DATABASE_BOOTSTRAP_MOUNT } from '@panal/k8s-constructs';
import { loadEnvironment, loadTenants } from '@panal/tenant-config';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderClusterAddons } from '../../../apps/cluster-addons/src/render-cluster-addons.ts';
import { freePort, startPostgres, type PostgresCluster } from './services';

const execFileAsync = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../../..');
const envDir = join(repoRoot, 'environments/example');

/** The platform-db add-on as `make synth` renders it: the inputs ConfigMap and the Job's container. */
function renderedBootstrap() {
  const files = renderClusterAddons({ repoRoot, envDir });
  const configMap = parse(files.get('platform-db/configmap-db-bootstrap.yaml')!);
  const job = parse(files.get('platform-db/job-db-bootstrap.yaml')!);
  const serviceAccount = parse(files.get('platform-db/serviceaccount-db-bootstrap.yaml')!);
  const [container] = job.spec.template.spec.containers;
  return { data: configMap.data as Record<string, string>, container, clientId: serviceAccount.metadata.annotations['azure.workload.identity/client-id'] as string };
}

/**
 * MOCK (named so): a stand-in for Entra ID's token endpoint and the Key Vault secrets API, which
 * cannot run offline. It checks what the real services check for this flow (client id, the
 * federated token as client assertion, the scope; the bearer token on every secret read) and
 * answers in their JSON shapes. Everything else in this test is real: the rendered script, bash,
 * curl, jq, psql and PostgreSQL 15 with pgvector.
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 * @see https://learn.microsoft.com/rest/api/keyvault/secrets/get-secret/get-secret
 */
class StandInEntraAndKeyVault {
  readonly tokens = { postgres: 'pg-access-token-3f9c', vault: 'kv-access-token-81d2' };
  /** Secrets by vault name, then secret name. */
  readonly secrets = new Map<string, Map<string, string>>();
  private server?: Server;
  port = 0;

  constructor(
    private readonly clientId: string,
    private readonly federatedToken: string,
  ) {}

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((req, res) => {
      const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const url = new URL(req.url!, 'http://stand-in');
      if (req.method === 'POST' && /^\/[^/]+\/oauth2\/v2\.0\/token$/.test(url.pathname)) {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const form = new URLSearchParams(body);
          const scope = form.get('scope');
          const ok =
            form.get('client_id') === this.clientId &&
            form.get('grant_type') === 'client_credentials' &&
            form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' &&
            form.get('client_assertion') === this.federatedToken;
          if (!ok) return send(401, { error: 'invalid_client' });
          if (scope === 'https://ossrdbms-aad.database.windows.net/.default') return send(200, { token_type: 'Bearer', access_token: this.tokens.postgres });
          if (scope === 'https://vault.azure.net/.default') return send(200, { token_type: 'Bearer', access_token: this.tokens.vault });
          return send(400, { error: 'invalid_scope' });
        });
        return;
      }
      const secret = /^\/([^/]+)\/secrets\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && secret && url.searchParams.get('api-version') === '7.4') {
        if (req.headers.authorization !== `Bearer ${this.tokens.vault}`) return send(401, { error: { code: 'Unauthorized' } });
        const value = this.secrets.get(secret[1]!)?.get(secret[2]!);
        return value === undefined ? send(404, { error: { code: 'SecretNotFound', message: `A secret with (name/id) ${secret[2]} was not found in this key vault.` } }) : send(200, { value });
      }
      send(404, { error: 'not found' });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }

  setDatabaseUrl(vault: string, url: string | undefined): void {
    const secrets = this.secrets.get(vault) ?? new Map<string, string>();
    if (url === undefined) secrets.delete('database-url');
    else secrets.set('database-url', url);
    this.secrets.set(vault, secrets);
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
  }
}

describe('db-bootstrap Job script (rendered from cluster-addons) on a real PostgreSQL 15 + pgvector', () => {
  const { data, container, clientId } = renderedBootstrap();
  const tenants = data[DATABASE_BOOTSTRAP_FILES.tenants]!.trim().split('\n').map((line) => {
    const [id, vault, database] = line.split('\t') as [string, string, string];
    return { id, vault, database };
  });
  const jobEnv = Object.fromEntries((container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
  const passwords = new Map(tenants.map((t, i) => [t.id, `Pw${i}x${'a'.repeat(8)}${i}Zq7`]));
  const host = (port: number) => `127.0.0.1:${port}`;
  let pg: PostgresCluster;
  let identity: StandInEntraAndKeyVault;
  let dir: string;

  const databaseUrl = (t: (typeof tenants)[number], password = passwords.get(t.id)!) => `postgresql://${t.database}:${password}@${host(pg.port)}/${t.database}?sslmode=require`;
  const asAdmin = (sql: string, database = 'postgres') => pg.psql({ user: pg.adminUser, password: pg.adminPassword, database, sql });
  const asTenant = (t: (typeof tenants)[number], sql: string, database = t.database, password = passwords.get(t.id)!) => pg.psql({ user: t.database, password, database, sql });

  /** Runs the script as the Job does, with the workload identity webhook's variables pointed at the stand-in. */
  async function runJob(overrides: Record<string, string | undefined> = {}): Promise<{ code: number; stderr: string }> {
    const env: Record<string, string> = {
      PATH: `${pg.binDir}:${process.env.PATH}`,
      HOME: dir,
      ...jobEnv,
      // The Job's own settings, except where the local server differs: loopback, its port, no TLS.
      PGHOST: '127.0.0.1',
      PGPORT: String(pg.port),
      PGSSLMODE: 'disable',
      TENANTS_FILE: join(dir, DATABASE_BOOTSTRAP_FILES.tenants),
      SQL_FILE: join(dir, DATABASE_BOOTSTRAP_FILES.sql),
      TMPDIR: dir,
      // What the Azure Workload Identity webhook injects into the pod.
      AZURE_CLIENT_ID: clientId,
      AZURE_TENANT_ID: '00000000-0000-0000-0000-0000000000d1',
      AZURE_FEDERATED_TOKEN_FILE: join(dir, 'azure-identity-token'),
      AZURE_AUTHORITY_HOST: `http://${host(identity.port)}/`,
      KEY_VAULT_URL_TEMPLATE: `http://${host(identity.port)}/%s`,
    };
    for (const [k, v] of Object.entries(overrides)) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    try {
      const { stderr } = await execFileAsync('bash', [join(dir, DATABASE_BOOTSTRAP_FILES.script)], { env, timeout: 120_000 });
      return { code: 0, stderr };
    } catch (e) {
      const err = e as { code?: number; stderr?: string };
      return { code: typeof err.code === 'number' ? err.code : -1, stderr: err.stderr ?? String(e) };
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'panal-dbboot-job-'));
    for (const [name, text] of Object.entries(data)) writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, 'azure-identity-token'), 'projected-serviceaccount-token-for-platform-db-db-bootstrap');
    identity = new StandInEntraAndKeyVault(clientId, 'projected-serviceaccount-token-for-platform-db-db-bootstrap');
    await identity.start();
    pg = await startPostgres();
    // The Entra administrator as Azure makes it: a login role named like the identity, with
    // CREATEROLE and CREATEDB but not superuser; its password is the Entra access token.
    await asAdmin(`CREATE ROLE "${jobEnv.PGUSER}" LOGIN CREATEROLE CREATEDB PASSWORD '${identity.tokens.postgres}'`);
    // Azure lets its administrator create allow-listed extensions (azure.extensions = VECTOR); a local
    // PostgreSQL only lets a superuser create the untrusted `vector`. Stand-in for that allow-list:
    // every database copies template1, which has it.
    await asAdmin('CREATE EXTENSION vector', 'template1');
    // In Azure the tenants Terraform stack creates each database first, owned by the administrator.
    await asAdmin(`CREATE DATABASE ${tenants[0]!.database} OWNER "${jobEnv.PGUSER}"`);
    for (const t of tenants) identity.setDatabaseUrl(t.vault, databaseUrl(t));
  }, 300_000);
  afterAll(async () => {
    await Promise.allSettled([identity?.stop(), pg?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders the tenants of the example environment, the script and the SQL template into the ConfigMap the Job mounts', () => {
    // Every tenant of the committed catalogue that has an identity (not `provisioning`), whatever the catalogue holds.
    const { environment, identities } = loadEnvironment(envDir, repoRoot);
    const expected = loadTenants({ tenantsDir: join(repoRoot, 'apps/tenants/tenants'), repoRoot, identities, edge: environment.edge }).filter((t) => t.state !== 'provisioning').map((t) => t.id);
    expect(expected).toContain('acme');
    expect(tenants.map((t) => t.id).sort()).toEqual(expected);
    expect(tenants.find((t) => t.id === 'acme')).toEqual({ id: 'acme', vault: `${loadEnvironment(envDir, repoRoot).environment.azure.namePrefix}-acme`, database: 'tenant_acme' });
    expect(container.command).toEqual(['bash', `${DATABASE_BOOTSTRAP_MOUNT}/${DATABASE_BOOTSTRAP_FILES.script}`]);
  });

  it('creates every role and database with the password from its vault, as the Entra administrator, and each tenant owns its database', async () => {
    const run = await runJob();
    expect(run.stderr).toContain(`${tenants.length} tenants ready`);
    expect(run.code).toBe(0);
    for (const t of tenants) {
      expect(run.stderr).toContain(`tenant ${t.id}: role and database ${t.database} ready`);
      expect(await asAdmin(`SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${t.database}'`)).toBe(t.database);
      // What OpenWebUI's migrations need: create tables and use pgvector, with its own password.
      await asTenant(t, 'CREATE TABLE IF NOT EXISTS probe (id int, v vector(2))');
      expect(await asTenant(t, "SELECT '[1,2]'::vector <-> '[1,3]'::vector")).toBe('1');
    }
  });

  it("closes each database to the other tenants' roles", async () => {
    const [a, b] = tenants as [(typeof tenants)[number], (typeof tenants)[number]];
    await expect(asTenant(b, 'SELECT 1', a.database)).rejects.toThrow(new RegExp(`permission denied for database "${a.database}"`));
  });

  it('is idempotent, and a password rotated in Key Vault reaches the role on the next run', async () => {
    expect((await runJob()).code).toBe(0);
    const t = tenants[1]!;
    const old = passwords.get(t.id)!;
    passwords.set(t.id, 'Rotated0Password1After2Run3');
    identity.setDatabaseUrl(t.vault, databaseUrl(t));
    expect((await runJob()).code).toBe(0);
    expect(await asTenant(t, 'SELECT 1')).toBe('1');
    await expect(asTenant(t, 'SELECT 1', t.database, old)).rejects.toThrow(/password authentication failed/);
  });

  it('names each broken tenant with its vault and the reason, still bootstraps the others, and exits 1', async () => {
    const [ok, missing, malformed] = tenants as [(typeof tenants)[number], (typeof tenants)[number], (typeof tenants)[number]];
    await asAdmin(`ALTER ROLE ${ok.database} PASSWORD 'drifted-by-hand'`);
    identity.setDatabaseUrl(missing.vault, undefined);
    identity.setDatabaseUrl(malformed.vault, 'not-a-url');
    try {
      const run = await runJob();
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`tenant ${missing.id}: cannot read secret database-url from Key Vault ${missing.vault}`);
      expect(run.stderr).toContain('SecretNotFound');
      expect(run.stderr).toContain(`tenant ${malformed.id}: secret database-url in Key Vault ${malformed.vault} is not a postgresql://${malformed.database}:<password>@... URL`);
      expect(run.stderr).toContain(`1 tenants ready, 2 failed: ${missing.id} ${malformed.id}`);
      // The healthy tenant was repaired in the same run.
      expect(await asTenant(ok, 'SELECT 1')).toBe('1');
      expect(run.stderr).not.toContain(passwords.get(ok.id)!);
    } finally {
      identity.setDatabaseUrl(missing.vault, databaseUrl(missing));
      identity.setDatabaseUrl(malformed.vault, databaseUrl(malformed));
    }
  });

  it('stops before touching PostgreSQL without a workload identity or with one Entra ID refuses', async () => {
    const noIdentity = await runJob({ AZURE_FEDERATED_TOKEN_FILE: undefined });
    expect(noIdentity.code).toBe(2);
    expect(noIdentity.stderr).toContain('environment variable AZURE_FEDERATED_TOKEN_FILE is not set');
    const refused = await runJob({ AZURE_CLIENT_ID: '00000000-0000-0000-0000-0000000000ff' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('cannot get an Entra ID token for PostgreSQL');
    expect(refused.stderr).toContain('invalid_client');
  });
});
