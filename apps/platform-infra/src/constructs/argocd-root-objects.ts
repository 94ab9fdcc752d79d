import { PlatformAppProject, RootApplication } from '@panal/k8s-constructs';
import { App, Chart } from 'cdk8s';
import type { GitOpsSettings } from '../environments/infra-environment';

/** Folder the root Application syncs: the rendered Argo CD objects (the `argocd` project's output). */
export const ARGOCD_ROOT_PATH = 'dist/manifests/argocd';

/**
 * The root Application and the `platform` AppProject it belongs to, rendered by the same constructs
 * as `dist/manifests/argocd`, with this environment's repository. Bootstrapping installs them once;
 * the root Application then syncs identical objects from git and owns them.
 */
export function argocdRootObjects(gitops: GitOpsSettings, argocdNamespace = 'argocd'): object[] {
  const chart = new Chart(new App(), 'argocd-root', { disableResourceNameHashes: true });
  const platform = new PlatformAppProject(chart, 'PlatformProject', { argocdNamespace, repoUrl: gitops.repoUrl });
  new RootApplication(chart, 'Root', { argocdNamespace, repoUrl: gitops.repoUrl, revision: gitops.revision, path: ARGOCD_ROOT_PATH, project: platform.name });
  return chart.toJson();
}
