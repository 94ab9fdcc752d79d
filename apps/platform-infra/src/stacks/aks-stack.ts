import { DataAzurermClientConfig } from '../imports/azurerm/data-azurerm-client-config/index.js';
import { DataAzurermMonitorWorkspace } from '../imports/azurerm/data-azurerm-monitor-workspace/index.js';
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import { AksCluster } from '../constructs/aks-cluster';
import { ApplicationGatewayForContainers } from '../constructs/application-gateway-for-containers';
import { ClusterMonitoring } from '../constructs/cluster-monitoring';
import { PanalStack } from '../constructs/panal-stack';
import { PlatformIdentities } from '../constructs/platform-identities';
import { PlatformLookups } from '../constructs/platform-lookups';
import { PrivateContainerRegistry } from '../constructs/private-container-registry';
import { TenantDnsZone } from '../constructs/tenant-dns-zone';
import type { InfraEnvironment } from '../environments/infra-environment';

/**
 * AKS stack: the cluster, its pools (from `@panal/platform-model`), its monitoring wiring, the
 * platform workload identities, the container registry its kubelet pulls from, and the edge: the
 * Application Gateway for Containers (with its WAF) that the ALB controller programs from the
 * Gateway `gateway-system/edge`, and the public DNS zone of the tenant domain that cert-manager
 * answers DNS-01 challenges in. The edge lives here because its role assignments name identities
 * federated with this cluster, and it has no use without it.
 */
export class AksStack extends PanalStack {
  /** The cluster. */
  public readonly aks: AksCluster;
  /** The registry every image comes from. */
  public readonly registry: PrivateContainerRegistry;
  /** Workload identities of the platform's own ServiceAccounts (`platformClientIds`). */
  public readonly platformIdentities: PlatformIdentities;
  /** The edge's Application Gateway for Containers. */
  public readonly edge: ApplicationGatewayForContainers;
  /** The public DNS zone of tenant hostnames. */
  public readonly tenantDnsZone: TenantDnsZone;

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

    const identities = this.platformIdentities.identities;
    this.edge = new ApplicationGatewayForContainers(this, 'agc', {
      resourceGroup: this.resourceGroup,
      name: n.applicationGatewayForContainers,
      frontendName: n.edgeFrontend,
      wafPolicyName: n.edgeWafPolicy,
      // The network stack's subnet delegated to Microsoft.ServiceNetworking/trafficControllers.
      subnetId: lookups.subnet('gateway').id,
      controllerPrincipalId: identities.albController.identity.principalId,
      logAnalyticsWorkspaceId: logs.id,
    });
    this.tenantDnsZone = new TenantDnsZone(this, 'tenant-dns', {
      resourceGroup: this.resourceGroup,
      domain: env.edge.tenantDomain,
      frontendFqdn: this.edge.frontend.fullyQualifiedDomainName,
      certManagerPrincipalId: identities.certManager.identity.principalId,
    });
    new TerraformOutput(this, 'edge', {
      description:
        'The edge after apply: application_gateway_id, frontend_name and waf_policy_id go to environments/<env>/environment.yaml edge.applicationGatewayId, edge.frontendName and edge.webApplicationFirewallPolicyId; custom domains CNAME to frontend_fqdn; the parent domain delegates dns_zone_name to dns_zone_name_servers.',
      value: {
        application_gateway_id: this.edge.loadBalancer.id,
        frontend_name: this.edge.frontend.name,
        frontend_fqdn: this.edge.frontend.fullyQualifiedDomainName,
        waf_policy_id: this.edge.wafPolicy.id,
        dns_zone_name: this.tenantDnsZone.zone.name,
        dns_zone_name_servers: this.tenantDnsZone.zone.nameServers,
      },
    });
  }
}
