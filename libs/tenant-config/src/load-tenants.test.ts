import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigProblem } from './config-error';
import { loadTenants } from './load-tenants';
import { tempTenantsRepo, validTenantYaml } from './testing/tenant-fixtures';
import { TIER_PROFILES } from './tiers';

const noIdentities = { clientIds: {} };

/** Loads a temp repo and returns the problems, failing the test if loading succeeded. */
function problemsOf(setup: (repo: ReturnType<typeof tempTenantsRepo>) => void): ConfigProblem[] {
  const repo = tempTenantsRepo();
  setup(repo);
  try {
    loadTenants({ tenantsDir: repo.tenantsDir, repoRoot: repo.repoRoot, identities: noIdentities });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected loadTenants to fail');
}

describe('loadTenants', () => {
  it('resolves tier defaults and sorts tenants by id', () => {
    // GIVEN two valid tenants written out of order
    const repo = tempTenantsRepo();
    repo.addTenant('zeta', validTenantYaml('zeta'));
    repo.addTenant('alpha', validTenantYaml('alpha', { tier: 'premium', quota: '\n  cpuCores: 10' }));
    // WHEN loading
    const tenants = loadTenants({ tenantsDir: repo.tenantsDir, repoRoot: repo.repoRoot, identities: { clientIds: { zeta: '00000000-0000-0000-0000-000000000001' } } });
    // THEN defaults come from the tier and overrides win
    expect(tenants.map((t) => t.id)).toEqual(['alpha', 'zeta']);
    const [alpha, zeta] = tenants;
    expect(alpha.namespace).toBe('tenant-alpha');
    expect(alpha.quota).toEqual({ ...TIER_PROFILES.premium.defaultQuota, cpuCores: 10 });
    expect(alpha.models).toContain('llama3:70b');
    expect(zeta.models).not.toContain('llama3:70b');
    expect(zeta.openWebUIReplicas).toEqual(TIER_PROFILES.standard.defaultOpenWebUIReplicas);
    // AND state follows the identity and the suspension flag
    expect(alpha.state).toBe('provisioning');
    expect(zeta.state).toBe('active');
    expect(zeta.sourceFile).toBe('apps/tenants/tenants/zeta/tenant.yaml');
  });

  it('marks a suspended tenant as suspended even when its identity exists', () => {
    const repo = tempTenantsRepo();
    repo.addTenant('acme', validTenantYaml('acme', { suspended: 'true' }));
    const [acme] = loadTenants({ tenantsDir: repo.tenantsDir, repoRoot: repo.repoRoot, identities: { clientIds: { acme: '00000000-0000-0000-0000-000000000001' } } });
    expect(acme.state).toBe('suspended');
  });

  it('loads nothing, without error, when there are no tenant folders', () => {
    const repo = tempTenantsRepo();
    expect(loadTenants({ tenantsDir: repo.tenantsDir, repoRoot: repo.repoRoot, identities: noIdentities })).toEqual([]);
  });
});

describe('tenant validation rules: each fails with file, field, value and rule', () => {
  it('fails when the id is not a DNS label', () => {
    const problems = problemsOf((r) => r.addTenant('Acme_Corp', validTenantYaml('Acme_Corp')));
    expect(problems).toContainEqual({ file: 'apps/tenants/tenants/Acme_Corp/tenant.yaml', field: 'id', value: 'Acme_Corp', rule: expect.stringContaining('must be a DNS label') });
  });

  it('fails when the id ends with a hyphen', () => {
    const problems = problemsOf((r) => r.addTenant('acme-', validTenantYaml('acme-')));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'id', value: 'acme-', rule: expect.stringContaining('DNS label') }));
  });

  it('fails when the id is longer than 40 characters', () => {
    const id = 'a'.repeat(41);
    const problems = problemsOf((r) => r.addTenant(id, validTenantYaml(id)));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'id', value: id, rule: 'must be at most 40 characters' }));
  });

  it('accepts an id of exactly 40 characters', () => {
    const repo = tempTenantsRepo();
    const id = 'a'.repeat(40);
    repo.addTenant(id, validTenantYaml(id));
    expect(loadTenants({ tenantsDir: repo.tenantsDir, repoRoot: repo.repoRoot, identities: noIdentities })).toHaveLength(1);
  });

  it.each(['default', 'argocd', 'models-premium', 'inference-gateway', 'monitoring'])('fails when the id is the reserved name %s', (id) => {
    const problems = problemsOf((r) => r.addTenant(id, validTenantYaml(id)));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'id', value: id, rule: 'is reserved for the platform' }));
  });

  it.each(['kube-system', 'kube-acme', 'tenant-acme'])('fails when the id %s has a reserved prefix', (id) => {
    const problems = problemsOf((r) => r.addTenant(id, validTenantYaml(id)));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'id', value: id, rule: expect.stringContaining('reserved prefix') }));
  });

  it('fails on unknown keys, naming each one', () => {
    const problems = problemsOf((r) =>
      r.addTenant('acme', validTenantYaml('acme', { replicas: '3', sso: '\n  issuerUrl: https://login.example.com/v2.0\n  clientId: 00000000-0000-0000-0000-0000000000c1\n  clientSecret: do-not-put-secrets-here' })),
    );
    expect(problems).toContainEqual(expect.objectContaining({ field: 'replicas', value: 3, rule: expect.stringContaining('is not a known field') }));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'sso.clientSecret', rule: expect.stringContaining('is not a known field') }));
  });

  it('fails on an unknown tier', () => {
    const problems = problemsOf((r) => r.addTenant('acme', validTenantYaml('acme', { tier: 'gold' })));
    expect(problems).toEqual([{ file: 'apps/tenants/tenants/acme/tenant.yaml', field: 'tier', value: 'gold', rule: 'must be one of: standard, premium' }]);
  });

  it('fails when a quota override is above the tier bound', () => {
    const problems = problemsOf((r) => r.addTenant('acme', validTenantYaml('acme', { quota: '\n  cpuCores: 20' })));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'quota.cpuCores', value: 20, rule: 'must be at most 8 for tier "standard"' }));
  });

  it('fails when a quota override is below the tier bound', () => {
    const problems = problemsOf((r) => r.addTenant('acme', validTenantYaml('acme', { tier: 'premium', quota: '\n  memoryGiB: 2' })));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'quota.memoryGiB', value: 2, rule: 'must be at least 10 for tier "premium"' }));
  });

  it('fails when a quota override is not a whole number', () => {
    const problems = problemsOf((r) => r.addTenant('acme', validTenantYaml('acme', { quota: '\n  pods: 12.5' })));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'quota.pods', value: 12.5 }));
  });

  it('fails when the quota cannot hold the tenant\'s own maximum scale-out', () => {
    const problems = problemsOf((r) => r.addTenant('acme', validTenantYaml('acme', { openWebUI: '\n  replicas:\n    min: 2\n    max: 8', quota: '\n  cpuCores: 4' })));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'quota.cpuCores', value: 4, rule: expect.stringContaining('at least 6 cores') }));
  });

  it('fails when replicas are outside the tier bounds or inverted', () => {
    const low = problemsOf((r) => r.addTenant('acme', validTenantYaml('acme', { openWebUI: '\n  replicas:\n    min: 1\n    max: 3' })));
    expect(low).toContainEqual(expect.objectContaining({ field: 'openWebUI.replicas.min', value: 1, rule: 'must be at least 2 for tier "standard"' }));
    const inverted = problemsOf((r) => r.addTenant('acme', validTenantYaml('acme', { openWebUI: '\n  replicas:\n    min: 4\n    max: 3' })));
    expect(inverted).toContainEqual(expect.objectContaining({ field: 'openWebUI.replicas.min', rule: 'min must not exceed max' }));
  });

  it('fails on duplicate ids', () => {
    const problems = problemsOf((r) => {
      r.addTenant('acme', validTenantYaml('acme'));
      r.addTenant('acme-copy', validTenantYaml('acme', { hostnames: '\n  - other.example.com' }));
    });
    expect(problems).toContainEqual({ file: 'apps/tenants/tenants/acme-copy/tenant.yaml', field: 'id', value: 'acme', rule: 'must be unique: apps/tenants/tenants/acme/tenant.yaml already uses it' });
  });

  it('fails when the id does not match its folder', () => {
    const problems = problemsOf((r) => r.addTenant('acme', validTenantYaml('globex')));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'id', value: 'globex', rule: 'must equal the folder name "acme"' }));
  });

  it('fails when two tenants claim the same hostname', () => {
    const problems = problemsOf((r) => {
      r.addTenant('acme', validTenantYaml('acme', { hostnames: '\n  - chat.shared.example.com' }));
      r.addTenant('globex', validTenantYaml('globex', { hostnames: '\n  - globex.example.com\n  - chat.shared.example.com' }));
    });
    expect(problems).toEqual([
      { file: 'apps/tenants/tenants/globex/tenant.yaml', field: 'hostnames[1]', value: 'chat.shared.example.com', rule: 'must be unique across tenants: apps/tenants/tenants/acme/tenant.yaml already claims it' },
    ]);
  });

  it('fails when a tenant lists the same hostname twice', () => {
    const problems = problemsOf((r) => r.addTenant('acme', validTenantYaml('acme', { hostnames: '\n  - a.example.com\n  - a.example.com' })));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'hostnames[1]', rule: 'must not be listed twice' }));
  });

  it('fails on a hostname with a scheme or upper case', () => {
    const problems = problemsOf((r) => r.addTenant('acme', validTenantYaml('acme', { hostnames: '\n  - https://Acme.example.com' })));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'hostnames[0]', value: 'https://Acme.example.com', rule: expect.stringContaining('fully qualified DNS name') }));
  });

  it('fails on an OIDC client id that is not a GUID and an http issuer', () => {
    const problems = problemsOf((r) => r.addTenant('acme', validTenantYaml('acme', { sso: '\n  issuerUrl: http://login.example.com\n  clientId: my-app' })));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'sso.clientId', value: 'my-app', rule: expect.stringContaining('GUID') }));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'sso.issuerUrl', value: 'http://login.example.com', rule: 'must be an https URL' }));
  });

  it('fails when a required field is missing', () => {
    const problems = problemsOf((r) => r.addTenant('acme', validTenantYaml('acme', { displayName: '' })));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'displayName', value: undefined, rule: 'is required' }));
  });

  it('fails on malformed YAML with line and column', () => {
    const problems = problemsOf((r) => r.addTenant('acme', 'id: acme\ndisplayName: "unterminated\ntier: standard\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ field: '(file)', rule: expect.stringContaining('is not valid YAML') });
    expect(problems[0].file).toMatch(/^apps\/tenants\/tenants\/acme\/tenant\.yaml:\d+:\d+$/);
  });

  it('fails on a duplicated YAML key instead of silently keeping the last one', () => {
    const problems = problemsOf((r) => r.addTenant('acme', `${validTenantYaml('acme')}tier: premium\n`));
    expect(problems).toContainEqual(expect.objectContaining({ field: '(file)', rule: expect.stringMatching(/is not valid YAML: .*unique/i) }));
  });

  it('fails when the file is not a mapping', () => {
    const problems = problemsOf((r) => r.addTenant('acme', '- just\n- a list\n'));
    expect(problems).toEqual([{ file: 'apps/tenants/tenants/acme/tenant.yaml', field: '(file)', value: ['just', 'a list'], rule: 'must be a YAML mapping' }]);
  });

  it('fails when a tenant folder has no tenant.yaml, or holds unexpected files', () => {
    const problems = problemsOf((r) => {
      mkdirSync(join(r.tenantsDir, 'empty'));
      r.addTenant('acme', validTenantYaml('acme'));
      writeFileSync(join(r.tenantsDir, 'acme', 'secrets.env'), 'X=1\n');
    });
    expect(problems).toContainEqual(expect.objectContaining({ file: 'apps/tenants/tenants/empty/tenant.yaml', rule: expect.stringContaining('must exist') }));
    expect(problems).toContainEqual(expect.objectContaining({ file: 'apps/tenants/tenants/acme/secrets.env', rule: expect.stringContaining('is not expected in a tenant folder') }));
  });

  it('reports problems of every tenant at once, not only the first', () => {
    const problems = problemsOf((r) => {
      r.addTenant('acme', validTenantYaml('acme', { tier: 'gold' }));
      r.addTenant('globex', validTenantYaml('globex', { quota: '\n  cpuCores: 99' }));
    });
    expect(new Set(problems.map((p) => p.file))).toEqual(new Set(['apps/tenants/tenants/acme/tenant.yaml', 'apps/tenants/tenants/globex/tenant.yaml']));
  });

  it('formats the error message with file, field, value and rule on one line each', () => {
    const repo = tempTenantsRepo();
    repo.addTenant('acme', validTenantYaml('acme', { quota: '\n  cpuCores: 20' }));
    expect(() => loadTenants({ tenantsDir: repo.tenantsDir, repoRoot: repo.repoRoot, identities: noIdentities })).toThrowError(
      'apps/tenants/tenants/acme/tenant.yaml: field "quota.cpuCores": must be at most 8 for tier "standard" (got 20)',
    );
  });
});
