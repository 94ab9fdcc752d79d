import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError, type ConfigProblem } from './config-error';
import { edgeHostnameKind, MAX_CUSTOM_HOSTNAMES } from './edge-hostnames';
import type { Environment, TenantIdentities } from './environment-schema';
import { tenantFootprint } from './sizing';
import { tenantNamespace, type Tenant } from './tenant';
import { tenantFileSchema, type TenantFile } from './tenant-schema';
import { TIER_PROFILES } from './tiers';
import { readYamlFile } from './yaml-file';

/** File name of a tenant definition inside its folder. */
export const TENANT_FILE = 'tenant.yaml';

/** Files a tenant folder may hold besides `tenant.yaml`. */
const ALLOWED_EXTRA_FILES = new Set(['README.md']);

/** Options of {@link loadTenants}. */
export interface LoadTenantsOptions {
  /** Folder with one sub-folder per tenant (`apps/tenants/tenants`). */
  readonly tenantsDir: string;
  /** Repository root: file names in errors are relative to it. */
  readonly repoRoot: string;
  /** Identity client ids from platform-infra; tenants without one are `provisioning`. */
  readonly identities: Pick<TenantIdentities, 'clientIds'>;
  /**
   * The edge the hostnames must fit: each is one label under the tenant domain (wildcard certificate)
   * or a custom domain (own listener), and the custom ones fit in one Gateway's listeners.
   * @default not checked (the Azure side renders no routes)
   */
  readonly edge?: Pick<Environment['edge'], 'tenantDomain'>;
}

/**
 * Loads every tenant folder, validates each file against the schema and the cross-tenant rules
 * (unique ids, unique hostnames), and resolves tier defaults.
 *
 * Returns tenants sorted by id, so output order never depends on the file system.
 * @throws ConfigError listing every problem in every folder
 */
export function loadTenants(options: LoadTenantsOptions): Tenant[] {
  const { tenantsDir, repoRoot } = options;
  const problems: ConfigProblem[] = [];
  const loaded: { file: string; folder: string; data: TenantFile }[] = [];

  const folders = existsSync(tenantsDir)
    ? readdirSync(tenantsDir)
        .filter((name) => !name.startsWith('.'))
        .sort()
    : [];
  for (const folder of folders) {
    const dir = join(tenantsDir, folder);
    const displayDir = relative(repoRoot, dir);
    if (!statSync(dir).isDirectory()) {
      problems.push({ file: displayDir, field: '(file)', value: folder, rule: 'must be a folder: put each tenant in its own folder with a tenant.yaml' });
      continue;
    }
    const file = join(dir, TENANT_FILE);
    const displayFile = relative(repoRoot, file);
    if (!existsSync(file)) {
      problems.push({ file: displayFile, field: '(file)', value: undefined, rule: 'must exist: every tenant folder needs a tenant.yaml' });
      continue;
    }
    for (const extra of readdirSync(dir).sort()) {
      if (extra !== TENANT_FILE && !ALLOWED_EXTRA_FILES.has(extra)) {
        problems.push({ file: join(displayDir, extra), field: '(file)', value: extra, rule: `is not expected in a tenant folder (only ${TENANT_FILE} and README.md)` });
      }
    }
    const parsed = readYamlFile(file, displayFile, tenantFileSchema);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      continue;
    }
    loaded.push({ file: displayFile, folder, data: parsed.value });
  }

  problems.push(...crossTenantProblems(loaded));
  if (options.edge) problems.push(...edgeHostnameProblems(loaded, options.edge.tenantDomain));
  if (problems.length > 0) throw new ConfigError(problems);
  return loaded.map(({ file, data }) => resolveTenant(file, data, options.identities)).sort((a, b) => a.id.localeCompare(b.id));
}

/** Rules that need more than one file or more than one field. */
function crossTenantProblems(loaded: readonly { file: string; folder: string; data: TenantFile }[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const idOwner = new Map<string, string>();
  const hostOwner = new Map<string, string>();
  for (const { file, folder, data } of loaded) {
    if (data.id !== folder) {
      problems.push({ file, field: 'id', value: data.id, rule: `must equal the folder name "${folder}"` });
    }
    const firstWithId = idOwner.get(data.id);
    if (firstWithId) problems.push({ file, field: 'id', value: data.id, rule: `must be unique: ${firstWithId} already uses it` });
    else idOwner.set(data.id, file);

    data.hostnames.forEach((host, i) => {
      const owner = hostOwner.get(host);
      if (owner) {
        const rule = owner === file ? 'must not be listed twice' : `must be unique across tenants: ${owner} already claims it`;
        problems.push({ file, field: `hostnames[${i}]`, value: host, rule });
      } else hostOwner.set(host, file);
    });

    problems.push(...quotaFitsScaleOut(file, data));
  }
  return problems;
}

/**
 * Every hostname must have a certificate at the edge: one label under the tenant domain (the
 * wildcard) or a custom domain, which takes one of the Gateway's listeners.
 */
function edgeHostnameProblems(loaded: readonly { file: string; data: TenantFile }[], tenantDomain: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  let customCount = 0;
  for (const { file, data } of loaded) {
    data.hostnames.forEach((host, i) => {
      const kind = edgeHostnameKind(host, tenantDomain);
      if (kind === 'invalid') {
        problems.push({
          file,
          field: `hostnames[${i}]`,
          value: host,
          rule: `must be exactly one label under ${tenantDomain} (the wildcard certificate *.${tenantDomain} covers one label only), or a domain outside ${tenantDomain}`,
        });
      } else if (kind === 'custom' && ++customCount > MAX_CUSTOM_HOSTNAMES) {
        problems.push({
          file,
          field: `hostnames[${i}]`,
          value: host,
          rule: `does not fit the edge Gateway: custom domains take one listener each and ${MAX_CUSTOM_HOSTNAMES} are already in use (docs/adr/0021-borde-agc-y-certificados.md)`,
        });
      }
    });
  }
  return problems;
}

/** The namespace quota must hold the tenant's own scale-out, or the autoscaler would stall at the quota. */
function quotaFitsScaleOut(file: string, data: TenantFile): ConfigProblem[] {
  const quota = { ...TIER_PROFILES[data.tier].defaultQuota, ...data.quota };
  const need = tenantFootprint(data.openWebUI.replicas.max);
  const problems: ConfigProblem[] = [];
  if (quota.cpuCores * 1000 < need.cpuMilli) {
    problems.push({ file, field: 'quota.cpuCores', value: quota.cpuCores, rule: `must hold openWebUI.replicas.max=${data.openWebUI.replicas.max} plus a surge pod, Redis and the migration job: at least ${Math.ceil(need.cpuMilli / 1000)} cores` });
  }
  if (quota.memoryGiB * 1024 < need.memoryMiB) {
    problems.push({ file, field: 'quota.memoryGiB', value: quota.memoryGiB, rule: `must hold openWebUI.replicas.max=${data.openWebUI.replicas.max} plus a surge pod, Redis and the migration job: at least ${Math.ceil(need.memoryMiB / 1024)} GiB` });
  }
  if (quota.pods < need.pods) {
    problems.push({ file, field: 'quota.pods', value: quota.pods, rule: `must hold openWebUI.replicas.max=${data.openWebUI.replicas.max} plus a surge pod, Redis and the migration job: at least ${need.pods} pods` });
  }
  return problems;
}

function resolveTenant(file: string, data: TenantFile, identities: Pick<TenantIdentities, 'clientIds'>): Tenant {
  const profile = TIER_PROFILES[data.tier];
  const clientId = identities.clientIds[data.id];
  return {
    id: data.id,
    displayName: data.displayName,
    tier: data.tier,
    namespace: tenantNamespace(data.id),
    hostnames: [...data.hostnames],
    sso: { ...data.sso },
    openWebUIReplicas: { ...data.openWebUI.replicas },
    dormantAfterIdleMinutes: data.openWebUI.dormantAfterIdleMinutes,
    quota: { ...profile.defaultQuota, ...data.quota },
    models: profile.models,
    state: data.suspended ? 'suspended' : clientId ? 'active' : 'provisioning',
    workloadIdentityClientId: clientId,
    sourceFile: file,
  };
}
