import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INFRA_ENVIRONMENTS } from '../environments';
import { renderInfra } from '../synth/render-infra';
import { missingProviders, providerBinary, providerMirrorDir, requiredProviders, terraformValidate } from './terraform-validate';

const repoRoot = resolve(import.meta.dirname, '../../../..');
const files = renderInfra({ repoRoot, environments: Object.values(INFRA_ENVIRONMENTS) });
const missing = missingProviders(files.values());
const terraform = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8' });
const hasTerraform = terraform.status === 0;
const reason = !hasTerraform
  ? 'no terraform binary on PATH'
  : `providers not cached in ${providerMirrorDir()}: ${missing.join(', ')} (build them with tools/terraform/ensure-providers.sh; not part of make test)`;
const ready = hasTerraform && missing.length === 0;

if (!ready) console.warn(`\nPROVIDER-SCHEMA VALIDATION SKIPPED: ${reason}\n`);

describe('terraform validate against the real provider schemas', () => {
  it('maps every pinned provider to its place in the filesystem mirror', () => {
    const p = requiredProviders(files.get('prod/gitops/cdk.tf.json')!).find((x) => x.name === 'azurerm')!;
    expect(providerBinary(p, '/m')).toBe('/m/registry.terraform.io/hashicorp/azurerm/4.55.0/linux_amd64/terraform-provider-azurerm_v4.55.0_x5');
  });

  it.skipIf(!ready)(`every stack of prod and dev is valid${ready ? '' : ` — SKIPPED: ${reason}`}`, { timeout: 20 * 60_000 }, () => {
    const invalid: string[] = [];
    for (const [path, json] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
      const result = terraformValidate(json);
      const warnings = result.diagnostics.filter((d) => d.startsWith('warning'));
      console.log(`terraform validate ${path}: ${result.valid ? 'valid' : 'INVALID'}${warnings.length ? ` (${warnings.length} warnings)` : ''}`);
      if (!result.valid) invalid.push(`${path}:\n    ${result.diagnostics.join('\n    ')}`);
    }
    expect(invalid).toEqual([]);
  });
});
