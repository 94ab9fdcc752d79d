import type { Construct } from 'constructs';
import { panalRuleGroups } from '@panal/observability';
import { ObservabilityWorkspaces } from '../constructs/observability-workspaces';
import { PanalStack } from '../constructs/panal-stack';
import { oncallActionGroupName } from '../constructs/platform-lookups';
import { PrometheusAlertRules } from '../constructs/prometheus-alert-rules';
import type { InfraEnvironment } from '../environments/infra-environment';

/** Observability stack: Log Analytics, Azure Monitor workspace, Managed Grafana, Application Insights, Prometheus alert and recording rules. */
export class ObservabilityStack extends PanalStack {
  /** The workspaces. */
  public readonly workspaces: ObservabilityWorkspaces;
  /** SLO and platform rules, evaluated by managed Prometheus. */
  public readonly rules: PrometheusAlertRules;

  constructor(scope: Construct, id: string, env: InfraEnvironment) {
    super(scope, id, { env, stack: 'observability' });
    this.workspaces = new ObservabilityWorkspaces(this, 'workspaces', { resourceGroup: this.resourceGroup, names: this.names });
    this.rules = new PrometheusAlertRules(this, 'rules', {
      resourceGroup: this.resourceGroup,
      monitorWorkspace: this.workspaces.monitorWorkspace,
      namePrefix: this.names.monitorWorkspace,
      actionGroupName: oncallActionGroupName(this.names),
      groups: panalRuleGroups(),
    });
  }
}
