import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
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

describe('nx affected', () => {
  it('runs only the tenants project when one tenant folder changes', () => {
    expect(affectedBy('apps/tenants/tenants/acme/tenant.yaml')).toEqual(['tenants']);
  });

  it('runs only the tenants project when its rendered output changes', () => {
    expect(affectedBy('dist/manifests/tenants/acme/namespace-tenant-acme.yaml')).toEqual(['tenants']);
  });

  it('runs both cdk8s apps when the shared constructs change', () => {
    const affected = affectedBy('libs/k8s-constructs/src/tenant/open-webui.ts');
    expect(affected).toEqual(expect.arrayContaining(['k8s-constructs', 'tenants', 'cluster-addons', 'argocd']));
    expect(affected).not.toContain('platform-infra');
  });

  it('runs the Argo CD project, not the tenants, when only Argo CD objects change', () => {
    expect(affectedBy('argocd/src/render-argocd.ts')).toEqual(['argocd']);
  });
});
