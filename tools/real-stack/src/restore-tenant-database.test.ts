import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DB_BOOTSTRAP_PASSWORD_VARIABLE, databaseBootstrapIdentityName, tenantDbBootstrapSql } from '@panal/tenant-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './openwebui';
import { startPostgres, type PostgresCluster } from './services';

const execFileAsync = promisify(execFile);
const SCRIPT = join(REPO_ROOT, 'tools/dr/restore-tenant-database.sh');
/** The Entra administrator as Azure makes it: not a superuser; its token is its password. */
const ADMIN = databaseBootstrapIdentityName('pnlex');
const ADMIN_TOKEN = 'entra-access-token-for-the-administrator';

describe('restore-tenant-database.sh: one tenant back from a restored server, on two real PostgreSQL 15 servers', () => {
  const passwords = { acme: 'AcmePassword0Restore1', globex: 'GlobexPassword0Restore1' };
  let source: PostgresCluster;
  let target: PostgresCluster;
  let dir: string;

  const as = (pg: PostgresCluster, user: string, password: string, database: string, sql: string) => pg.psql({ user, password, database, sql });
  const asAdmin = (pg: PostgresCluster, sql: string, database = 'postgres') => as(pg, ADMIN, ADMIN_TOKEN, database, sql);
  const asTenant = (pg: PostgresCluster, tenant: keyof typeof passwords, sql: string, database = `tenant_${tenant}`) => as(pg, `tenant_${tenant}`, passwords[tenant], database, sql);

  /** A server as the platform leaves it: the administrator role, then each tenant bootstrapped by it (the db-bootstrap SQL). */
  async function platformServer(): Promise<PostgresCluster> {
    const pg = await startPostgres();
    await pg.psql({ user: pg.adminUser, password: pg.adminPassword, database: 'postgres', sql: `CREATE ROLE "${ADMIN}" LOGIN CREATEROLE CREATEDB PASSWORD '${ADMIN_TOKEN}'` });
    // Stand-in for Azure's extension allow-list (azure.extensions = VECTOR lets the administrator
    // create it; locally only a superuser may): every new database copies template1, which has it.
    await pg.psql({ user: pg.adminUser, password: pg.adminPassword, database: 'template1', sql: 'CREATE EXTENSION vector' });
    for (const tenant of Object.keys(passwords) as (keyof typeof passwords)[]) {
      const file = join(dir, `bootstrap-${tenant}.sql`);
      writeFileSync(file, tenantDbBootstrapSql(tenant));
      await pg.psql({ user: ADMIN, password: ADMIN_TOKEN, database: 'postgres', file, vars: { [DB_BOOTSTRAP_PASSWORD_VARIABLE]: passwords[tenant] } });
    }
    return pg;
  }

  async function restore(tenant: string): Promise<{ code: number; stderr: string }> {
    const env = { PATH: `${target.binDir}:${process.env.PATH}`, PGUSER: ADMIN, PGPASSWORD: ADMIN_TOKEN, PGSSLMODE: 'disable', SOURCE_PGPORT: String(source.port), TARGET_PGPORT: String(target.port) };
    try {
      const { stderr } = await execFileAsync('bash', [SCRIPT, tenant, '127.0.0.1', '127.0.0.1'], { env, timeout: 120_000 });
      return { code: 0, stderr };
    } catch (e) {
      const err = e as { code?: number; stderr?: string };
      return { code: typeof err.code === 'number' ? err.code : -1, stderr: err.stderr ?? String(e) };
    }
  }

  const databases = (pg: PostgresCluster) => asAdmin(pg, "SELECT string_agg(datname, ' ' ORDER BY datname) FROM pg_database WHERE datname LIKE 'tenant_%'");

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'panal-dr-'));
    [source, target] = [await platformServer(), await platformServer()];
    // What OpenWebUI would have written, as the tenant role, on both servers: the source is the
    // point-in-time restore of production from before the damage.
    for (const pg of [source, target]) {
      await asTenant(pg, 'acme', "CREATE TABLE chat (id int PRIMARY KEY, body text, embedding vector(3)); INSERT INTO chat VALUES (1, 'hola', '[1,0,0]'), (2, 'adiós', '[0,1,0]'), (3, 'gracias', '[0,0,1]')");
      await asTenant(pg, 'globex', "CREATE TABLE note (id int PRIMARY KEY, body text); INSERT INTO note VALUES (1, 'globex')");
    }
    // The damage, in production only: acme's chats deleted; globex keeps writing afterwards.
    await asTenant(target, 'acme', 'DELETE FROM chat WHERE id > 1');
    await asTenant(target, 'globex', "INSERT INTO note VALUES (2, 'written after the damage')");
  }, 600_000);
  afterAll(async () => {
    await Promise.allSettled([source?.stop(), target?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a tenant the restored server does not have, and changes nothing on production', async () => {
    const before = await databases(target);
    const run = await restore('initech');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('source 127.0.0.1 has no database tenant_initech');
    expect(await databases(target)).toBe(before);
  });

  it("puts the tenant's data back from the restored server, owned by the tenant and usable with its password", async () => {
    const run = await restore('acme');
    expect(run.stderr).toContain('1 tables, same row counts');
    expect(run.code).toBe(0);
    expect(await asTenant(target, 'acme', 'SELECT count(*) FROM chat')).toBe('3');
    expect(await asTenant(target, 'acme', "SELECT body FROM chat ORDER BY embedding <-> '[0,0.9,0.1]' LIMIT 1")).toBe('adiós');
    expect(await asAdmin(target, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'tenant_acme'")).toBe('tenant_acme');
    expect(await asAdmin(target, "SELECT tableowner FROM pg_tables WHERE tablename = 'chat'", 'tenant_acme')).toBe('tenant_acme');
    await asTenant(target, 'acme', "INSERT INTO chat VALUES (4, 'después', '[1,1,0]')");
  });

  it('keeps the damaged copy for rollback and leaves every other tenant as it was', async () => {
    const names = (await databases(target)).split(' ');
    const kept = names.find((n) => /^tenant_acme_before_\d{14}$/.test(n));
    expect(kept).toBeDefined();
    expect(names.filter((n) => n.includes('_restore_'))).toEqual([]);
    expect(await asAdmin(target, 'SELECT count(*) FROM chat', kept)).toBe('1');
    expect(await asTenant(target, 'globex', 'SELECT count(*) FROM note')).toBe('2');
    await expect(asTenant(target, 'globex', 'SELECT 1', 'tenant_acme')).rejects.toThrow(/permission denied for database "tenant_acme"/);
  });
});
