import '../testing/cdktf-matchers';
import { PostgresqlFlexibleServer } from '../imports/azurerm/postgresql-flexible-server/index.js';
import { PostgresqlFlexibleServerActiveDirectoryAdministrator } from '../imports/azurerm/postgresql-flexible-server-active-directory-administrator/index.js';
import { PostgresqlFlexibleServerConfiguration } from '../imports/azurerm/postgresql-flexible-server-configuration/index.js';
import { MonitorMetricAlert } from '../imports/azurerm/monitor-metric-alert/index.js';
import { describe, expect, it } from 'vitest';
import { DEV } from '../environments/dev';
import { postgresConnectionBudget } from '../environments/postgres-connections';
import { PROD } from '../environments/prod';
import { resourcesOf, synthStack } from '../testing/synth-stack';
import { DataStack } from './data-stack';

describe('DataStack', () => {
  // GIVEN the prod environment WHEN the data stack is synthesized
  const { synth, json } = synthStack((app) => new DataStack(app, 'data', PROD));

  it('matches the snapshot', () => expect(synth).toMatchSnapshot());

  it('is General Purpose with zone-redundant HA: the standby lives in another zone', () => {
    expect(synth).toHaveResourceWithProperties(PostgresqlFlexibleServer, {
      name: 'psql-pnlprd',
      sku_name: 'GP_Standard_D8ds_v5',
      zone: '1',
      high_availability: { mode: 'ZoneRedundant', standby_availability_zone: '2' },
    });
  });

  it('is reachable only privately: delegated subnet, private DNS zone, public access off', () => {
    expect(synth).toHaveResourceWithProperties(PostgresqlFlexibleServer, {
      public_network_access_enabled: false,
      delegated_subnet_id: expect.stringContaining('data.azurerm_subnet'),
      private_dns_zone_id: expect.stringContaining('data.azurerm_private_dns_zone'),
    });
  });

  it('keeps 35 days of PITR, geo-redundant backups and a Sunday maintenance window', () => {
    expect(synth).toHaveResourceWithProperties(PostgresqlFlexibleServer, { backup_retention_days: 35, geo_redundant_backup_enabled: true, maintenance_window: { day_of_week: 0, start_hour: 3, start_minute: 0 } });
  });

  it('enables built-in PgBouncer in transaction mode and allow-lists pgvector', () => {
    expect(synth).toHaveResourceWithProperties(PostgresqlFlexibleServerConfiguration, { name: 'pgbouncer.enabled', value: 'true' });
    expect(synth).toHaveResourceWithProperties(PostgresqlFlexibleServerConfiguration, { name: 'pgbouncer.pool_mode', value: 'transaction' });
    expect(synth).toHaveResourceWithProperties(PostgresqlFlexibleServerConfiguration, { name: 'azure.extensions', value: 'VECTOR' });
  });

  it('sizes PgBouncer from the connection budget of the SKU and the tenant capacity (3 server connections for each of 1,000 tenants)', () => {
    const budget = postgresConnectionBudget(PROD.postgres);
    expect(synth).toHaveResourceWithProperties(PostgresqlFlexibleServerConfiguration, { name: 'pgbouncer.default_pool_size', value: String(budget.defaultPoolSize) });
    expect(synth).toHaveResourceWithProperties(PostgresqlFlexibleServerConfiguration, { name: 'pgbouncer.max_client_conn', value: String(budget.maxClientConn) });
    expect(budget.defaultPoolSize * PROD.postgres.tenantCapacity).toBeLessThanOrEqual(budget.maxConnections - 15);
  });

  it('sends server logs to Log Analytics', () => {
    expect(synth).toHaveResourceWithProperties({ tfResourceType: 'azurerm_monitor_diagnostic_setting' }, { enabled_log: [{ category_group: 'allLogs' }] });
  });

  it('makes the database bootstrap platform identity (aks stack) the Entra administrator, under its own name (its PostgreSQL role)', () => {
    const [lookup] = Object.entries<any>(json.data.azurerm_user_assigned_identity).filter(([, d]) => d.name === 'id-pnlprd-db-bootstrap');
    expect(lookup?.[1]).toEqual({ name: 'id-pnlprd-db-bootstrap', resource_group_name: 'rg-pnlprd-aks' });
    expect(synth).toHaveResourceWithProperties(PostgresqlFlexibleServerActiveDirectoryAdministrator, {
      principal_type: 'ServicePrincipal',
      object_id: `\${data.azurerm_user_assigned_identity.${lookup![0]}.principal_id}`,
      principal_name: `\${data.azurerm_user_assigned_identity.${lookup![0]}.name}`,
    });
    // Federated once, in the aks stack, with platform-db/db-bootstrap (workload-identity-federation.test.ts).
    expect(resourcesOf(json, 'azurerm_federated_identity_credential')).toEqual([]);
  });

  it('stores the generated administrator password in the platform vault, never in the JSON', () => {
    expect(synth).toHaveResourceWithProperties({ tfResourceType: 'azurerm_key_vault_secret' }, { name: 'postgres-admin-password', value: '${random_password.postgres-admin-password.result}' });
  });

  it('gives dev no standby and no geo-redundant backup (typed difference)', () => {
    const dev = synthStack((app) => new DataStack(app, 'data', DEV)).json;
    const [server] = resourcesOf(dev, PostgresqlFlexibleServer.tfResourceType);
    expect(server.high_availability).toBeUndefined();
    expect(server.geo_redundant_backup_enabled).toBe(false);
  });

  it('alerts the on-call action group on PgBouncer saturation and on the server going down (failover)', () => {
    expect(synth).toHaveResourceWithProperties(PostgresqlFlexibleServerConfiguration, { name: 'metrics.pgbouncer_diagnostics', value: 'on' });
    for (const [metric, operator, threshold] of [['client_connections_waiting', 'GreaterThan', 10], ['is_db_alive', 'LessThan', 1]] as const) {
      expect(synth).toHaveResourceWithProperties(MonitorMetricAlert, {
        scopes: [expect.stringContaining('azurerm_postgresql_flexible_server')],
        criteria: [expect.objectContaining({ metric_namespace: 'Microsoft.DBforPostgreSQL/flexibleServers', metric_name: metric, operator, threshold })],
        action: [{ action_group_id: expect.stringContaining('data.azurerm_monitor_action_group') }],
      });
    }
  });
});
