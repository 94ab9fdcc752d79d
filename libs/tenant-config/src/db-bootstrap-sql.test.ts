import { describe, expect, it } from 'vitest';
import { DB_BOOTSTRAP_DATABASE_VARIABLE, DB_BOOTSTRAP_PASSWORD_VARIABLE, dbBootstrapSqlTemplate, tenantDbBootstrapSql } from './db-bootstrap-sql';

// What the script does on a real PostgreSQL (roles, isolation, idempotence, rotation) is tested in
// tools/real-stack (services.test.ts, db-bootstrap-job.test.ts); these check its shape.
describe('dbBootstrapSqlTemplate', () => {
  const lines = dbBootstrapSqlTemplate().split('\n');

  it('names no tenant: the role, the database and the password are psql variables', () => {
    expect(lines.join('\n')).not.toMatch(/tenant_(?!db\b|password\b)/);
    expect(lines).toContain(`SELECT format('CREATE ROLE %I LOGIN', :'${DB_BOOTSTRAP_DATABASE_VARIABLE}') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'${DB_BOOTSTRAP_DATABASE_VARIABLE}')`);
    expect(lines.join('\n')).toContain(`%L', :'${DB_BOOTSTRAP_DATABASE_VARIABLE}', :'${DB_BOOTSTRAP_PASSWORD_VARIABLE}')`);
    expect(lines.join('\n')).not.toMatch(/PASSWORD '/);
  });

  it('hands an existing database to the tenant role after making the administrator a member (PostgreSQL 16)', () => {
    const grant = lines.indexOf(`GRANT :"${DB_BOOTSTRAP_DATABASE_VARIABLE}" TO CURRENT_USER;`);
    const owner = lines.findIndex((l) => l.startsWith("SELECT format('ALTER DATABASE %I OWNER TO %I'"));
    expect(grant).toBeGreaterThan(0);
    expect(owner).toBeGreaterThan(grant);
  });

  it('closes the database to other roles and creates vector inside it, after connecting', () => {
    expect(lines).toContain(`REVOKE ALL ON DATABASE :"${DB_BOOTSTRAP_DATABASE_VARIABLE}" FROM PUBLIC;`);
    expect(lines.indexOf('CREATE EXTENSION IF NOT EXISTS vector;')).toBeGreaterThan(lines.indexOf(`\\connect :${DB_BOOTSTRAP_DATABASE_VARIABLE}`));
  });

  it('runs every conditional statement through \\gexec and stops on the first error', () => {
    expect(lines[1]).toBe('\\set ON_ERROR_STOP on');
    lines.forEach((line, i) => {
      if (line.startsWith('SELECT ')) expect(lines[i + 1]).toBe('\\gexec');
    });
  });

  it('rejects extensions that are not plain PostgreSQL identifiers, naming the value', () => {
    expect(() => dbBootstrapSqlTemplate({ extensions: ['vector; DROP'] })).toThrow(/extensions entry "vector; DROP"/);
  });
});

describe('tenantDbBootstrapSql', () => {
  it('sets the tenant database variable before the template', () => {
    const lines = tenantDbBootstrapSql('acme-eu').split('\n');
    expect(lines[1]).toBe(`\\set ${DB_BOOTSTRAP_DATABASE_VARIABLE} tenant_acme_eu`);
    expect(lines.slice(2).join('\n')).toBe(dbBootstrapSqlTemplate());
  });

  it('rejects names that are not plain PostgreSQL identifiers, naming the value', () => {
    expect(() => tenantDbBootstrapSql("x'; DROP")).toThrow(/tenant_x'; DROP/);
  });
});
