import { KubernetesClusterNodePool } from '../imports/azurerm/kubernetes-cluster-node-pool/index.js';
import { AKS_SCALESET_PRIORITY_LABEL, SPOT_TAINT, type NodePoolSpec, type Taint } from '@panal/platform-model';
import { Construct } from 'constructs';

/** Props of {@link AksNodePool}. */
export interface AksNodePoolProps {
  /** Cluster the pool belongs to. */
  readonly kubernetesClusterId: string;
  /** Pool definition from `@panal/platform-model` (name, SKU, zones, counts, spot, taints, labels). */
  readonly spec: NodePoolSpec;
  /** Node subnet. */
  readonly vnetSubnetId: string;
  /** Kubernetes version of the nodes (same minor as the control plane). */
  readonly orchestratorVersion: string;
}

/** Renders a taint as AKS expects it: `key=value:Effect`. */
export function formatTaint(t: Taint): string {
  return `${t.key}=${t.value}:${t.effect}`;
}

/**
 * An autoscaled AKS user pool generated from a platform-model definition, so the taints and labels
 * the manifests schedule against are exactly the ones Azure puts on the nodes.
 *
 * Spot pools pay at most the on-demand price (`spot_max_price = -1`, so they are never evicted for
 * price, only for capacity) and delete evicted VMs (the autoscaler replaces them, quota is freed).
 * AKS adds the spot label and taint itself; they are declared too, as the provider asks, so that
 * Terraform sees no drift. GPU pools let AKS install the NVIDIA driver (`gpu_driver = "Install"`).
 * @see https://learn.microsoft.com/azure/aks/spot-node-pool
 * @see https://learn.microsoft.com/azure/aks/gpu-cluster
 * @see https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs/resources/kubernetes_cluster_node_pool
 */
export class AksNodePool extends Construct {
  /** The pool. */
  public readonly pool: KubernetesClusterNodePool;

  constructor(scope: Construct, id: string, props: AksNodePoolProps) {
    super(scope, id);
    const { spec } = props;
    if (spec.mode !== 'User') throw new Error(`spec.mode must be "User" for an AksNodePool (the system pool is the cluster's default pool), but "${spec.mode}" was provided`);
    if (spec.minCount < 0 || spec.maxCount < Math.max(spec.minCount, 1)) {
      throw new Error(`spec.maxCount must be at least max(minCount, 1) for pool "${spec.name}", but minCount=${spec.minCount} maxCount=${spec.maxCount} was provided`);
    }
    const taints = spec.spot ? [...spec.taints, SPOT_TAINT] : [...spec.taints];
    const labels = spec.spot ? { ...spec.labels, [AKS_SCALESET_PRIORITY_LABEL]: 'spot' } : { ...spec.labels };
    this.pool = new KubernetesClusterNodePool(this, 'pool', {
      name: spec.name,
      kubernetesClusterId: props.kubernetesClusterId,
      mode: spec.mode,
      vmSize: spec.vmSize,
      zones: [...spec.zones],
      orchestratorVersion: props.orchestratorVersion,
      vnetSubnetId: props.vnetSubnetId,
      autoScalingEnabled: true,
      minCount: spec.minCount,
      maxCount: spec.maxCount,
      nodeTaints: taints.map(formatTaint),
      nodeLabels: labels,
      osSku: 'AzureLinux',
      osDiskType: 'Ephemeral',
      hostEncryptionEnabled: true,
      maxPods: 110,
      ...(spec.gpusPerNode > 0 ? { gpuDriver: 'Install' } : {}),
      ...(spec.spot
        ? { priority: 'Spot', evictionPolicy: 'Delete', spotMaxPrice: -1 }
        : { priority: 'Regular', upgradeSettings: { maxSurge: '33%' } }),
    });
  }
}
