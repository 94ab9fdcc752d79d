import type { PostgresSettings } from './infra-environment';

/**
 * Default `max_connections` of a General Purpose Flexible Server by compute size; Azure keeps 15 of
 * them for replication and monitoring.
 * @see https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-limits#maximum-connections
 */
export const FLEXIBLE_SERVER_MAX_CONNECTIONS: Readonly<Record<string, number>> = {
  GP_Standard_D2ds_v5: 859,
  GP_Standard_D4ds_v5: 1718,
  GP_Standard_D8ds_v5: 3437,
  GP_Standard_D16ds_v5: 5000,
  GP_Standard_D32ds_v5: 5000,
};

/** Connections Azure reserves out of `max_connections`. */
export const AZURE_RESERVED_CONNECTIONS = 15;

/** Upper bounds of the built-in PgBouncer parameters. @see https://learn.microsoft.com/azure/postgresql/flexible-server/server-parameters-table-pgbouncer */
export const PGBOUNCER_LIMITS = { defaultPoolSize: 4950, maxClientConn: 50000 } as const;

/**
 * Server connections a tenant's pool must have at least: one long transaction (a migration, an
 * upload being indexed) must not stall every other request of that tenant.
 */
export const MIN_SERVER_CONNECTIONS_PER_TENANT = 2;

/**
 * Client connections budgeted per tenant: OpenWebUI opens one per database session in flight
 * (SQLAlchemy NullPool without DATABASE_POOL_SIZE), at most its THREAD_POOL_SIZE (40) per replica,
 * and a tenant runs at least 2 replicas.
 */
export const CLIENT_CONNECTIONS_PER_TENANT = 2 * 40;

/** What the PgBouncer in front of one server is set to, and why. */
export interface PostgresConnectionBudget {
  /** `max_connections` of the SKU. */
  readonly maxConnections: number;
  /** What is left for PgBouncer's pools: `max_connections` − Azure's reserve − `platformReservedConnections`. */
  readonly poolableConnections: number;
  /** `pgbouncer.default_pool_size`: server connections per tenant (one database/user pair each). */
  readonly defaultPoolSize: number;
  /** `pgbouncer.max_client_conn`. */
  readonly maxClientConn: number;
  /** Tenants this SKU could hold at {@link MIN_SERVER_CONNECTIONS_PER_TENANT}: beyond it, shard (a second server). */
  readonly maxTenantsPerServer: number;
}

/**
 * Sizes the built-in PgBouncer of one server for `tenantCapacity` tenants. In transaction mode
 * PgBouncer opens at most `default_pool_size` server connections per database/user pair, and each
 * tenant is one pair, so the worst case is `tenantCapacity × default_pool_size` server connections:
 * it must fit in what the SKU allows, or every tenant beyond the fit queues. The pool is the largest
 * that fits; a capacity that leaves fewer than {@link MIN_SERVER_CONNECTIONS_PER_TENANT} per tenant is
 * an error that names the SKU and the shard point.
 * @throws Error when the SKU is unknown or the capacity does not fit
 */
export function postgresConnectionBudget(settings: Pick<PostgresSettings, 'skuName' | 'tenantCapacity' | 'platformReservedConnections'>): PostgresConnectionBudget {
  const maxConnections = FLEXIBLE_SERVER_MAX_CONNECTIONS[settings.skuName];
  if (maxConnections === undefined) {
    throw new Error(`postgres.skuName "${settings.skuName}" has no known max_connections (${Object.keys(FLEXIBLE_SERVER_MAX_CONNECTIONS).join(', ')}); add it from concepts-limits`);
  }
  if (!Number.isInteger(settings.tenantCapacity) || settings.tenantCapacity < 1) throw new Error(`postgres.tenantCapacity must be a positive integer, but ${settings.tenantCapacity} was provided`);
  const poolableConnections = maxConnections - AZURE_RESERVED_CONNECTIONS - settings.platformReservedConnections;
  const maxTenantsPerServer = Math.floor(poolableConnections / MIN_SERVER_CONNECTIONS_PER_TENANT);
  const defaultPoolSize = Math.min(PGBOUNCER_LIMITS.defaultPoolSize, Math.floor(poolableConnections / settings.tenantCapacity));
  if (defaultPoolSize < MIN_SERVER_CONNECTIONS_PER_TENANT) {
    throw new Error(
      `postgres.tenantCapacity ${settings.tenantCapacity} does not fit ${settings.skuName}: ${poolableConnections} poolable connections give ${defaultPoolSize} per tenant, ` +
        `at least ${MIN_SERVER_CONNECTIONS_PER_TENANT} are needed; this SKU holds ${maxTenantsPerServer} tenants: choose a larger SKU or a second server for the rest`,
    );
  }
  const maxClientConn = Math.min(PGBOUNCER_LIMITS.maxClientConn, settings.tenantCapacity * CLIENT_CONNECTIONS_PER_TENANT);
  return { maxConnections, poolableConnections, defaultPoolSize, maxClientConn, maxTenantsPerServer };
}
