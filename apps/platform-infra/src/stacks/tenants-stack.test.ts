import '../testing/cdktf-matchers';
import { FederatedIdentityCredential } from '../imports/azurerm/federated-identity-credential/index.js';
import { KeyVault } from '../imports/azurerm/key-vault/index.js';
import { KeyVaultSecret } from '../imports/azurerm/key-vault-secret/index.js';
import { PostgresqlFlexibleServerDatabase } from '../imports/azurerm/postgresql-flexible-server-database/index.js';
import { StorageContainer } from '../imports/azurerm/storage-container/index.js';
import { UserAssignedIdentity } from '../imports/azurerm/user-assigned-identity/index.js';
import { gatewayKeysVaultName, loadTenants, TENANT_KEY_VAULT_SECRETS, tempTenantsRepo, tenantKeyVaultName, validTenantYaml } from '@panal/tenant-config';
import { describe, expect, it } from 'vitest';
import { PROD } from '../environments/prod';
import { resourcesOf, synthStack } from '../testing/synth-stack';
import { TenantsStack } from './tenants-stack';

/** Tenants loaded through the shared loader from a scratch tenants folder. */
function tenants(ids: string[]) {
  const repo = tempTenantsRepo();
  for (const id of ids) repo.addTenant(id, validTenantYaml(id));
  return loadTenants({ tenantsDir: repo.tenantsDir, repoRoot: repo.repoRoot, identities: { clientIds: {} } });
}

describe('TenantsStack', () => {
  // GIVEN two tenant folders WHEN the tenants stack is synthesized
  const { synth, json } = synthStack((app) => new TenantsStack(app, 'tenants', PROD, tenants(['acme', 'globex'])));

  it('matches the snapshot', () => expect(synth).toMatchSnapshot());

  it('gives each tenant a private Key Vault named like the manifests expect, with RBAC and purge protection', () => {
    expect(synth).toHaveResourceWithProperties(KeyVault, { name: tenantKeyVaultName('pnlprd', 'acme'), rbac_authorization_enabled: true, purge_protection_enabled: true, public_network_access_enabled: false });
    expect(resourcesOf(json, KeyVault.tfResourceType).map((v) => v.name).sort()).toEqual([gatewayKeysVaultName('pnlprd'), tenantKeyVaultName('pnlprd', 'acme'), tenantKeyVaultName('pnlprd', 'globex')].sort());
  });

  it("writes the SHA-256 of each tenant's gateway key, as a JSON list, into the gateway keys vault", () => {
    const secrets = resourcesOf(json, KeyVaultSecret.tfResourceType).filter((s) => s.name.startsWith('gateway-key-sha256-'));
    expect(secrets.map((s) => s.name).sort()).toEqual(['gateway-key-sha256-acme', 'gateway-key-sha256-globex']);
    const acme = secrets.find((s) => s.name === 'gateway-key-sha256-acme');
    const key = resourcesOf(json, KeyVaultSecret.tfResourceType).find((s) => s.name === 'inference-gateway-key' && s.value.startsWith('sk-acme-'));
    // The hash is of exactly the value the tenant's vault holds (what OpenWebUI presents).
    expect(acme.value).toBe(`\${jsonencode([sha256("${key.value}")])}`);
    expect(acme.key_vault_id).toMatch(/^\$\{azurerm_key_vault\.gateway-keys_key-vault_[0-9A-F]+\.id\}$/);
    expect(acme.depends_on.some((d: string) => d.startsWith('azurerm_role_assignment.gateway-keys_deployer-secrets-officer'))).toBe(true);
  });

  it('lets the inference gateway read the gateway keys vault with one role assignment, whatever the number of tenants', () => {
    const onGatewayVault = (j: typeof json) => resourcesOf(j, 'azurerm_role_assignment').filter((r) => r.scope.includes('azurerm_key_vault.gateway-keys_'));
    expect(onGatewayVault(json).map((r) => r.role_definition_name).sort()).toEqual(['Key Vault Secrets Officer', 'Key Vault Secrets User']);
    const reader = onGatewayVault(json).find((r) => r.role_definition_name === 'Key Vault Secrets User');
    expect(reader.principal_id).toBe('${data.azurerm_user_assigned_identity.inference-gateway.principal_id}');
    expect(synth).toHaveDataSourceWithProperties({ tfResourceType: 'azurerm_user_assigned_identity' }, { name: 'id-pnlprd-inference-gateway' });
    const more = synthStack((app) => new TenantsStack(app, 'tenants', PROD, tenants(['acme', 'globex', 'initech', 'umbrella']))).json;
    expect(onGatewayVault(more)).toHaveLength(2);
    // The gateway gets no role on any tenant vault.
    expect(resourcesOf(json, 'azurerm_role_assignment').filter((r) => r.principal_id.includes('inference-gateway'))).toHaveLength(1);
  });

  it('federates each tenant identity with exactly its open-webui ServiceAccount', () => {
    expect(synth).toHaveResourceWithProperties(UserAssignedIdentity, { name: 'id-pnlprd-tenant-acme' });
    expect(synth).toHaveResourceWithProperties(FederatedIdentityCredential, { subject: 'system:serviceaccount:tenant-acme:open-webui', audience: ['api://AzureADTokenExchange'] });
  });

  it('writes the four secrets the manifests mount, with the OIDC secret left to the operator', () => {
    const names = resourcesOf(json, KeyVaultSecret.tfResourceType).map((s) => s.name);
    for (const name of Object.values(TENANT_KEY_VAULT_SECRETS)) expect(names.filter((n) => n === name)).toHaveLength(2);
    expect(synth).toHaveResourceWithProperties(KeyVaultSecret, { name: 'oidc-client-secret', lifecycle: { ignore_changes: ['value'] } });
    const url = resourcesOf(json, KeyVaultSecret.tfResourceType).find((s) => s.name === 'database-url' && s.value.includes('tenant_acme'));
    expect(url.value).toMatch(/^postgresql:\/\/tenant_acme:\$\{random_password\.[^}]+\}@\$\{data\.azurerm_postgresql_flexible_server\.postgres\.fqdn\}:6432\/tenant_acme\?sslmode=require$/);
  });

  it('grants Secrets User at vault scope to the tenant identity and the database bootstrap identity only (and the gateway on its own vault)', () => {
    const users = resourcesOf(json, 'azurerm_role_assignment').filter((r) => r.role_definition_name === 'Key Vault Secrets User' && !r.scope.includes('azurerm_key_vault.gateway-keys_'));
    expect(users).toHaveLength(4);
    expect(users.every((r) => /^\$\{azurerm_key_vault\.[^}]+\.id\}$/.test(r.scope))).toBe(true);
  });

  it('creates the tenant database and uploads container', () => {
    expect(synth).toHaveResourceWithProperties(PostgresqlFlexibleServerDatabase, { name: 'tenant_acme', charset: 'UTF8' });
    expect(synth).toHaveResourceWithProperties(StorageContainer, { name: 'uploads-acme', container_access_type: 'private' });
    expect(synth).toHaveResourceWithProperties({ tfResourceType: 'azurerm_role_assignment' }, { role_definition_name: 'Storage Blob Data Contributor', scope: expect.stringContaining('azurerm_storage_container.tenant-acme') });
  });

  it('outputs the identity client ids by tenant for environments/<env>/tenant-identities.yaml', () => {
    expect(Object.keys(json.output.tenant_identity_client_ids.value)).toEqual(['acme', 'globex']);
  });

  it('adds a tenant without changing any address of the others', () => {
    const more = synthStack((app) => new TenantsStack(app, 'tenants', PROD, tenants(['acme', 'globex', 'initech']))).json;
    for (const [type, byName] of Object.entries<Record<string, unknown>>(json.resource)) {
      for (const [name, config] of Object.entries(byName)) expect(more.resource[type][name], `${type}.${name}`).toEqual(config);
      const added = Object.keys(more.resource[type]).filter((n) => !(n in byName));
      expect(added.every((n) => n.startsWith('tenant-initech'))).toBe(true);
    }
  });

  it('refuses more tenants than the server is sized for, saying how to go on', () => {
    const small = { ...PROD, postgres: { ...PROD.postgres, tenantCapacity: 2 } };
    expect(() => synthStack((app) => new TenantsStack(app, 'tenants', small, tenants(['acme', 'globex'])))).not.toThrow();
    expect(() => synthStack((app) => new TenantsStack(app, 'tenants', small, tenants(['acme', 'globex', 'initech'])))).toThrow(
      /^3 tenants exceed postgres.tenantCapacity 2 of prod: .*shard the rest to a second server$/,
    );
  });
});
