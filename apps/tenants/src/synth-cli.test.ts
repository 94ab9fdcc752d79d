import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validTenantYaml } from '@panal/tenant-config';

const repoRoot = resolve(__dirname, '../../..');
const tsx = join(repoRoot, 'node_modules/.bin/tsx');
const main = join(repoRoot, 'apps/tenants/src/main.ts');
/** A tenant id the committed catalogue does not hold yet (the catalogue is the customer's, any name may be taken). */
const NEW_TENANT = ['newco', 'newco-b', 'newco-c', 'newco-d'].find((id) => !readdirSync(join(repoRoot, 'apps/tenants/tenants')).includes(id))!;

/** A scratch repository: the example environment and tenants, and the committed output. */
function scratchRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'panal-synth-'));
  cpSync(join(repoRoot, 'environments'), join(root, 'environments'), { recursive: true });
  cpSync(join(repoRoot, 'apps/tenants/tenants'), join(root, 'apps/tenants/tenants'), { recursive: true });
  cpSync(join(repoRoot, 'dist/manifests/tenants'), join(root, 'dist/manifests/tenants'), { recursive: true });
  return root;
}

/** Every file under a folder with its content, to compare before and after. */
function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

function synth(root: string, ...args: string[]) {
  return spawnSync(tsx, [main, '--repo-root', root, ...args], { encoding: 'utf8' });
}

describe('tenants synth command', () => {
  it('fails on a broken tenant folder with file, field, value and rule, and leaves dist untouched', () => {
    // GIVEN the committed output and a pull request that breaks one tenant
    const root = scratchRepo();
    const before = snapshotTree(join(root, 'dist'));
    writeFileSync(join(root, 'apps/tenants/tenants/acme/tenant.yaml'), validTenantYaml('acme', { quota: '\n  cpuCores: 64' }));
    mkdirSync(join(root, `apps/tenants/tenants/${NEW_TENANT}`));
    writeFileSync(join(root, `apps/tenants/tenants/${NEW_TENANT}/tenant.yaml`), validTenantYaml(NEW_TENANT, { tier: 'gold' }));
    // WHEN synthesizing
    const run = synth(root);
    // THEN it fails, says what and where, and dist is byte-identical
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('apps/tenants/tenants/acme/tenant.yaml: field "quota.cpuCores": must be at most 8 for tier "standard" (got 64)');
    expect(run.stderr).toContain(`apps/tenants/tenants/${NEW_TENANT}/tenant.yaml: field "tier": must be one of: standard, premium (got "gold")`);
    expect(run.stderr).toContain('nothing was written');
    expect(snapshotTree(join(root, 'dist'))).toEqual(before);
  });

  it('adds a tenant folder to dist when a tenant is onboarded, and removes it when offboarded', () => {
    const root = scratchRepo();
    const committed = readdirSync(join(root, 'dist/manifests/tenants')).sort();
    mkdirSync(join(root, `apps/tenants/tenants/${NEW_TENANT}`));
    writeFileSync(join(root, `apps/tenants/tenants/${NEW_TENANT}/tenant.yaml`), validTenantYaml(NEW_TENANT));
    expect(synth(root).status).toBe(0);
    // No identity yet for the new tenant in the example environment: guard rails only, workloads wait.
    expect(readdirSync(join(root, `dist/manifests/tenants/${NEW_TENANT}`)).sort()).toEqual([
      'limitrange-tenant-limits.yaml',
      `namespace-tenant-${NEW_TENANT}.yaml`,
      'networkpolicy-allow-dns-egress.yaml',
      'networkpolicy-default-deny-all.yaml',
      'networkpolicy-open-webui-egress.yaml',
      'networkpolicy-open-webui-ingress-from-activator.yaml',
      'networkpolicy-redis-ingress-from-open-webui.yaml',
      'resourcequota-tenant-quota.yaml',
    ]);
    expect(snapshotTree(join(root, 'dist/manifests/tenants/acme'))).toEqual(snapshotTree(join(repoRoot, 'dist/manifests/tenants/acme')));
    // WHEN the folder is removed again, its rendered folder goes with it (Argo CD keeps the live objects).
    rmSync(join(root, `apps/tenants/tenants/${NEW_TENANT}`), { recursive: true });
    expect(synth(root).status).toBe(0);
    expect(readdirSync(join(root, 'dist/manifests/tenants')).sort()).toEqual(committed);
  });

  it('--check fails on stale output without writing, and passes on fresh output', () => {
    const root = scratchRepo();
    expect(synth(root, '--check').status).toBe(0);
    writeFileSync(join(root, 'dist/manifests/tenants/acme/namespace-tenant-acme.yaml'), 'stale: true\n');
    const before = snapshotTree(join(root, 'dist'));
    const run = synth(root, '--check');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('~ acme/namespace-tenant-acme.yaml');
    expect(snapshotTree(join(root, 'dist'))).toEqual(before);
  });
});
