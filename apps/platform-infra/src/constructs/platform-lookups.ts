import { DataAzurermKubernetesCluster } from '../imports/azurerm/data-azurerm-kubernetes-cluster/index.js';
import { DataAzurermMonitorActionGroup } from '../imports/azurerm/data-azurerm-monitor-action-group/index.js';
import { DataAzurermLogAnalyticsWorkspace } from '../imports/azurerm/data-azurerm-log-analytics-workspace/index.js';
import { DataAzurermPrivateDnsZone } from '../imports/azurerm/data-azurerm-private-dns-zone/index.js';
import { DataAzurermSubnet } from '../imports/azurerm/data-azurerm-subnet/index.js';
import { Construct } from 'constructs';
import type { PlatformNames } from '../naming';

/** Name of the on-call action group (created by the observability stack). */
export function oncallActionGroupName(names: PlatformNames): string {
  return `ag-${names.monitorWorkspace}-oncall`;
}

/** Props of {@link PlatformLookups}. */
export interface PlatformLookupsProps {
  /** Shared names. */
  readonly names: PlatformNames;
}

/**
 * Data sources for what other stacks created, found by the names in `platformNames`. Each one is
 * created on first use only, so a stack's JSON lists exactly the lookups it needs.
 */
export class PlatformLookups extends Construct {
  private readonly names: PlatformNames;
  private readonly cache = new Map<string, unknown>();

  constructor(scope: Construct, id: string, props: PlatformLookupsProps) {
    super(scope, id);
    this.names = props.names;
  }

  /** A subnet of the network stack. */
  public subnet(key: keyof PlatformNames['subnets']): DataAzurermSubnet {
    return this.once(`subnet-${key}`, (id) => new DataAzurermSubnet(this, id, { name: this.names.subnets[key], virtualNetworkName: this.names.vnet, resourceGroupName: this.names.resourceGroup('network') }));
  }

  /** A private DNS zone of the network stack. */
  public dnsZone(key: keyof PlatformNames['privateDnsZones']): DataAzurermPrivateDnsZone {
    return this.once(`dns-${key}`, (id) => new DataAzurermPrivateDnsZone(this, id, { name: this.names.privateDnsZones[key], resourceGroupName: this.names.resourceGroup('network') }));
  }

  /** The Log Analytics workspace of the observability stack. */
  public logAnalytics(): DataAzurermLogAnalyticsWorkspace {
    return this.once('log-analytics', (id) => new DataAzurermLogAnalyticsWorkspace(this, id, { name: this.names.logAnalytics, resourceGroupName: this.names.resourceGroup('observability') }));
  }

  /** The on-call action group of the observability stack (alerts in other stacks notify it). */
  public oncallActionGroup(): DataAzurermMonitorActionGroup {
    return this.once('action-group-oncall', (id) => new DataAzurermMonitorActionGroup(this, id, { name: oncallActionGroupName(this.names), resourceGroupName: this.names.resourceGroup('observability') }));
  }

  /** The AKS cluster of the aks stack. */
  public cluster(): DataAzurermKubernetesCluster {
    return this.once('aks', (id) => new DataAzurermKubernetesCluster(this, id, { name: this.names.aksCluster, resourceGroupName: this.names.resourceGroup('aks') }));
  }

  private once<T>(id: string, create: (id: string) => T): T {
    if (!this.cache.has(id)) this.cache.set(id, create(id));
    return this.cache.get(id) as T;
  }
}
