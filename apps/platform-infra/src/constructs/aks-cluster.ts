import { KubernetesCluster } from '../imports/azurerm/kubernetes-cluster/index.js';
import type { ResourceGroup } from '../imports/azurerm/resource-group/index.js';
import { RoleAssignment } from '../imports/azurerm/role-assignment/index.js';
import { UserAssignedIdentity } from '../imports/azurerm/user-assigned-identity/index.js';
import { CRITICAL_ADDONS_ONLY_TAINT, NodePool, type NodePoolSpec } from '@panal/platform-model';
import { Construct } from 'constructs';
import type { AksSettings } from '../environments/infra-environment';
import { AksNodePool } from './aks-node-pool';
import { skipCheckov } from './checkov-skip';

/** Props of {@link AksCluster}. */
export interface AksClusterProps {
  /** Resource group of the cluster. */
  readonly resourceGroup: ResourceGroup;
  /** Cluster name. */
  readonly name: string;
  /** Name of the control plane's user-assigned identity. */
  readonly identityName: string;
  /** Cluster settings; `nodePools` come from `@panal/platform-model`. */
  readonly settings: AksSettings;
  /** Node subnet id. */
  readonly nodeSubnetId: string;
  /** Overlay pod range. */
  readonly podCidr: string;
  /** Service range; the cluster DNS service takes its 10th address. */
  readonly serviceCidr: string;
  /** Log Analytics workspace of Container Insights. */
  readonly logAnalyticsWorkspaceId: string;
  /** Entra ID directory id (Azure RBAC for Kubernetes). */
  readonly directoryTenantId: string;
}

/** Tenth address of a CIDR, the conventional cluster DNS service IP. */
function dnsServiceIp(serviceCidr: string): string {
  const [ip] = serviceCidr.split('/');
  const o = ip.split('.').map(Number);
  return `${o[0]}.${o[1]}.${o[2]}.${o[3] + 10}`;
}

/** Minutes as the autoscaler profile writes them (`5m`). */
const minutes = (m: number) => `${m}m`;

/**
 * The AKS cluster: Standard tier (financially backed SLA), all pools across zones 1-2-3, Azure CNI
 * Overlay with the Cilium data plane (which enforces NetworkPolicies), OIDC issuer + workload
 * identity, Key Vault Secrets Store CSI add-on with 2-minute rotation, KEDA, managed Prometheus
 * metrics, Container Insights, Azure RBAC with local accounts off, private API server.
 *
 * The default pool is the platform-model `system` pool (`only_critical_addons_enabled` is how AKS
 * applies `CriticalAddonsOnly=true:NoSchedule` to a default pool); every other pool is an
 * {@link AksNodePool}. The autoscaler profile uses the priority expander, whose ConfigMap the GitOps
 * bootstrap installs (see `priorityExpanderConfigMap`). Node auto-drain on Scheduled Events is on
 * by default in AKS and nothing here turns it off.
 * @see https://learn.microsoft.com/azure/aks/use-system-pools
 * @see https://learn.microsoft.com/azure/aks/cluster-autoscaler
 * @see https://learn.microsoft.com/azure/aks/azure-cni-powered-by-cilium
 * @see https://learn.microsoft.com/azure/aks/node-auto-drain
 */
export class AksCluster extends Construct {
  /** The cluster. */
  public readonly cluster: KubernetesCluster;
  /** User pools by name. */
  public readonly userPools: ReadonlyMap<string, AksNodePool>;

  constructor(scope: Construct, id: string, props: AksClusterProps) {
    super(scope, id);
    const { settings, resourceGroup: rg } = props;
    const system = settings.nodePools.find((p) => p.name === NodePool.system);
    if (!system) throw new Error(`settings.nodePools must contain the "${NodePool.system}" pool, but ${JSON.stringify(settings.nodePools.map((p) => p.name))} was provided`);
    if (!system.taints.some((t) => t.key === CRITICAL_ADDONS_ONLY_TAINT.key)) {
      throw new Error(`settings.nodePools[system].taints must include ${CRITICAL_ADDONS_ONLY_TAINT.key}, but ${JSON.stringify(system.taints)} was provided`);
    }

    const identity = new UserAssignedIdentity(this, 'identity', { name: props.identityName, resourceGroupName: rg.name, location: rg.location });
    // With a custom VNet the control plane identity must manage the node subnet (load balancers, NICs).
    const subnetRole = new RoleAssignment(this, 'identity-network-contributor', {
      scope: props.nodeSubnetId,
      roleDefinitionName: 'Network Contributor',
      principalId: identity.principalId,
      principalType: 'ServicePrincipal',
    });

    this.cluster = new KubernetesCluster(this, 'cluster', {
      name: props.name,
      resourceGroupName: rg.name,
      location: rg.location,
      dnsPrefix: props.name,
      kubernetesVersion: settings.kubernetesVersion,
      skuTier: 'Standard',
      privateClusterEnabled: true,
      localAccountDisabled: true,
      azureActiveDirectoryRoleBasedAccessControl: { azureRbacEnabled: true, tenantId: props.directoryTenantId, adminGroupObjectIds: [...settings.adminGroupObjectIds] },
      roleBasedAccessControlEnabled: true,
      oidcIssuerEnabled: true,
      workloadIdentityEnabled: true,
      azurePolicyEnabled: true,
      automaticUpgradeChannel: 'patch',
      nodeOsUpgradeChannel: 'NodeImage',
      maintenanceWindowAutoUpgrade: { frequency: 'Weekly', interval: 1, dayOfWeek: 'Sunday', startTime: '02:00', duration: 4, utcOffset: '+00:00' },
      maintenanceWindowNodeOs: { frequency: 'Weekly', interval: 1, dayOfWeek: 'Saturday', startTime: '02:00', duration: 4, utcOffset: '+00:00' },
      identity: { type: 'UserAssigned', identityIds: [identity.id] },
      defaultNodePool: this.defaultPool(system, props),
      // Pools are explicit and scaled by the cluster autoscaler (priority expander), not by node
      // auto-provisioning (Karpenter); azurerm 5 requires the block to say so.
      // @see https://learn.microsoft.com/azure/aks/node-autoprovision
      nodeProvisioningProfile: { mode: 'Manual' },
      networkProfile: {
        networkPlugin: 'azure',
        networkPluginMode: 'overlay',
        networkDataPlane: 'cilium',
        networkPolicy: 'cilium',
        loadBalancerSku: 'standard',
        // The node subnet's default route goes to the egress firewall (network stack): no public outbound IP.
        outboundType: 'userDefinedRouting',
        podCidr: props.podCidr,
        serviceCidr: props.serviceCidr,
        dnsServiceIp: dnsServiceIp(props.serviceCidr),
      },
      keyVaultSecretsProvider: { secretRotationEnabled: true, secretRotationInterval: '2m' },
      workloadAutoscalerProfile: { kedaEnabled: true },
      // kube-state-metrics exports only these labels as label_*: tenant and tier of namespaces (SLOs per tier),
      // zone and spot priority of nodes (zone and eviction alerts). @see https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-monitoring-enable
      monitorMetrics: {
        labelsAllowed: 'namespaces=[panal.io/tenant,panal.io/tier,panal.io/role],nodes=[topology.kubernetes.io/zone,kubernetes.azure.com/scalesetpriority,kubernetes.azure.com/agentpool]',
      },
      omsAgent: { logAnalyticsWorkspaceId: props.logAnalyticsWorkspaceId, msiAuthForMonitoringEnabled: true },
      autoScalerProfile: {
        expander: 'priority',
        balanceSimilarNodeGroups: true,
        maxNodeProvisioningTime: minutes(settings.autoscaler.maxNodeProvisionTimeMinutes),
        scaleDownUnneeded: minutes(settings.autoscaler.scaleDownUnneededMinutes),
        scaleDownDelayAfterAdd: minutes(settings.autoscaler.scaleDownDelayAfterAddMinutes),
        skipNodesWithSystemPods: true,
      },
      dependsOn: [subnetRole],
    });

    skipCheckov(this.cluster, 'CKV_AZURE_117', 'OS and data disks are encrypted at rest with platform-managed keys and at the host (host_encryption_enabled); a customer-managed disk encryption set is not required, see the platform-infra README (cifrado)');
    const pools = new Map<string, AksNodePool>();
    for (const spec of settings.nodePools.filter((p) => p.name !== NodePool.system)) {
      pools.set(spec.name, new AksNodePool(this, `pool-${spec.name}`, { kubernetesClusterId: this.cluster.id, spec, vnetSubnetId: props.nodeSubnetId, orchestratorVersion: settings.kubernetesVersion }));
    }
    this.userPools = pools;
  }

  private defaultPool(system: NodePoolSpec, props: AksClusterProps) {
    return {
      name: system.name,
      vmSize: system.vmSize,
      zones: [...system.zones],
      orchestratorVersion: props.settings.kubernetesVersion,
      vnetSubnetId: props.nodeSubnetId,
      onlyCriticalAddonsEnabled: true,
      autoScalingEnabled: system.maxCount > system.minCount,
      ...(system.maxCount > system.minCount ? { minCount: system.minCount, maxCount: system.maxCount } : { nodeCount: system.minCount }),
      nodeLabels: { ...system.labels },
      osSku: 'AzureLinux',
      osDiskType: 'Ephemeral',
      hostEncryptionEnabled: true,
      maxPods: 110,
      temporaryNameForRotation: 'systemtmp',
      upgradeSettings: { maxSurge: '33%' },
    };
  }
}
