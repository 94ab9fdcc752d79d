import '../testing/cdktf-matchers';
import { PrivateDnsZone } from '../imports/azurerm/private-dns-zone/index.js';
import { Subnet } from '../imports/azurerm/subnet/index.js';
import { SubnetNetworkSecurityGroupAssociation } from '../imports/azurerm/subnet-network-security-group-association/index.js';
import { VirtualNetwork } from '../imports/azurerm/virtual-network/index.js';
import { describe, expect, it } from 'vitest';
import { PROD } from '../environments/prod';
import { resourcesOf, synthStack } from '../testing/synth-stack';
import { NetworkStack } from './network-stack';

describe('NetworkStack', () => {
  // GIVEN the prod environment WHEN the network stack is synthesized
  const { synth, json } = synthStack((app) => new NetworkStack(app, 'network', PROD));

  it('matches the snapshot', () => expect(synth).toMatchSnapshot());

  it('creates the VNet and one subnet per tier, with no implicit outbound access', () => {
    expect(synth).toHaveResourceWithProperties(VirtualNetwork, { name: 'vnet-pnlprd', address_space: ['10.20.0.0/16'] });
    for (const [name, cidr] of [['snet-aks-nodes', '10.20.0.0/20'], ['snet-postgres', '10.20.16.0/24'], ['snet-private-endpoints', '10.20.17.0/24'], ['snet-agc', '10.20.18.0/24'], ['AzureFirewallSubnet', '10.20.19.0/26']]) {
      expect(synth).toHaveResourceWithProperties(Subnet, { name, address_prefixes: [cidr], default_outbound_access_enabled: false });
    }
  });

  it('delegates the PostgreSQL subnet to Flexible Server (private access)', () => {
    expect(synth).toHaveResourceWithProperties(Subnet, {
      name: 'snet-postgres',
      delegation: [expect.objectContaining({ service_delegation: expect.objectContaining({ name: 'Microsoft.DBforPostgreSQL/flexibleServers' }) })],
    });
  });

  it('delegates the /24 gateway subnet to Application Gateway for Containers, and admits HTTPS and HTTP (ACME HTTP-01) from the internet', () => {
    expect(synth).toHaveResourceWithProperties(Subnet, {
      name: 'snet-agc',
      address_prefixes: ['10.20.18.0/24'],
      delegation: [{ name: 'agc', service_delegation: { name: 'Microsoft.ServiceNetworking/trafficControllers', actions: ['Microsoft.Network/virtualNetworks/subnets/join/action'] } }],
    });
    const fromInternet = resourcesOf(json, 'azurerm_network_security_rule').filter((r) => r.source_address_prefix === 'Internet');
    expect(fromInternet.map((r) => [r.name, r.destination_port_ranges, r.access, r.network_security_group_name]).sort()).toEqual([
      ['allow-internet-http', ['80'], 'Allow', '${azurerm_network_security_group.network_nsg-gateway_59C7B4F5.name}'],
      ['allow-internet-https', ['443'], 'Allow', '${azurerm_network_security_group.network_nsg-gateway_59C7B4F5.name}'],
    ]);
  });

  it('puts an NSG on every subnet but the firewall\'s (Azure allows none there), ending in a deny of VNet inbound traffic', () => {
    expect(resourcesOf(json, SubnetNetworkSecurityGroupAssociation.tfResourceType)).toHaveLength(4);
    const denies = resourcesOf(json, 'azurerm_network_security_rule').filter((r) => r.access === 'Deny');
    expect(denies).toHaveLength(4);
    expect(denies.every((r) => r.source_address_prefix === 'VirtualNetwork' && r.priority === 4000)).toBe(true);
  });

  it('creates and links the private DNS zones that private access needs', () => {
    for (const name of ['pnlprd.private.postgres.database.azure.com', 'privatelink.vaultcore.azure.net', 'privatelink.blob.core.windows.net', 'privatelink.file.core.windows.net', 'privatelink.azurecr.io']) {
      expect(synth).toHaveResourceWithProperties(PrivateDnsZone, { name });
    }
    expect(resourcesOf(json, 'azurerm_private_dns_zone_virtual_network_link').every((l) => l.registration_enabled === false)).toBe(true);
  });
});
