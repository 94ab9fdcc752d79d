import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A valid standard tenant file, as text, for tests to start from and break. */
export function validTenantYaml(id: string, overrides: Record<string, string> = {}): string {
  const fields: Record<string, string> = {
    id,
    displayName: `Tenant ${id}`,
    tier: 'standard',
    hostnames: `\n  - ${id}.chat.example.com`,
    sso: '\n  issuerUrl: https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0\n  clientId: 00000000-0000-0000-0000-0000000000c1',
    ...overrides,
  };
  return Object.entries(fields)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')
    .concat('\n');
}

/** A throwaway repository root with a tenants folder; returns paths for the loader. */
export function tempTenantsRepo(): { repoRoot: string; tenantsDir: string; addTenant: (folder: string, yaml: string) => string } {
  const repoRoot = mkdtempSync(join(tmpdir(), 'panal-tenants-'));
  const tenantsDir = join(repoRoot, 'apps/tenants/tenants');
  mkdirSync(tenantsDir, { recursive: true });
  const addTenant = (folder: string, yaml: string) => {
    mkdirSync(join(tenantsDir, folder), { recursive: true });
    writeFileSync(join(tenantsDir, folder, 'tenant.yaml'), yaml);
    return `apps/tenants/tenants/${folder}/tenant.yaml`;
  };
  return { repoRoot, tenantsDir, addTenant };
}
