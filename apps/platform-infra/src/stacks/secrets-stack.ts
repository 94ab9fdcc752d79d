import { DataAzurermClientConfig } from '../imports/azurerm/data-azurerm-client-config/index.js';
import { RoleAssignment } from '../imports/azurerm/role-assignment/index.js';
import { azureMetricAlertsFor } from '@panal/observability';
import type { Construct } from 'constructs';
import { AzureMetricAlerts } from '../constructs/azure-metric-alerts';
import { PanalStack } from '../constructs/panal-stack';
import { PlatformLookups } from '../constructs/platform-lookups';
import { PrivateKeyVault } from '../constructs/private-key-vault';
import type { InfraEnvironment } from '../environments/infra-environment';

/**
 * Secrets stack: the platform Key Vault (PostgreSQL administrator password, platform-wide keys).
 * Tenant vaults live in the tenants stack. The identity that runs Terraform gets Secrets Officer on
 * this vault so later stacks can write generated values into it; nobody else is granted anything here.
 * Throttling (HTTP 429) of the vault alerts the on-call action group.
 */
export class SecretsStack extends PanalStack {
  /** The platform vault. */
  public readonly platformVault: PrivateKeyVault;

  constructor(scope: Construct, id: string, env: InfraEnvironment) {
    super(scope, id, { env, stack: 'secrets' });
    const lookups = new PlatformLookups(this, 'lookups', { names: this.names });
    this.platformVault = new PrivateKeyVault(this, 'platform-vault', {
      name: this.names.platformKeyVault,
      resourceGroupName: this.resourceGroup.name,
      location: this.resourceGroup.location,
      directoryTenantId: env.directoryTenantId,
      privateEndpointSubnetId: lookups.subnet('privateEndpoints').id,
      privateDnsZoneId: lookups.dnsZone('keyVault').id,
      logAnalyticsWorkspaceId: lookups.logAnalytics().id,
    });
    const deployer = new DataAzurermClientConfig(this, 'deployer');
    new RoleAssignment(this, 'deployer-secrets-officer', {
      scope: this.platformVault.vault.id,
      roleDefinitionName: 'Key Vault Secrets Officer',
      principalId: deployer.objectId,
    });
    new AzureMetricAlerts(this, 'platform-vault-alerts', {
      resourceGroupName: this.resourceGroup.name,
      scope: this.platformVault.vault.id,
      resourceName: this.names.platformKeyVault,
      actionGroupId: lookups.oncallActionGroup().id,
      alerts: azureMetricAlertsFor('keyVault'),
    });
  }
}
