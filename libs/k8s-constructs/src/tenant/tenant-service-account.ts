import type { Tenant } from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { syncWave, SyncWave } from '../common/sync-waves';
import { TenantWorkloads } from './tenant-workloads';

/** Props of {@link TenantServiceAccount}. */
export interface TenantServiceAccountProps {
  /** The tenant; must have a workload identity client id (state `active`). */
  readonly tenant: Tenant;
}

/**
 * ServiceAccount federated with the tenant's user-assigned managed identity (Azure workload
 * identity). The identity can read only this tenant's Key Vault and uploads container.
 * @see https://learn.microsoft.com/azure/aks/workload-identity-overview
 */
export class TenantServiceAccount extends Construct {
  /** ServiceAccount name. */
  public readonly name: string = TenantWorkloads.serviceAccountName;

  constructor(scope: Construct, id: string, props: TenantServiceAccountProps) {
    super(scope, id);
    const { tenant } = props;
    if (!tenant.workloadIdentityClientId) {
      throw new Error(`tenant "${tenant.id}" has no workload identity client id; render it as "provisioning" until platform-infra creates the identity`);
    }
    new k8s.KubeServiceAccount(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: tenant.namespace,
        annotations: { ...syncWave(SyncWave.dependencies), 'azure.workload.identity/client-id': tenant.workloadIdentityClientId },
        labels: { 'azure.workload.identity/use': 'true' },
      },
      // Pods of this account never call the Kubernetes API.
      automountServiceAccountToken: false,
    });
  }
}
