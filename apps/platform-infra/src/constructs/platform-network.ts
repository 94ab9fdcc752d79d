import { NetworkSecurityGroup } from '../imports/azurerm/network-security-group/index.js';
import { NetworkSecurityRule } from '../imports/azurerm/network-security-rule/index.js';
import { PrivateDnsZone } from '../imports/azurerm/private-dns-zone/index.js';
import { PrivateDnsZoneVirtualNetworkLink } from '../imports/azurerm/private-dns-zone-virtual-network-link/index.js';
import type { ResourceGroup } from '../imports/azurerm/resource-group/index.js';
import { Subnet } from '../imports/azurerm/subnet/index.js';
import { SubnetNetworkSecurityGroupAssociation } from '../imports/azurerm/subnet-network-security-group-association/index.js';
import { VirtualNetwork } from '../imports/azurerm/virtual-network/index.js';
import { Construct } from 'constructs';
import type { NetworkSettings } from '../environments/infra-environment';
import type { PlatformNames } from '../naming';
import { skipCheckov } from './checkov-skip';

/** Props of {@link PlatformNetwork}. */
export interface PlatformNetworkProps {
  /** Resource group that holds the network. */
  readonly resourceGroup: ResourceGroup;
  /** Address plan. */
  readonly network: NetworkSettings;
  /** Shared names. */
  readonly names: PlatformNames;
}

/** A rule allowing inbound TCP from the AKS node subnet (overlay pods leave through their node's IP). */
interface InboundAllow {
  readonly name: string;
  readonly ports: readonly string[];
  readonly from: string;
  /** Justified checkov suppressions of this rule, by check id. */
  readonly checkovSkips?: Readonly<Record<string, string>>;
}

/**
 * The environment's virtual network: one subnet per tier (AKS nodes, PostgreSQL delegated subnet,
 * private endpoints, Application Gateway for Containers, egress firewall), an NSG on every subnet but the firewall's that admits only
 * what that tier serves, and the private DNS zones (linked to the VNet) that private access needs.
 * @see https://learn.microsoft.com/azure/aks/concepts-network-azure-cni-overlay
 * @see https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-networking-private
 */
export class PlatformNetwork extends Construct {
  /** The VNet. */
  public readonly vnet: VirtualNetwork;
  /** Subnets by role. */
  public readonly subnets: Readonly<Record<'aksNodes' | 'postgres' | 'privateEndpoints' | 'gateway' | 'firewall', Subnet>>;
  /** Private DNS zones by role. */
  public readonly dnsZones: Readonly<Record<'postgres' | 'keyVault' | 'blob' | 'file' | 'containerRegistry', PrivateDnsZone>>;
  private readonly subnetNames: PlatformNames['subnets'];

  constructor(scope: Construct, id: string, props: PlatformNetworkProps) {
    super(scope, id);
    const { resourceGroup: rg, network: net, names } = props;
    const base = { resourceGroupName: rg.name };
    this.subnetNames = names.subnets;
    this.vnet = new VirtualNetwork(this, 'vnet', { ...base, name: names.vnet, location: rg.location, addressSpace: [net.vnetCidr] });

    const subnet = (key: keyof typeof names.subnets, cidr: string, extra: Partial<ConstructorParameters<typeof Subnet>[2]> = {}) =>
      new Subnet(this, `subnet-${key}`, {
        ...base,
        name: names.subnets[key],
        virtualNetworkName: this.vnet.name,
        addressPrefixes: [cidr],
        // Egress goes through the cluster's load balancer / NAT, never Azure's implicit default outbound access.
        defaultOutboundAccessEnabled: false,
        ...extra,
      });
    this.subnets = {
      aksNodes: subnet('aksNodes', net.aksNodesSubnetCidr),
      postgres: subnet('postgres', net.postgresSubnetCidr, {
        delegation: [{ name: 'postgres', serviceDelegation: { name: 'Microsoft.DBforPostgreSQL/flexibleServers', actions: ['Microsoft.Network/virtualNetworks/subnets/join/action'] } }],
      }),
      privateEndpoints: subnet('privateEndpoints', net.privateEndpointsSubnetCidr, { privateEndpointNetworkPolicies: 'Enabled' }),
      gateway: subnet('gateway', net.gatewaySubnetCidr, {
        delegation: [{ name: 'agc', serviceDelegation: { name: 'Microsoft.ServiceNetworking/trafficControllers', actions: ['Microsoft.Network/virtualNetworks/subnets/join/action'] } }],
      }),
      // No NSG: Azure does not support one on AzureFirewallSubnet; the firewall is the control.
      firewall: subnet('firewall', net.firewallSubnetCidr),
    };

    const nodes = net.aksNodesSubnetCidr;
    this.protect('aksNodes', rg, [
      // Application Gateway for Containers reaches pods from its own subnet.
      { name: 'allow-agc-to-nodes', ports: ['80', '443', '8080'], from: net.gatewaySubnetCidr },
    ]);
    this.protect('postgres', rg, [{ name: 'allow-aks-to-postgres', ports: ['5432', '6432'], from: nodes }]);
    this.protect('privateEndpoints', rg, [
      { name: 'allow-aks-to-private-endpoints', ports: ['443'], from: nodes },
      { name: 'allow-aks-to-nfs', ports: ['2049'], from: nodes },
    ]);
    this.protect('gateway', rg, [
      { name: 'allow-internet-https', ports: ['443'], from: 'Internet' },
      // Plain HTTP requests (a user typing the hostname) get their 301 to HTTPS. Certificates are
      // validated by DNS-01, not on this port (ADR 0021).
      {
        name: 'allow-internet-http',
        ports: ['80'],
        from: 'Internet',
        checkovSkips: {
          CKV_AZURE_160:
            'the Gateway http listener serves nothing but a 301 redirect to HTTPS, so users who type the bare hostname reach the HTTPS site (ADR 0021)',
        },
      },
    ]);

    const zone = (key: keyof typeof names.privateDnsZones) => {
      const z = new PrivateDnsZone(this, `dns-${key}`, { ...base, name: names.privateDnsZones[key] });
      new PrivateDnsZoneVirtualNetworkLink(this, `dns-${key}-link`, {
        name: `${names.vnet}-link`,
        privateDnsZoneId: z.id,
        virtualNetworkId: this.vnet.id,
        registrationEnabled: false,
      });
      return z;
    };
    this.dnsZones = { postgres: zone('postgres'), keyVault: zone('keyVault'), blob: zone('blob'), file: zone('file'), containerRegistry: zone('containerRegistry') };
  }

  /** An NSG on the subnet: the given TCP allows, then deny every other inbound flow from the VNet. */
  private protect(key: Exclude<keyof PlatformNetwork['subnets'], 'firewall'>, rg: ResourceGroup, allows: readonly InboundAllow[]): void {
    const nsg = new NetworkSecurityGroup(this, `nsg-${key}`, { name: `nsg-${this.subnetNames[key]}`, resourceGroupName: rg.name, location: rg.location });
    allows.forEach((a, i) => {
      const rule = new NetworkSecurityRule(this, `nsg-${key}-${a.name}`, {
        name: a.name,
        resourceGroupName: rg.name,
        networkSecurityGroupName: nsg.name,
        priority: 100 + i * 10,
        direction: 'Inbound',
        access: 'Allow',
        protocol: 'Tcp',
        sourceAddressPrefix: a.from,
        sourcePortRange: '*',
        destinationAddressPrefix: '*',
        destinationPortRanges: [...a.ports],
      });
      for (const [checkId, reason] of Object.entries(a.checkovSkips ?? {})) skipCheckov(rule, checkId, reason);
    });
    new NetworkSecurityRule(this, `nsg-${key}-deny-vnet-inbound`, {
      name: 'deny-vnet-inbound',
      resourceGroupName: rg.name,
      networkSecurityGroupName: nsg.name,
      priority: 4000,
      direction: 'Inbound',
      access: 'Deny',
      protocol: '*',
      sourceAddressPrefix: 'VirtualNetwork',
      sourcePortRange: '*',
      destinationAddressPrefix: '*',
      destinationPortRange: '*',
    });
    new SubnetNetworkSecurityGroupAssociation(this, `nsg-${key}-association`, { subnetId: this.subnets[key].id, networkSecurityGroupId: nsg.id });
  }
}
