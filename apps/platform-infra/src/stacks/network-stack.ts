import type { Construct } from 'constructs';
import type { InfraEnvironment } from '../environments/infra-environment';
import { PanalStack } from '../constructs/panal-stack';
import { EGRESS_ALLOW_LIST, EgressFirewall } from '../constructs/egress-firewall';
import { PlatformNetwork } from '../constructs/platform-network';

/**
 * Network stack: VNet, subnets, NSGs, private DNS zones and the egress firewall with the node subnet's
 * route table. Changes rarely; everything else reads it by name.
 */
export class NetworkStack extends PanalStack {
  /** The network. */
  public readonly network: PlatformNetwork;
  /** The egress firewall the node subnet routes through. */
  public readonly egress: EgressFirewall;

  constructor(scope: Construct, id: string, env: InfraEnvironment) {
    super(scope, id, { env, stack: 'network' });
    this.network = new PlatformNetwork(this, 'network', { resourceGroup: this.resourceGroup, network: env.network, names: this.names });
    this.egress = new EgressFirewall(this, 'egress', {
      resourceGroup: this.resourceGroup,
      name: this.names.egressFirewall,
      firewallSubnet: this.network.subnets.firewall,
      routedSubnets: { aksNodes: this.network.subnets.aksNodes },
      sourceCidr: env.network.aksNodesSubnetCidr,
      allowList: [
        ...EGRESS_ALLOW_LIST,
        { destination: new URL(env.gitops.repoUrl).hostname, neededBy: 'Argo CD repo-server pulls the platform repository', source: 'gitops.repoUrl of the environment' },
      ],
    });
  }
}
