import type { Construct } from 'constructs';
import { ObservabilityWorkspaces } from '../constructs/observability-workspaces';
import { PanalStack } from '../constructs/panal-stack';
import type { InfraEnvironment } from '../environments/infra-environment';

/** Observability stack: Log Analytics, Azure Monitor workspace, Managed Grafana, Application Insights. */
export class ObservabilityStack extends PanalStack {
  /** The workspaces. */
  public readonly workspaces: ObservabilityWorkspaces;

  constructor(scope: Construct, id: string, env: InfraEnvironment) {
    super(scope, id, { env, stack: 'observability' });
    this.workspaces = new ObservabilityWorkspaces(this, 'workspaces', { resourceGroup: this.resourceGroup, names: this.names });
  }
}
