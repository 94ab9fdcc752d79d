import { ApplicationInsights } from '../imports/azurerm/application-insights/index.js';
import { DashboardGrafana } from '../imports/azurerm/dashboard-grafana/index.js';
import { LogAnalyticsWorkspace } from '../imports/azurerm/log-analytics-workspace/index.js';
import { MonitorWorkspace } from '../imports/azurerm/monitor-workspace/index.js';
import type { ResourceGroup } from '../imports/azurerm/resource-group/index.js';
import { RoleAssignment } from '../imports/azurerm/role-assignment/index.js';
import { Construct } from 'constructs';
import type { PlatformNames } from '../naming';

/** Props of {@link ObservabilityWorkspaces}. */
export interface ObservabilityWorkspacesProps {
  /** Resource group of the workspaces. */
  readonly resourceGroup: ResourceGroup;
  /** Shared names. */
  readonly names: PlatformNames;
  /**
   * Days Log Analytics keeps logs.
   * @default 90
   */
  readonly logRetentionDays?: number;
}

/**
 * Where telemetry lands (docs/observabilidad.md): Log Analytics (Container Insights, diagnostics), an Azure Monitor
 * workspace (managed Prometheus), Managed Grafana reading it with its own identity, and a
 * workspace-based Application Insights for traces. Wiring only; rules and dashboards come later.
 * @see https://learn.microsoft.com/azure/aks/monitor-aks
 */
export class ObservabilityWorkspaces extends Construct {
  /** Log Analytics workspace. */
  public readonly logAnalytics: LogAnalyticsWorkspace;
  /** Azure Monitor workspace (managed Prometheus). */
  public readonly monitorWorkspace: MonitorWorkspace;
  /** Managed Grafana. */
  public readonly grafana: DashboardGrafana;
  /** Application Insights. */
  public readonly appInsights: ApplicationInsights;

  constructor(scope: Construct, id: string, props: ObservabilityWorkspacesProps) {
    super(scope, id);
    const { resourceGroup: rg, names } = props;
    const base = { resourceGroupName: rg.name, location: rg.location };
    this.logAnalytics = new LogAnalyticsWorkspace(this, 'log-analytics', {
      ...base,
      name: names.logAnalytics,
      sku: 'PerGB2018',
      retentionInDays: props.logRetentionDays ?? 90,
      localAuthenticationEnabled: false,
    });
    this.monitorWorkspace = new MonitorWorkspace(this, 'monitor-workspace', { ...base, name: names.monitorWorkspace });
    this.grafana = new DashboardGrafana(this, 'grafana', {
      ...base,
      name: names.grafana,
      grafanaMajorVersion: '12',
      sku: 'Standard',
      zoneRedundancyEnabled: true,
      apiKeyEnabled: false,
      identity: { type: 'SystemAssigned' },
      azureMonitorWorkspaceIntegrations: [{ resourceId: this.monitorWorkspace.id }],
    });
    new RoleAssignment(this, 'grafana-reads-prometheus', {
      scope: this.monitorWorkspace.id,
      roleDefinitionName: 'Monitoring Data Reader',
      principalId: this.grafana.identity.principalId,
      principalType: 'ServicePrincipal',
    });
    this.appInsights = new ApplicationInsights(this, 'app-insights', {
      ...base,
      name: names.appInsights,
      applicationType: 'other',
      workspaceId: this.logAnalytics.id,
      localAuthenticationEnabled: false,
    });
  }
}
