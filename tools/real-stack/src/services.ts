/**
 * Real data services for the local stack: a throwaway PostgreSQL 15 cluster (with pgvector),
 * PgBouncer in transaction mode in front of it, and one Redis per tenant. Every server binds to
 * 127.0.0.1 on a free port chosen at runtime and is stopped by the returned handle.
 *
 * PostgreSQL and PgBouncer refuse to run as root: when this process is root they run as the
 * `postgres` system user that the Debian package creates (`runuser -u postgres`).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DB_BOOTSTRAP_PASSWORD_VARIABLE, tenantDatabaseName, tenantDbBootstrapSql } from '@panal/tenant-config';

const execFileAsync = promisify(execFile);
const INSTALL_DIR = resolve(import.meta.dirname, '../install');
const LOOPBACK = '127.0.0.1';

/** Runs `install/services.sh` (idempotent) and returns the PostgreSQL 15 bin directory. */
export function ensureServicesInstalled(): string {
  return execFileSync('bash', [join(INSTALL_DIR, 'services.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, LOOPBACK, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? ok(addr.port) : fail(new Error('no port'))));
    });
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port, or throws after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, what: string, proc?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && proc.exitCode !== null) throw new Error(`${what} exited with code ${proc.exitCode} before listening on ${port}`);
    const open = await new Promise<boolean>((ok) => {
      const s = new Socket();
      s.once('connect', () => (s.destroy(), ok(true)));
      s.once('error', () => (s.destroy(), ok(false)));
      s.connect(port, LOOPBACK);
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${LOOPBACK}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const isRoot = () => process.getuid?.() === 0;
const SERVICE_USER = 'postgres';
function serviceIds(): { uid: number; gid: number } {
  return { uid: Number(execFileSync('id', ['-u', SERVICE_USER], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', SERVICE_USER], { encoding: 'utf8' })) };
}
/** A temporary directory the service user can write. */
function serviceDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (isRoot()) {
    const { uid, gid } = serviceIds();
    chownSync(dir, uid, gid);
  }
  return dir;
}
function asServiceUser(cmd: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', SERVICE_USER, '--', cmd, ...args]] : [cmd, args];
}

/** A started server: its process (own process group) and a stop that waits for it to exit. */
export interface ManagedProcess {
  readonly pid: number;
  readonly proc: ChildProcess;
  /** SIGTERM to the whole process group, SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns a server in its own process group, logging to `logFile`. */
export function startProcess(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string }): ManagedProcess {
  const fd = openSync(opts.logFile, 'a');
  const proc = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, detached: true, stdio: ['ignore', fd, fd] });
  const exited = new Promise<void>((ok) => (proc.exitCode !== null ? ok() : proc.once('exit', () => ok())));
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`could not start ${cmd}`);
  return {
    pid,
    proc,
    async stop(graceMs = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A running PostgreSQL 15 cluster (superuser `panal_admin`, password authentication over TCP). */
export interface PostgresCluster {
  readonly host: string;
  readonly port: number;
  readonly adminUser: string;
  readonly adminPassword: string;
  readonly dataDir: string;
  readonly binDir: string;
  readonly process: ManagedProcess;
  /** Runs psql as `user` against `database` on `port` (default: the cluster), returns stdout. */
  psql(args: { user: string; password: string; database: string; port?: number; sql?: string; file?: string; vars?: Record<string, string> }): Promise<string>;
  stop(): Promise<void>;
}

/** initdb in a temporary directory and start `postgres` on a free loopback port. */
export async function startPostgres(binDir = ensureServicesInstalled()): Promise<PostgresCluster> {
  const root = serviceDir('panal-pg-');
  const dataDir = join(root, 'data');
  const adminUser = 'panal_admin';
  const adminPassword = randomBytes(18).toString('base64url');
  const pwFile = join(root, 'pwfile');
  writeFileSync(pwFile, adminPassword, { mode: 0o600 });
  if (isRoot()) chownSync(pwFile, serviceIds().uid, serviceIds().gid);
  const [icmd, iargs] = asServiceUser(join(binDir, 'initdb'), ['-D', dataDir, '-U', adminUser, `--pwfile=${pwFile}`, '--auth-local=scram-sha-256', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8']);
  await execFileAsync(icmd, iargs);
  rmSync(pwFile);
  const port = await freePort();
  // No Unix socket in a shared directory, no TCP beyond loopback.
  const [cmd, args] = asServiceUser(join(binDir, 'postgres'), ['-D', dataDir, '-p', String(port), '-h', LOOPBACK, '-k', root, '-c', 'max_connections=200', '-c', 'fsync=off']);
  const proc = startProcess(cmd, args, { logFile: join(root, 'postgres.log') });
  await waitForPort(port, 60_000, 'postgres', proc.proc);
  const psql: PostgresCluster['psql'] = async (a) => {
    const vars = Object.entries(a.vars ?? {}).flatMap(([k, v]) => ['-v', `${k}=${v}`]);
    const input = a.file ? ['-f', a.file] : ['-c', a.sql ?? ''];
    const { stdout } = await execFileAsync(join(binDir, 'psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', LOOPBACK, '-p', String(a.port ?? port), '-U', a.user, '-d', a.database, ...vars, ...input], {
      env: { ...process.env, PGPASSWORD: a.password, PGCONNECT_TIMEOUT: '10' },
    });
    return stdout.trim();
  };
  // The port opens before recovery ends: wait until a query succeeds.
  for (let i = 0; ; i++) {
    try {
      await psql({ user: adminUser, password: adminPassword, database: 'postgres', sql: 'SELECT 1' });
      break;
    } catch (e) {
      if (i > 50) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    host: LOOPBACK,
    port,
    adminUser,
    adminPassword,
    dataDir,
    binDir,
    process: proc,
    psql,
    async stop() {
      await proc.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A tenant's database credentials, as the Key Vault secret `database-url` will carry them. */
export interface TenantDatabase {
  readonly tenantId: string;
  readonly database: string;
  readonly role: string;
  readonly password: string;
}

/**
 * Creates the tenant's role, database and extensions with {@link tenantDbBootstrapSql}: the same
 * script, run the same way (psql as the administrator on `postgres`), as the production bootstrap.
 */
export async function bootstrapTenantDatabase(pg: PostgresCluster, tenantId: string, password = randomBytes(18).toString('base64url')): Promise<TenantDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'panal-dbboot-'));
  const file = join(dir, 'bootstrap.sql');
  writeFileSync(file, tenantDbBootstrapSql(tenantId));
  try {
    await pg.psql({ user: pg.adminUser, password: pg.adminPassword, database: 'postgres', file, vars: { [DB_BOOTSTRAP_PASSWORD_VARIABLE]: password } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const name = tenantDatabaseName(tenantId);
  return { tenantId, database: name, role: name, password };
}

/** A running PgBouncer. */
export interface PgBouncer {
  readonly port: number;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * PgBouncer in transaction mode (what Azure's built-in PgBouncer on port 6432 runs) on a free
 * port, with one pool per tenant database and SCRAM authentication against its own user list.
 * @see https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-pgbouncer
 */
export async function startPgBouncer(pg: PostgresCluster, tenants: readonly TenantDatabase[]): Promise<PgBouncer> {
  const dir = serviceDir('panal-pgbouncer-');
  const port = await freePort();
  const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const users = [...tenants.map((t) => [t.role, t.password]), [pg.adminUser, pg.adminPassword]];
  writeFileSync(join(dir, 'userlist.txt'), users.map(([u, p]) => `${quote(u)} ${quote(p)}`).join('\n') + '\n', { mode: 0o600 });
  const ini = [
    '[databases]',
    ...tenants.map((t) => `${t.database} = host=${LOOPBACK} port=${pg.port} dbname=${t.database}`),
    '[pgbouncer]',
    `listen_addr = ${LOOPBACK}`,
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = scram-sha-256',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    'pool_mode = transaction',
    // The admin console (database "pgbouncer") lets tests read the pool mode PgBouncer really uses.
    `admin_users = ${pg.adminUser}`,
    'max_client_conn = 500',
    'default_pool_size = 20',
    // SQLAlchemy/psycopg send these at connect; PgBouncer must not reject the session.
    'ignore_startup_parameters = extra_float_digits,options',
    `logfile = ${join(dir, 'pgbouncer.log')}`,
    `pidfile = ${join(dir, 'pgbouncer.pid')}`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'pgbouncer.ini'), ini, { mode: 0o600 });
  if (isRoot()) {
    const { uid, gid } = serviceIds();
    chownSync(join(dir, 'userlist.txt'), uid, gid);
    chownSync(join(dir, 'pgbouncer.ini'), uid, gid);
  }
  const [cmd, args] = asServiceUser('/usr/sbin/pgbouncer', [join(dir, 'pgbouncer.ini')]);
  const proc = startProcess(cmd, args, { logFile: join(dir, 'stdout.log') });
  await waitForPort(port, 30_000, 'pgbouncer', proc.proc);
  return {
    port,
    process: proc,
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A running Redis (one per tenant, as in the cluster). */
export interface Redis {
  readonly port: number;
  readonly url: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** redis-server on a free loopback port, no persistence (the in-cluster Redis keeps no volume either). */
export async function startRedis(): Promise<Redis> {
  const dir = serviceDir('panal-redis-');
  const port = await freePort();
  const [cmd, args] = asServiceUser('/usr/bin/redis-server', ['--bind', LOOPBACK, '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes', '--daemonize', 'no']);
  const proc = startProcess(cmd, args, { logFile: join(dir, 'redis.log') });
  await waitForPort(port, 30_000, 'redis-server', proc.proc);
  return {
    port,
    url: `redis://${LOOPBACK}:${port}/0`,
    process: proc,
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
