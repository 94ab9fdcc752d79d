import { MonitorDiagnosticSetting } from '../imports/azurerm/monitor-diagnostic-setting/index.js';
import { PostgresqlFlexibleServer } from '../imports/azurerm/postgresql-flexible-server/index.js';
import { PostgresqlFlexibleServerConfiguration } from '../imports/azurerm/postgresql-flexible-server-configuration/index.js';
import type { ResourceGroup } from '../imports/azurerm/resource-group/index.js';
import { Construct } from 'constructs';
import type { PostgresSettings } from '../environments/infra-environment';
import { postgresConnectionBudget } from '../environments/postgres-connections';
import { skipCheckov } from './checkov-skip';

/** Props of {@link PostgresServer}. */
export interface PostgresServerProps {
  /** Resource group. */
  readonly resourceGroup: ResourceGroup;
  /** Server name (its FQDN is `<name>.postgres.database.azure.com`, resolved privately). */
  readonly name: string;
  /** Server settings. */
  readonly settings: PostgresSettings;
  /** Subnet delegated to `Microsoft.DBforPostgreSQL/flexibleServers`. */
  readonly delegatedSubnetId: string;
  /** Private DNS zone `<x>.private.postgres.database.azure.com` linked to the VNet. */
  readonly privateDnsZoneId: string;
  /** Entra ID directory id (Entra authentication). */
  readonly directoryTenantId: string;
  /** Administrator password (generated, never in git). */
  readonly administratorPassword: string;
  /** Log Analytics workspace for server logs. */
  readonly logAnalyticsWorkspaceId: string;
}

/** Server parameters the platform depends on, by name (PgBouncer's pool sizes come from {@link postgresConnectionBudget}). */
export const POSTGRES_SERVER_PARAMETERS: Readonly<Record<string, string>> = {
  // OpenWebUI uses pgvector (VECTOR_DB=pgvector): the extension must be allow-listed before CREATE EXTENSION.
  'azure.extensions': 'VECTOR',
  // Built-in PgBouncer on 6432, transaction pooling: replicas × tenants would exceed max_connections otherwise.
  'pgbouncer.enabled': 'true',
  'pgbouncer.pool_mode': 'transaction',
  // PgBouncer metrics (client_connections_waiting…) for the saturation alert (libs/observability AZURE_METRIC_ALERTS).
  'metrics.pgbouncer_diagnostics': 'on',
  log_checkpoints: 'on',
  log_connections: 'on',
  log_disconnections: 'on',
  connection_throttle_enable: 'on',
  require_secure_transport: 'on',
};

/**
 * PostgreSQL Flexible Server (ADR 0007): General Purpose, zone-redundant HA (synchronous standby in
 * another zone, zero data loss), private access only (delegated subnet + private DNS zone), built-in
 * PgBouncer, pgvector allow-listed, PITR with optional geo-redundant backup, a Sunday maintenance
 * window, Entra ID and password authentication (tenant roles log in with passwords through
 * PgBouncer), and server logs to Log Analytics.
 * @see https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-high-availability
 * @see https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-pgbouncer
 */
export class PostgresServer extends Construct {
  /** The server. */
  public readonly server: PostgresqlFlexibleServer;

  constructor(scope: Construct, id: string, props: PostgresServerProps) {
    super(scope, id);
    const { settings: s, resourceGroup: rg } = props;
    if (s.highAvailability === 'ZoneRedundant' && s.standbyZone === s.primaryZone) {
      throw new Error(`settings.standbyZone must differ from settings.primaryZone with zone-redundant HA, but both are "${s.primaryZone}"`);
    }
    this.server = new PostgresqlFlexibleServer(this, 'server', {
      name: props.name,
      resourceGroupName: rg.name,
      location: rg.location,
      version: s.version,
      skuName: s.skuName,
      storageMb: s.storageMiB,
      autoGrowEnabled: true,
      zone: s.primaryZone,
      ...(s.highAvailability === 'ZoneRedundant' ? { highAvailability: { mode: 'ZoneRedundant', standbyAvailabilityZone: s.standbyZone } } : {}),
      delegatedSubnetId: props.delegatedSubnetId,
      privateDnsZoneId: props.privateDnsZoneId,
      publicNetworkAccessEnabled: false,
      backupRetentionDays: s.backupRetentionDays,
      geoRedundantBackupEnabled: s.geoRedundantBackup,
      administratorLogin: 'panaladmin',
      administratorPassword: props.administratorPassword,
      authentication: { activeDirectoryAuthEnabled: true, passwordAuthEnabled: true, tenantId: props.directoryTenantId },
      maintenanceWindow: { dayOfWeek: 0, startHour: 3, startMinute: 0 },
      lifecycle: { ignoreChanges: ['zone', 'high_availability[0].standby_availability_zone'] },
    });
    skipCheckov(this.server, 'CKV2_AZURE_57', 'private access is VNet integration (delegated subnet + private DNS zone, public access off), the alternative to a private endpoint; the server has no public endpoint to protect');
    if (!s.geoRedundantBackup) {
      skipCheckov(this.server, 'CKV_AZURE_136', 'geo-redundant backup is off only where the environment says so (dev); prod enables it and a test asserts that');
    }
    const budget = postgresConnectionBudget(s);
    const parameters = { ...POSTGRES_SERVER_PARAMETERS, 'pgbouncer.default_pool_size': String(budget.defaultPoolSize), 'pgbouncer.max_client_conn': String(budget.maxClientConn) };
    for (const [name, value] of Object.entries(parameters).sort(([a], [b]) => a.localeCompare(b))) {
      new PostgresqlFlexibleServerConfiguration(this, `parameter-${name}`, { name, serverId: this.server.id, value });
    }
    new MonitorDiagnosticSetting(this, 'diagnostics', {
      name: 'to-log-analytics',
      targetResourceId: this.server.id,
      logAnalyticsWorkspaceId: props.logAnalyticsWorkspaceId,
      enabledLog: [{ categoryGroup: 'allLogs' }],
      enabledMetric: [{ category: 'AllMetrics' }],
    });
  }
}
