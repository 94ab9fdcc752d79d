import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Repository-relative folder of the reference catalogue: a fixed set of tenants (two Standard, one with
 * two hostnames and its own SSO provider name, one Premium) that the platform's tests render instead of
 * the committed `apps/tenants/tenants`.
 *
 * Why it exists: the committed catalogue is the operators' data and grows with every onboarding. A test
 * that read it would run again on every tenant pull request, take longer with every tenant, and break
 * when the examples are removed. What the committed catalogue renders to is checked by each app's
 * `validate` (the render equals `dist/`, kubeconform, the isolation analysis), not by its tests
 * (docs/adr/0025-las-pruebas-no-leen-el-catalogo.md).
 */
export const REFERENCE_CATALOGUE_DIR = 'libs/tenant-config/src/testing/reference-catalogue';

/** A reference catalogue ready for the loaders and renderers (`tenantsDir`, `envDir`). */
export interface ReferenceCatalogue {
  /** Folder with one sub-folder per reference tenant (committed; read in place). */
  readonly tenantsDir: string;
  /**
   * A throwaway environment folder: `environments/<env>` of the repository with the reference
   * catalogue's `tenant-identities.yaml`, so every reference tenant renders active.
   */
  readonly envDir: string;
  /** Ids of the reference tenants, sorted. */
  readonly tenantIds: readonly string[];
}

/**
 * Materializes the reference catalogue for one environment of the repository.
 * @param repoRoot repository root
 * @param env environment folder name under `environments/`
 * @default env `example`
 */
export function referenceCatalogue(repoRoot: string, env = 'example'): ReferenceCatalogue {
  const source = join(repoRoot, REFERENCE_CATALOGUE_DIR);
  const envSource = join(repoRoot, 'environments', env);
  const envDir = join(mkdtempSync(join(tmpdir(), 'panal-reference-')), env);
  mkdirSync(envDir);
  // Everything the environment folder holds (settings, image digests) except the identities, which
  // belong to the committed catalogue.
  for (const file of readdirSync(envSource)) if (file !== 'tenant-identities.yaml') copyFileSync(join(envSource, file), join(envDir, file));
  copyFileSync(join(source, 'tenant-identities.yaml'), join(envDir, 'tenant-identities.yaml'));
  const tenantsDir = join(source, 'tenants');
  const tenantIds = readdirSync(tenantsDir)
    .filter((id) => existsSync(join(tenantsDir, id, 'tenant.yaml')))
    .sort();
  return { tenantsDir, envDir, tenantIds };
}
