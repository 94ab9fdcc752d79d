import { AzureadProvider } from '@cdktf/provider-azuread/lib/provider/index.js';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider/index.js';
import { Fn } from 'cdktf';
import type { Construct } from 'constructs';
import { ArgoCdBootstrap } from '../constructs/argocd-bootstrap';
import { argocdRootObjects } from '../constructs/argocd-root-objects';
import { PanalStack } from '../constructs/panal-stack';
import { PlatformLookups } from '../constructs/platform-lookups';
import { priorityExpanderConfigMap } from '../constructs/priority-expander';
import type { InfraEnvironment } from '../environments/infra-environment';

/** Entra ID application id of the AKS API server, the audience kubelogin asks tokens for. */
export const AKS_SERVER_APP_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';

/**
 * GitOps stack: Argo CD (helm provider) and the cluster objects the autoscaler needs before anything
 * syncs (the priority expander ConfigMap). The helm provider authenticates with kubelogin (local
 * accounts are off), so apply runs where `az login` / workload identity and the private API server
 * are reachable (the platform's self-hosted runner in the VNet).
 * @see https://azure.github.io/kubelogin/concepts/login-modes/azurecli.html
 */
export class GitOpsStack extends PanalStack {
  /** Argo CD. */
  public readonly argocd: ArgoCdBootstrap;

  constructor(scope: Construct, id: string, env: InfraEnvironment) {
    super(scope, id, { env, stack: 'gitops' });
    const cluster = new PlatformLookups(this, 'lookups', { names: this.names }).cluster();
    new AzureadProvider(this, 'azuread', { tenantId: env.directoryTenantId });
    new HelmProvider(this, 'helm', {
      kubernetes: {
        host: cluster.kubeConfig.get(0).host,
        clusterCaCertificate: Fn.base64decode(cluster.kubeConfig.get(0).clusterCaCertificate),
        exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'kubelogin', args: ['get-token', '--login', 'azurecli', '--server-id', AKS_SERVER_APP_ID] },
      },
    });
    this.argocd = new ArgoCdBootstrap(this, 'argocd', {
      settings: env.gitops,
      directoryTenantId: env.directoryTenantId,
      environment: env.name,
      bootstrapObjects: [...argocdRootObjects(env.gitops), priorityExpanderConfigMap(env.aks.nodePools)],
    });
  }
}
