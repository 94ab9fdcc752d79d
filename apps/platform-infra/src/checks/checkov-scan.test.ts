import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INFRA_ENVIRONMENTS } from '../environments';
import { renderInfra } from '../synth/render-infra';
import { scanWithCheckov } from './checkov-scan';

const repoRoot = resolve(import.meta.dirname, '../../../..');

describe('checkov (pinned, offline) on the synthesized Terraform JSON', () => {
  it('finds no failed check without an inline justification next to the resource', { timeout: 15 * 60_000 }, () => {
    // GIVEN both environments synthesized WHEN checkov scans them
    const verdict = scanWithCheckov(repoRoot, renderInfra({ repoRoot, environments: Object.values(INFRA_ENVIRONMENTS) }));
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
