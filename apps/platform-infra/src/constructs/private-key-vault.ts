import { KeyVault } from '../imports/azurerm/key-vault/index.js';
import { MonitorDiagnosticSetting } from '../imports/azurerm/monitor-diagnostic-setting/index.js';
import { Construct } from 'constructs';
import { PrivateEndpointFor } from './private-endpoint-for';

/** Props of {@link PrivateKeyVault}. */
export interface PrivateKeyVaultProps {
  /** Vault name (3-24 characters, globally unique). */
  readonly name: string;
  /** Resource group. */
  readonly resourceGroupName: string;
  /** Region. */
  readonly location: string;
  /** Entra ID directory id. */
  readonly directoryTenantId: string;
  /** Private endpoints subnet. */
  readonly privateEndpointSubnetId: string;
  /** `privatelink.vaultcore.azure.net` zone id. */
  readonly privateDnsZoneId: string;
  /** Log Analytics workspace for the audit log. */
  readonly logAnalyticsWorkspaceId: string;
  /**
   * Days a deleted vault or secret can be recovered.
   * @default 90
   */
  readonly softDeleteRetentionDays?: number;
  /** Tags. */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A Key Vault as every vault of the platform is (docs/diseno/5-seguridad.md): Azure RBAC authorization (roles are
 * assigned at vault scope, never per secret), purge protection and soft delete, no public network
 * access (reachable through a private endpoint only), audit events to Log Analytics.
 * @see https://learn.microsoft.com/azure/key-vault/general/rbac-guide
 * @see https://learn.microsoft.com/azure/key-vault/general/private-link-service
 */
export class PrivateKeyVault extends Construct {
  /** The vault. */
  public readonly vault: KeyVault;

  constructor(scope: Construct, id: string, props: PrivateKeyVaultProps) {
    super(scope, id);
    if (!/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/.test(props.name) || props.name.includes('--')) {
      throw new Error(`name must be 3-24 letters, digits or single hyphens, starting with a letter, but "${props.name}" was provided`);
    }
    const retention = props.softDeleteRetentionDays ?? 90;
    if (retention < 7 || retention > 90) throw new Error(`softDeleteRetentionDays must be 7-90, but ${retention} was provided`);
    this.vault = new KeyVault(this, 'vault', {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      tenantId: props.directoryTenantId,
      skuName: 'standard',
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: true,
      softDeleteRetentionDays: retention,
      publicNetworkAccessEnabled: false,
      networkAcls: { bypass: 'AzureServices', defaultAction: 'Deny' },
      tags: props.tags ? { ...props.tags } : undefined,
    });
    new PrivateEndpointFor(this, 'private-endpoint', {
      name: `pe-${props.name}-vault`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      resourceId: this.vault.id,
      subresource: 'vault',
      subnetId: props.privateEndpointSubnetId,
      privateDnsZoneId: props.privateDnsZoneId,
    });
    new MonitorDiagnosticSetting(this, 'audit', {
      name: 'audit-to-log-analytics',
      targetResourceId: this.vault.id,
      logAnalyticsWorkspaceId: props.logAnalyticsWorkspaceId,
      enabledLog: [{ categoryGroup: 'audit' }],
    });
  }
}
