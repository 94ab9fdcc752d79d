import { MonitorDataCollectionEndpoint } from '../imports/azurerm/monitor-data-collection-endpoint/index.js';
import { MonitorDataCollectionRule } from '../imports/azurerm/monitor-data-collection-rule/index.js';
import { MonitorDataCollectionRuleAssociation } from '../imports/azurerm/monitor-data-collection-rule-association/index.js';
import type { ResourceGroup } from '../imports/azurerm/resource-group/index.js';
import { Construct } from 'constructs';

/** Props of {@link ClusterMonitoring}. */
export interface ClusterMonitoringProps {
  /** Resource group of the rules. */
  readonly resourceGroup: ResourceGroup;
  /** Prefix of the rule names (the cluster name). */
  readonly name: string;
  /** The AKS cluster the rules collect from. */
  readonly clusterId: string;
  /** Azure Monitor workspace (managed Prometheus) that receives metrics. */
  readonly monitorWorkspaceId: string;
  /** Log Analytics workspace that receives Container Insights logs. */
  readonly logAnalyticsWorkspaceId: string;
}

/**
 * Wires the cluster's metrics add-on to Azure Monitor managed Prometheus (data collection endpoint,
 * rule with the Prometheus forwarder, association) and Container Insights to Log Analytics. Only the
 * wiring: recording/alert rules and dashboards belong to the observability work.
 * @see https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-monitoring-enable
 */
export class ClusterMonitoring extends Construct {
  constructor(scope: Construct, id: string, props: ClusterMonitoringProps) {
    super(scope, id);
    const { resourceGroup: rg } = props;
    const base = { resourceGroupName: rg.name, location: rg.location };
    const endpoint = new MonitorDataCollectionEndpoint(this, 'prometheus-endpoint', { ...base, name: `dce-${props.name}-prometheus`, kind: 'Linux', publicNetworkAccessEnabled: true });
    const prometheus = new MonitorDataCollectionRule(this, 'prometheus-rule', {
      ...base,
      name: `dcr-${props.name}-prometheus`,
      kind: 'Linux',
      dataCollectionEndpointId: endpoint.id,
      dataSources: { prometheusForwarder: [{ name: 'PrometheusDataSource', streams: ['Microsoft-PrometheusMetrics'] }] },
      destinations: { monitorAccount: [{ name: 'MonitoringAccount', monitorAccountId: props.monitorWorkspaceId }] },
      dataFlow: [{ streams: ['Microsoft-PrometheusMetrics'], destinations: ['MonitoringAccount'] }],
    });
    new MonitorDataCollectionRuleAssociation(this, 'prometheus-endpoint-association', {
      name: 'configurationAccessEndpoint',
      targetResourceId: props.clusterId,
      dataCollectionEndpointId: endpoint.id,
    });
    new MonitorDataCollectionRuleAssociation(this, 'prometheus-rule-association', {
      name: `dcra-${props.name}-prometheus`,
      targetResourceId: props.clusterId,
      dataCollectionRuleId: prometheus.id,
    });

    const insights = new MonitorDataCollectionRule(this, 'container-insights-rule', {
      ...base,
      name: `dcr-${props.name}-container-insights`,
      dataSources: {
        extension: [
          {
            name: 'ContainerInsightsExtension',
            extensionName: 'ContainerInsights',
            streams: ['Microsoft-ContainerInsights-Group-Default'],
            extensionJson: JSON.stringify({ dataCollectionSettings: { interval: '1m', namespaceFilteringMode: 'Off', enableContainerLogV2: true } }),
          },
        ],
      },
      destinations: { logAnalytics: [{ name: 'ciworkspace', workspaceResourceId: props.logAnalyticsWorkspaceId }] },
      dataFlow: [{ streams: ['Microsoft-ContainerInsights-Group-Default'], destinations: ['ciworkspace'] }],
    });
    new MonitorDataCollectionRuleAssociation(this, 'container-insights-association', {
      name: `dcra-${props.name}-container-insights`,
      targetResourceId: props.clusterId,
      dataCollectionRuleId: insights.id,
    });
  }
}
