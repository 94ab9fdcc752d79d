import '../testing/cdktf-matchers';
import { KeyVault } from '../imports/azurerm/key-vault/index.js';
import { PrivateEndpoint } from '../imports/azurerm/private-endpoint/index.js';
import { MonitorMetricAlert } from '../imports/azurerm/monitor-metric-alert/index.js';
import { describe, expect, it } from 'vitest';
import { PROD } from '../environments/prod';
import { synthStack } from '../testing/synth-stack';
import { SecretsStack } from './secrets-stack';

describe('SecretsStack', () => {
  // GIVEN the prod environment WHEN the secrets stack is synthesized
  const { synth } = synthStack((app) => new SecretsStack(app, 'secrets', PROD));

  it('matches the snapshot', () => expect(synth).toMatchSnapshot());

  it('creates the platform vault with RBAC, purge protection and no public network access', () => {
    expect(synth).toHaveResourceWithProperties(KeyVault, {
      name: 'kv-pnlprd-platform',
      rbac_authorization_enabled: true,
      purge_protection_enabled: true,
      public_network_access_enabled: false,
      network_acls: { bypass: 'AzureServices', default_action: 'Deny' },
    });
  });

  it('reaches the vault through a private endpoint registered in the vault DNS zone', () => {
    expect(synth).toHaveResourceWithProperties(PrivateEndpoint, {
      name: 'pe-kv-pnlprd-platform-vault',
      private_service_connection: expect.objectContaining({ subresource_names: ['vault'], is_manual_connection: false }),
    });
  });

  it('grants the deployer Secrets Officer at vault scope, not per secret', () => {
    expect(synth).toHaveResourceWithProperties({ tfResourceType: 'azurerm_role_assignment' }, { role_definition_name: 'Key Vault Secrets Officer', scope: expect.stringMatching(/^\$\{azurerm_key_vault\.platform-vault_[0-9A-F]+\.id\}$/) });
  });

  it('alerts the on-call action group when the platform vault throttles (HTTP 429)', () => {
    expect(synth).toHaveResourceWithProperties(MonitorMetricAlert, {
      scopes: [expect.stringContaining('azurerm_key_vault.platform-vault')],
      criteria: [expect.objectContaining({ metric_name: 'ServiceApiResult', dimension: [{ name: 'StatusCode', operator: 'Include', values: ['429'] }] })],
    });
  });
});
