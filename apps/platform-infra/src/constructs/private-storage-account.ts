import { MonitorDiagnosticSetting } from '../imports/azurerm/monitor-diagnostic-setting/index.js';
import { StorageAccount, type StorageAccountConfig } from '../imports/azurerm/storage-account/index.js';
import { Construct } from 'constructs';
import { skipCheckov } from './checkov-skip';
import { PrivateEndpointFor } from './private-endpoint-for';

/** Props of {@link PrivateStorageAccount}. */
export interface PrivateStorageAccountProps {
  /** Account name: 3-24 lower-case letters and digits, globally unique. */
  readonly name: string;
  /** Resource group. */
  readonly resourceGroupName: string;
  /** Region. */
  readonly location: string;
  /** `blob` for object storage (StorageV2, ZRS), `file` for Premium NFS shares (FileStorage, Premium ZRS). */
  readonly kind: 'blob' | 'file';
  /** Private endpoints subnet. */
  readonly privateEndpointSubnetId: string;
  /** Private DNS zone of the sub-resource (`privatelink.blob…` or `privatelink.file…`). */
  readonly privateDnsZoneId: string;
  /** Log Analytics workspace that receives the read/write/delete logs of the blob or file service. */
  readonly logAnalyticsWorkspaceId: string;
  /**
   * Days deleted blobs and containers (blob) or shares (file) can be restored.
   * @default 30
   */
  readonly softDeleteDays?: number;
}

/**
 * A storage account that is never reachable from the internet: public network access off, access
 * only through a private endpoint, Entra ID only (shared keys off, so no account key can leak),
 * TLS 1.2, no anonymous blobs, no local users, soft delete, and read/write/delete logs of its data
 * service sent to Log Analytics. Blob accounts are geo-zone-redundant (GZRS: a zone loss loses
 * nothing, a region loss keeps a copy) and keep versions (the model store is versioned by digest,
 * ADR 0010). Premium file accounts only exist as LRS or ZRS: they are ZRS.
 * @see https://learn.microsoft.com/azure/storage/common/storage-network-security
 * @see https://learn.microsoft.com/azure/storage/files/files-nfs-protocol
 */
export class PrivateStorageAccount extends Construct {
  /** The account. */
  public readonly account: StorageAccount;

  constructor(scope: Construct, id: string, props: PrivateStorageAccountProps) {
    super(scope, id);
    if (!/^[a-z0-9]{3,24}$/.test(props.name)) throw new Error(`name must be 3-24 lower-case letters or digits, but "${props.name}" was provided`);
    const days = props.softDeleteDays ?? 30;
    if (days < 1 || days > 365) throw new Error(`softDeleteDays must be 1-365, but ${days} was provided`);
    const common: StorageAccountConfig = {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      accountTier: 'Standard',
      accountReplicationType: props.kind === 'blob' ? 'GZRS' : 'ZRS',
      minTlsVersion: 'TLS1_2',
      publicNetworkAccessEnabled: false,
      sharedAccessKeyEnabled: false,
      defaultToOauthAuthentication: true,
      allowNestedItemsToBePublic: false,
      localUserEnabled: false,
      crossTenantReplicationEnabled: false,
      networkRules: { defaultAction: 'Deny', bypass: ['AzureServices'] },
      sasPolicy: { expirationPeriod: '01.00:00:00', expirationAction: 'Log' },
    };
    this.account = new StorageAccount(this, 'account', {
      ...common,
      ...(props.kind === 'blob'
        ? {
            accountKind: 'StorageV2',
            blobProperties: {
              versioningEnabled: true,
              changeFeedEnabled: true,
              deleteRetentionPolicy: { days },
              containerDeleteRetentionPolicy: { days },
            },
          }
        : {
            accountKind: 'FileStorage',
            accountTier: 'Premium',
            // NFS 4.1 shares refuse accounts that require secure transfer; NFS traffic stays inside
            // the VNet through the private endpoint. checkov 3.3's CKV_AZURE_3 still reads the azurerm
            // 3.x name `enable_https_traffic_only`, so it does not flag this: the reason is recorded here.
            httpsTrafficOnlyEnabled: false,
            shareProperties: { retentionPolicy: { days } },
          }),
    });
    skipCheckov(this.account, 'CKV2_AZURE_1', 'encryption at rest uses Microsoft-managed keys (double encryption is not required by the customer); customer-managed keys would add a key vault key whose loss makes the data unreadable, see the platform-infra README (cifrado)');
    if (props.kind === 'blob') {
      skipCheckov(this.account, 'CKV_AZURE_33', 'the queue service is not used by the platform; its classic logging needs shared-key data-plane access, which is disabled on this account');
    } else {
      skipCheckov(this.account, 'CKV2_AZURE_38', 'a FileStorage account has no blob service; share soft delete is enabled through share_properties.retention_policy');
      skipCheckov(this.account, 'CKV_AZURE_206', 'Premium FileStorage accounts support only LRS and ZRS; ZRS keeps the share available through the loss of a zone');
    }
    new MonitorDiagnosticSetting(this, 'data-logs', {
      name: 'to-log-analytics',
      targetResourceId: `${this.account.id}/${props.kind === 'blob' ? 'blobServices' : 'fileServices'}/default`,
      logAnalyticsWorkspaceId: props.logAnalyticsWorkspaceId,
      enabledLog: [{ category: 'StorageRead' }, { category: 'StorageWrite' }, { category: 'StorageDelete' }],
    });
    new PrivateEndpointFor(this, 'private-endpoint', {
      name: `pe-${props.name}-${props.kind}`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      resourceId: this.account.id,
      subresource: props.kind,
      subnetId: props.privateEndpointSubnetId,
      privateDnsZoneId: props.privateDnsZoneId,
    });
  }
}
