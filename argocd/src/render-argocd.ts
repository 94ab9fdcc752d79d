import { loadEnvironment } from '@panal/tenant-config';
import { DirectoryApplicationSet, EdgeControllers, PlatformAppProject, RootApplication, TenantsAppProject, toManifestFiles, type KubeObject } from '@panal/k8s-constructs';
import { App, Chart } from 'cdk8s';

/** Folder the argocd project writes; the root Application syncs it. */
export const ARGOCD_OUT_DIR = 'dist/manifests/argocd';

/**
 * Renders Argo CD's own objects: the `platform` and `tenants` AppProjects, one ApplicationSet per
 * rendered app folder, the edge controllers' chart Applications, and the root Application that
 * makes Argo CD manage all of it.
 */
export function renderArgocd(options: { repoRoot: string; envDir: string }): Map<string, string> {
  const { environment, identities, imageDigests } = loadEnvironment(options.envDir, options.repoRoot);
  const { repoUrl, revision, argocdNamespace } = environment.gitops;
  const app = new App();
  const chart = new Chart(app, 'argocd', { disableResourceNameHashes: true });

  const edgeControllers = new EdgeControllers(chart, 'EdgeControllers', { argocdNamespace, project: 'platform', images: environment.images, clientIds: identities.platformClientIds, imageDigests });
  const platform = new PlatformAppProject(chart, 'PlatformProject', { argocdNamespace, repoUrl, chartRepositories: edgeControllers.chartRepositories });
  const tenants = new TenantsAppProject(chart, 'TenantsProject', { argocdNamespace, repoUrl });
  new RootApplication(chart, 'Root', { argocdNamespace, repoUrl, revision, path: ARGOCD_OUT_DIR, project: platform.name });
  new DirectoryApplicationSet(chart, 'Tenants', {
    name: 'tenants',
    argocdNamespace,
    repoUrl,
    revision,
    manifestsDir: 'dist/manifests/tenants',
    project: tenants.name,
    appNamePrefix: 'tenant-',
    namespacePrefix: 'tenant-',
    // The customer's operators review and sync each tenant from the Argo CD UI.
    syncMode: 'manual',
    appLabels: { 'panal.io/tenant': '{{.path.basename}}' },
  });
  new DirectoryApplicationSet(chart, 'ClusterAddons', {
    name: 'cluster-addons',
    argocdNamespace,
    repoUrl,
    revision,
    manifestsDir: 'dist/manifests/cluster-addons',
    project: platform.name,
    appNamePrefix: 'addon-',
    syncMode: 'automated',
  });
  return toManifestFiles('.', chart.toJson() as KubeObject[]);
}
