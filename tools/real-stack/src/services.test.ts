import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapTenantDatabase, startPgBouncer, startPostgres, startRedis, type PgBouncer, type PostgresCluster, type Redis, type TenantDatabase } from './services';

describe('real data services: PostgreSQL 15 + pgvector, PgBouncer (transaction mode), Redis', () => {
  let pg: PostgresCluster;
  let bouncer: PgBouncer;
  let redis: Redis;
  let a: TenantDatabase;
  let b: TenantDatabase;

  beforeAll(async () => {
    pg = await startPostgres();
    a = await bootstrapTenantDatabase(pg, 'acme');
    b = await bootstrapTenantDatabase(pg, 'initech');
    bouncer = await startPgBouncer(pg, [a, b]);
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.allSettled([bouncer?.stop(), redis?.stop()]);
    await pg?.stop();
  });

  it('bootstraps each tenant database owned by its role with vector installed, and a second run changes nothing', async () => {
    const owner = await pg.psql({ user: pg.adminUser, password: pg.adminPassword, database: 'postgres', sql: "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'tenant_acme'" });
    expect(owner).toBe('tenant_acme');
    await bootstrapTenantDatabase(pg, 'acme', a.password);
    const ext = await pg.psql({ user: a.role, password: a.password, database: a.database, port: bouncer.port, sql: "SELECT extname FROM pg_extension WHERE extname = 'vector'" });
    expect(ext).toBe('vector');
    expect(await pg.psql({ user: a.role, password: a.password, database: a.database, port: bouncer.port, sql: "SELECT '[1,2,3]'::vector <-> '[1,2,4]'::vector" })).toBe('1');
  });

  it('PgBouncer pools every tenant database in transaction mode', async () => {
    const admin = (sql: string) => pg.psql({ user: pg.adminUser, password: pg.adminPassword, database: 'pgbouncer', port: bouncer.port, sql });
    const config = Object.fromEntries((await admin('SHOW CONFIG')).split('\n').map((r) => r.split('|')).map((c) => [c[0], c[1]]));
    expect(config.pool_mode).toBe('transaction');
    // A database line without its own pool_mode uses the global one (column 8 of SHOW DATABASES is empty).
    const dbs = Object.fromEntries((await admin('SHOW DATABASES')).split('\n').map((r) => r.split('|')).map((c) => [c[0], c[8]]));
    expect(dbs).toMatchObject({ tenant_acme: '', tenant_initech: '' });
  });

  it("one tenant's role cannot open another tenant's database, directly or through PgBouncer", async () => {
    await expect(pg.psql({ user: b.role, password: b.password, database: a.database, sql: 'SELECT 1' })).rejects.toThrow(/permission denied for database "tenant_acme"/);
    await expect(pg.psql({ user: b.role, password: b.password, database: a.database, port: bouncer.port, sql: 'SELECT 1' })).rejects.toThrow(/permission denied|password authentication failed|no such user/);
  });

  it('Redis answers on loopback', () => {
    expect(execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), 'PING'], { encoding: 'utf8' }).trim()).toBe('PONG');
  });
});
