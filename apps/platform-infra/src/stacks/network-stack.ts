import type { Construct } from 'constructs';
import type { InfraEnvironment } from '../environments/infra-environment';
import { PanalStack } from '../constructs/panal-stack';
import { PlatformNetwork } from '../constructs/platform-network';

/** Network stack: VNet, subnets, NSGs and private DNS zones. Changes rarely; everything else reads it by name. */
export class NetworkStack extends PanalStack {
  /** The network. */
  public readonly network: PlatformNetwork;

  constructor(scope: Construct, id: string, env: InfraEnvironment) {
    super(scope, id, { env, stack: 'network' });
    this.network = new PlatformNetwork(this, 'network', { resourceGroup: this.resourceGroup, network: env.network, names: this.names });
  }
}
