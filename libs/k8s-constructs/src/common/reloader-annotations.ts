/**
 * Annotation Stakater Reloader reads on the metadata of a Deployment or StatefulSet: a comma-separated
 * list of the Secrets whose change rolls it. Named Secrets only, not `reloader.stakater.com/auto`,
 * so a workload restarts for the Secrets it reads as environment variables and for nothing else.
 * @see https://github.com/stakater/Reloader#2--named-resource-reload-specific-resource-annotations
 */
export const RELOADER_SECRET_ANNOTATION = 'secret.reloader.stakater.com/reload';

/**
 * Annotation Reloader writes on the pod template with `--reload-strategy=annotations`: the changed
 * Secret and the hash of its data. A new value there is what makes the Deployment roll.
 */
export const RELOADER_LAST_RELOADED_ANNOTATION = 'reloader.stakater.com/last-reloaded-from';

/**
 * Workload metadata annotations that make Reloader roll the workload when one of `secretNames`
 * changes (create or delete does not count: only a change of the data of an existing Secret).
 * @throws Error when no name is given or a name is not a DNS subdomain
 */
export function reloadOnSecretChange(...secretNames: readonly string[]): Record<string, string> {
  if (secretNames.length === 0) throw new Error('reloadOnSecretChange needs at least one Secret name, but none was provided');
  for (const name of secretNames) {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) throw new Error(`Secret name must be a DNS subdomain, but "${name}" was provided`);
  }
  return { [RELOADER_SECRET_ANNOTATION]: [...new Set(secretNames)].sort().join(',') };
}
