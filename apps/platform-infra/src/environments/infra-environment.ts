import type { NodePoolSpec } from '@panal/platform-model';

/** Where Terraform keeps the state of every stack of an environment (azurerm backend). */
export interface StateBackendSettings {
  /** Resource group of the state storage account (created once, outside these stacks). */
  readonly resourceGroupName: string;
  /** Storage account that holds the state blobs (encrypted at rest, Entra ID auth, no shared keys). */
  readonly storageAccountName: string;
  /** Blob container; each stack writes `<env>/<stack>.tfstate`. */
  readonly containerName: string;
  /**
   * How many tenant shard stacks (`tenants-00` … `tenants-<n-1>`, each with its own state) hold the
   * tenants' Azure resources; a tenant's shard is a hash of its id (`tenantShardOf`), so a new tenant
   * changes one shard only. Changing it moves tenants between states: see
   * docs/runbooks/migrar-estado-de-inquilinos-a-shards.md before doing so.
   */
  readonly tenantShards: number;
}

/** Address plan of the environment's virtual network. */
export interface NetworkSettings {
  /** Address space of the VNet. */
  readonly vnetCidr: string;
  /** AKS node subnet (Azure CNI Overlay: pods get addresses from `podCidr`, not from here). */
  readonly aksNodesSubnetCidr: string;
  /** Subnet delegated to PostgreSQL Flexible Server (private access). */
  readonly postgresSubnetCidr: string;
  /** Private endpoints of Key Vaults and Storage. */
  readonly privateEndpointsSubnetCidr: string;
  /** Subnet delegated to Application Gateway for Containers (edge). */
  readonly gatewaySubnetCidr: string;
  /** `AzureFirewallSubnet` of the egress firewall (at least /26). */
  readonly firewallSubnetCidr: string;
  /** Overlay pod range (must not overlap the VNet). */
  readonly podCidr: string;
  /** Kubernetes Service range (must not overlap the VNet nor the pods). */
  readonly serviceCidr: string;
}

/** Cluster autoscaler timings (the profile is cluster-wide in AKS). */
export interface AutoscalerSettings {
  /** How long the autoscaler waits for a node before it gives up on a pool (spot stock-out → fallback pool). */
  readonly maxNodeProvisionTimeMinutes: number;
  /** How long a node must be unneeded before it is removed: the GPU idle window. */
  readonly scaleDownUnneededMinutes: number;
  /** Pause after a scale-up before scale-down is considered again. */
  readonly scaleDownDelayAfterAddMinutes: number;
}

/** The AKS cluster. */
export interface AksSettings {
  /** Kubernetes minor version (the newest GA one, ADR 0001). */
  readonly kubernetesVersion: string;
  /** Node pools, generated from `@panal/platform-model` definitions. */
  readonly nodePools: readonly NodePoolSpec[];
  /** Autoscaler profile. */
  readonly autoscaler: AutoscalerSettings;
  /** Entra ID groups that are cluster admins (Azure RBAC for Kubernetes; local accounts are off). */
  readonly adminGroupObjectIds: readonly string[];
}

/** PostgreSQL Flexible Server. */
export interface PostgresSettings {
  /** Compute SKU (General Purpose). */
  readonly skuName: string;
  /** PostgreSQL major version. */
  readonly version: '16' | '17';
  /** Storage size in MiB (an allowed Flexible Server size). */
  readonly storageMiB: number;
  /** `ZoneRedundant` keeps a synchronous standby in another zone. */
  readonly highAvailability: 'ZoneRedundant' | 'Disabled';
  /** Zone of the primary server. */
  readonly primaryZone: '1' | '2' | '3';
  /** Zone of the standby server (must differ from the primary). */
  readonly standbyZone: '1' | '2' | '3';
  /** Point-in-time restore window, 7-35 days. */
  readonly backupRetentionDays: number;
  /** Copy backups to the paired region. */
  readonly geoRedundantBackup: boolean;
  /**
   * Tenants this server is sized for: PgBouncer's pool per tenant comes from it
   * (`postgresConnectionBudget`), and the tenants stack refuses more (shard to a second server).
   */
  readonly tenantCapacity: number;
  /** Server connections kept out of PgBouncer's pools for the platform (db-bootstrap, restores, operators). */
  readonly platformReservedConnections: number;
}

/** Central model store. */
export interface ModelStorageSettings {
  /** Size of the Premium NFS share (hot copy); Premium Files v1 throughput grows with it. */
  readonly nfsShareGiB: number;
  /** Largest model file set a pod loads at cold start (Llama3-70B Q4 ≈ 40 GiB). */
  readonly largestModelGiB: number;
  /** Longest acceptable time to read the largest model from the share. */
  readonly maxModelLoadMinutes: number;
}

/** Argo CD bootstrap. */
export interface GitOpsSettings {
  /** This repository, as Argo CD clones it. */
  readonly repoUrl: string;
  /** Branch Argo CD follows. */
  readonly revision: string;
  /** Argo CD Helm chart version (argo/argo-cd), pinned. */
  readonly argocdChartVersion: string;
  /** Host name of the Argo CD UI (used for the Entra ID SSO redirect URI). */
  readonly argocdHostname: string;
}

/** The edge: Application Gateway for Containers, its WAF and the public DNS of tenant hostnames. */
export interface EdgeSettings {
  /**
   * Public DNS zone of tenant hostnames (`<label>.<tenantDomain>`, one wildcard certificate), the same
   * value as `edge.tenantDomain` in `environments/<env>/environment.yaml`. The aks stack creates the
   * zone; its parent domain delegates to the zone's name servers.
   */
  readonly tenantDomain: string;
}

/** Everything that differs between deployments of the platform (prod, dev). */
export interface InfraEnvironment {
  /** Environment name: folder under `dist/terraform/` and `environments/`. */
  readonly name: string;
  /** Azure region (3 availability zones and H100 capacity: ADR 0006). */
  readonly region: string;
  /** Prefix of globally unique Azure names; the same value as `azure.namePrefix` in `environments/<env>/environment.yaml`. */
  readonly namePrefix: string;
  /** Entra ID directory (tenant) id. */
  readonly directoryTenantId: string;
  /** Tags put on every resource group. */
  readonly tags: Readonly<Record<string, string>>;
  /** Remote state. */
  readonly state: StateBackendSettings;
  /** Address plan. */
  readonly network: NetworkSettings;
  /** Cluster. */
  readonly aks: AksSettings;
  /** Database. */
  readonly postgres: PostgresSettings;
  /** Model store. */
  readonly modelStorage: ModelStorageSettings;
  /** GitOps bootstrap. */
  readonly gitops: GitOpsSettings;
  /** Edge (ingress). */
  readonly edge: EdgeSettings;
}
