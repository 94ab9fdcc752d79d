import { RoleAssignment } from '../imports/azurerm/role-assignment/index.js';
import { gatewayKeysVaultName } from '@panal/tenant-config';
import { Construct } from 'constructs';
import { PrivateKeyVault } from './private-key-vault';

/** Props of {@link GatewayKeysVault}. */
export interface GatewayKeysVaultProps {
  /** Prefix of globally unique names (`azure.namePrefix`). */
  readonly namePrefix: string;
  /** Resource group (the tenants stack's). */
  readonly resourceGroupName: string;
  /** Region. */
  readonly location: string;
  /** Entra ID directory id. */
  readonly directoryTenantId: string;
  /** Private endpoints subnet. */
  readonly privateEndpointSubnetId: string;
  /** `privatelink.vaultcore.azure.net` zone id. */
  readonly keyVaultDnsZoneId: string;
  /** Log Analytics workspace for the audit log. */
  readonly logAnalyticsWorkspaceId: string;
  /** Object id of the identity that runs Terraform (writes the hashes). */
  readonly deployerObjectId: string;
  /** Principal id of the inference gateway's workload identity (reads them). */
  readonly gatewayPrincipalId: string;
}

/**
 * The vault of the SHA-256 of every tenant's gateway key (docs/adr/0019-gateway-a-mil-inquilinos.md):
 * each tenant's resources write `gateway-key-sha256-<tenant>` into it, and the inference gateway
 * reads them all with ONE role assignment, Key Vault Secrets User at vault scope. A vault of its own
 * because that role on the platform vault would also let the gateway read the PostgreSQL
 * administrator password, and per-secret assignments would be one per tenant against the
 * subscription's limit of role assignments.
 * @see https://learn.microsoft.com/azure/role-based-access-control/troubleshoot-limits
 */
export class GatewayKeysVault extends Construct {
  /** The vault. */
  public readonly vault: PrivateKeyVault;
  /** Secrets Officer of the deployer: secrets written into the vault must depend on it. */
  public readonly writerRole: RoleAssignment;

  constructor(scope: Construct, id: string, props: GatewayKeysVaultProps) {
    super(scope, id);
    this.vault = new PrivateKeyVault(this, 'key-vault', {
      name: gatewayKeysVaultName(props.namePrefix),
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      directoryTenantId: props.directoryTenantId,
      privateEndpointSubnetId: props.privateEndpointSubnetId,
      privateDnsZoneId: props.keyVaultDnsZoneId,
      logAnalyticsWorkspaceId: props.logAnalyticsWorkspaceId,
      tags: { 'panal.io/purpose': 'gateway-key-hashes' },
    });
    this.writerRole = new RoleAssignment(this, 'deployer-secrets-officer', { scope: this.vault.vault.id, roleDefinitionName: 'Key Vault Secrets Officer', principalId: props.deployerObjectId });
    new RoleAssignment(this, 'gateway-secrets-user', {
      scope: this.vault.vault.id,
      roleDefinitionName: 'Key Vault Secrets User',
      principalId: props.gatewayPrincipalId,
      principalType: 'ServicePrincipal',
    });
  }
}
