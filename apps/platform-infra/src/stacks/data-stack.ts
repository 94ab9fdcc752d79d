import { DataAzurermKeyVault } from '../imports/azurerm/data-azurerm-key-vault/index.js';
import { KeyVaultSecret } from '../imports/azurerm/key-vault-secret/index.js';
import { PostgresqlFlexibleServerActiveDirectoryAdministrator } from '../imports/azurerm/postgresql-flexible-server-active-directory-administrator/index.js';
import { Password } from '@cdktf/provider-random/lib/password/index.js';
import { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
import { azureMetricAlertsFor } from '@panal/observability';
import type { Construct } from 'constructs';
import { AzureMetricAlerts } from '../constructs/azure-metric-alerts';
import { SHARED_SKIP_REASONS, skipCheckov } from '../constructs/checkov-skip';
import { PanalStack } from '../constructs/panal-stack';
import { lookupPlatformIdentity } from '../constructs/platform-identities';
import { PlatformLookups } from '../constructs/platform-lookups';
import { PostgresServer } from '../constructs/postgres-server';
import type { InfraEnvironment } from '../environments/infra-environment';

/** Name of the platform vault secret that holds the PostgreSQL administrator password. */
export const POSTGRES_ADMIN_SECRET = 'postgres-admin-password';

/**
 * Data stack: PostgreSQL Flexible Server. The administrator password is generated here and stored
 * only in the platform Key Vault (and in the encrypted remote state); per-tenant databases are in
 * the tenants stack. The database bootstrap identity (a platform identity of the aks stack, federated
 * with `platform-db/db-bootstrap`) is the server's Entra administrator: the bootstrap Job creates
 * tenant roles without any password of its own.
 */
export class DataStack extends PanalStack {
  /** The server. */
  public readonly postgres: PostgresServer;

  constructor(scope: Construct, id: string, env: InfraEnvironment) {
    super(scope, id, { env, stack: 'data' });
    new RandomProvider(this, 'random');
    const lookups = new PlatformLookups(this, 'lookups', { names: this.names });
    const password = new Password(this, 'postgres-admin-password', { length: 40, special: false, minUpper: 4, minLower: 4, minNumeric: 4 });
    this.postgres = new PostgresServer(this, 'postgres', {
      resourceGroup: this.resourceGroup,
      name: this.names.postgresServer,
      settings: env.postgres,
      delegatedSubnetId: lookups.subnet('postgres').id,
      privateDnsZoneId: lookups.dnsZone('postgres').id,
      directoryTenantId: env.directoryTenantId,
      administratorPassword: password.result,
      logAnalyticsWorkspaceId: lookups.logAnalytics().id,
    });
    new AzureMetricAlerts(this, 'postgres-alerts', {
      resourceGroupName: this.resourceGroup.name,
      scope: this.postgres.server.id,
      resourceName: this.names.postgresServer,
      actionGroupId: lookups.oncallActionGroup().id,
      alerts: azureMetricAlertsFor('postgresFlexibleServer'),
    });
    const bootstrap = lookupPlatformIdentity(this, 'database-bootstrap', this.names, 'databaseBootstrap');
    new PostgresqlFlexibleServerActiveDirectoryAdministrator(this, 'database-bootstrap-admin', {
      serverName: this.postgres.server.name,
      resourceGroupName: this.resourceGroup.name,
      tenantId: env.directoryTenantId,
      objectId: bootstrap.principalId,
      principalName: bootstrap.name,
      principalType: 'ServicePrincipal',
    });
    const vault = new DataAzurermKeyVault(this, 'platform-vault', { name: this.names.platformKeyVault, resourceGroupName: this.names.resourceGroup('secrets') });
    const adminSecret = new KeyVaultSecret(this, 'postgres-admin-secret', {
      name: POSTGRES_ADMIN_SECRET,
      keyVaultId: vault.id,
      value: password.result,
      contentType: 'password',
    });
    skipCheckov(adminSecret, 'CKV_AZURE_41', SHARED_SKIP_REASONS.generatedSecretExpiry);
  }
}
