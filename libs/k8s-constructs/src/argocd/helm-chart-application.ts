import { Construct } from 'constructs';
import { Application, type ApplicationSpecSource } from '../imports/argoproj.io';
import { platformNamespaceLabels, type PodSecurityLevel } from '../platform/platform-namespace';

/**
 * A third-party Helm chart, pinned, as Argo CD fetches it: from an https Helm repository (`repoUrl`
 * plus `chart`), or from an OCI registry (`repoUrl` is `oci://<registry>/<path>/<chart>`, no `chart`).
 * Public OCI charts need no repository entry in Argo CD (3.1 and later), so nothing secret-shaped is
 * rendered for them.
 * @see https://argo-cd.readthedocs.io/en/release-3.2/user-guide/oci/
 */
export type HelmChartSource =
  | {
      /** An https Helm repository. */
      readonly repoUrl: `https://${string}`;
      /** Chart name in the repository. */
      readonly chart: string;
      /** Exact chart version: never a range, so a sync is reproducible. */
      readonly version: string;
    }
  | {
      /** The chart's OCI repository, `oci://<registry>/<path>/<chart>`. */
      readonly repoUrl: `oci://${string}`;
      /** Exact chart version (the OCI tag). */
      readonly version: string;
    };

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
  /**
   * Pod Security level of the namespace the sync creates. Its labels (with `restricted` audited and
   * warned, and `panal.io/role: platform`) are set by Argo CD on creation, like every platform namespace.
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#namespace-metadata
   */
  readonly podSecurity: PodSecurityLevel;
  /** Kubernetes minor the Pod Security level is pinned to. */
  readonly podSecurityVersion: string;
}

/**
 * An Argo CD Application that installs a pinned third-party Helm chart, synced automatically like
 * the add-on folders. Used for controllers whose manifests their vendors ship only as charts
 * (cert-manager, the ALB controller): owning a copy of those manifests would be worse than pinning
 * the chart.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/helm/
 */
export class HelmChartApplication extends Construct {
  constructor(scope: Construct, id: string, props: HelmChartApplicationProps) {
    super(scope, id);
    const { source } = props;
    if (/[~^*x]|\s|[<>]/.test(source.version)) throw new Error(`source.version must be an exact chart version, but "${source.version}" was provided`);
    const helm = { releaseName: props.name, valuesObject: props.values };
    const chartSource: ApplicationSpecSource =
      'chart' in source ? { repoUrl: source.repoUrl, chart: source.chart, targetRevision: source.version, helm } : { repoUrl: source.repoUrl, path: '.', targetRevision: source.version, helm };
    new Application(this, 'Resource', {
      metadata: { name: props.name, namespace: props.argocdNamespace },
      spec: {
        project: props.project,
        source: chartSource,
        destination: { server: 'https://kubernetes.default.svc', namespace: props.namespace },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
          managedNamespaceMetadata: { labels: platformNamespaceLabels('platform', props.podSecurity, props.podSecurityVersion) },
        },
      },
    });
  }
}
