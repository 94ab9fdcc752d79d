import '../testing/cdktf-matchers';
import { RoleAssignment } from '../imports/azurerm/role-assignment/index.js';
import { StorageAccount } from '../imports/azurerm/storage-account/index.js';
import { StorageContainer } from '../imports/azurerm/storage-container/index.js';
import { StorageShare } from '../imports/azurerm/storage-share/index.js';
import { describe, expect, it } from 'vitest';
import { PROD } from '../environments/prod';
import { resourcesOf, synthStack } from '../testing/synth-stack';
import { StorageStack } from './storage-stack';

describe('StorageStack', () => {
  // GIVEN the prod environment WHEN the storage stack is synthesized
  const { synth, json } = synthStack((app) => new StorageStack(app, 'storage', PROD));
  const accounts = resourcesOf(json, StorageAccount.tfResourceType);

  it('matches the snapshot', () => expect(synth).toMatchSnapshot());

  it('keeps every model version in the Blob source of truth', () => {
    expect(synth).toHaveResourceWithProperties(StorageAccount, { name: 'pnlprdmodels', blob_properties: expect.objectContaining({ versioning_enabled: true }) });
    expect(synth).toHaveResourceWithProperties(StorageContainer, { name: 'models', container_access_type: 'private' });
  });

  it('lets the model seeder identity of the aks stack read the models container, and only that', () => {
    expect(synth).toHaveDataSourceWithProperties({ tfResourceType: 'azurerm_user_assigned_identity' }, { name: 'id-pnlprd-model-seeder', resource_group_name: 'rg-pnlprd-aks' });
    expect(resourcesOf(json, RoleAssignment.tfResourceType)).toEqual([
      {
        role_definition_name: 'Storage Blob Data Reader',
        scope: expect.stringMatching(/^\$\{azurerm_storage_container\.models_models-container_[0-9A-F]+\.id\}$/),
        principal_id: '${data.azurerm_user_assigned_identity.model-seeder.principal_id}',
        principal_type: 'ServicePrincipal',
      },
    ]);
  });

  it('serves the hot copy from a Premium NFS share sized by the load-time arithmetic', () => {
    expect(synth).toHaveResourceWithProperties(StorageAccount, { name: 'pnlprdmodelnfs', account_kind: 'FileStorage', account_tier: 'Premium', account_replication_type: 'ZRS' });
    expect(synth).toHaveResourceWithProperties(StorageShare, { name: 'models', enabled_protocol: 'NFS', quota: 2048 });
  });

  it('never exposes an account publicly: no public network access, no shared keys, no anonymous blobs', () => {
    expect(accounts).toHaveLength(3);
    for (const a of accounts) {
      expect(a).toMatchObject({ public_network_access_enabled: false, shared_access_key_enabled: false, allow_nested_items_to_be_public: false, min_tls_version: 'TLS1_2' });
    }
    expect(resourcesOf(json, 'azurerm_private_endpoint')).toHaveLength(3);
  });

  it('creates the uploads account that holds one container per tenant', () => {
    expect(synth).toHaveResourceWithProperties(StorageAccount, { name: 'pnlprduploads', account_replication_type: 'GZRS' });
  });
});
