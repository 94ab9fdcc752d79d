import { MonitorActionGroup } from '../imports/azurerm/monitor-action-group/index.js';
import { MonitorAlertPrometheusRuleGroup, type MonitorAlertPrometheusRuleGroupRule } from '../imports/azurerm/monitor-alert-prometheus-rule-group/index.js';
import type { MonitorWorkspace } from '../imports/azurerm/monitor-workspace/index.js';
import type { ResourceGroup } from '../imports/azurerm/resource-group/index.js';
import { durationSeconds, isAlertRule, type AlertSeverity, type PromDuration, type RuleGroup } from '@panal/observability';
import { Construct } from 'constructs';

/** Props of {@link PrometheusAlertRules}. */
export interface PrometheusAlertRulesProps {
  /** Resource group of the rule groups. */
  readonly resourceGroup: ResourceGroup;
  /** Azure Monitor workspace whose data the rules read. */
  readonly monitorWorkspace: MonitorWorkspace;
  /** Name prefix (`<prefix>-<group>`). */
  readonly namePrefix: string;
  /** Name of the on-call action group every alert notifies. */
  readonly actionGroupName: string;
  /** The rule groups (libs/observability `panalRuleGroups()`), the same data promtool tests. */
  readonly groups: readonly RuleGroup[];
}

/** Azure alert severity (0 critical … 4 verbose) of each of ours. @see https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-overview */
export const AZURE_SEVERITY: Readonly<Record<AlertSeverity, number>> = { page: 1, ticket: 3 };

/** A Prometheus duration as the ISO 8601 duration Azure rule groups take (`5m` → `PT5M`, `1d` → `P1D`). */
export function isoDuration(d: PromDuration): string {
  const s = durationSeconds(d);
  if (s % 86_400 === 0) return `P${s / 86_400}D`;
  if (s % 3600 === 0) return `PT${s / 3600}H`;
  if (s % 60 === 0) return `PT${s / 60}M`;
  return `PT${s}S`;
}

/**
 * The platform's Prometheus rules where Azure Monitor managed Prometheus evaluates them: one
 * `PrometheusRuleGroup` per rule group, scoped to the Azure Monitor workspace, and an action group
 * (`oncall`) every alert notifies. Receivers (pager, e-mail) are added per environment outside git.
 * @see https://learn.microsoft.com/azure/azure-monitor/metrics/prometheus-rule-groups
 */
export class PrometheusAlertRules extends Construct {
  /** The action group alerts notify. */
  public readonly actionGroup: MonitorActionGroup;

  constructor(scope: Construct, id: string, props: PrometheusAlertRulesProps) {
    super(scope, id);
    const rg = props.resourceGroup;
    this.actionGroup = new MonitorActionGroup(this, 'oncall', { name: props.actionGroupName, resourceGroupName: rg.name, shortName: 'oncall' });
    for (const g of props.groups) {
      const rules: MonitorAlertPrometheusRuleGroupRule[] = g.rules.map((r) =>
        isAlertRule(r)
          ? {
              alert: r.alert,
              expression: r.expr,
              ...(r.for ? { for: isoDuration(r.for) } : {}),
              severity: AZURE_SEVERITY[r.severity],
              labels: { ...r.labels, severity: r.severity },
              annotations: { summary: r.summary, description: r.description },
              enabled: true,
              action: [{ actionGroupId: this.actionGroup.id }],
              alertResolution: { autoResolved: true, timeToResolve: 'PT10M' },
            }
          : { record: r.record, expression: r.expr, enabled: true, ...(r.labels ? { labels: { ...r.labels } } : {}) },
      );
      new MonitorAlertPrometheusRuleGroup(this, g.name, {
        name: `${props.namePrefix}-${g.name}`,
        resourceGroupName: rg.name,
        location: rg.location,
        scopes: [props.monitorWorkspace.id],
        interval: isoDuration(g.interval),
        ruleGroupEnabled: true,
        description: `Rendered from libs/observability (${g.name}); unit-tested with promtool.`,
        rule: rules,
      });
    }
  }
}
