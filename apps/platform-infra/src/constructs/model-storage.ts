import { StorageContainer } from '../imports/azurerm/storage-container/index.js';
import { StorageShare } from '../imports/azurerm/storage-share/index.js';
import { Construct } from 'constructs';
import type { ModelStorageSettings } from '../environments/infra-environment';
import { modelLoadMinutes } from '../environments/model-load-time';
import type { PlatformNames } from '../naming';
import { SHARED_SKIP_REASONS, skipCheckov } from './checkov-skip';
import { PrivateStorageAccount } from './private-storage-account';

/** Props of {@link ModelStorage}. */
export interface ModelStorageProps {
  /** Resource group. */
  readonly resourceGroupName: string;
  /** Region. */
  readonly location: string;
  /** Shared names. */
  readonly names: PlatformNames;
  /** Share sizing. */
  readonly settings: ModelStorageSettings;
  /** Private endpoints subnet. */
  readonly privateEndpointSubnetId: string;
  /** Log Analytics workspace for data-plane logs. */
  readonly logAnalyticsWorkspaceId: string;
  /** Private DNS zone ids by sub-resource. */
  readonly privateDnsZoneIds: { readonly blob: string; readonly file: string };
}

/**
 * The central model store (ADR 0010): a versioned Blob container is the source of truth (Ollama
 * store layout, versioned by digest) and a Premium NFS share is the hot copy every Ollama pod mounts
 * read-only, refreshed by a seeding Job. The share is sized by the load-time arithmetic
 * (`modelLoadMinutes`) so a new GPU node reads the largest model within its budget.
 * @see https://learn.microsoft.com/azure/storage/files/understanding-billing#provisioned-v1-model
 */
export class ModelStorage extends Construct {
  /** Blob account (source of truth). */
  public readonly blob: PrivateStorageAccount;
  /** The Blob container the seeding Job reads. */
  public readonly container: StorageContainer;
  /** Premium Files account (hot NFS copy). */
  public readonly files: PrivateStorageAccount;
  /** The NFS share. */
  public readonly share: StorageShare;

  constructor(scope: Construct, id: string, props: ModelStorageProps) {
    super(scope, id);
    const { settings: s, names } = props;
    const minutes = modelLoadMinutes(s.largestModelGiB, s.nfsShareGiB);
    if (minutes > s.maxModelLoadMinutes) {
      throw new Error(`settings.nfsShareGiB must let a node read ${s.largestModelGiB} GiB within ${s.maxModelLoadMinutes} min, but ${s.nfsShareGiB} GiB takes ${minutes.toFixed(1)} min`);
    }
    const base = { resourceGroupName: props.resourceGroupName, location: props.location, privateEndpointSubnetId: props.privateEndpointSubnetId, logAnalyticsWorkspaceId: props.logAnalyticsWorkspaceId };
    this.blob = new PrivateStorageAccount(this, 'blob', { ...base, name: names.modelBlobAccount, kind: 'blob', privateDnsZoneId: props.privateDnsZoneIds.blob });
    this.container = new StorageContainer(this, 'models-container', { name: names.modelContainer, storageAccountId: this.blob.account.id, containerAccessType: 'private' });
    skipCheckov(this.container, 'CKV2_AZURE_21', SHARED_SKIP_REASONS.blobLogging);

    this.files = new PrivateStorageAccount(this, 'files', { ...base, name: names.modelFilesAccount, kind: 'file', privateDnsZoneId: props.privateDnsZoneIds.file });
    this.share = new StorageShare(this, 'models-share', { name: names.modelShare, storageAccountId: this.files.account.id, enabledProtocol: 'NFS', quota: s.nfsShareGiB });
  }
}
