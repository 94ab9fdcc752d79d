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

/** Name of the psql variable that carries the tenant's role and database name (`tenant_<id>`). */
export const DB_BOOTSTRAP_DATABASE_VARIABLE = 'tenant_db';

/**
 * The psql script that creates one tenant's login role, database and extensions, for any tenant:
 * the name and the password come from the psql variables {@link DB_BOOTSTRAP_DATABASE_VARIABLE}
 * and {@link DB_BOOTSTRAP_PASSWORD_VARIABLE}, never from the text, so one script serves every tenant
 * (the `platform-db/db-bootstrap` Job runs it once per tenant) and names are quoted by PostgreSQL
 * itself (`format('%I')`, `:"var"`). Run as an administrator connected to the `postgres` database:
 *
 *   psql -v ON_ERROR_STOP=1 -v tenant_db=tenant_acme -v tenant_password=... -f bootstrap.sql
 *
 * Idempotent: every statement checks before it creates (`\gexec` builds the statement only when
 * the object is missing, because `CREATE ROLE` has no `IF NOT EXISTS` and `CREATE DATABASE` cannot
 * run inside a `DO` block); the password is (re)set on every run, so a rotation in Key Vault takes
 * effect on the next run. The database may already exist (in Azure the tenants Terraform stack
 * creates it, owned by the administrator), so ownership is handed to the tenant role every run; on
 * PostgreSQL 16 a `CREATEROLE` administrator holds only `ADMIN OPTION` on the roles it creates, so it
 * first grants itself membership, which `ALTER DATABASE ... OWNER TO` requires. `CONNECT` is revoked
 * from `PUBLIC`, so another tenant's role cannot even open the database. The script never names
 * `SUPERUSER`/`NOSUPERUSER`: only a superuser may, and neither Azure's administrator nor the test's is
 * one (a new role is never a superuser anyway).
 * @see https://www.postgresql.org/docs/16/app-psql.html (\gexec, variables, SQL interpolation)
 * @see https://www.postgresql.org/docs/16/sql-alterdatabase.html (owner change needs membership)
 * @see https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-extensions (vector)
 */
export function dbBootstrapSqlTemplate(options: TenantDbBootstrapOptions = {}): string {
  const extensions = options.extensions ?? ['vector'];
  for (const ext of extensions) {
    if (!IDENTIFIER.test(ext)) throw new Error(`extensions entry "${ext}" must match ${IDENTIFIER}`);
  }
  const db = `:'${DB_BOOTSTRAP_DATABASE_VARIABLE}'`;
  const pw = `:'${DB_BOOTSTRAP_PASSWORD_VARIABLE}'`;
  return [
    `-- One tenant's role and database, named by the psql variable ${DB_BOOTSTRAP_DATABASE_VARIABLE}; run as an administrator on the "postgres" database.`,
    '\\set ON_ERROR_STOP on',
    `SELECT format('CREATE ROLE %I LOGIN', ${db}) WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${db})`,
    '\\gexec',
    `SELECT format('ALTER ROLE %I WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD %L', ${db}, ${pw})`,
    '\\gexec',
    // Re-granting an existing membership is a notice, not an error; on PostgreSQL 16 it adds SET.
    `GRANT :"${DB_BOOTSTRAP_DATABASE_VARIABLE}" TO CURRENT_USER;`,
    `SELECT format('CREATE DATABASE %I OWNER %I', ${db}, ${db}) WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = ${db})`,
    '\\gexec',
    `SELECT format('ALTER DATABASE %I OWNER TO %I', ${db}, ${db})`,
    '\\gexec',
    `REVOKE ALL ON DATABASE :"${DB_BOOTSTRAP_DATABASE_VARIABLE}" FROM PUBLIC;`,
    `GRANT CONNECT, TEMPORARY ON DATABASE :"${DB_BOOTSTRAP_DATABASE_VARIABLE}" TO :"${DB_BOOTSTRAP_DATABASE_VARIABLE}";`,
    `\\connect :${DB_BOOTSTRAP_DATABASE_VARIABLE}`,
    ...extensions.map((ext) => `CREATE EXTENSION IF NOT EXISTS ${ext};`),
    '',
  ].join('\n');
}

/**
 * {@link dbBootstrapSqlTemplate} for one tenant: the template preceded by `\set tenant_db tenant_<id>`,
 * so only the password remains a variable (what the local real stack runs).
 */
export function tenantDbBootstrapSql(tenantId: string, options: TenantDbBootstrapOptions = {}): string {
  const name = tenantDatabaseName(tenantId);
  if (!IDENTIFIER.test(name)) {
    throw new Error(`tenant database name "${name}" (from tenant id "${tenantId}") must match ${IDENTIFIER} to be a PostgreSQL identifier`);
  }
  return [`-- Tenant ${tenantId}.`, `\\set ${DB_BOOTSTRAP_DATABASE_VARIABLE} ${name}`, dbBootstrapSqlTemplate(options)].join('\n');
}
