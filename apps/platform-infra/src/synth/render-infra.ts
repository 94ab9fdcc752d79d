import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTenants, type Tenant } from '@panal/tenant-config';
import { App, type TerraformStack } from 'cdktf';
import type { InfraEnvironment } from '../environments/infra-environment';
import { validateInfraEnvironment } from '../environments/validate-environment';
import { STACK_NAMES, tenantShardStackNames, type StackName } from '../naming';
import { AksStack } from '../stacks/aks-stack';
import { DataStack } from '../stacks/data-stack';
import { GitOpsStack } from '../stacks/gitops-stack';
import { NetworkStack } from '../stacks/network-stack';
import { ObservabilityStack } from '../stacks/observability-stack';
import { SecretsStack } from '../stacks/secrets-stack';
import { StorageStack } from '../stacks/storage-stack';
import { tenantShardStacks, TenantsStack, type TenantShardStack } from '../stacks/tenants-stack';

/** Folder the synthesized Terraform JSON is committed to: `<env>/<stack>/cdk.tf.json` below it (tenant shards: `<env>/tenants-<NN>/`). */
export const TERRAFORM_OUT_DIR = 'dist/terraform';

/** Folder of the tenant folders, shared with the tenants app. */
export const TENANTS_DIR = 'apps/tenants/tenants';

/** Stack folders of one environment, in apply order: the platform stacks, then the tenant shards. */
export function stackDirs(env: InfraEnvironment): string[] {
  return [...STACK_NAMES, ...tenantShardStackNames(env.state.tenantShards)];
}

/**
 * Builds every stack of one environment into `app` (construct ids equal the stack folder names):
 * the platform stacks by name, and the tenant shards (`tenants-00 …`) in order.
 */
export function buildStacks(app: App, env: InfraEnvironment, tenants: readonly Tenant[]): Record<StackName, TerraformStack> & { shards: TenantShardStack[] } {
  validateInfraEnvironment(env);
  return {
    network: new NetworkStack(app, 'network', env),
    observability: new ObservabilityStack(app, 'observability', env),
    aks: new AksStack(app, 'aks', env),
    secrets: new SecretsStack(app, 'secrets', env),
    data: new DataStack(app, 'data', env),
    storage: new StorageStack(app, 'storage', env),
    gitops: new GitOpsStack(app, 'gitops', env),
    tenants: new TenantsStack(app, 'tenants', env, tenants),
    shards: tenantShardStacks(app, env, tenants),
  };
}

/**
 * Synthesizes every stack of every environment with cdktf's own synthesizer (into a temporary
 * folder, then read back) and returns `<env>/<stack>/cdk.tf.json` → content, tenant shards included. Tenants come from the
 * tenant folders through the shared loader, with the same validation and errors as the tenants app.
 * @throws ConfigError for a bad tenant folder, InfraEnvironmentError for a bad environment
 */
export function renderInfra(options: {
  repoRoot: string;
  environments: readonly InfraEnvironment[];
  /**
   * Tenant folders to read.
   * @default `<repoRoot>/apps/tenants/tenants`
   */
  tenantsDir?: string;
}): Map<string, string> {
  // Identities do not matter to Azure resources: the tenant state only gates what the manifests render.
  const tenantsDir = options.tenantsDir ?? join(options.repoRoot, TENANTS_DIR);
  const tenants = loadTenants({ tenantsDir, repoRoot: options.repoRoot, identities: { clientIds: {} } });
  const files = new Map<string, string>();
  for (const env of options.environments) {
    const outdir = mkdtempSync(join(tmpdir(), `panal-cdktf-${env.name}-`));
    try {
      const app = new App({ outdir, skipValidation: false });
      buildStacks(app, env, tenants);
      app.synth();
      for (const stack of stackDirs(env)) {
        files.set(`${env.name}/${stack}/cdk.tf.json`, `${readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8').trimEnd()}\n`);
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  return files;
}
