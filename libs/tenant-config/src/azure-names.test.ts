import { describe, expect, it } from 'vitest';
import { KEY_VAULT_NAME_MAX, tenantDatabaseName, tenantKeyVaultName, tenantUploadsContainerName } from './azure-names';

describe('Azure names', () => {
  it('uses <prefix>-<id> for a Key Vault when it fits', () => {
    expect(tenantKeyVaultName('pnlex', 'acme')).toBe('pnlex-acme');
  });

  it('keeps long Key Vault names within 24 characters, unique and valid', () => {
    const a = tenantKeyVaultName('pnlprod', 'a-very-long-tenant-identifier-number-one');
    const b = tenantKeyVaultName('pnlprod', 'a-very-long-tenant-identifier-number-two');
    for (const name of [a, b]) {
      expect(name.length).toBeLessThanOrEqual(KEY_VAULT_NAME_MAX);
      // Key Vault rule: letters, digits and single hyphens, start with a letter, not end with a hyphen.
      expect(name).toMatch(/^[a-z](?!.*--)[a-z0-9-]{1,22}[a-z0-9]$/);
    }
    expect(a).not.toBe(b);
    expect(tenantKeyVaultName('pnlprod', 'a-very-long-tenant-identifier-number-one')).toBe(a);
  });

  it('derives database and container names', () => {
    expect(tenantDatabaseName('acme-logistics')).toBe('tenant_acme_logistics');
    expect(tenantUploadsContainerName('acme')).toBe('uploads-acme');
  });
});
