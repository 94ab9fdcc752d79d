/** Label keys the platform owns. Namespaces carry them; tenants cannot edit namespace labels. */
export const PANAL_LABELS = {
  /** Tenant id on a tenant namespace and everything in it. */
  tenant: 'panal.io/tenant',
  /** Tier of the tenant (`standard` | `premium`). */
  tier: 'panal.io/tier',
  /** What a namespace is for: `tenant`, `platform` or `models`; NetworkPolicies select on it. */
  role: 'panal.io/role',
} as const;

/** Role of a namespace, used by NetworkPolicies of platform namespaces to admit tenants by label. */
export type NamespaceRole = 'tenant' | 'platform' | 'models';

/** Label every namespace carries with its own name (set by Kubernetes itself since 1.22). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Recommended labels of a workload. @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/ */
export function appLabels(name: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'panal',
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
}

/** The labels that select one workload's pods (a stable subset of {@link appLabels}). */
export function selectorLabels(name: string, component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': component };
}
