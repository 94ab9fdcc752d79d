import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError } from './config-error';
import { environmentSchema, tenantIdentitiesSchema, type Environment, type TenantIdentities } from './environment-schema';
import { readYamlFile } from './yaml-file';

/** Where an environment lives and what was read from it. */
export interface LoadedEnvironment {
  /** The environment settings. */
  readonly environment: Environment;
  /** Tenant identity client ids written by platform-infra (empty before the first apply). */
  readonly identities: TenantIdentities;
}

/**
 * Reads `environment.yaml` and, if present, `tenant-identities.yaml` from an environment folder.
 * @throws ConfigError naming the file, field, value and rule of every problem
 */
export function loadEnvironment(envDir: string, repoRoot: string): LoadedEnvironment {
  const envFile = join(envDir, 'environment.yaml');
  const idFile = join(envDir, 'tenant-identities.yaml');
  if (!existsSync(envFile)) {
    throw new ConfigError([{ file: relative(repoRoot, envFile), field: '(file)', value: undefined, rule: 'must exist: every environment folder needs an environment.yaml' }]);
  }
  const env = readYamlFile(envFile, relative(repoRoot, envFile), environmentSchema);
  const ids = existsSync(idFile)
    ? readYamlFile(idFile, relative(repoRoot, idFile), tenantIdentitiesSchema)
    : ({ ok: true, value: { clientIds: {}, platformClientIds: {} } } as const);
  const problems = [...(env.ok ? [] : env.problems), ...(ids.ok ? [] : ids.problems)];
  if (!env.ok || !ids.ok) throw new ConfigError(problems);
  return { environment: env.value, identities: ids.value };
}
