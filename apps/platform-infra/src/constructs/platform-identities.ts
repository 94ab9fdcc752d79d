import { DataAzurermUserAssignedIdentity } from '../imports/azurerm/data-azurerm-user-assigned-identity/index.js';
import { RoleAssignment } from '../imports/azurerm/role-assignment/index.js';
import { DATABASE_BOOTSTRAP_NAME, DATABASE_BOOTSTRAP_NAMESPACE, MODEL_SEEDER_SERVICE_ACCOUNT } from '@panal/k8s-constructs';
import { Construct } from 'constructs';
import type { PlatformIdentityKey, PlatformNames } from '../naming';
import { WorkloadIdentity } from './workload-identity';

/** A Kubernetes ServiceAccount: the subject `system:serviceaccount:<namespace>:<name>` of a federated credential. */
export interface ServiceAccountRef {
  /** Namespace. */
  readonly namespace: string;
  /** ServiceAccount name. */
  readonly name: string;
}

/**
 * The ServiceAccount each platform identity is federated with, as the cluster-addons manifests name
 * them (`environments/<env>/environment.yaml` `inferenceGateway` and `otelCollector`, the `model-store`
 * namespace of the seeding Job). `workload-identity-federation.test.ts` renders the manifests and fails
 * when one of them moves without this table.
 */
export const PLATFORM_SERVICE_ACCOUNTS: Readonly<Record<PlatformIdentityKey, ServiceAccountRef>> = {
  inferenceGateway: { namespace: 'inference-gateway', name: 'inference-gateway' },
  // The AKS KEDA add-on runs its operator as kube-system/keda-operator. A TriggerAuthentication with
  // provider azure-workload makes the operator request the token with its own ServiceAccount and the
  // identityId as client id, so the credential must trust that ServiceAccount, not the scaled workload.
  // @see https://learn.microsoft.com/azure/aks/keda-workload-identity
  kedaOperator: { namespace: 'kube-system', name: 'keda-operator' },
  modelSeeder: { namespace: 'model-store', name: MODEL_SEEDER_SERVICE_ACCOUNT },
  otelCollector: { namespace: 'observability', name: 'otel-collector' },
  databaseBootstrap: { namespace: DATABASE_BOOTSTRAP_NAMESPACE, name: DATABASE_BOOTSTRAP_NAME },
  // The ALB controller chart runs as azure-alb-system/alb-controller-sa (fixed by the chart).
  // @see https://learn.microsoft.com/azure/application-gateway/for-containers/quickstart-deploy-application-gateway-for-containers-alb-controller
  albController: { namespace: 'azure-alb-system', name: 'alb-controller-sa' },
  // cert-manager's controller ServiceAccount in its chart's default release (namespace cert-manager).
  // @see https://cert-manager.io/docs/configuration/acme/dns01/azuredns/
  certManager: { namespace: 'cert-manager', name: 'cert-manager' },
};

/** Platform identity keys in a fixed order (construct ids and outputs are API). */
export const PLATFORM_IDENTITY_KEYS = Object.keys(PLATFORM_SERVICE_ACCOUNTS).sort() as PlatformIdentityKey[];

/** Props of {@link PlatformIdentities}. */
export interface PlatformIdentitiesProps {
  /** Resource group of the identities (the aks stack's: they live and die with the cluster they trust). */
  readonly resourceGroupName: string;
  /** Region. */
  readonly location: string;
  /** OIDC issuer URL of the AKS cluster. */
  readonly oidcIssuerUrl: string;
  /** Shared names (`platformIdentities`). */
  readonly names: PlatformNames;
  /** Azure Monitor workspace the KEDA operator queries (managed Prometheus). */
  readonly monitorWorkspaceId: string;
  /**
   * Where the OpenTelemetry Collector publishes traces and logs. Azure Monitor OTLP ingestion
   * authorizes a write with Monitoring Metrics Publisher on the data collection rule that receives it.
   * @see https://learn.microsoft.com/azure/azure-monitor/containers/opentelemetry-protocol-ingestion
   */
  readonly telemetryPublishScopeId: string;
  /**
   * ServiceAccount of each identity.
   * @default PLATFORM_SERVICE_ACCOUNTS
   */
  readonly serviceAccounts?: Readonly<Record<PlatformIdentityKey, ServiceAccountRef>>;
}

/**
 * One workload identity per platform ServiceAccount whose client id the manifests take from
 * `platformClientIds` (inference gateway, model seeder, KEDA operator, OpenTelemetry Collector, database
 * bootstrap), each
 * federated with exactly its ServiceAccount, and the roles that need only what this stack can see:
 *
 * - KEDA operator: Monitoring Data Reader on the Azure Monitor workspace (without it the premium
 *   pool never wakes from zero: the activity query fails).
 * - OpenTelemetry Collector: Monitoring Metrics Publisher on `telemetryPublishScopeId`.
 *
 * The others get their roles where their resources are: the model seeder Storage Blob Data Reader
 * on the models container (storage stack), the database bootstrap Entra administrator of PostgreSQL
 * (data stack) and Secrets User of each tenant vault (tenants stack), the inference gateway Secrets
 * User of the gateway keys vault only (tenants stack, GatewayKeysVault). Those stacks find the identity
 * with {@link lookupPlatformIdentity}.
 * @see https://learn.microsoft.com/azure/aks/workload-identity-overview
 */
export class PlatformIdentities extends Construct {
  /** Workload identity by `platformClientIds` key. */
  public readonly identities: Readonly<Record<PlatformIdentityKey, WorkloadIdentity>>;

  constructor(scope: Construct, id: string, props: PlatformIdentitiesProps) {
    super(scope, id);
    const accounts = props.serviceAccounts ?? PLATFORM_SERVICE_ACCOUNTS;
    const identities = {} as Record<PlatformIdentityKey, WorkloadIdentity>;
    for (const key of PLATFORM_IDENTITY_KEYS) {
      const sa = accounts[key];
      if (!sa) throw new Error(`serviceAccounts.${key} must name the ServiceAccount of the ${key} identity, but it is missing`);
      identities[key] = new WorkloadIdentity(this, key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), {
        name: props.names.platformIdentities[key],
        resourceGroupName: props.resourceGroupName,
        location: props.location,
        oidcIssuerUrl: props.oidcIssuerUrl,
        namespace: sa.namespace,
        serviceAccount: sa.name,
      });
    }
    this.identities = identities;
    const grant = (name: string, key: PlatformIdentityKey, role: string, scopeId: string) =>
      new RoleAssignment(this, name, { scope: scopeId, roleDefinitionName: role, principalId: identities[key].identity.principalId, principalType: 'ServicePrincipal' });
    grant('keda-operator-reads-prometheus', 'kedaOperator', 'Monitoring Data Reader', props.monitorWorkspaceId);
    grant('otel-collector-publishes-telemetry', 'otelCollector', 'Monitoring Metrics Publisher', props.telemetryPublishScopeId);
  }

  /** Client id of every identity, by `platformClientIds` key: what the pipeline writes to `tenant-identities.yaml`. */
  public clientIds(): Record<PlatformIdentityKey, string> {
    return Object.fromEntries(PLATFORM_IDENTITY_KEYS.map((key) => [key, this.identities[key].identity.clientId])) as Record<PlatformIdentityKey, string>;
  }
}

/**
 * A data source for a platform identity, for the stacks applied after aks that grant it a role
 * on their own resources (storage: the model seeder; data and tenants: the database bootstrap;
 * tenants: the inference gateway).
 */
export function lookupPlatformIdentity(scope: Construct, id: string, names: PlatformNames, key: PlatformIdentityKey): DataAzurermUserAssignedIdentity {
  return new DataAzurermUserAssignedIdentity(scope, id, { name: names.platformIdentities[key], resourceGroupName: names.resourceGroup('aks') });
}
