import { Application } from '@cdktf/provider-azuread/lib/application/index.js';
import { ApplicationPasswordA } from '@cdktf/provider-azuread/lib/application-password/index.js';
import { ServicePrincipal } from '@cdktf/provider-azuread/lib/service-principal/index.js';
import { Release } from '@cdktf/provider-helm/lib/release/index.js';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { GitOpsSettings } from '../environments/infra-environment';

/** Argo CD chart repository (argo-helm). */
export const ARGOCD_CHART_REPOSITORY = 'https://argoproj.github.io/argo-helm';

/** Props of {@link ArgoCdBootstrap}. */
export interface ArgoCdBootstrapProps {
  /** Repository, branch, chart version and host name. */
  readonly settings: GitOpsSettings;
  /** Entra ID directory id (OIDC issuer). */
  readonly directoryTenantId: string;
  /** Environment name, shown in the Entra application name. */
  readonly environment: string;
  /**
   * Namespace Argo CD runs in.
   * @default "argocd"
   */
  readonly namespace?: string;
  /**
   * Objects installed with the chart (`extraObjects`): the root Application and its AppProject, and
   * cluster objects that must exist before anything syncs. Argo CD adopts them on its first sync.
   */
  readonly bootstrapObjects: readonly object[];
}

/**
 * Installs Argo CD with the helm provider (the AKS Argo CD extension is still in preview:
 * https://learn.microsoft.com/azure/azure-arc/kubernetes/tutorial-use-gitops-argocd)
 * and hands over to it through `bootstrapObjects`: the root Application (rendered by the same
 * `@panal/k8s-constructs` construct as `dist/manifests/argocd`) syncs that folder, after which Argo CD
 * manages the AppProjects, ApplicationSets and the root Application itself. SSO-ready: an Entra ID
 * application (redirect URI on the Argo CD host) whose client secret goes into `argocd-secret`
 * through a sensitive value, never into git. HA: 2 API servers, 2 repo servers, redis-ha.
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/user-management/microsoft/
 * @see https://registry.terraform.io/providers/hashicorp/helm/3.1.1/docs/resources/release
 */
export class ArgoCdBootstrap extends Construct {
  /** The Helm release. */
  public readonly release: Release;

  constructor(scope: Construct, id: string, props: ArgoCdBootstrapProps) {
    super(scope, id);
    const s = props.settings;
    const namespace = props.namespace ?? 'argocd';
    if (!/^\d+\.\d+\.\d+$/.test(s.argocdChartVersion)) throw new Error(`settings.argocdChartVersion must be an exact x.y.z version, but "${s.argocdChartVersion}" was provided`);
    const url = `https://${s.argocdHostname}`;
    const app = new Application(this, 'sso-application', {
      displayName: `panal-argocd-${props.environment}`,
      signInAudience: 'AzureADMyOrg',
      groupMembershipClaims: ['ApplicationGroup'],
      web: { redirectUris: [`${url}/auth/callback`] },
      optionalClaims: { idToken: [{ name: 'groups' }] },
    });
    new ServicePrincipal(this, 'sso-service-principal', { clientId: app.clientId, appRoleAssignmentRequired: true });
    // No end_date_relative (deprecated in azuread 3.x): the provider default is two years; rotate by replacing this resource.
    const secret = new ApplicationPasswordA(this, 'sso-client-secret', { applicationId: app.id, displayName: 'argocd-oidc' });

    const values = {
      global: { domain: s.argocdHostname },
      configs: {
        cm: {
          url,
          'admin.enabled': false,
          'oidc.config': stringify({
            name: 'Entra ID',
            issuer: `https://login.microsoftonline.com/${props.directoryTenantId}/v2.0`,
            clientID: '$oidc.entra.clientID',
            clientSecret: '$oidc.entra.clientSecret',
            requestedIDTokenClaims: { groups: { essential: true } },
            requestedScopes: ['openid', 'profile', 'email'],
          }),
        },
        rbac: { 'policy.default': 'role:readonly' },
      },
      'redis-ha': { enabled: true },
      server: { replicas: 2 },
      repoServer: { replicas: 2 },
      applicationSet: { replicas: 2 },
      extraObjects: [...props.bootstrapObjects],
    };
    this.release = new Release(this, 'release', {
      name: 'argocd',
      namespace,
      createNamespace: true,
      repository: ARGOCD_CHART_REPOSITORY,
      chart: 'argo-cd',
      version: s.argocdChartVersion,
      values: [stringify(values, { sortMapEntries: true })],
      set: [{ name: 'configs.secret.extra.oidc\\.entra\\.clientID', value: app.clientId }],
      setSensitive: [{ name: 'configs.secret.extra.oidc\\.entra\\.clientSecret', value: secret.value }],
      atomic: true,
      timeout: 900,
    });
  }
}
