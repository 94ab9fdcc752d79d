import { RoleAssignment } from '../imports/azurerm/role-assignment/index.js';
import type { Construct } from 'constructs';
import { ModelStorage } from '../constructs/model-storage';
import { PanalStack } from '../constructs/panal-stack';
import { lookupPlatformIdentity } from '../constructs/platform-identities';
import { PlatformLookups } from '../constructs/platform-lookups';
import { PrivateStorageAccount } from '../constructs/private-storage-account';
import type { InfraEnvironment } from '../environments/infra-environment';

/**
 * Storage stack: the model store (Blob + Premium NFS), read access to its container for the model
 * seeder identity (created by the aks stack), and the account that holds tenant upload containers.
 */
export class StorageStack extends PanalStack {
  /** Model store. */
  public readonly models: ModelStorage;
  /** Uploads account (one container per tenant, created in the tenants stack). */
  public readonly uploads: PrivateStorageAccount;

  constructor(scope: Construct, id: string, env: InfraEnvironment) {
    super(scope, id, { env, stack: 'storage' });
    const lookups = new PlatformLookups(this, 'lookups', { names: this.names });
    const base = { resourceGroupName: this.resourceGroup.name, location: this.resourceGroup.location, privateEndpointSubnetId: lookups.subnet('privateEndpoints').id, logAnalyticsWorkspaceId: lookups.logAnalytics().id };
    this.models = new ModelStorage(this, 'models', {
      ...base,
      names: this.names,
      settings: env.modelStorage,
      privateDnsZoneIds: { blob: lookups.dnsZone('blob').id, file: lookups.dnsZone('file').id },
    });
    // The seeding Job only copies Blob → NFS share: read access to this one container, nothing else.
    new RoleAssignment(this, 'model-seeder-blob-reader', {
      scope: this.models.container.id,
      roleDefinitionName: 'Storage Blob Data Reader',
      principalId: lookupPlatformIdentity(this, 'model-seeder', this.names, 'modelSeeder').principalId,
      principalType: 'ServicePrincipal',
    });
    this.uploads = new PrivateStorageAccount(this, 'uploads', { ...base, name: this.names.uploadsAccount, kind: 'blob', privateDnsZoneId: lookups.dnsZone('blob').id });
  }
}
