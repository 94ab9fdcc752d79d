import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, validTenantYaml } from '@panal/tenant-config';
import { describe, expect, it } from 'vitest';
import { INFRA_ENVIRONMENTS } from '../environments';
import { tenantShardOf, tenantShardStackName } from '../naming';
import { pinnedProvider } from '../../scripts/azurerm-bindings';
import { renderInfra, stackDirs, TENANTS_DIR } from './render-infra';

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

  it('synthesizes every stack of prod and dev, every tenant shard included', () => {
    expect([...files.keys()].sort()).toEqual(environments.flatMap((e) => stackDirs(e).map((s) => `${e.name}/${s}/cdk.tf.json`)).sort());
    for (const e of environments) expect(stackDirs(e).filter((s) => s.startsWith('tenants-'))).toHaveLength(e.state.tenantShards);
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

  it("changes only the new tenant's shard of each environment when a tenant folder is added", () => {
    const root = scratchRepo();
    spawnSync('mkdir', ['-p', join(root, TENANTS_DIR, 'umbrella')]);
    cpSync(join(root, TENANTS_DIR, 'acme/tenant.yaml'), join(root, TENANTS_DIR, 'umbrella/tenant.yaml'));
    const yaml = validTenantYaml('umbrella');
    spawnSync('bash', ['-c', `cat > ${join(root, TENANTS_DIR, 'umbrella/tenant.yaml')}`], { input: yaml });
    const after = renderInfra({ repoRoot: root, environments });
    const changed = [...after.keys()].filter((k) => after.get(k) !== files.get(k));
    expect(changed.sort()).toEqual(environments.map((e) => `${e.name}/${tenantShardStackName(tenantShardOf('umbrella', e.state.tenantShards))}/cdk.tf.json`).sort());
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
    expect(run(root, '--check').stdout).toContain(`${environments.reduce((n, e) => n + stackDirs(e).length, 0)} files up to date`);
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
    const shard = `prod/${tenantShardStackName(tenantShardOf('acme', 16))}/cdk.tf.json`;
    const rendered = renderInfra({ repoRoot, environments });
    for (const path of ['prod/tenants/cdk.tf.json', shard]) expect(readFileSync(join(repoRoot, 'dist/terraform', path), 'utf8'), path).toBe(rendered.get(path));
  });
});
