import { tenantDatabaseName } from './azure-names';

/** Name of the psql variable that carries the tenant role's password (never part of the script text). */
export const DB_BOOTSTRAP_PASSWORD_VARIABLE = 'tenant_password';

/** PostgreSQL identifiers the script accepts: lower-case, unquoted-safe, at most 63 bytes (NAMEDATALEN - 1). */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Options of {@link tenantDbBootstrapSql}. */
export interface TenantDbBootstrapOptions {
  /**
   * Extensions created in the tenant database (OpenWebUI's `VECTOR_DB=pgvector` needs `vector`).
   * @default ['vector']
   */
  readonly extensions?: readonly string[];
}

/**
 * The psql script that creates one tenant's login role, database and extensions. It is the same
 * text the local real stack runs and a `db-bootstrap` Job will run against the Flexible Server, as an
 * administrator connected to the `postgres` database:
 *
 *   psql -v ON_ERROR_STOP=1 -v tenant_password=... -f bootstrap.sql
 *
 * Idempotent: every statement checks before it creates (`\gexec` builds the statement only when
 * the object is missing, because `CREATE ROLE` has no `IF NOT EXISTS` and `CREATE DATABASE` cannot
 * run inside a `DO` block); the password is (re)set on every run, so a rotation in Key Vault takes
 * effect on the next run. `CONNECT` is revoked from `PUBLIC`, so another tenant's role cannot even
 * open the database.
 * @see https://www.postgresql.org/docs/15/app-psql.html (\gexec, variables)
 * @see https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-extensions (vector)
 */
export function tenantDbBootstrapSql(tenantId: string, options: TenantDbBootstrapOptions = {}): string {
  const name = tenantDatabaseName(tenantId);
  if (!IDENTIFIER.test(name)) {
    throw new Error(`tenant database name "${name}" (from tenant id "${tenantId}") must match ${IDENTIFIER} to be a PostgreSQL identifier`);
  }
  const extensions = options.extensions ?? ['vector'];
  for (const ext of extensions) {
    if (!IDENTIFIER.test(ext)) throw new Error(`extensions entry "${ext}" must match ${IDENTIFIER}`);
  }
  const pw = `:'${DB_BOOTSTRAP_PASSWORD_VARIABLE}'`;
  return [
    `-- Tenant ${tenantId}: role and database ${name}. Run as an administrator on the "postgres" database.`,
    '\\set ON_ERROR_STOP on',
    `SELECT 'CREATE ROLE ${name} LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${name}')`,
    '\\gexec',
    `SELECT format('ALTER ROLE ${name} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', ${pw})`,
    '\\gexec',
    `SELECT 'CREATE DATABASE ${name} OWNER ${name}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${name}')`,
    '\\gexec',
    `REVOKE ALL ON DATABASE ${name} FROM PUBLIC;`,
    `GRANT CONNECT, TEMPORARY ON DATABASE ${name} TO ${name};`,
    `\\connect ${name}`,
    ...extensions.map((ext) => `CREATE EXTENSION IF NOT EXISTS ${ext};`),
    '',
  ].join('\n');
}
