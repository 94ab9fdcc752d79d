import { TENANT_KEY_VAULT_SECRETS, tenantKeyVaultName, type Environment, type Tenant } from '@panal/tenant-config';
import type { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { syncWave, SyncWave } from '../common/sync-waves';
import { SecretProviderClass } from '../imports/secrets-store.csi.x-k8s.io';

/** Props of {@link GatewayTenantKeys}. */
export interface GatewayTenantKeysProps {
  /** Namespace of the gateway. */
  readonly namespace: string;
  /** Active tenants whose key the gateway must know. */
  readonly tenants: readonly Tenant[];
  /** Entra ID directory and Key Vault name prefix. */
  readonly environment: Environment;
  /** Client id of the gateway's managed identity (Key Vault Secrets User on each tenant vault's key). */
  readonly workloadIdentityClientId: string;
  /** Folder the key files are mounted under, one sub-folder per tenant. */
  readonly keysDir: string;
}

/**
 * One SecretProviderClass per tenant that reads only `inference-gateway-key` from that tenant's
 * Key Vault with the gateway's identity, and the CSI volume and mount for each. Nothing is synced
 * into a Kubernetes Secret: the gateway reads the files (the driver rewrites them on rotation).
 * @see https://learn.microsoft.com/azure/aks/csi-secrets-store-identity-access
 */
export class GatewayTenantKeys extends Construct {
  /** Volumes to add to the gateway pod. */
  public readonly volumes: k8s.Volume[] = [];
  /** Mounts to add to the gateway container. */
  public readonly volumeMounts: k8s.VolumeMount[] = [];

  constructor(scope: Construct, id: string, props: GatewayTenantKeysProps) {
    super(scope, id);
    for (const tenant of props.tenants) {
      if (tenant.state !== 'active') throw new Error(`tenants must all be active, but "${tenant.id}" is ${tenant.state}: its Key Vault may not exist yet and a failed mount would stop every gateway pod`);
      const name = `tenant-key-${tenant.id}`;
      new SecretProviderClass(this, tenant.id, {
        metadata: { name, namespace: props.namespace, annotations: syncWave(SyncWave.dependencies) },
        spec: {
          provider: 'azure',
          parameters: {
            usePodIdentity: 'false',
            clientID: props.workloadIdentityClientId,
            keyvaultName: tenantKeyVaultName(props.environment.azure.namePrefix, tenant.id),
            tenantId: props.environment.azure.directoryTenantId,
            objects: stringify({ array: [stringify({ objectName: TENANT_KEY_VAULT_SECRETS.inferenceGatewayKey, objectType: 'secret' })] }),
          },
        },
      });
      this.volumes.push({ name, csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: name } } });
      this.volumeMounts.push({ name, mountPath: `${props.keysDir}/${tenant.id}`, readOnly: true });
    }
  }
}
