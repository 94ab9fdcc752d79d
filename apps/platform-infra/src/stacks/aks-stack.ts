import { DataAzurermMonitorWorkspace } from '../imports/azurerm/data-azurerm-monitor-workspace/index.js';
import type { Construct } from 'constructs';
import { AksCluster } from '../constructs/aks-cluster';
import { ClusterMonitoring } from '../constructs/cluster-monitoring';
import { PanalStack } from '../constructs/panal-stack';
import { PlatformLookups } from '../constructs/platform-lookups';
import type { InfraEnvironment } from '../environments/infra-environment';

/** AKS stack: the cluster, its pools (from `@panal/platform-model`) and its monitoring wiring. */
export class AksStack extends PanalStack {
  /** The cluster. */
  public readonly aks: AksCluster;

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
    new ClusterMonitoring(this, 'monitoring', {
      resourceGroup: this.resourceGroup,
      name: n.aksCluster,
      clusterId: this.aks.cluster.id,
      monitorWorkspaceId: metrics.id,
      logAnalyticsWorkspaceId: logs.id,
    });
  }
}
