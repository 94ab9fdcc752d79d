import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { PANAL_LABELS, type NamespaceRole } from '../common/labels';
import { syncWave, SyncWave } from '../common/sync-waves';

/** Pod Security levels a platform namespace may enforce. */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

/** Props of {@link PlatformNamespace}. */
export interface PlatformNamespaceProps {
  /** Namespace name. */
  readonly name: string;
  /** What the namespace is for; NetworkPolicies of other namespaces select on it. */
  readonly role: Exclude<NamespaceRole, 'tenant'>;
  /**
   * Pod Security level enforced. Only GPU plumbing (host device access) needs `privileged`.
   * @default 'restricted'
   * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Kubernetes minor the Pod Security level is pinned to.
   * @default 'latest'
   */
  readonly podSecurityVersion?: string;
}

/** Labels of a platform namespace: its role, the Pod Security level it enforces, and `restricted` audited and warned. */
export function platformNamespaceLabels(role: Exclude<NamespaceRole, 'tenant'>, level: PodSecurityLevel, version: string): Record<string, string> {
  return {
    [PANAL_LABELS.role]: role,
    'pod-security.kubernetes.io/enforce': level,
    'pod-security.kubernetes.io/enforce-version': version,
    'pod-security.kubernetes.io/audit': 'restricted',
    'pod-security.kubernetes.io/audit-version': version,
    'pod-security.kubernetes.io/warn': 'restricted',
    'pod-security.kubernetes.io/warn-version': version,
  };
}

/**
 * A namespace of the shared platform (`panal.io/role: platform` or `models`), with Pod Security
 * labels. Never deleted by Argo CD: removing an add-on folder must not delete what runs in it.
 */
export class PlatformNamespace extends Construct {
  /** The namespace name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: PlatformNamespaceProps) {
    super(scope, id);
    if (props.role === ('tenant' as string)) throw new Error(`role must be platform or models, but tenant was provided: tenant namespaces come from apps/tenants`);
    this.name = props.name;
    const level = props.podSecurity ?? 'restricted';
    const version = props.podSecurityVersion ?? 'latest';
    new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: props.name,
        labels: platformNamespaceLabels(props.role, level, version),
        annotations: { ...syncWave(SyncWave.namespace), 'argocd.argoproj.io/sync-options': 'Delete=false' },
      },
    });
  }
}
