import type { Tenant } from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { PANAL_LABELS } from '../common/labels';
import { syncWave, SyncWave } from '../common/sync-waves';

/** Props of {@link TenantNamespace}. */
export interface TenantNamespaceProps {
  /** The tenant that owns the namespace. */
  readonly tenant: Tenant;
  /**
   * Kubernetes minor the Pod Security level is pinned to, so a cluster upgrade cannot silently
   * change what `restricted` means.
   * @default 'latest'
   * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces
   */
  readonly podSecurityVersion?: string;
}

/**
 * The tenant's namespace `tenant-<id>`: tenancy and tier labels (which platform NetworkPolicies
 * select on) and Pod Security `restricted` in enforce, audit and warn modes.
 */
export class TenantNamespace extends Construct {
  /** The namespace name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: TenantNamespaceProps) {
    super(scope, id);
    const { tenant } = props;
    const version = props.podSecurityVersion ?? 'latest';
    this.name = tenant.namespace;
    new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: tenant.namespace,
        labels: {
          [PANAL_LABELS.tenant]: tenant.id,
          [PANAL_LABELS.tier]: tenant.tier,
          [PANAL_LABELS.role]: 'tenant',
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': version,
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': version,
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': version,
        },
        annotations: {
          ...syncWave(SyncWave.namespace),
          'panal.io/display-name': tenant.displayName,
          'panal.io/source': tenant.sourceFile,
          // Deleting a tenant folder must never delete its namespace: offboarding is a runbook.
          'argocd.argoproj.io/sync-options': 'Delete=false',
        },
      },
    });
  }
}
