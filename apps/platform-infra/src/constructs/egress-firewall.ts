import { Firewall } from '../imports/azurerm/firewall/index.js';
import { FirewallPolicy } from '../imports/azurerm/firewall-policy/index.js';
import { FirewallPolicyRuleCollectionGroup } from '../imports/azurerm/firewall-policy-rule-collection-group/index.js';
import { PublicIp } from '../imports/azurerm/public-ip/index.js';
import type { ResourceGroup } from '../imports/azurerm/resource-group/index.js';
import { RouteTable } from '../imports/azurerm/route-table/index.js';
import type { Subnet } from '../imports/azurerm/subnet/index.js';
import { SubnetRouteTableAssociation } from '../imports/azurerm/subnet-route-table-association/index.js';
import { Construct } from 'constructs';
import { skipCheckov } from './checkov-skip';

/** One destination the cluster may reach on the internet, and why. */
export interface EgressAllowance {
  /** FQDN (a leading `*.` matches any subdomain) or an Azure Firewall FQDN tag. */
  readonly destination: string;
  /** Whether `destination` is an FQDN tag (a Microsoft-maintained list) rather than a name. */
  readonly fqdnTag?: boolean;
  /** Who needs it (the workload or component). */
  readonly neededBy: string;
  /** Public source of the requirement. */
  readonly source: string;
}

/**
 * Everything the nodes and pods may reach outside the VNet over HTTPS. Images come from the
 * platform's ACR and secrets, models, uploads and PostgreSQL through private endpoints or the
 * delegated subnet, so none of those is here; what remains is AKS itself, Entra ID (workload
 * identity token exchange) and Azure Monitor (managed Prometheus, OTLP, Container Insights).
 * `egress-firewall.test.ts` checks that every host the rendered manifests call on the internet is
 * covered.
 */
export const EGRESS_ALLOW_LIST: readonly EgressAllowance[] = [
  {
    destination: 'AzureKubernetesService',
    fqdnTag: true,
    neededBy: 'AKS nodes (control plane, node images, packages, MCR for system images)',
    source: 'https://learn.microsoft.com/azure/aks/outbound-rules-control-egress#azure-global-required-fqdn--application-rules',
  },
  {
    destination: 'login.microsoftonline.com',
    neededBy: 'workload identity token exchange (gateway, KEDA, collector, model seeder, db-bootstrap, OpenWebUI CSI) and kubelet identity',
    source: 'https://learn.microsoft.com/azure/aks/outbound-rules-control-egress#azure-global-required-fqdn--application-rules',
  },
  {
    destination: '*.prometheus.monitor.azure.com',
    neededBy: 'KEDA queries the Azure Monitor workspace (premium scale from zero)',
    source: 'https://learn.microsoft.com/azure/aks/outbound-rules-control-egress#azure-monitor-for-containers',
  },
  {
    destination: '*.ingest.monitor.azure.com',
    neededBy: 'managed Prometheus metrics ingestion and the OTLP export of traces and logs',
    source: 'https://learn.microsoft.com/azure/aks/outbound-rules-control-egress#azure-monitor-for-containers',
  },
  {
    destination: '*.ods.opinsights.azure.com',
    neededBy: 'Container Insights (omsAgent with managed identity) sends logs to Log Analytics',
    source: 'https://learn.microsoft.com/azure/aks/outbound-rules-control-egress#azure-monitor-for-containers',
  },
  {
    destination: '*.oms.opinsights.azure.com',
    neededBy: 'Container Insights agent authentication with Log Analytics',
    source: 'https://learn.microsoft.com/azure/aks/outbound-rules-control-egress#azure-monitor-for-containers',
  },
  {
    destination: '*.monitoring.azure.com',
    neededBy: 'Container Insights metrics to Azure Monitor',
    source: 'https://learn.microsoft.com/azure/aks/outbound-rules-control-egress#azure-monitor-for-containers',
  },
  {
    destination: '*.handler.control.monitor.azure.com',
    neededBy: 'Azure Monitor agent configuration (data collection rules)',
    source: 'https://learn.microsoft.com/azure/aks/outbound-rules-control-egress#azure-monitor-for-containers',
  },
  {
    destination: 'global.handler.control.monitor.azure.com',
    neededBy: 'Azure Monitor agent configuration (data collection rules)',
    source: 'https://learn.microsoft.com/azure/aks/outbound-rules-control-egress#azure-monitor-for-containers',
  },
  {
    // The chart repositories of the Argo CD Applications in dist/manifests/argocd (egress-firewall.test.ts
    // checks every one is here); the ALB controller's, mcr.microsoft.com, is in the AzureKubernetesService tag.
    destination: 'charts.jetstack.io',
    neededBy: 'Argo CD repo server fetches the pinned cert-manager chart',
    source: 'https://cert-manager.io/docs/installation/helm/',
  },
  {
    // The ACME server of environments/<env>/environment.yaml edge.acme.server (egress-firewall.test.ts checks it is here).
    destination: 'acme-v02.api.letsencrypt.org',
    neededBy: 'cert-manager ACME account, orders and challenges (Let\'s Encrypt) for the edge certificates',
    source: 'https://letsencrypt.org/docs/acme-protocol-updates/',
  },
];

/** Props of {@link EgressFirewall}. */
export interface EgressFirewallProps {
  /** Resource group (the network stack's). */
  readonly resourceGroup: ResourceGroup;
  /** The subnet named `AzureFirewallSubnet` (at least /26). */
  readonly firewallSubnet: Subnet;
  /** Subnets whose default route goes through the firewall (the AKS nodes). */
  readonly routedSubnets: Readonly<Record<string, Subnet>>;
  /** Source range of the rules (the AKS node subnet: overlay pods leave with their node's address). */
  readonly sourceCidr: string;
  /** Firewall name; its policy, public IP and route table are named after it. */
  readonly name: string;
  /**
   * Zones of the firewall and its public IP.
   * @default ['1', '2', '3']
   */
  readonly zones?: readonly string[];
  /**
   * HTTPS destinations allowed.
   * @default EGRESS_ALLOW_LIST
   */
  readonly allowList?: readonly EgressAllowance[];
}

/**
 * Egress control for the cluster: an Azure Firewall (Standard, zone-redundant) in
 * `AzureFirewallSubnet`, a policy that allows only {@link EGRESS_ALLOW_LIST} over HTTPS plus NTP,
 * and a route table that sends the node subnet's default route to the firewall. The AKS cluster
 * uses `outboundType: userDefinedRouting`, so this is its only way out; everything else is denied
 * (the firewall's default) and logged.
 * @see https://learn.microsoft.com/azure/aks/limit-egress-traffic
 * @see https://learn.microsoft.com/azure/aks/egress-outboundtype#outbound-type-of-userdefinedrouting
 */
export class EgressFirewall extends Construct {
  /** The firewall. */
  public readonly firewall: Firewall;
  /** Its private address: the next hop of the default route. */
  public readonly privateIpAddress: string;

  constructor(scope: Construct, id: string, props: EgressFirewallProps) {
    super(scope, id);
    const rg = props.resourceGroup;
    const zones = [...(props.zones ?? ['1', '2', '3'])];
    const allowList = props.allowList ?? EGRESS_ALLOW_LIST;
    if (allowList.length === 0) throw new Error('allowList must name at least the AKS required destinations, but it is empty');
    const publicIp = new PublicIp(this, 'public-ip', {
      name: `pip-${props.name}`,
      resourceGroupName: rg.name,
      location: rg.location,
      allocationMethod: 'Static',
      sku: 'Standard',
      zones,
    });
    const policy = new FirewallPolicy(this, 'policy', {
      name: `afwp-${props.name}`,
      resourceGroupName: rg.name,
      location: rg.location,
      sku: 'Standard',
      threatIntelligenceMode: 'Deny',
    });
    new FirewallPolicyRuleCollectionGroup(this, 'rules', {
      name: 'platform-egress',
      firewallPolicyId: policy.id,
      priority: 100,
      applicationRuleCollection: [
        {
          name: 'platform-https',
          priority: 100,
          action: 'Allow',
          rule: allowList.map((a) => ({
            name: a.destination.replace(/^\*\./, 'any.').replace(/[^A-Za-z0-9.-]/g, '-'),
            description: a.neededBy.slice(0, 140),
            sourceAddresses: [props.sourceCidr],
            protocols: [{ type: 'Https', port: 443 }],
            ...(a.fqdnTag ? { destinationFqdnTags: [a.destination] } : { destinationFqdns: [a.destination] }),
          })),
        },
      ],
      networkRuleCollection: [
        {
          name: 'platform-ntp',
          priority: 200,
          action: 'Allow',
          rule: [{ name: 'ntp', protocols: ['UDP'], sourceAddresses: [props.sourceCidr], destinationAddresses: ['*'], destinationPorts: ['123'] }],
        },
      ],
    });
    this.firewall = new Firewall(this, 'firewall', {
      name: props.name,
      resourceGroupName: rg.name,
      location: rg.location,
      skuName: 'AZFW_VNet',
      skuTier: 'Standard',
      firewallPolicyId: policy.id,
      zones,
      ipConfiguration: [{ name: 'egress', subnetId: props.firewallSubnet.id, publicIpAddressId: publicIp.id }],
    });
    skipCheckov(this.firewall, 'CKV_AZURE_216', 'threat intelligence filtering is set to Deny on the attached firewall policy (threat_intelligence_mode), which governs a firewall that has one; egress-firewall.test.ts asserts it');
    skipCheckov(policy, 'CKV_AZURE_220', 'IDPS exists only in the Premium tier; egress is limited to an FQDN allow-list of Microsoft endpoints and the Git host, so the platform runs Standard (see docs/diseno/5-seguridad.md, salida a Internet)');
    this.privateIpAddress = this.firewall.ipConfiguration.get(0).privateIpAddress;
    const routes = new RouteTable(this, 'route-table', {
      name: `rt-${props.name}`,
      resourceGroupName: rg.name,
      location: rg.location,
      // AKS must not add routes of its own: with UDR it only reads this table.
      bgpRoutePropagationEnabled: false,
      route: [{ name: 'default-via-firewall', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopInIpAddress: this.privateIpAddress }],
    });
    for (const [key, subnet] of Object.entries(props.routedSubnets)) {
      new SubnetRouteTableAssociation(this, `route-table-${key}`, { subnetId: subnet.id, routeTableId: routes.id });
    }
  }
}
