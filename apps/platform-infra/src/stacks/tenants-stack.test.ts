import '../testing/cdktf-matchers';
import { FederatedIdentityCredential } from '../imports/azurerm/federated-identity-credential/index.js';
import { KeyVault } from '../imports/azurerm/key-vault/index.js';
import { KeyVaultSecret } from '../imports/azurerm/key-vault-secret/index.js';
import { PostgresqlFlexibleServerDatabase } from '../imports/azurerm/postgresql-flexible-server-database/index.js';
import { StorageContainer } from '../imports/azurerm/storage-container/index.js';
import { UserAssignedIdentity } from '../imports/azurerm/user-assigned-identity/index.js';
import { gatewayKeysVaultName, loadTenants, TENANT_KEY_VAULT_SECRETS, tempTenantsRepo, tenantKeyVaultName, validTenantYaml } from '@panal/tenant-config';
import { App, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import unsharded from './fixtures/unsharded-tenants-addresses.json';
import { DEV } from '../environments/dev';
import { PROD } from '../environments/prod';
import { tenantShardOf, tenantShardStackName } from '../naming';
import { planTenantStateMoves } from '../synth/tenant-state-moves';
import { resourcesOf, synthStack } from '../testing/synth-stack';
import { tenantShardStacks, TenantShardStack, TenantsStack } from './tenants-stack';

/** Tenants loaded through the shared loader from a scratch tenants folder. */
function tenants(ids: string[]) {
  const repo = tempTenantsRepo();
  for (const id of ids) repo.addTenant(id, validTenantYaml(id));
  return loadTenants({ tenantsDir: repo.tenantsDir, repoRoot: repo.repoRoot, identities: { clientIds: {} } });
}

/** One environment's tenant shards, synthesized: stack name → Terraform JSON. */
function synthShards(env: typeof PROD, ids: string[]) {
  const app = Testing.app();
  const stacks = tenantShardStacks(app, env, tenants(ids));
  return new Map(stacks.map((s) => [s.node.id, JSON.parse(Testing.synth(s, true))]));
}

/** Every resource of every shard, merged (addresses are unique across shards: tested below). */
function merged(shards: Map<string, any>) {
  const resource: Record<string, Record<string, any>> = {};
  for (const json of shards.values()) for (const [type, byName] of Object.entries<Record<string, any>>(json.resource ?? {})) Object.assign((resource[type] ??= {}), byName);
  return { resource };
}

/** The shard stack of one tenant, synthesized alone with its shard's tenants. */
function shardOf(ids: string[], id: string) {
  const shard = tenantShardOf(id, PROD.state.tenantShards);
  const own = tenants(ids).filter((t) => tenantShardOf(t.id, PROD.state.tenantShards) === shard);
  return synthStack((app) => new TenantShardStack(app, tenantShardStackName(shard), PROD, { shard, tenants: own }));
}

describe('TenantsStack (what every tenant shares)', () => {
  // GIVEN two tenant folders WHEN the tenants stack is synthesized
  const { synth, json } = synthStack((app) => new TenantsStack(app, 'tenants', PROD, tenants(['acme', 'globex'])));

  it('matches the snapshot', () => expect(synth).toMatchSnapshot());

  it('holds the gateway keys vault and no resource of any tenant, so adding a tenant does not change it', () => {
    expect(resourcesOf(json, KeyVault.tfResourceType).map((v) => v.name)).toEqual([gatewayKeysVaultName('pnlprd')]);
    const more = synthStack((app) => new TenantsStack(app, 'tenants', PROD, tenants(['acme', 'globex', 'initech', 'umbrella']))).synth;
    expect(more).toBe(synth);
    expect(json.terraform.required_providers.random).toBeUndefined();
  });

  it('lets the inference gateway read the gateway keys vault with one role assignment, whatever the number of tenants', () => {
    const onGatewayVault = resourcesOf(json, 'azurerm_role_assignment').filter((r) => r.scope.includes('azurerm_key_vault.gateway-keys_'));
    expect(onGatewayVault.map((r) => r.role_definition_name).sort()).toEqual(['Key Vault Secrets Officer', 'Key Vault Secrets User']);
    const reader = onGatewayVault.find((r) => r.role_definition_name === 'Key Vault Secrets User');
    expect(reader.principal_id).toBe('${data.azurerm_user_assigned_identity.inference-gateway.principal_id}');
    expect(synth).toHaveDataSourceWithProperties({ tfResourceType: 'azurerm_user_assigned_identity' }, { name: 'id-pnlprd-inference-gateway' });
    // The gateway gets no role on any tenant vault: no shard grants it anything.
    const shards = synthShards(PROD, ['acme', 'globex', 'initech', 'umbrella']);
    expect(resourcesOf(merged(shards), 'azurerm_role_assignment').filter((r) => r.principal_id.includes('inference-gateway'))).toHaveLength(0);
  });

  it('refuses more tenants than the server is sized for, saying how to go on', () => {
    const small = { ...PROD, postgres: { ...PROD.postgres, tenantCapacity: 2 } };
    expect(() => synthStack((app) => new TenantsStack(app, 'tenants', small, tenants(['acme', 'globex'])))).not.toThrow();
    expect(() => synthStack((app) => new TenantsStack(app, 'tenants', small, tenants(['acme', 'globex', 'initech'])))).toThrow(
      /^3 tenants exceed postgres.tenantCapacity 2 of prod: .*shard the rest to a second server$/,
    );
  });
});

describe('TenantShardStack (one shard of tenants, its own state)', () => {
  // GIVEN acme and globex WHEN acme's shard is synthesized
  const { synth, json } = shardOf(['acme', 'globex'], 'acme');
  const all = merged(synthShards(PROD, ['acme', 'globex']));

  it('matches the snapshot', () => expect(synth).toMatchSnapshot());

  it('keeps its state in <env>/tenants-<NN>.tfstate and writes into the tenants resource group, which it does not create', () => {
    expect(json.terraform.backend.azurerm.key).toBe(`prod/${tenantShardStackName(tenantShardOf('acme', 16))}.tfstate`);
    expect(json.resource.azurerm_resource_group).toBeUndefined();
    expect(resourcesOf(json, KeyVault.tfResourceType).every((v) => v.resource_group_name === 'rg-pnlprd-tenants' && v.location === 'swedencentral')).toBe(true);
  });

  it('gives each tenant a private Key Vault named like the manifests expect, with RBAC and purge protection', () => {
    expect(synth).toHaveResourceWithProperties(KeyVault, { name: tenantKeyVaultName('pnlprd', 'acme'), rbac_authorization_enabled: true, purge_protection_enabled: true, public_network_access_enabled: false });
    expect(resourcesOf(all, KeyVault.tfResourceType).map((v) => v.name).sort()).toEqual([tenantKeyVaultName('pnlprd', 'acme'), tenantKeyVaultName('pnlprd', 'globex')].sort());
  });

  it("writes the SHA-256 of each tenant's gateway key, as a JSON list, into the gateway keys vault it finds by name", () => {
    const secrets = resourcesOf(all, KeyVaultSecret.tfResourceType).filter((s) => s.name.startsWith('gateway-key-sha256-'));
    expect(secrets.map((s) => s.name).sort()).toEqual(['gateway-key-sha256-acme', 'gateway-key-sha256-globex']);
    const acme = secrets.find((s) => s.name === 'gateway-key-sha256-acme');
    const key = resourcesOf(all, KeyVaultSecret.tfResourceType).find((s) => s.name === 'inference-gateway-key' && s.value.startsWith('sk-acme-'));
    // The hash is of exactly the value the tenant's vault holds (what OpenWebUI presents).
    expect(acme.value).toBe(`\${jsonencode([sha256("${key.value}")])}`);
    expect(acme.key_vault_id).toBe('${data.azurerm_key_vault.gateway-keys.id}');
    expect(synth).toHaveDataSourceWithProperties({ tfResourceType: 'azurerm_key_vault' }, { name: gatewayKeysVaultName('pnlprd'), resource_group_name: 'rg-pnlprd-tenants' });
  });

  it('federates each tenant identity with exactly its open-webui ServiceAccount', () => {
    expect(synth).toHaveResourceWithProperties(UserAssignedIdentity, { name: 'id-pnlprd-tenant-acme' });
    expect(synth).toHaveResourceWithProperties(FederatedIdentityCredential, { subject: 'system:serviceaccount:tenant-acme:open-webui', audience: ['api://AzureADTokenExchange'] });
  });

  it('writes the four secrets the manifests mount, with the OIDC secret left to the operator', () => {
    const names = resourcesOf(all, KeyVaultSecret.tfResourceType).map((s) => s.name);
    for (const name of Object.values(TENANT_KEY_VAULT_SECRETS)) expect(names.filter((n) => n === name)).toHaveLength(2);
    expect(synth).toHaveResourceWithProperties(KeyVaultSecret, { name: 'oidc-client-secret', lifecycle: { ignore_changes: ['value'] } });
    const url = resourcesOf(all, KeyVaultSecret.tfResourceType).find((s) => s.name === 'database-url' && s.value.includes('tenant_acme'));
    expect(url.value).toMatch(/^postgresql:\/\/tenant_acme:\$\{random_password\.[^}]+\}@\$\{data\.azurerm_postgresql_flexible_server\.postgres\.fqdn\}:6432\/tenant_acme\?sslmode=require$/);
  });

  it('grants Secrets User at vault scope to the tenant identity and the database bootstrap identity only', () => {
    const users = resourcesOf(all, 'azurerm_role_assignment').filter((r) => r.role_definition_name === 'Key Vault Secrets User');
    expect(users).toHaveLength(4);
    expect(users.every((r) => /^\$\{azurerm_key_vault\.[^}]+\.id\}$/.test(r.scope))).toBe(true);
  });

  it('creates the tenant database and uploads container', () => {
    expect(synth).toHaveResourceWithProperties(PostgresqlFlexibleServerDatabase, { name: 'tenant_acme', charset: 'UTF8' });
    expect(synth).toHaveResourceWithProperties(StorageContainer, { name: 'uploads-acme', container_access_type: 'private' });
    expect(synth).toHaveResourceWithProperties({ tfResourceType: 'azurerm_role_assignment' }, { role_definition_name: 'Storage Blob Data Contributor', scope: expect.stringContaining('azurerm_storage_container.tenant-acme') });
  });

  it("outputs the identity client ids of the shard's tenants for environments/<env>/tenant-identities.yaml", () => {
    const shards = synthShards(PROD, ['acme', 'globex', 'initech']);
    const outputs = [...shards.values()].flatMap((j) => Object.keys(j.output.tenant_identity_client_ids.value));
    expect(outputs.sort()).toEqual(['acme', 'globex', 'initech']);
    expect(Object.keys(json.output.tenant_identity_client_ids.value)).toContain('acme');
  });

  it('refuses a tenant of another shard, and a shard outside the count', () => {
    const [acme] = tenants(['acme']);
    const other = (tenantShardOf('acme', 16) + 1) % 16;
    expect(() => synthStack((app) => new TenantShardStack(app, tenantShardStackName(other), PROD, { shard: other, tenants: [acme!] }))).toThrow(
      new RegExp(`^tenants acme \\(shard ${tenantShardOf('acme', 16)}\\) do not belong to shard ${other} of prod`),
    );
    expect(() => synthStack((app) => new TenantShardStack(app, 'tenants-16', PROD, { shard: 16, tenants: [] }))).toThrow(/^shard must be an integer between 0 and 15 .* but 16 was provided$/);
  });
});

describe('tenant shards of an environment', () => {
  const ids = Array.from({ length: 60 }, (_, n) => `tenant${String(n).padStart(3, '0')}`);
  const shards = synthShards(PROD, ids);

  it('synthesizes every shard, empty ones included, with distinct state keys', () => {
    expect([...shards.keys()]).toEqual(Array.from({ length: 16 }, (_, n) => `tenants-${String(n).padStart(2, '0')}`));
    const keys = [...shards.values()].map((j) => j.terraform.backend.azurerm.key);
    expect(new Set(keys).size).toBe(16);
    expect(keys).not.toContain('prod/tenants.tfstate');
    const app = new App();
    const dev = tenantShardStacks(app, DEV, []).map((s) => s.node.id);
    expect(dev).toHaveLength(DEV.state.tenantShards);
  });

  it('puts every tenant in exactly one shard, and every resource address in exactly one shard', () => {
    const owners = new Map<string, string[]>();
    const addresses = new Map<string, string>();
    for (const [stack, json] of shards) {
      for (const id of Object.keys(json.output.tenant_identity_client_ids.value)) owners.set(id, [...(owners.get(id) ?? []), stack]);
      for (const [type, byName] of Object.entries<Record<string, unknown>>(json.resource ?? {})) {
        for (const name of Object.keys(byName)) {
          expect(addresses.get(`${type}.${name}`), `${type}.${name} in two shards`).toBeUndefined();
          addresses.set(`${type}.${name}`, stack);
        }
      }
    }
    expect([...owners.keys()].sort()).toEqual(ids);
    for (const [id, stacks] of owners) expect(stacks, id).toEqual([tenantShardStackName(tenantShardOf(id, 16))]);
    // More than one shard is used: the hash spreads tenants.
    expect(new Set([...owners.values()].flat()).size).toBeGreaterThan(8);
  });

  it('adds a tenant by changing its own shard only, and only by adding resources under tenant-<id>', () => {
    const more = synthShards(PROD, [...ids, 'umbrella']);
    const target = tenantShardStackName(tenantShardOf('umbrella', 16));
    for (const [stack, json] of shards) {
      if (stack !== target) {
        expect(more.get(stack), stack).toEqual(json);
        continue;
      }
      const after = more.get(stack);
      for (const [type, byName] of Object.entries<Record<string, unknown>>(json.resource ?? {})) {
        for (const [name, config] of Object.entries(byName)) expect(after.resource[type][name], `${type}.${name}`).toEqual(config);
      }
      for (const [type, byName] of Object.entries<Record<string, unknown>>(after.resource)) {
        const added = Object.keys(byName).filter((n) => !(n in (json.resource?.[type] ?? {})));
        expect(added.every((n) => n.startsWith('tenant-umbrella'))).toBe(true);
      }
    }
  });

  it('keeps the shard of a tenant stable: it depends on the id and the shard count only', () => {
    expect(tenantShardOf('acme', 16)).toBe(tenantShardOf('acme', 16));
    expect([...Array(16).keys()].map((n) => tenantShardOf(`t${n}`, 1))).toEqual(Array(16).fill(0));
    expect(() => tenantShardOf('acme', 0)).toThrow(/^tenant shards must be an integer between 1 and 100, but 0 was provided$/);
  });
});

describe('state migration from the unsharded tenants stack', () => {
  for (const env of [PROD, DEV]) {
    it(`moves every tenant resource address of the unsharded ${env.name} stack to a shard with the same address, and leaves the shared ones`, () => {
      const old = (unsharded as unknown as Record<string, string[]>)[env.name]!;
      const shards = synthShards(env, ['acme', 'globex', 'initech']);
      const base = synthStack((app) => new TenantsStack(app, 'tenants', env, tenants(['acme', 'globex', 'initech']))).json;
      const located = new Map<string, string>();
      for (const [stack, json] of [['tenants', base] as const, ...shards]) {
        for (const [type, byName] of Object.entries<Record<string, unknown>>(json.resource ?? {})) for (const name of Object.keys(byName)) located.set(`${type}.${name}`, stack);
      }
      // Same set of addresses before and after: nothing is created or destroyed by the split.
      expect([...located.keys()].sort()).toEqual([...old].sort());
      const moves = planTenantStateMoves(old, env.state.tenantShards);
      for (const m of moves) expect(located.get(m.address), m.address).toBe(m.stack);
      const stay = old.filter((a) => !moves.some((m) => m.address === a));
      expect(stay.every((a) => located.get(a) === 'tenants')).toBe(true);
      expect(stay.some((a) => a.includes('gateway-keys'))).toBe(true);
    });
  }
});
