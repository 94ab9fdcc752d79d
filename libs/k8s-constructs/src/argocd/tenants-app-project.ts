import { Construct } from 'constructs';
import { AppProject } from '../imports/argoproj.io';

/** Props of {@link TenantsAppProject}. */
export interface TenantsAppProjectProps {
  /** Namespace Argo CD runs in. */
  readonly argocdNamespace: string;
  /** The only repository tenant Applications may come from. */
  readonly repoUrl: string;
  /**
   * Name of the project.
   * @default 'tenants'
   */
  readonly name?: string;
}

/** Kinds a tenant Application may create inside its namespace: exactly what TenantChart renders. */
export const TENANT_NAMESPACED_KINDS: readonly { group: string; kind: string }[] = [
  { group: '', kind: 'LimitRange' },
  { group: '', kind: 'ResourceQuota' },
  { group: '', kind: 'Service' },
  { group: '', kind: 'ServiceAccount' },
  { group: 'apps', kind: 'Deployment' },
  { group: 'autoscaling', kind: 'HorizontalPodAutoscaler' },
  { group: 'batch', kind: 'Job' },
  { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
  { group: 'policy', kind: 'PodDisruptionBudget' },
  { group: 'secrets-store.csi.x-k8s.io', kind: 'SecretProviderClass' },
];

/**
 * The `tenants` AppProject: the trust boundary of every tenant Application. Destinations are
 * only `tenant-*` namespaces, `Namespace` is the only cluster-scoped kind, and namespaced kinds are
 * an allowlist (no Role, RoleBinding or Secret), so a bad tenant folder cannot escalate even if
 * it renders something unexpected.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/projects/
 */
export class TenantsAppProject extends Construct {
  /** Project name, to be used as a fixed value by ApplicationSets. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: TenantsAppProjectProps) {
    super(scope, id);
    this.name = props.name ?? 'tenants';
    new AppProject(this, 'Resource', {
      metadata: { name: this.name, namespace: props.argocdNamespace },
      spec: {
        description: 'One Application per tenant folder; may only touch tenant-* namespaces.',
        sourceRepos: [props.repoUrl],
        destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'tenant-*' }],
        clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
        namespaceResourceWhitelist: TENANT_NAMESPACED_KINDS.map((k) => ({ ...k })),
        // Show objects someone created by hand in a tenant namespace.
        orphanedResources: { warn: true },
      },
    });
  }
}
