import '../testing/cdktf-matchers';
import { ApplicationInsights } from '@cdktf/provider-azurerm/lib/application-insights/index.js';
import { DashboardGrafana } from '@cdktf/provider-azurerm/lib/dashboard-grafana/index.js';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace/index.js';
import { MonitorWorkspace } from '@cdktf/provider-azurerm/lib/monitor-workspace/index.js';
import { describe, expect, it } from 'vitest';
import { PROD } from '../environments/prod';
import { synthStack } from '../testing/synth-stack';
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
});
