import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ALB_CONTROLLER_CHART, CERT_MANAGER_CHART, diffManifests } from '@panal/k8s-constructs';
import { ARGOCD_OUT_DIR, renderArgocd } from './render-argocd';

const repoRoot = resolve(__dirname, '../..');
const files = renderArgocd({ repoRoot, envDir: join(repoRoot, 'environments/example') });
const objects = [...files.values()].map((y) => parse(y));

describe('rendered Argo CD objects', () => {
  it('matches the snapshot', () => {
    expect(Object.fromEntries(files)).toMatchSnapshot();
  });

  it('syncs every ApplicationSet into a fixed, non-templated project', () => {
    const sets = objects.filter((o) => o.kind === 'ApplicationSet');
    expect(sets.map((s) => s.metadata.name).sort()).toEqual(['cluster-addons', 'tenants']);
    for (const s of sets) expect(s.spec.template.spec.project).toMatch(/^[a-z-]+$/);
    expect(sets.find((s) => s.metadata.name === 'tenants').spec.template.spec.project).toBe('tenants');
  });

  it('lets the root Application manage the folder that contains it', () => {
    const root = objects.find((o) => o.kind === 'Application' && o.metadata.name === 'panal-root');
    expect(root.spec.source.path).toBe('dist/manifests/argocd');
    expect(files.has('application-panal-root.yaml')).toBe(true);
  });

  it('matches the committed dist/manifests/argocd (run "npx nx run argocd:synth" if this fails)', () => {
    expect(diffManifests(join(repoRoot, ARGOCD_OUT_DIR), files)).toEqual({ added: [], changed: [], removed: [] });
  });

  it('points every ApplicationSet at a folder the synth targets write', () => {
    const dirs = objects.filter((o) => o.kind === 'ApplicationSet').map((s) => s.spec.generators[0].git.directories[0].path);
    expect(dirs.sort()).toEqual(['dist/manifests/cluster-addons/*', 'dist/manifests/tenants/*']);
  });
});

describe('edge controllers', () => {
  it('installs the cert-manager release whose CRDs validate our Certificates (tools/kubeconform/versions.env)', () => {
    const versions = readFileSync(join(repoRoot, 'tools/kubeconform/versions.env'), 'utf8');
    expect(versions).toContain(`CERT_MANAGER_VERSION=${CERT_MANAGER_CHART.version}\n`);
  });

  it('allows exactly the pinned chart repositories in the platform project, besides this repository', () => {
    const project = objects.find((o) => o.kind === 'AppProject' && o.metadata.name === 'platform');
    expect(project.spec.sourceRepos.slice(1).sort()).toEqual([ALB_CONTROLLER_CHART.repoUrl, CERT_MANAGER_CHART.repoUrl].sort());
  });
});
