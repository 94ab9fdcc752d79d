import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTenants } from '../../../apps/tenants/src/render-tenants.ts';
import { ensureOpenWebUIInstalled, REPO_ROOT } from './openwebui';
import { bootstrapTenantDatabase, startPostgres, type PostgresCluster } from './services';

const execFileAsync = promisify(execFile);
const TENANT = 'acme';

/** The migration Job's `wait-for-database` init container, rendered from code now. */
function renderedInitContainer() {
  const { files } = renderTenants({ repoRoot: REPO_ROOT, envDir: join(REPO_ROOT, 'environments/example') });
  const job = parse(files.get(`${TENANT}/job-open-webui-migrate.yaml`)!);
  return job.spec.template.spec.initContainers.find((c: { name: string }) => c.name === 'wait-for-database');
}

describe("migration Job's wait-for-database, with OpenWebUI's own Python and psycopg2 against a real PostgreSQL", () => {
  const init = renderedInitContainer();
  const password = 'WaitForDb0Password1';
  let pg: PostgresCluster;
  let python: string;

  /** Runs the rendered command with the venv's python3 (the image's), DATABASE_URL as the synced Secret would give it. */
  async function run(waitSeconds: string): Promise<{ code: number; out: string }> {
    const [, ...args] = init.command as string[];
    const env = { PATH: process.env.PATH!, DATABASE_URL: `postgresql://tenant_${TENANT}:${password}@127.0.0.1:${pg.port}/tenant_${TENANT}?sslmode=disable`, WAIT_SECONDS: waitSeconds };
    try {
      const { stdout, stderr } = await execFileAsync(python, args, { env, timeout: 60_000 });
      return { code: 0, out: stdout + stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof err.code === 'number' ? err.code : -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  }

  beforeAll(async () => {
    python = join(ensureOpenWebUIInstalled(), 'bin/python3');
    pg = await startPostgres();
  }, 900_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it('is an init container of the migration Job, bounded, with only DATABASE_URL from the synced Secret', () => {
    expect(init.command[0]).toBe('python3');
    expect(init.env.find((e: { name: string }) => e.name === 'WAIT_SECONDS').value).toBe('900');
    expect(init.env.find((e: { name: string }) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef.key).toBeDefined();
  });

  it('keeps waiting while the role does not exist, says why, and gives up at its bound without printing the password', async () => {
    const early = await run('1');
    expect(early.code).toBe(1);
    expect(early.out).toMatch(/wait-for-database: not yet \(.*tenant_acme.*\); platform-db\/db-bootstrap creates the role/);
    expect(early.out).toMatch(/wait-for-database: gave up after 1 s: /);
    expect(early.out).not.toContain(password);
  });

  it('lets the migration start once the bootstrap created the role and database', async () => {
    await bootstrapTenantDatabase(pg, TENANT, password);
    const ready = await run('30');
    expect(ready.out).toContain('wait-for-database: the tenant role logs in to its database');
    expect(ready.code).toBe(0);
  });
});
