import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironment } from '../load-environment';
import { loadTenants } from '../load-tenants';
import { referenceCatalogue } from './reference-catalogue';

const repoRoot = resolve(import.meta.dirname, '../../../..');

describe('referenceCatalogue', () => {
  const ref = referenceCatalogue(repoRoot);
  const { environment, identities } = loadEnvironment(ref.envDir, repoRoot);
  const tenants = loadTenants({ tenantsDir: ref.tenantsDir, repoRoot, identities, edge: environment.edge });

  it('loads every reference tenant as active, so tests render their workloads', () => {
    expect(tenants.map((t) => t.id)).toEqual(ref.tenantIds);
    expect(tenants.filter((t) => t.state !== 'active').map((t) => t.id)).toEqual([]);
  });

  it('covers both tiers and a tenant with more than one hostname', () => {
    expect(new Set(tenants.map((t) => t.tier))).toEqual(new Set(['standard', 'premium']));
    expect(tenants.some((t) => t.hostnames.length > 1)).toBe(true);
  });

  it('keeps the environment settings of environments/example and replaces only the identities', () => {
    const files = (dir: string) => readdirSync(dir).sort();
    expect(files(ref.envDir)).toEqual(files(join(repoRoot, 'environments/example')));
    expect(loadEnvironment(ref.envDir, repoRoot).environment).toEqual(loadEnvironment(join(repoRoot, 'environments/example'), repoRoot).environment);
  });
});
