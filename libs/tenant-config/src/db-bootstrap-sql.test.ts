import { describe, expect, it } from 'vitest';
import { DB_BOOTSTRAP_PASSWORD_VARIABLE, tenantDbBootstrapSql } from './db-bootstrap-sql';

describe('tenantDbBootstrapSql', () => {
  const sql = tenantDbBootstrapSql('acme-eu');

  it('creates the role and database named after the tenant, owned by the role', () => {
    expect(sql).toContain("SELECT 'CREATE ROLE tenant_acme_eu LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tenant_acme_eu')");
    expect(sql).toContain("SELECT 'CREATE DATABASE tenant_acme_eu OWNER tenant_acme_eu' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'tenant_acme_eu')");
  });

  it('takes the password from a psql variable, quoted as a literal, never from the text', () => {
    expect(sql).toContain(`%L', :'${DB_BOOTSTRAP_PASSWORD_VARIABLE}')`);
    expect(sql).not.toMatch(/PASSWORD '/);
  });

  it('closes the database to other roles and creates vector inside it, after connecting', () => {
    const lines = sql.split('\n');
    expect(lines).toContain('REVOKE ALL ON DATABASE tenant_acme_eu FROM PUBLIC;');
    expect(lines.indexOf('CREATE EXTENSION IF NOT EXISTS vector;')).toBeGreaterThan(lines.indexOf('\\connect tenant_acme_eu'));
  });

  it('runs every conditional statement through \\gexec and stops on the first error', () => {
    const lines = sql.split('\n');
    expect(lines[1]).toBe('\\set ON_ERROR_STOP on');
    lines.forEach((line, i) => {
      if (line.startsWith('SELECT ')) expect(lines[i + 1]).toBe('\\gexec');
    });
  });

  it('rejects names that are not plain PostgreSQL identifiers, naming the value', () => {
    expect(() => tenantDbBootstrapSql("x'; DROP")).toThrow(/tenant_x'; DROP/);
    expect(() => tenantDbBootstrapSql('acme', { extensions: ['vector; DROP'] })).toThrow(/extensions entry "vector; DROP"/);
  });
});
