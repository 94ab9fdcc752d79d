import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { INFRA_ENVIRONMENTS } from '../environments';
import { renderInfra } from '../synth/render-infra';
import { scanWithCheckov } from './checkov-scan';

const repoRoot = resolve(import.meta.dirname, '../../../..');

/**
 * One tenant folder per tier (the first by id). Every tenant's Azure resources come from the same
 * construct and differ only by tier, so scanning one of each covers them all, while a scan of every
 * tenant grows with the tenant count (measured: about 6 minutes of checkov for 500 tenants, see
 * docs/benchmarks.md). terraform validate still checks the committed JSON of every tenant.
 */
function onePerTierTenantsDir(): string {
  const source = join(repoRoot, 'apps/tenants/tenants');
  const sample = mkdtempSync(join(tmpdir(), 'panal-checkov-tenants-'));
  const seen = new Set<string>();
  for (const id of readdirSync(source).sort()) {
    const tier = String(parse(readFileSync(join(source, id, 'tenant.yaml'), 'utf8'))?.tier);
    if (seen.has(tier)) continue;
    seen.add(tier);
    cpSync(join(source, id), join(sample, id), { recursive: true });
  }
  return sample;
}

describe('checkov (pinned, offline) on the synthesized Terraform JSON', () => {
  it('finds no failed check without an inline justification next to the resource', { timeout: 15 * 60_000 }, () => {
    // GIVEN both environments synthesized, with one tenant of each tier WHEN checkov scans them
    const tenantsDir = onePerTierTenantsDir();
    let verdict;
    try {
      verdict = scanWithCheckov(repoRoot, renderInfra({ repoRoot, environments: Object.values(INFRA_ENVIRONMENTS), tenantsDir }));
    } finally {
      rmSync(tenantsDir, { recursive: true, force: true });
    }
    const skips = new Map<string, string>();
    for (const f of verdict.justified) skips.set(f.checkId, f.justification!);
    console.log(
      `checkov ${verdict.version}: ${verdict.passed} passed, ${verdict.justified.length} failed with an inline justification, ${verdict.unjustified.length} unjustified` +
        `\n  severities offline: ${[...new Set([...verdict.justified, ...verdict.unjustified].map((f) => f.severity))].join(', ') || 'n/a'} (so every check counts, not only HIGH/CRITICAL)` +
        [...skips].sort().map(([id, why]) => `\n  skip ${id}: ${why}`).join(''),
    );
    // THEN every failure is justified where the resource is defined, and no justification is stale
    expect(verdict.unjustified.map((f) => `${f.checkId} ${f.file} ${f.resource}: ${f.checkName}`)).toEqual([]);
    expect(verdict.staleSkips).toEqual([]);
    expect(verdict.passed).toBeGreaterThan(300);
  });
});
