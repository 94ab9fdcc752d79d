import type { NetworkSettings } from './infra-environment';

/**
 * The platform's address plan inside `10.<n>.0.0/16`: nodes in the first /20, then one /24 each for
 * PostgreSQL, private endpoints and the edge gateway, and a /26 for the egress firewall. Pods and Services use ranges outside the VNet
 * (Azure CNI Overlay), the same in every environment since they never leave the cluster.
 * @see https://learn.microsoft.com/azure/aks/azure-cni-overlay#ip-address-planning
 */
export function addressPlan(secondOctet: number): NetworkSettings {
  if (!Number.isInteger(secondOctet) || secondOctet < 0 || secondOctet > 255) throw new Error(`secondOctet must be an integer 0-255, but ${secondOctet} was provided`);
  const net = `10.${secondOctet}`;
  return {
    vnetCidr: `${net}.0.0/16`,
    aksNodesSubnetCidr: `${net}.0.0/20`,
    postgresSubnetCidr: `${net}.16.0/24`,
    privateEndpointsSubnetCidr: `${net}.17.0/24`,
    gatewaySubnetCidr: `${net}.18.0/24`,
    firewallSubnetCidr: `${net}.19.0/26`,
    podCidr: '192.168.0.0/16',
    serviceCidr: '172.16.0.0/16',
  };
}
