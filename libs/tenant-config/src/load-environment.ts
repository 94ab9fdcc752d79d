import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError } from './config-error';
import { environmentSchema, tenantIdentitiesSchema, type Environment, type TenantIdentities } from './environment-schema';
import { imageDigestsSchema, pinImages } from './image-sources';
import { readYamlFile } from './yaml-file';

/** Where an environment lives and what was read from it. */
export interface LoadedEnvironment {
  /** The environment settings. */
  readonly environment: Environment;
  /** Tenant identity client ids written by platform-infra (empty before the first apply). */
  readonly identities: TenantIdentities;
  /** Digests of the mirrored images by `registry/repository:tag` (`image-digests.yaml`; empty before the first mirror). */
  readonly imageDigests: Readonly<Record<string, string>>;
}

/**
 * Reads `environment.yaml` and, if present, `tenant-identities.yaml` and `image-digests.yaml` from an
 * environment folder; images the digest lock lists come back pinned (`repo:tag@sha256:…`).
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
  const digestFile = join(envDir, 'image-digests.yaml');
  const digests = existsSync(digestFile) ? readYamlFile(digestFile, relative(repoRoot, digestFile), imageDigestsSchema) : ({ ok: true, value: { digests: {} } } as const);
  const problems = [...(env.ok ? [] : env.problems), ...(ids.ok ? [] : ids.problems), ...(digests.ok ? [] : digests.problems)];
  if (!env.ok || !ids.ok || !digests.ok) throw new ConfigError(problems);
  let images: Environment['images'];
  try {
    images = pinImages(env.value.images, digests.value.digests);
  } catch (err) {
    throw new ConfigError([{ file: relative(repoRoot, digestFile), field: 'digests', value: undefined, rule: (err as Error).message }]);
  }
  return { environment: { ...env.value, images }, identities: ids.value, imageDigests: digests.value.digests };
}
