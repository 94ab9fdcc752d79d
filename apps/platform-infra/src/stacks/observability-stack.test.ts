import '../testing/cdktf-matchers';
import { ApplicationInsights } from '../imports/azurerm/application-insights/index.js';
import { DashboardGrafana } from '../imports/azurerm/dashboard-grafana/index.js';
import { LogAnalyticsWorkspace } from '../imports/azurerm/log-analytics-workspace/index.js';
import { MonitorAlertPrometheusRuleGroup } from '../imports/azurerm/monitor-alert-prometheus-rule-group/index.js';
import { MonitorWorkspace } from '../imports/azurerm/monitor-workspace/index.js';
import { panalRuleGroups } from '@panal/observability';
import { describe, expect, it } from 'vitest';
import { PROD } from '../environments/prod';
import { synthStack } from '../testing/synth-stack';
import { isoDuration } from '../constructs/prometheus-alert-rules';
import { ObservabilityStack } from './observability-stack';

describe('ObservabilityStack', () => {
  // GIVEN the prod environment WHEN the observability stack is synthesized
  const { synth } = synthStack((app) => new ObservabilityStack(app, 'observability', PROD));

  it('matches the snapshot', () => expect(synth).toMatchSnapshot());

  it('creates Log Analytics, the managed Prometheus workspace, Grafana reading it, and App Insights on the same logs', () => {
    expect(synth).toHaveResourceWithProperties(LogAnalyticsWorkspace, { name: 'log-pnlprd', retention_in_days: 90 });
    expect(synth).toHaveResourceWithProperties(MonitorWorkspace, { name: 'amw-pnlprd' });
    expect(synth).toHaveResourceWithProperties(DashboardGrafana, { name: 'amg-pnlprd', zone_redundancy_enabled: true, azure_monitor_workspace_integrations: [expect.objectContaining({})] });
    expect(synth).toHaveResourceWithProperties({ tfResourceType: 'azurerm_role_assignment' }, { role_definition_name: 'Monitoring Data Reader' });
    expect(synth).toHaveResourceWithProperties(ApplicationInsights, { name: 'appi-pnlprd', workspace_id: expect.stringContaining('azurerm_log_analytics_workspace') });
  });

  it('renders every promtool-tested rule group as a PrometheusRuleGroup on the managed Prometheus workspace', () => {
    const resources = JSON.parse(synth).resource.azurerm_monitor_alert_prometheus_rule_group as Record<string, any>;
    const groups = panalRuleGroups();
    expect(Object.keys(resources)).toHaveLength(groups.length);
    for (const g of groups) {
      expect(synth).toHaveResourceWithProperties(MonitorAlertPrometheusRuleGroup, { name: `amw-pnlprd-${g.name}`, interval: 'PT1M', scopes: [expect.stringContaining('azurerm_monitor_workspace')] });
      const rendered = Object.values(resources).find((r) => r.name === `amw-pnlprd-${g.name}`);
      // THEN the expressions are the tested ones, verbatim, and every alert notifies the on-call action group
      expect(rendered.rule.map((r: any) => r.expression)).toEqual(g.rules.map((r) => r.expr));
      for (const r of rendered.rule.filter((x: any) => x.alert)) expect(r.action[0].action_group_id).toContain('azurerm_monitor_action_group');
    }
  });

  it('converts durations to ISO 8601 and pages with severity 1', () => {
    expect([isoDuration('1m'), isoDuration('10m'), isoDuration('2h'), isoDuration('1d'), isoDuration('90s')]).toEqual(['PT1M', 'PT10M', 'PT2H', 'P1D', 'PT90S']);
    expect(synth).toHaveResourceWithProperties(MonitorAlertPrometheusRuleGroup, { rule: expect.arrayContaining([expect.objectContaining({ alert: 'ZoneLosingNodes', severity: 1, for: 'PT5M' })]) });
  });
});
