import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, validTenantYaml } from '@panal/tenant-config';
import { describe, expect, it } from 'vitest';
import { INFRA_ENVIRONMENTS } from '../environments';
import { STACK_NAMES } from '../naming';
import { pinnedProvider } from '../../scripts/azurerm-bindings';
import { renderInfra, TENANTS_DIR } from './render-infra';

const repoRoot = resolve(import.meta.dirname, '../../../..');
const environments = Object.values(INFRA_ENVIRONMENTS);

/** A scratch repository with the real tenant folders. */
function scratchRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'panal-infra-'));
  cpSync(join(repoRoot, TENANTS_DIR), join(root, TENANTS_DIR), { recursive: true });
  return root;
}

describe('renderInfra', () => {
  const files = renderInfra({ repoRoot, environments });

  it('synthesizes every stack of prod and dev', () => {
    expect([...files.keys()].sort()).toEqual(environments.flatMap((e) => STACK_NAMES.map((s) => `${e.name}/${s}/cdk.tf.json`)).sort());
  });

  it('is deterministic and writes no absolute path', () => {
    expect(renderInfra({ repoRoot, environments })).toEqual(files);
    for (const [path, content] of files) {
      for (const local of [repoRoot, tmpdir(), homedir()]) expect(content.includes(local), `${path} contains ${local}`).toBe(false);
    }
  });

  it('declares an azurerm backend with one state key per environment and stack in every stack', () => {
    for (const [path, content] of files) {
      const [env, stack] = path.split('/');
      expect(JSON.parse(content).terraform.backend.azurerm).toMatchObject({ key: `${env}/${stack}.tfstate`, use_azuread_auth: true, container_name: 'tfstate' });
    }
  });

  it('pins the providers the bindings were generated for (azurerm: tools/terraform/versions.env)', () => {
    const pins = Object.assign({}, ...[...files.values()].map((c) => JSON.parse(c).terraform.required_providers));
    expect(pins).toEqual({
      azurerm: { source: 'hashicorp/azurerm', version: pinnedProvider('azurerm').version },
      azuread: { source: 'hashicorp/azuread', version: '3.7.0' },
      helm: { source: 'helm', version: '3.1.1' },
      random: { source: 'hashicorp/random', version: '3.7.2' },
    });
  });

  it('changes only the tenants stacks when a tenant folder is added', () => {
    const root = scratchRepo();
    spawnSync('mkdir', ['-p', join(root, TENANTS_DIR, 'umbrella')]);
    cpSync(join(root, TENANTS_DIR, 'acme/tenant.yaml'), join(root, TENANTS_DIR, 'umbrella/tenant.yaml'));
    const yaml = validTenantYaml('umbrella');
    spawnSync('bash', ['-c', `cat > ${join(root, TENANTS_DIR, 'umbrella/tenant.yaml')}`], { input: yaml });
    const after = renderInfra({ repoRoot: root, environments });
    const changed = [...after.keys()].filter((k) => after.get(k) !== files.get(k));
    expect(changed.sort()).toEqual(['dev/tenants/cdk.tf.json', 'prod/tenants/cdk.tf.json']);
  });

  it('fails a bad tenant folder with the shared loader error (file, field, value, rule)', () => {
    const root = scratchRepo();
    spawnSync('bash', ['-c', `cat > ${join(root, TENANTS_DIR, 'acme/tenant.yaml')}`], { input: validTenantYaml('acme', { tier: 'gold' }) });
    expect(() => renderInfra({ repoRoot: root, environments })).toThrow(ConfigError);
    expect(() => renderInfra({ repoRoot: root, environments })).toThrow(/apps\/tenants\/tenants\/acme\/tenant.yaml: field "tier"/);
  });
});

describe('synth command', () => {
  const tsx = join(repoRoot, 'node_modules/.bin/tsx');
  const main = join(repoRoot, 'apps/platform-infra/src/main.ts');
  const run = (root: string, ...args: string[]) => spawnSync(tsx, [main, '--repo-root', root, ...args], { encoding: 'utf8' });

  it('writes dist/terraform, then --check passes on the fresh output and fails on stale output', () => {
    const root = scratchRepo();
    expect(run(root, '--check').status).toBe(1);
    const write = run(root);
    expect(write.status, write.stderr).toBe(0);
    expect(existsSync(join(root, 'dist/terraform/prod/aks/cdk.tf.json'))).toBe(true);
    expect(run(root, '--check').stdout).toContain('16 files up to date');
    spawnSync('bash', ['-c', `echo '{}' > ${join(root, 'dist/terraform/dev/network/cdk.tf.json')}`]);
    const stale = run(root, '--check');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('~ dev/network/cdk.tf.json');
  });

  it('writes nothing when a tenant folder is invalid', () => {
    const root = scratchRepo();
    spawnSync('bash', ['-c', `cat > ${join(root, TENANTS_DIR, 'acme/tenant.yaml')}`], { input: validTenantYaml('acme', { tier: 'gold' }) });
    const result = run(root);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('field "tier"');
    expect(existsSync(join(root, 'dist/terraform'))).toBe(false);
  });

  it('matches the committed dist/terraform', () => {
    const committed = join(repoRoot, 'dist/terraform/prod/tenants/cdk.tf.json');
    expect(readFileSync(committed, 'utf8')).toBe(renderInfra({ repoRoot, environments }).get('prod/tenants/cdk.tf.json'));
  });
});
