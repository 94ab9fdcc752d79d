import { describe, expect, it } from 'vitest';
import { DEV } from './dev';
import { AZURE_RESERVED_CONNECTIONS, FLEXIBLE_SERVER_MAX_CONNECTIONS, MIN_SERVER_CONNECTIONS_PER_TENANT, PGBOUNCER_LIMITS, postgresConnectionBudget } from './postgres-connections';
import { PROD } from './prod';
import { validateInfraEnvironment } from './validate-environment';

describe('postgresConnectionBudget', () => {
  it('never lets the tenants pools together exceed what the SKU leaves after the reserves, for any capacity it accepts', () => {
    for (const skuName of Object.keys(FLEXIBLE_SERVER_MAX_CONNECTIONS)) {
      for (const tenantCapacity of [1, 2, 10, 50, 85, 200, 333, 500, 836, 837, 1000, 1500, 2500, 5000]) {
        let budget;
        try {
          budget = postgresConnectionBudget({ skuName, tenantCapacity, platformReservedConnections: 30 });
        } catch {
          // Refused: then even the minimum pool per tenant would not fit.
          expect(tenantCapacity * MIN_SERVER_CONNECTIONS_PER_TENANT, `${skuName} ${tenantCapacity}`).toBeGreaterThan(FLEXIBLE_SERVER_MAX_CONNECTIONS[skuName]! - AZURE_RESERVED_CONNECTIONS - 30);
          continue;
        }
        expect(tenantCapacity * budget.defaultPoolSize, `${skuName} ${tenantCapacity}`).toBeLessThanOrEqual(budget.maxConnections - AZURE_RESERVED_CONNECTIONS - 30);
        expect(budget.defaultPoolSize).toBeGreaterThanOrEqual(MIN_SERVER_CONNECTIONS_PER_TENANT);
        expect(budget.defaultPoolSize).toBeLessThanOrEqual(PGBOUNCER_LIMITS.defaultPoolSize);
        expect(budget.maxClientConn).toBeLessThanOrEqual(PGBOUNCER_LIMITS.maxClientConn);
      }
    }
  });

  it('gives prod (D8ds_v5, 1,000 tenants) 3 server connections per tenant and the largest client limit PgBouncer allows', () => {
    expect(postgresConnectionBudget(PROD.postgres)).toEqual({ maxConnections: 3437, poolableConnections: 3392, defaultPoolSize: 3, maxClientConn: 50000, maxTenantsPerServer: 1696 });
  });

  it('refuses 1,000 tenants on the former D4ds_v5 (20 per tenant saturated at 85), naming how many it holds', () => {
    expect(() => postgresConnectionBudget({ ...PROD.postgres, skuName: 'GP_Standard_D4ds_v5' })).toThrow(
      'postgres.tenantCapacity 1000 does not fit GP_Standard_D4ds_v5: 1673 poolable connections give 1 per tenant, at least 2 are needed; this SKU holds 836 tenants',
    );
    expect(() => validateInfraEnvironment({ ...PROD, postgres: { ...PROD.postgres, skuName: 'GP_Standard_D4ds_v5' } })).toThrow(/does not fit GP_Standard_D4ds_v5/);
    expect(() => postgresConnectionBudget({ ...PROD.postgres, skuName: 'GP_Standard_D3ds_v5' })).toThrow(/has no known max_connections/);
  });

  it('sizes dev (D2ds_v5, 50 tenants) too', () => {
    expect(postgresConnectionBudget(DEV.postgres)).toMatchObject({ defaultPoolSize: 16, maxClientConn: 4000 });
  });
});
