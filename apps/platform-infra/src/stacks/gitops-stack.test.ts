import '../testing/cdktf-matchers';
import { Release } from '@cdktf/provider-helm/lib/release/index.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { priorityExpanderConfigMap, SPOT_POOL_PRIORITY } from '../constructs/priority-expander';
import { PROD } from '../environments/prod';
import { resourcesOf, synthStack } from '../testing/synth-stack';
import { GitOpsStack } from './gitops-stack';

describe('GitOpsStack', () => {
  // GIVEN the prod environment WHEN the GitOps stack is synthesized
  const { synth, json } = synthStack((app) => new GitOpsStack(app, 'gitops', PROD));
  const [release] = resourcesOf(json, Release.tfResourceType);
  const values = parse(release.values[0]);

  it('matches the snapshot', () => expect(synth).toMatchSnapshot());

  it('installs a pinned Argo CD chart from argo-helm', () => {
    expect(synth).toHaveResourceWithProperties(Release, { chart: 'argo-cd', version: '9.1.0', repository: 'https://argoproj.github.io/argo-helm', namespace: 'argocd' });
  });

  it('bootstraps the root Application that syncs dist/manifests/argocd, in the platform project', () => {
    const root = values.extraObjects.find((o: any) => o.kind === 'Application');
    expect(root.metadata.name).toBe('panal-root');
    expect(root.spec.project).toBe('platform');
    expect(root.spec.source).toMatchObject({ repoURL: PROD.gitops.repoUrl, path: 'dist/manifests/argocd' });
    expect(values.extraObjects.some((o: any) => o.kind === 'AppProject' && o.metadata.name === 'platform')).toBe(true);
  });

  it('is SSO-ready: Entra ID OIDC, admin user off, client secret only as a sensitive value', () => {
    expect(values.configs.cm['admin.enabled']).toBe(false);
    expect(values.configs.cm['oidc.config']).toContain('login.microsoftonline.com');
    expect(release.set_sensitive[0].value).toMatch(/^\$\{azuread_application_password\.argocd_sso-client-secret_[0-9A-F]+\.value\}$/);
  });

  it('installs the priority expander ConfigMap where spot GPU gets the highest priority', () => {
    const cm = values.extraObjects.find((o: any) => o.kind === 'ConfigMap');
    expect(cm.metadata).toEqual({ name: 'cluster-autoscaler-priority-expander', namespace: 'kube-system' });
    const priorities = parse(cm.data.priorities);
    expect(priorities[SPOT_POOL_PRIORITY]).toEqual(['.*-gpuspot-.*']);
    const max = Math.max(...Object.keys(priorities).map(Number));
    expect(priorities[max]).toEqual(['.*-gpuspot-.*']);
    expect(priorities[10]).toContain('.*-gpuondemand-.*');
  });

  it('renders the same ConfigMap from the pools alone', () => {
    expect(priorityExpanderConfigMap(PROD.aks.nodePools).data.priorities).toBe('10:\n  - .*-system-.*\n  - .*-cpu1-.*\n  - .*-cpu2-.*\n  - .*-cpu3-.*\n  - .*-gpuondemand-.*\n20:\n  - .*-gpuspot-.*');
  });

  it('matches each AKS scale set name (aks-<pool>-<id>-vmss) with the regex of its own pool only', () => {
    const regexes = parse(priorityExpanderConfigMap(PROD.aks.nodePools).data.priorities) as Record<number, string[]>;
    const all = Object.values(regexes).flat().map((r) => new RegExp(`^${r}$`));
    for (const p of PROD.aks.nodePools) {
      const matching = all.filter((r) => r.test(`aks-${p.name}-12345678-vmss`)).map(String);
      expect(matching, p.name).toEqual([`/^.*-${p.name}-.*$/`]);
    }
  });
});
