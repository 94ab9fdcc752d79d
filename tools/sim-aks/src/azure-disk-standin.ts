/* eslint-disable @typescript-eslint/no-explicit-any -- PVC, PV and Node JSON read field by field */
import type { SimCluster } from './cluster.ts';

/** The Azure Disk CSI driver's name. */
const DISK_CSI_DRIVER = 'disk.csi.azure.com';

/**
 * The disk StorageClasses AKS creates in every cluster (Azure Disk CSI driver, zonal LRS disks bound
 * where the pod is scheduled).
 * @see https://learn.microsoft.com/azure/aks/azure-disk-csi#dynamically-create-azure-disks-pvs-by-using-the-built-in-storage-classes
 */
export const AKS_DISK_STORAGE_CLASSES: readonly object[] = [
  ['managed-csi', 'StandardSSD_LRS'],
  ['managed-csi-premium', 'Premium_LRS'],
].map(([name, skuName]) => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name, labels: { 'addonmanager.kubernetes.io/mode': 'EnsureExists', 'kubernetes.io/cluster-service': 'true' } },
  provisioner: DISK_CSI_DRIVER,
  parameters: { skuName },
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
  allowVolumeExpansion: true,
}));

/** What the scheduler writes on a WaitForFirstConsumer claim once it has picked a node. */
const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';

/**
 * STAND-IN for the Azure Disk CSI driver's provisioning (its external-provisioner), which needs
 * Azure. For every Pending claim of an {@link AKS_DISK_STORAGE_CLASSES} class on which the real
 * kube-scheduler has chosen a node, it creates what the driver would: a PersistentVolume of the
 * requested size and access modes, pinned by node affinity to that node's zone (a zonal disk),
 * pre-bound to the claim. The real kube-controller-manager binds it and the real scheduler then
 * binds the pod. Not simulated: attach limits, disk performance, zone-redundant disks.
 */
export class AzureDiskProvisionerStandIn {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  /** Claims (by uid) this stand-in has provisioned a volume for. */
  readonly provisioned = new Set<string>();

  constructor(
    private readonly cluster: SimCluster,
    private readonly everyMs = 1000,
  ) {}

  /** Starts polling (the timer does not keep the process alive on its own). */
  start(): this {
    this.timer = setInterval(() => {
      this.running ??= this.tick()
        .catch((e) => console.warn(`sim-aks: disk provisioner stand-in: ${(e as Error).message}`))
        .finally(() => (this.running = undefined));
    }, this.everyMs);
    this.timer.unref();
    return this;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass: a volume for each claim that is waiting for one. */
  async tick(): Promise<void> {
    const classes = new Set(AKS_DISK_STORAGE_CLASSES.map((c: any) => c.metadata.name as string));
    const claims = (await this.cluster.getJson<{ items: any[] }>(['get', 'pvc', '-A'])).items.filter(
      (c) => c.status?.phase === 'Pending' && classes.has(c.spec.storageClassName) && !c.spec.volumeName && c.metadata.annotations?.[SELECTED_NODE_ANNOTATION] && !this.provisioned.has(c.metadata.uid),
    );
    if (claims.length === 0) return;
    const nodes = new Map((await this.cluster.getJson<{ items: any[] }>(['get', 'nodes'])).items.map((n) => [n.metadata.name, n]));
    const volumes = claims.flatMap((c) => {
      const zone = nodes.get(c.metadata.annotations[SELECTED_NODE_ANNOTATION])?.metadata.labels?.['topology.kubernetes.io/zone'];
      if (!zone) return [];
      const name = `pvc-${c.metadata.uid}`;
      return [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolume',
          metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': DISK_CSI_DRIVER } },
          spec: {
            capacity: { storage: c.spec.resources.requests.storage },
            accessModes: c.spec.accessModes,
            persistentVolumeReclaimPolicy: 'Delete',
            storageClassName: c.spec.storageClassName,
            volumeMode: c.spec.volumeMode ?? 'Filesystem',
            claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: c.metadata.namespace, name: c.metadata.name, uid: c.metadata.uid },
            csi: { driver: DISK_CSI_DRIVER, volumeHandle: `/subscriptions/sim/resourceGroups/sim/providers/Microsoft.Compute/disks/${name}` },
            nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: [zone] }] }] } },
          },
        },
      ];
    });
    await this.cluster.applyObjects(volumes, 'sim-aks-disk-provisioner');
    for (const v of volumes) this.provisioned.add(v.spec.claimRef.uid);
  }
}
