import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigProblem } from './config-error';
import { customHostnameListener, edgeHostnameKind, MAX_CUSTOM_HOSTNAMES } from './edge-hostnames';
import { loadTenants } from './load-tenants';
import { tempTenantsRepo, validTenantYaml } from './testing/tenant-fixtures';

const edge = { tenantDomain: 'chat.example.com' };

function problemsOf(setup: (repo: ReturnType<typeof tempTenantsRepo>) => void): ConfigProblem[] {
  const repo = tempTenantsRepo();
  setup(repo);
  try {
    loadTenants({ tenantsDir: repo.tenantsDir, repoRoot: repo.repoRoot, identities: { clientIds: {} }, edge });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected loadTenants to fail');
}

describe('edge hostnames', () => {
  it('classifies hostnames by the certificate that can serve them', () => {
    expect(edgeHostnameKind('acme.chat.example.com', 'chat.example.com')).toBe('platform');
    expect(edgeHostnameKind('ia.globex.example.com', 'chat.example.com')).toBe('custom');
    expect(edgeHostnameKind('a.b.chat.example.com', 'chat.example.com')).toBe('invalid');
    expect(edgeHostnameKind('chat.example.com', 'chat.example.com')).toBe('invalid');
    // A suffix match on a label boundary only: "xchat.example.com" is not under "chat.example.com".
    expect(edgeHostnameKind('a.xchat.example.com', 'chat.example.com')).toBe('custom');
  });

  it('names a custom-domain listener after its tenant and hostname, stably and as a valid section name', () => {
    const name = customHostnameListener('globex', 'ia.globex.example.com');
    expect(name).toMatch(/^globex-[0-9a-f]{8}$/);
    expect(customHostnameListener('globex', 'ia.globex.example.com')).toBe(name);
    expect(customHostnameListener('globex', 'chat.globex.example.com')).not.toBe(name);
  });

  it('fails a hostname two labels under the tenant domain, naming file, field and the reason', () => {
    const problems = problemsOf((repo) => repo.addTenant('acme', validTenantYaml('acme', { hostnames: '\n  - eu.acme.chat.example.com' })));
    expect(problems).toEqual([
      {
        file: 'apps/tenants/tenants/acme/tenant.yaml',
        field: 'hostnames[0]',
        value: 'eu.acme.chat.example.com',
        rule: 'must be exactly one label under chat.example.com (the wildcard certificate *.chat.example.com covers one label only), or a domain outside chat.example.com',
      },
    ]);
  });

  it('fails the custom domain that does not fit the edge Gateway, and only that one', () => {
    const problems = problemsOf((repo) => {
      for (let i = 0; i <= MAX_CUSTOM_HOSTNAMES; i++) {
        const id = `t${String(i).padStart(3, '0')}`;
        repo.addTenant(id, validTenantYaml(id, { hostnames: `\n  - chat.${id}.example.org` }));
      }
    });
    expect(problems).toEqual([
      {
        file: `apps/tenants/tenants/t${String(MAX_CUSTOM_HOSTNAMES).padStart(3, '0')}/tenant.yaml`,
        field: 'hostnames[0]',
        value: `chat.t${String(MAX_CUSTOM_HOSTNAMES).padStart(3, '0')}.example.org`,
        rule: expect.stringContaining(`custom domains take one listener each and ${MAX_CUSTOM_HOSTNAMES} are already in use`),
      },
    ]);
  });

  it('accepts a tenant with platform and custom hostnames', () => {
    const repo = tempTenantsRepo();
    repo.addTenant('globex', validTenantYaml('globex', { hostnames: '\n  - globex.chat.example.com\n  - ia.globex.example.com' }));
    expect(loadTenants({ tenantsDir: repo.tenantsDir, repoRoot: repo.repoRoot, identities: { clientIds: {} }, edge }).map((t) => t.hostnames)).toEqual([['globex.chat.example.com', 'ia.globex.example.com']]);
  });
});
