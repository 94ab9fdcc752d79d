import { DataAzurermClientConfig } from '../imports/azurerm/data-azurerm-client-config/index.js';
import { DataAzurermMonitorWorkspace } from '../imports/azurerm/data-azurerm-monitor-workspace/index.js';
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import { AksCluster } from '../constructs/aks-cluster';
import { ClusterMonitoring } from '../constructs/cluster-monitoring';
import { PanalStack } from '../constructs/panal-stack';
import { PlatformIdentities } from '../constructs/platform-identities';
import { PlatformLookups } from '../constructs/platform-lookups';
import { PrivateContainerRegistry } from '../constructs/private-container-registry';
import type { InfraEnvironment } from '../environments/infra-environment';

/**
 * AKS stack: the cluster, its pools (from `@panal/platform-model`), its monitoring wiring, the
 * platform workload identities and the container registry its kubelet pulls from.
 */
export class AksStack extends PanalStack {
  /** The cluster. */
  public readonly aks: AksCluster;
  /** The registry every image comes from. */
  public readonly registry: PrivateContainerRegistry;
  /** Workload identities of the platform's own ServiceAccounts (`platformClientIds`). */
  public readonly platformIdentities: PlatformIdentities;

  constructor(scope: Construct, id: string, env: InfraEnvironment) {
    super(scope, id, { env, stack: 'aks' });
    const n = this.names;
    const lookups = new PlatformLookups(this, 'lookups', { names: n });
    const subnet = lookups.subnet('aksNodes');
    const logs = lookups.logAnalytics();
    const metrics = new DataAzurermMonitorWorkspace(this, 'monitor-workspace', { name: n.monitorWorkspace, resourceGroupName: n.resourceGroup('observability') });
    this.aks = new AksCluster(this, 'aks', {
      resourceGroup: this.resourceGroup,
      name: n.aksCluster,
      identityName: n.aksIdentity,
      settings: env.aks,
      nodeSubnetId: subnet.id,
      podCidr: env.network.podCidr,
      serviceCidr: env.network.serviceCidr,
      logAnalyticsWorkspaceId: logs.id,
      directoryTenantId: env.directoryTenantId,
    });
    this.registry = new PrivateContainerRegistry(this, 'registry', {
      resourceGroup: this.resourceGroup,
      name: n.containerRegistry,
      privateEndpointSubnetId: lookups.subnet('privateEndpoints').id,
      privateDnsZoneId: lookups.dnsZone('containerRegistry').id,
      pullers: { kubelet: this.aks.cluster.kubeletIdentity.objectId },
    });
    new ClusterMonitoring(this, 'monitoring', {
      resourceGroup: this.resourceGroup,
      name: n.aksCluster,
      clusterId: this.aks.cluster.id,
      monitorWorkspaceId: metrics.id,
      logAnalyticsWorkspaceId: logs.id,
    });
    // The data collection rule that receives OTLP comes with the OTLP-enabled Application Insights
    // (preview, no azurerm resource, so no id here): the collector publishes at the scope of the
    // observability resource group, which holds Application Insights (docs/diseno/5-seguridad.md).
    const subscriptionId = new DataAzurermClientConfig(this, 'client-config').subscriptionId;
    this.platformIdentities = new PlatformIdentities(this, 'platform-identities', {
      resourceGroupName: this.resourceGroup.name,
      location: this.resourceGroup.location,
      oidcIssuerUrl: this.aks.cluster.oidcIssuerUrl,
      names: n,
      monitorWorkspaceId: metrics.id,
      telemetryPublishScopeId: `/subscriptions/${subscriptionId}/resourceGroups/${n.resourceGroup('observability')}`,
    });
    new TerraformOutput(this, 'platform_identity_client_ids', {
      description: 'Client id of each platform workload identity, by platformClientIds key: written to environments/<env>/tenant-identities.yaml after apply.',
      value: this.platformIdentities.clientIds(),
    });
  }
}
