import { TENANT_KEY_VAULT_SECRETS, tenantKeyVaultName, type Environment, type Tenant } from '@panal/tenant-config';
import { stringify } from 'yaml';
import { Construct } from 'constructs';
import { syncWave, SyncWave } from '../common/sync-waves';
import { SecretProviderClass } from '../imports/secrets-store.csi.x-k8s.io';
import { TenantWorkloads } from './tenant-workloads';

/** Props of {@link TenantKeyVaultSecrets}. */
export interface TenantKeyVaultSecretsProps {
  /** The tenant; its identity must exist (state `active`). */
  readonly tenant: Tenant;
  /** Supplies the Entra ID directory and the Azure name prefix. */
  readonly environment: Environment;
}

/**
 * SecretProviderClass that reads the tenant's own Key Vault with the tenant's workload identity
 * (Secrets Store CSI driver, Azure provider). The values are synced into a Kubernetes Secret only
 * because OpenWebUI reads them from environment variables; that Secret exists only while a pod
 * mounts the volume, and no Secret with literal data is ever rendered.
 * @see https://learn.microsoft.com/azure/aks/csi-secrets-store-identity-access
 */
export class TenantKeyVaultSecrets extends Construct {
  /** Name of the Key Vault read. */
  public readonly keyVaultName: string;

  constructor(scope: Construct, id: string, props: TenantKeyVaultSecretsProps) {
    super(scope, id);
    const { tenant, environment } = props;
    if (!tenant.workloadIdentityClientId) {
      throw new Error(`tenant "${tenant.id}" has no workload identity client id; its Key Vault cannot be read yet`);
    }
    this.keyVaultName = tenantKeyVaultName(environment.azure.namePrefix, tenant.id);
    const names = Object.values(TENANT_KEY_VAULT_SECRETS).sort();
    new SecretProviderClass(this, 'Resource', {
      metadata: { name: TenantWorkloads.secretProviderClassName, namespace: tenant.namespace, annotations: syncWave(SyncWave.dependencies) },
      spec: {
        provider: 'azure',
        parameters: {
          usePodIdentity: 'false',
          clientID: tenant.workloadIdentityClientId,
          keyvaultName: this.keyVaultName,
          tenantId: environment.azure.directoryTenantId,
          // The Azure provider takes its object list as a YAML string.
          objects: stringify({ array: names.map((objectName) => stringify({ objectName, objectType: 'secret' })) }),
        },
        secretObjects: [
          {
            secretName: TenantWorkloads.syncedSecretName,
            type: 'Opaque',
            data: names.map((objectName) => ({ objectName, key: objectName })),
          },
        ],
      },
    });
  }
}
