import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { DirectoryApplicationSet } from './directory-application-set';
import { TENANT_NAMESPACED_KINDS, TenantsAppProject } from './tenants-app-project';

const base = {
  name: 'tenants',
  argocdNamespace: 'argocd',
  repoUrl: 'https://git.example.com/panal/platform.git',
  revision: 'main',
  manifestsDir: 'dist/manifests/tenants/',
  appNamePrefix: 'tenant-',
  namespacePrefix: 'tenant-',
};

function synthAppSet(props: Partial<ConstructorParameters<typeof DirectoryApplicationSet>[2]> = {}) {
  const chart = new Chart(Testing.app(), 'c');
  new DirectoryApplicationSet(chart, 'a', { ...base, project: 'tenants', ...props });
  return Testing.synth(chart)[0] as any;
}

describe('DirectoryApplicationSet', () => {
  it('generates one Application per folder with a fixed project and manual sync by default', () => {
    const set = synthAppSet();
    expect(set.spec.generators).toEqual([{ git: { repoURL: base.repoUrl, revision: 'main', directories: [{ path: 'dist/manifests/tenants/*' }] } }]);
    expect(set.spec.template.spec.project).toBe('tenants');
    expect(set.spec.template.spec.destination.namespace).toBe('tenant-{{.path.basename}}');
    expect(set.spec.template.spec.syncPolicy.automated).toBeUndefined();
    expect(set.spec.goTemplateOptions).toEqual(['missingkey=error']);
  });

  it('never deletes live objects or Applications when a folder disappears', () => {
    expect(synthAppSet().spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: true, applicationsSync: 'create-update' });
  });

  it('self-heals without pruning in automated mode', () => {
    expect(synthAppSet({ syncMode: 'automated' }).spec.template.spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
  });

  it('fails when the project is templated', () => {
    expect(() => synthAppSet({ project: '{{.path.basename}}' })).toThrowError('project must be a fixed name, never a template, but "{{.path.basename}}" was provided');
  });
});

describe('TenantsAppProject', () => {
  const chart = new Chart(Testing.app(), 'c');
  new TenantsAppProject(chart, 'p', { argocdNamespace: 'argocd', repoUrl: base.repoUrl });
  const project = Testing.synth(chart)[0] as any;

  it('allows only tenant-* destinations and Namespace as the only cluster-scoped kind', () => {
    expect(project.spec.destinations).toEqual([{ server: 'https://kubernetes.default.svc', namespace: 'tenant-*' }]);
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
    expect(project.spec.sourceRepos).toEqual([base.repoUrl]);
  });

  it('does not let tenant Applications create RBAC or Secrets', () => {
    const kinds = project.spec.namespaceResourceWhitelist.map((k: any) => k.kind);
    for (const forbidden of ['Role', 'RoleBinding', 'Secret', 'ConfigMap', 'Pod']) expect(kinds).not.toContain(forbidden);
    expect(project.spec.namespaceResourceWhitelist).toEqual(TENANT_NAMESPACED_KINDS);
  });
});
