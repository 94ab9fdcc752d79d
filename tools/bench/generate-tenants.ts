import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Id of the n-th generated tenant (stable, valid DNS label). */
export const benchTenantId = (n: number) => `bench-${String(n).padStart(4, '0')}`;

/**
 * Writes `count` tenant folders (every fifth premium) and an environment whose identities cover
 * them all, under `root`, mirroring the real repository layout.
 */
export function generateBenchRepo(repoRoot: string, root: string, count: number): void {
  mkdirSync(join(root, 'environments'), { recursive: true });
  cpSync(join(repoRoot, 'environments/example'), join(root, 'environments/example'), { recursive: true });
  const ids: string[] = [];
  for (let n = 0; n < count; n++) ids.push(benchTenantId(n));
  for (const [n, id] of ids.entries()) addBenchTenant(root, id, n % 5 === 0 ? 'premium' : 'standard');
  const lines = ids.map((id, n) => `  ${id}: 00000000-0000-0000-0000-${String(n).padStart(12, '0')}`);
  writeFileSync(join(root, 'environments/example/tenant-identities.yaml'), `clientIds:\n${lines.join('\n')}\n`);
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
