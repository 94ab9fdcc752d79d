import { FederatedIdentityCredential } from '../imports/azurerm/federated-identity-credential/index.js';
import { UserAssignedIdentity } from '../imports/azurerm/user-assigned-identity/index.js';
import { Construct } from 'constructs';

/** Props of {@link WorkloadIdentity}. */
export interface WorkloadIdentityProps {
  /** Identity name. */
  readonly name: string;
  /** Resource group. */
  readonly resourceGroupName: string;
  /** Region. */
  readonly location: string;
  /** OIDC issuer URL of the AKS cluster. */
  readonly oidcIssuerUrl: string;
  /** Namespace of the ServiceAccount. */
  readonly namespace: string;
  /** ServiceAccount name. */
  readonly serviceAccount: string;
}

/**
 * A user-assigned managed identity that exactly one Kubernetes ServiceAccount can use through
 * workload identity: the federated credential trusts the cluster's OIDC issuer for the subject
 * `system:serviceaccount:<namespace>:<serviceAccount>` only.
 * @see https://learn.microsoft.com/azure/aks/workload-identity-overview
 */
export class WorkloadIdentity extends Construct {
  /** The identity; its `clientId` goes into `environments/<env>/tenant-identities.yaml`. */
  public readonly identity: UserAssignedIdentity;

  constructor(scope: Construct, id: string, props: WorkloadIdentityProps) {
    super(scope, id);
    this.identity = new UserAssignedIdentity(this, 'identity', { name: props.name, resourceGroupName: props.resourceGroupName, location: props.location });
    new FederatedIdentityCredential(this, 'federated-credential', {
      name: `${props.namespace}-${props.serviceAccount}`,
      userAssignedIdentityId: this.identity.id,
      issuer: props.oidcIssuerUrl,
      subject: `system:serviceaccount:${props.namespace}:${props.serviceAccount}`,
      audience: ['api://AzureADTokenExchange'],
    });
  }
}
