import { MonitorMetricAlert } from '../imports/azurerm/monitor-metric-alert/index.js';
import { AZURE_METRIC_NAMESPACES, type AzureMetricAlert } from '@panal/observability';
import { Construct } from 'constructs';
import { AZURE_SEVERITY } from './prometheus-alert-rules';

/** Props of {@link AzureMetricAlerts}. */
export interface AzureMetricAlertsProps {
  /** Resource group of the alerts. */
  readonly resourceGroupName: string;
  /** Resource the alerts watch. */
  readonly scope: string;
  /** Short name of the resource, for the alert names (`<resource>-<alert>`). */
  readonly resourceName: string;
  /** Action group to notify (the observability stack's `oncall`). */
  readonly actionGroupId: string;
  /** The alerts (libs/observability `AZURE_METRIC_ALERTS`), all of one target type. */
  readonly alerts: readonly AzureMetricAlert[];
}

/**
 * Azure Monitor metric alerts on one resource, from the typed definitions in libs/observability: for
 * what managed Prometheus cannot see (PostgreSQL, PgBouncer, Key Vault).
 * @see https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs/resources/monitor_metric_alert
 */
export class AzureMetricAlerts extends Construct {
  constructor(scope: Construct, id: string, props: AzureMetricAlertsProps) {
    super(scope, id);
    for (const a of props.alerts) {
      new MonitorMetricAlert(this, a.name, {
        name: `${props.resourceName}-${a.name}`,
        resourceGroupName: props.resourceGroupName,
        scopes: [props.scope],
        description: a.description,
        severity: AZURE_SEVERITY[a.severity],
        windowSize: `PT${a.windowMinutes}M`,
        frequency: a.windowMinutes >= 15 ? 'PT5M' : 'PT1M',
        autoMitigate: true,
        criteria: [
          {
            metricNamespace: AZURE_METRIC_NAMESPACES[a.target],
            metricName: a.metric,
            aggregation: a.aggregation,
            operator: a.operator,
            threshold: a.threshold,
            dimension: Object.entries(a.dimensions ?? {}).map(([name, values]) => ({ name, operator: 'Include', values: [...values] })),
          },
        ],
        action: [{ actionGroupId: props.actionGroupId }],
      });
    }
  }
}
