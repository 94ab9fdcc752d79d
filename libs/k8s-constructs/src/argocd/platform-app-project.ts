import { Construct } from 'constructs';
import { AppProject } from '../imports/argoproj.io';

/** Props of {@link PlatformAppProject}. */
export interface PlatformAppProjectProps {
  /** Namespace Argo CD runs in. */
  readonly argocdNamespace: string;
  /** The only repository platform Applications may come from. */
  readonly repoUrl: string;
  /**
   * Pinned third-party Helm chart repositories platform Applications may also come from
   * (the edge controllers).
   * @default none
   */
  readonly chartRepositories?: readonly string[];
  /**
   * Name of the project.
   * @default 'platform'
   */
  readonly name?: string;
}

/**
 * The `platform` AppProject: shared services and Argo CD itself. Cluster-wide by necessity
 * (CRDs, admission policies, namespaces), restricted to this repository; only platform engineers
 * change what it syncs, through reviewed pull requests.
 */
export class PlatformAppProject extends Construct {
  /** Project name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: PlatformAppProjectProps) {
    super(scope, id);
    this.name = props.name ?? 'platform';
    new AppProject(this, 'Resource', {
      metadata: { name: this.name, namespace: props.argocdNamespace },
      spec: {
        description: 'Shared platform services and Argo CD itself.',
        sourceRepos: [props.repoUrl, ...(props.chartRepositories ?? [])],
        destinations: [{ server: 'https://kubernetes.default.svc', namespace: '*' }],
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
        orphanedResources: { warn: false },
      },
    });
  }
}
