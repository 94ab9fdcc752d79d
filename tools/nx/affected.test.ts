import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(__dirname, '../..');

/** Projects nx considers affected by a change to these files (real nx project graph, no git needed). */
function affectedBy(...files: string[]): string[] {
  const run = spawnSync(resolve(repoRoot, 'node_modules/.bin/nx'), ['show', 'projects', '--affected', `--files=${files.join(',')}`], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
  });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.split('\n').filter(Boolean).sort();
}

/** Tasks nx 24 selects for these targets when these files change (`nx affected --explain`, which runs nothing). */
function tasksSelectedBy(targets: string[], ...files: string[]): string[] {
  const run = spawnSync(resolve(repoRoot, 'node_modules/.bin/nx'), ['affected', '-t', ...targets, `--files=${files.join(',')}`, '--explain', '--verbose'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
  });
  expect(run.status, run.stderr).toBe(0);
  // Under CI nx colours its output even into a pipe: the task names are read without the escapes.
  return [...new Set([...stripVTControlCharacters(run.stdout).matchAll(/^ {4}([a-z-]+:[a-z]+)$/gm)].map((m) => m[1]!))].sort();
}

describe('nx affected tasks (docs/adr/0024-que-comprueba-un-pr-de-inquilino.md)', () => {
  it('runs for a tenant folder only the tasks that read the catalogue: no lint, no test of a library with fixtures', () => {
    const tasks = tasksSelectedBy(['lint', 'test', 'synth', 'validate'], 'apps/tenants/tenants/acme/tenant.yaml');
    expect(tasks.filter((t) => t.endsWith(':lint'))).toEqual([]);
    expect(tasks).toEqual(
      expect.arrayContaining(['tenants:synth', 'tenants:validate', 'tenants:test', 'cluster-addons:synth', 'cluster-addons:validate', 'cluster-addons:test', 'platform-infra:synth', 'platform-infra:validate', 'platform-infra:test', 'inference-gateway:test']),
    );
    for (const lib of ['tenant-config', 'k8s-constructs', 'platform-model', 'observability', 'argocd', 'tenant-activator', 'tools']) expect(tasks.filter((t) => t.startsWith(`${lib}:`)), lib).toEqual([]);
  });

  it('still lints the tenants app when its code changes', () => {
    expect(tasksSelectedBy(['lint'], 'apps/tenants/src/render-tenants.ts')).toContain('tenants:lint');
  });
});

describe('nx affected', () => {
  it('runs the tenants project and the Azure side of tenants (platform-infra), not Argo CD, when one tenant folder changes', () => {
    const affected = affectedBy('apps/tenants/tenants/acme/tenant.yaml');
    // platform-infra synthesizes each tenant's Key Vault, identity, database and uploads container
    // from the same folders (implicitDependencies: tenants), so its dist/terraform must be refreshed too.
    expect(affected).toEqual(expect.arrayContaining(['tenants', 'platform-infra']));
    // cluster-addons derives the inference gateway's tenant keys, allowlists and limits from the folders.
    expect(affected).toContain('cluster-addons');
    expect(affected).not.toContain('argocd');
    expect(affected).not.toContain('k8s-constructs');
  });

  it('runs the tenants project (and its implicit dependents), not Argo CD, when its rendered output changes', () => {
    const affected = affectedBy('dist/manifests/tenants/acme/namespace-tenant-acme.yaml');
    expect(affected).toContain('tenants');
    // cluster-addons evaluates tenant and platform NetworkPolicies together (platform-isolation.test.ts).
    expect(affected).toContain('cluster-addons');
    // and the simulated AKS, which applies the rendered manifests and watches them run.
    expect(affected).toContain('sim-aks');
    expect(affected).not.toContain('argocd');
    expect(affected).not.toContain('k8s-constructs');
  });

  it('runs both cdk8s apps when the shared constructs change', () => {
    const affected = affectedBy('libs/k8s-constructs/src/tenant/open-webui.ts');
    // platform-infra is affected too: it renders the Argo CD root objects and names the tenant
    // ServiceAccount through these constructs, so the identity it federates can never diverge.
    expect(affected).toEqual(expect.arrayContaining(['k8s-constructs', 'tenants', 'cluster-addons', 'argocd', 'platform-infra']));
  });

  it('runs the Argo CD project, not the tenants, when only Argo CD objects change', () => {
    // docs checks every relative link of every Markdown file (docs/check), so every project change affects it;
    // sim-aks applies every rendered manifest, Argo CD's included, to the simulated AKS.
    expect(affectedBy('argocd/src/render-argocd.ts')).toEqual(['argocd', 'docs', 'sim-aks']);
  });
});
