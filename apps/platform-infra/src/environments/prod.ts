import { DEFAULT_NODE_POOLS } from '@panal/platform-model';
import { addressPlan } from './address-plan';
import type { InfraEnvironment } from './infra-environment';

/**
 * Production: Sweden Central (3 zones, H100 NVL capacity: ADR 0006), the platform-model pools as
 * they are, zone-redundant PostgreSQL with geo-redundant backups.
 * Identifiers are placeholders (all-zero GUIDs): nothing here is a secret.
 */
export const PROD: InfraEnvironment = {
  name: 'prod',
  region: 'swedencentral',
  namePrefix: 'pnlprd',
  directoryTenantId: '00000000-0000-0000-0000-000000000000',
  tags: { 'panal.io/environment': 'prod', 'panal.io/managed-by': 'platform-infra' },
  state: { resourceGroupName: 'rg-pnlprd-tfstate', storageAccountName: 'pnlprdtfstate', containerName: 'tfstate', tenantShards: 16 },
  network: addressPlan(20),
  aks: {
    kubernetesVersion: '1.36',
    nodePools: DEFAULT_NODE_POOLS,
    autoscaler: { maxNodeProvisionTimeMinutes: 10, scaleDownUnneededMinutes: 10, scaleDownDelayAfterAddMinutes: 10 },
    adminGroupObjectIds: ['00000000-0000-0000-0000-0000000000ad'],
  },
  postgres: {
    // 8 vCores: the smallest size whose 3,437 connections give 1,000 tenants 3 server connections each (postgres-connections.ts).
    skuName: 'GP_Standard_D8ds_v5',
    version: '16',
    storageMiB: 262144,
    highAvailability: 'ZoneRedundant',
    primaryZone: '1',
    standbyZone: '2',
    backupRetentionDays: 35,
    geoRedundantBackup: true,
    tenantCapacity: 1000,
    platformReservedConnections: 30,
  },
  modelStorage: { nfsShareGiB: 2048, largestModelGiB: 40, maxModelLoadMinutes: 3 },
  gitops: {
    repoUrl: 'https://git.example.com/panal/platform.git',
    revision: 'main',
    argocdChartVersion: '9.1.0',
    argocdHostname: 'argocd.prod.panal.example.com',
  },
  // Placeholder domain (example.com is reserved): tenants are <label>.chat.panal.example.com.
  edge: { tenantDomain: 'chat.panal.example.com' },
};
