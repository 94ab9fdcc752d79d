import type { Environment } from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { syncWave, SyncWave } from '../common/sync-waves';

/** Props of {@link ModelStoreVolume}. */
export interface ModelStoreVolumeProps {
  /** Namespace of the claim. */
  readonly namespace: string;
  /** Where the share is (resource group, account, share name). */
  readonly environment: Environment;
  /** Read-only for model servers; only the seeding Job writes. */
  readonly readOnly: boolean;
  /**
   * Provisioned size of the share, in GiB (Premium Files bills and sizes throughput on it).
   * @default 1024
   * @see https://learn.microsoft.com/azure/storage/files/understanding-billing#provisioned-v1-model
   */
  readonly capacityGiB?: number;
  /**
   * Claim name.
   * @default 'model-store'
   */
  readonly claimName?: string;
}

/**
 * The shared model store (an Azure Files Premium NFS share) as a statically provisioned
 * PersistentVolume pre-bound to one claim in one namespace. Each namespace gets its own PV over
 * the same share (a PV binds one claim); the volume handle is unique per PV as the CSI driver requires.
 * @see https://learn.microsoft.com/azure/aks/azure-csi-files-storage-provision#static-provisioning-parameters-for-persistentvolume
 */
export class ModelStoreVolume extends Construct {
  /** Claim name to mount. */
  public readonly claimName: string;

  constructor(scope: Construct, id: string, props: ModelStoreVolumeProps) {
    super(scope, id);
    const capacity = props.capacityGiB ?? 1024;
    if (!Number.isInteger(capacity) || capacity < 100) throw new Error(`capacityGiB must be an integer of at least 100 (Premium Files minimum), but ${capacity} was provided`);
    const store = props.environment.modelServing.modelStore;
    this.claimName = props.claimName ?? 'model-store';
    const pvName = `${this.claimName}-${props.namespace}`;
    const accessModes = [props.readOnly ? 'ReadOnlyMany' : 'ReadWriteMany'];
    const storage = k8s.Quantity.fromString(`${capacity}Gi`);
    new k8s.KubePersistentVolume(this, 'Volume', {
      metadata: { name: pvName, annotations: syncWave(SyncWave.dependencies) },
      spec: {
        capacity: { storage },
        accessModes,
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        // Recommended NFS options for Azure Files. @see https://learn.microsoft.com/azure/storage/files/nfs-performance
        mountOptions: ['nconnect=4', 'noresvport', 'actimeo=30', 'vers=4', 'minorversion=1', 'sec=sys'],
        claimRef: { namespace: props.namespace, name: this.claimName },
        csi: {
          driver: 'file.csi.azure.com',
          readOnly: props.readOnly,
          volumeHandle: `${store.resourceGroup}#${store.filesStorageAccount}#${store.shareName}###${props.namespace}`,
          volumeAttributes: { resourceGroup: store.resourceGroup, storageAccount: store.filesStorageAccount, shareName: store.shareName, protocol: 'nfs' },
        },
      },
    });
    new k8s.KubePersistentVolumeClaim(this, 'Claim', {
      metadata: { name: this.claimName, namespace: props.namespace, annotations: syncWave(SyncWave.dependencies) },
      spec: { accessModes, storageClassName: '', volumeName: pvName, resources: { requests: { storage } } },
    });
  }
}
