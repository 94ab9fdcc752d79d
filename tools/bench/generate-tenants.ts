import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

/** Id of the n-th generated tenant (stable, valid DNS label). */
export const benchTenantId = (n: number) => `bench-${String(n).padStart(4, '0')}`;

/**
 * Writes `count` tenant folders (every fifth premium) and an environment whose identities cover
 * them all, under `root`, mirroring the real repository layout. The platform's own identities
 * (`platformClientIds`: gateway, seeder, KEDA, collector, …) are kept from the example environment, or
 * the generated repository would render a different platform (no gateway egress to Key Vault, no
 * federated ServiceAccounts).
 */
export function generateBenchRepo(repoRoot: string, root: string, count: number): void {
  mkdirSync(join(root, 'environments'), { recursive: true });
  cpSync(join(repoRoot, 'environments/example'), join(root, 'environments/example'), { recursive: true });
  const ids: string[] = [];
  for (let n = 0; n < count; n++) ids.push(benchTenantId(n));
  for (const [n, id] of ids.entries()) addBenchTenant(root, id, n % 5 === 0 ? 'premium' : 'standard');
  const identitiesFile = join(root, 'environments/example/tenant-identities.yaml');
  const { platformClientIds } = parse(readFileSync(identitiesFile, 'utf8')) as { platformClientIds?: Record<string, string> };
  const clientIds = Object.fromEntries(ids.map((id, n) => [id, `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`]));
  writeFileSync(identitiesFile, stringify(platformClientIds ? { clientIds, platformClientIds } : { clientIds }));
}

/** Writes one generated tenant folder. */
export function addBenchTenant(root: string, id: string, tier: 'standard' | 'premium'): void {
  const dir = join(root, 'apps/tenants/tenants', id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'tenant.yaml'),
    [
      `id: ${id}`,
      `displayName: Bench ${id}`,
      `tier: ${tier}`,
      'hostnames:',
      `  - ${id}.chat.example.com`,
      'sso:',
      '  issuerUrl: https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0',
      '  clientId: 00000000-0000-0000-0000-0000000000c1',
      '',
    ].join('\n'),
  );
}
