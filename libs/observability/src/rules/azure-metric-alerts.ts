import type { AlertSeverity } from './rule-types';

/** Azure resource types whose platform metrics we alert on (they are not in Prometheus). */
export type AzureMetricTarget = 'postgresFlexibleServer' | 'keyVault';

/** Metric namespace of each target. */
export const AZURE_METRIC_NAMESPACES: Readonly<Record<AzureMetricTarget, string>> = {
  postgresFlexibleServer: 'Microsoft.DBforPostgreSQL/flexibleServers',
  keyVault: 'Microsoft.KeyVault/vaults',
};

/** An Azure Monitor metric alert, as data. */
export interface AzureMetricAlert {
  /** Alert name suffix, UpperCamelCase. */
  readonly name: string;
  /** Which resource type it watches. */
  readonly target: AzureMetricTarget;
  /** Platform metric name. */
  readonly metric: string;
  /** Aggregation over the window. */
  readonly aggregation: 'Average' | 'Minimum' | 'Maximum' | 'Total';
  readonly operator: 'GreaterThan' | 'LessThan';
  readonly threshold: number;
  /** Only series with these dimension values. @default - all */
  readonly dimensions?: Readonly<Record<string, readonly string[]>>;
  /** Evaluation window, minutes. */
  readonly windowMinutes: 5 | 15 | 30 | 60;
  readonly severity: AlertSeverity;
  readonly description: string;
}

/**
 * Alerts on Azure platform metrics: PgBouncer saturation and PostgreSQL availability (a zone-redundant
 * failover shows as `is_db_alive` dropping for 60–120 s) and Key Vault throttling (HTTP 429, which the
 * Secrets Store CSI driver's 2-minute rotation can cause with many pods).
 * @see https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-monitoring
 * @see https://learn.microsoft.com/azure/key-vault/general/monitor-key-vault-reference
 */
export const AZURE_METRIC_ALERTS: readonly AzureMetricAlert[] = [
  {
    name: 'PgBouncerClientsWaiting',
    target: 'postgresFlexibleServer',
    // PgBouncer metrics exist only with the server parameter metrics.pgbouncer_diagnostics = on.
    metric: 'client_connections_waiting',
    aggregation: 'Average',
    operator: 'GreaterThan',
    threshold: 10,
    windowMinutes: 15,
    severity: 'page',
    description: 'Clients wait for a PgBouncer pool slot: pools × replicas × tenants are saturated. Raise pgbouncer.default_pool_size or the server size.',
  },
  {
    name: 'PostgresDown',
    target: 'postgresFlexibleServer',
    metric: 'is_db_alive',
    aggregation: 'Minimum',
    operator: 'LessThan',
    threshold: 1,
    windowMinutes: 5,
    severity: 'page',
    description: 'The PostgreSQL server was unreachable within the last 5 min (HA failover takes 60-120 s; longer is an outage). Check the server\'s HA state and Service Health.',
  },
  {
    name: 'KeyVaultThrottled',
    target: 'keyVault',
    metric: 'ServiceApiResult',
    aggregation: 'Total',
    operator: 'GreaterThan',
    threshold: 0,
    dimensions: { StatusCode: ['429'] },
    windowMinutes: 15,
    severity: 'ticket',
    description: 'Key Vault answered 429: secret reads are throttled. Check the CSI rotation interval and the number of pods mounting the vault.',
  },
];

/** The alerts of one target. */
export function azureMetricAlertsFor(target: AzureMetricTarget): AzureMetricAlert[] {
  return AZURE_METRIC_ALERTS.filter((a) => a.target === target);
}
