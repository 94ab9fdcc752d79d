import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pinnedProvider } from '../../scripts/azurerm-bindings';
import { INFRA_ENVIRONMENTS } from '../environments';
import { renderInfra } from '../synth/render-infra';
import { changedSince, planValidation, providerBinary, providerMirrorDir, REMOVED_REFERENCE, requiredProviders, terraformValidateMany, withoutProviders } from './terraform-validate';

const repoRoot = resolve(import.meta.dirname, '../../../..');
const files = renderInfra({ repoRoot, environments: Object.values(INFRA_ENVIRONMENTS) });
const hasTerraform = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8' }).status === 0;
const plan = planValidation(files);
/**
 * `PANAL_TF_VALIDATE_BASE` (set by `make affected` to the pull request's base): validate only the
 * stacks whose JSON differs from the base's committed dist/terraform; the others are the bytes the
 * base's own run validated. Unset (`make test`, pushes to main): every stack.
 */
const base = process.env.PANAL_TF_VALIDATE_BASE?.trim() || undefined;
const changed = base ? changedSince(files, base, repoRoot) : undefined;
const azurerm = pinnedProvider('azurerm');
/** Stacks that need nothing but azurerm: `platform-infra:validate` builds azurerm first, so these are always validated. */
const azurermOnly = [...files].filter(([, json]) => requiredProviders(json).every((p) => p.name === 'azurerm')).map(([path]) => path);

if (!hasTerraform) console.warn('\nterraform validate SKIPPED: no terraform binary on PATH\n');
/** Why a stack is validated only in part: its providers that are not built (the Go module proxy does not serve their pinned commits). */
const partialReason = (missing: string[]) => `${missing.join(', ')} not in ${providerMirrorDir()} (the Go module proxy does not serve the pinned commit; tools/terraform/README.md)`;

describe('terraform validate against the real provider schemas', () => {
  it('maps every pinned provider to its place in the filesystem mirror', () => {
    const p = requiredProviders(files.get('prod/aks/cdk.tf.json')!).find((x) => x.name === 'azurerm')!;
    expect(providerBinary(p, '/m')).toBe(`/m/registry.terraform.io/hashicorp/azurerm/${azurerm.version}/linux_amd64/terraform-provider-azurerm_v${azurerm.version}_x5`);
  });

  it('keeps network, observability, aks, secrets, storage and tenants of both environments free of providers other than azurerm', () => {
    const expected = ['dev', 'prod'].flatMap((env) => ['aks', 'network', 'observability', 'secrets', 'storage', 'tenants'].map((s) => `${env}/${s}/cdk.tf.json`));
    expect(azurermOnly.sort()).toEqual(expect.arrayContaining(expected));
  });

  it.skipIf(!hasTerraform)(
    `every stack of prod and dev is valid (without the resources of providers that are not built), and every azurerm-only stack is validated whole${hasTerraform ? '' : ' — SKIPPED: no terraform binary on PATH'}`,
    { timeout: 20 * 60_000 },
    () => {
      const notBuilt = plan.filter((s) => azurermOnly.includes(s.path) && s.missing.length);
      expect(notBuilt, `azurerm ${azurerm.version} must be in the cache: run tools/terraform/ensure-providers.sh azurerm`).toEqual([]);
      const invalid: string[] = [];
      const selected = plan.filter(({ path }) => !changed || changed.has(path));
      if (changed) console.log(`terraform validate: ${selected.length} of ${plan.length} stacks changed since ${base} (PANAL_TF_VALIDATE_BASE); the other ${plan.length - selected.length} are unchanged, validated by ${base}'s own run`);
      const reduced = new Map(selected.map(({ path, missing }) => [path, withoutProviders(files.get(path)!, missing.map((m) => m.split('@')[0]))]));
      const results = terraformValidateMany(new Map([...reduced].map(([path, r]) => [path, r.json])));
      for (const { path, missing } of selected) {
        const names = missing.map((m) => m.split('@')[0]);
        const result = results.get(path)!;
        const warnings = result.diagnostics.filter((d) => d.startsWith('warning'));
        const scope = missing.length
          ? ` — PARTIAL: ${reduced.get(path)!.removed.length} ${names.join('/')} resources NOT VALIDATED (${reduced.get(path)!.replacedReferences} references to them read "${REMOVED_REFERENCE}"): ${partialReason(missing)}`
          : '';
        console.log(`terraform validate ${path}: ${result.valid ? 'valid' : 'INVALID'}${warnings.length ? ` (${warnings.length} warnings: ${warnings.join('; ')})` : ''}${scope}`);
        if (!result.valid) invalid.push(`${path}:\n    ${result.diagnostics.join('\n    ')}`);
      }
      expect(invalid).toEqual([]);
    },
  );
});

describe('changedSince', () => {
  it('selects the stacks whose JSON differs from the committed one at the base, and those the base does not have', () => {
    const committed = spawnSync('git', ['show', 'HEAD:dist/terraform/prod/aks/cdk.tf.json'], { cwd: repoRoot, encoding: 'utf8' }).stdout;
    const selected = changedSince(new Map([['prod/aks/cdk.tf.json', committed], ['prod/network/cdk.tf.json', '{}\n'], ['prod/tenants-99/cdk.tf.json', '{}\n']]), 'HEAD', repoRoot);
    expect([...selected].sort()).toEqual(['prod/network/cdk.tf.json', 'prod/tenants-99/cdk.tf.json']);
  });
});

describe('withoutProviders', () => {
  const stack = JSON.stringify({
    terraform: { required_providers: { azurerm: { source: 'hashicorp/azurerm', version: '5.2.0' }, random: { source: 'hashicorp/random', version: '3.7.2' } } },
    provider: { azurerm: [{ features: [{}] }], random: [{}] },
    resource: {
      random_password: { pw: { length: 40 } },
      azurerm_key_vault_secret: { s: { name: 'x', value: 'postgresql://u:${random_password.pw.result}@h/db', key_vault_id: '${data.azurerm_key_vault.v.id}', depends_on: ['random_password.pw', 'data.azurerm_key_vault.v'] } },
    },
  });

  it('drops the providers, their resources and the depends_on entries on them, and replaces only the interpolations that read them', () => {
    const reduced = withoutProviders(stack, ['random']);
    const json = JSON.parse(reduced.json);
    expect(reduced.removed).toEqual(['random_password.pw']);
    expect(reduced.replacedReferences).toBe(1);
    expect(json.terraform.required_providers).toEqual({ azurerm: { source: 'hashicorp/azurerm', version: '5.2.0' } });
    expect(Object.keys(json.provider)).toEqual(['azurerm']);
    expect(json.resource.azurerm_key_vault_secret.s).toEqual({
      name: 'x',
      value: `postgresql://u:${REMOVED_REFERENCE}@h/db`,
      key_vault_id: '${data.azurerm_key_vault.v.id}',
      depends_on: ['data.azurerm_key_vault.v'],
    });
  });

  it('leaves a stack that uses none of the providers unchanged', () => {
    expect(JSON.parse(withoutProviders(stack, ['helm']).json)).toEqual(JSON.parse(stack));
  });
});
