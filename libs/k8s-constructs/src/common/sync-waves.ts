/**
 * Argo CD sync waves: lower waves are applied (and healthy) before higher ones start.
 * The namespace and its guard rails exist before anything can run in it.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
 */
export const SyncWave = {
  /** The namespace itself. */
  namespace: -3,
  /** Quota, limits and NetworkPolicies: in force before the first pod. */
  guardRails: -2,
  /** Identity, secret access and backing services (ServiceAccount, SecretProviderClass, Redis). */
  dependencies: -1,
  /** One-shot jobs that must finish before the app rolls (database migrations). */
  migrations: 0,
  /** The application. */
  workloads: 1,
  /** Traffic: routes only once the app behind them exists. */
  routes: 2,
} as const;

/** Annotation that places an object in a sync wave. */
export function syncWave(wave: number): Record<string, string> {
  return { 'argocd.argoproj.io/sync-wave': String(wave) };
}

/**
 * Sync option for objects whose CRD another Application installs (cert-manager's, the ALB
 * controller's): Argo CD skips their dry run while the CRD is missing instead of failing the whole
 * sync, and the Application's retries apply them once the CRD exists.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#skip-dry-run-for-new-custom-resources-types
 */
export function crdFromAnotherApplication(): Record<string, string> {
  return { 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' };
}
