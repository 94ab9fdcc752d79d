import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Application } from '../imports/argoproj.io';

/** A third-party Helm chart, pinned, as Argo CD fetches it. */
export interface HelmChartSource {
  /** Chart repository: an https Helm repository, or an OCI registry path without scheme (then `oci` is true). */
  readonly repoUrl: string;
  /** Chart name in the repository. */
  readonly chart: string;
  /** Exact chart version: never a range, so a sync is reproducible. */
  readonly version: string;
  /**
   * Whether `repoUrl` is an OCI registry: Argo CD then needs a repository entry with `enableOCI`.
   * @default false
   */
  readonly oci?: boolean;
}

/** Props of {@link HelmChartApplication}. */
export interface HelmChartApplicationProps {
  /** Application name (also the Helm release name). */
  readonly name: string;
  /** Namespace Argo CD runs in. */
  readonly argocdNamespace: string;
  /** AppProject of the Application; it must list `source.repoUrl` among its source repositories. */
  readonly project: string;
  /** The chart. */
  readonly source: HelmChartSource;
  /** Namespace the chart is installed in (created by the sync). */
  readonly namespace: string;
  /** Helm values, rendered as one YAML object (`valuesObject`). */
  readonly values: Record<string, unknown>;
}

/**
 * An Argo CD Application that installs a pinned third-party Helm chart, synced automatically like
 * the add-on folders. Used for controllers whose manifests their vendors ship only as charts
 * (cert-manager, the ALB controller): owning a copy of those manifests would be worse than pinning
 * the chart. For an OCI chart it also renders the (credential-less) repository entry Argo CD needs.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/helm/
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/#helm
 */
export class HelmChartApplication extends Construct {
  constructor(scope: Construct, id: string, props: HelmChartApplicationProps) {
    super(scope, id);
    const { source } = props;
    if (/[~^*x]|\s|[<>]/.test(source.version)) throw new Error(`source.version must be an exact chart version, but "${source.version}" was provided`);
    new Application(this, 'Resource', {
      metadata: { name: props.name, namespace: props.argocdNamespace },
      spec: {
        project: props.project,
        source: { repoUrl: source.repoUrl, chart: source.chart, targetRevision: source.version, helm: { releaseName: props.name, valuesObject: props.values } },
        destination: { server: 'https://kubernetes.default.svc', namespace: props.namespace },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'] },
      },
    });
    if (source.oci) {
      // A repository entry, not a credential: the registry is public, so it holds no secret value.
      new ApiObject(this, 'Repository', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `helm-oci-${props.name}`, namespace: props.argocdNamespace, labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
        stringData: { type: 'helm', name: props.name, url: source.repoUrl, enableOCI: 'true' },
      });
    }
  }
}
