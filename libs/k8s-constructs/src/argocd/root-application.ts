import { Construct } from 'constructs';
import { Application } from '../imports/argoproj.io';

/** Props of {@link RootApplication}. */
export interface RootApplicationProps {
  /** Namespace Argo CD runs in. */
  readonly argocdNamespace: string;
  /** This repository. */
  readonly repoUrl: string;
  /** Branch Argo CD follows. */
  readonly revision: string;
  /** Folder with the Argo CD objects themselves (projects, ApplicationSets, this Application). */
  readonly path: string;
  /** AppProject of the root Application. */
  readonly project: string;
}

/**
 * The root Application: points at the folder that contains it, so after the one-time bootstrap
 * (platform-infra applies this object) Argo CD manages its own projects and ApplicationSets.
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/cluster-bootstrapping/
 */
export class RootApplication extends Construct {
  constructor(scope: Construct, id: string, props: RootApplicationProps) {
    super(scope, id);
    new Application(this, 'Resource', {
      metadata: { name: 'panal-root', namespace: props.argocdNamespace },
      spec: {
        project: props.project,
        source: { repoUrl: props.repoUrl, targetRevision: props.revision, path: props.path, directory: { recurse: false } },
        destination: { server: 'https://kubernetes.default.svc', namespace: props.argocdNamespace },
        syncPolicy: { automated: { prune: false, selfHeal: true }, syncOptions: ['ServerSideApply=true'] },
      },
    });
  }
}
