import { ResourceGroup } from '../imports/azurerm/resource-group/index.js';
import { DEFAULT_NODE_POOLS, NodePool } from '@panal/platform-model';
import { Testing, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { PROD } from '../environments/prod';
import { AksCluster } from './aks-cluster';
import { AksNodePool } from './aks-node-pool';
import { ArgoCdBootstrap } from './argocd-bootstrap';
import { skipCheckov } from './checkov-skip';
import { ModelStorage } from './model-storage';
import { platformNames } from '../naming';
import { PostgresServer } from './postgres-server';
import { PrivateKeyVault } from './private-key-vault';
import { PrivateStorageAccount } from './private-storage-account';

/** Runs `build` inside a fresh test stack. */
const inStack = (build: (scope: Construct, rg: ResourceGroup) => void) => () =>
  Testing.synthScope((scope) => build(scope, new ResourceGroup(scope, 'rg', { name: 'rg', location: 'swedencentral' })));
const cpu = DEFAULT_NODE_POOLS.find((p) => p.name === NodePool.cpu1)!;
const vault = { name: 'kv-ok', resourceGroupName: 'rg', location: 'swedencentral', directoryTenantId: PROD.directoryTenantId, privateEndpointSubnetId: 's', privateDnsZoneId: 'z', logAnalyticsWorkspaceId: 'l' };
const account = { name: 'okaccount', resourceGroupName: 'rg', location: 'swedencentral', kind: 'blob' as const, privateEndpointSubnetId: 's', privateDnsZoneId: 'z', logAnalyticsWorkspaceId: 'l' };
const postgres = (rg: ResourceGroup) => ({ resourceGroup: rg, name: 'psql', settings: PROD.postgres, delegatedSubnetId: 's', privateDnsZoneId: 'z', directoryTenantId: PROD.directoryTenantId, administratorPassword: 'x', logAnalyticsWorkspaceId: 'l' });
const cluster = (rg: ResourceGroup) => ({ resourceGroup: rg, name: 'aks', identityName: 'id', settings: PROD.aks, nodeSubnetId: 's', podCidr: PROD.network.podCidr, serviceCidr: PROD.network.serviceCidr, logAnalyticsWorkspaceId: 'l', directoryTenantId: PROD.directoryTenantId });

describe('construct invariants', () => {
  it('fails an AksNodePool for a System pool', () =>
    expect(inStack((s) => new AksNodePool(s, 'p', { kubernetesClusterId: 'c', vnetSubnetId: 's', orchestratorVersion: '1.36', spec: { ...cpu, mode: 'System' } }))).toThrow(/^spec.mode must be "User" .* but "System" was provided$/));
  it('fails an AksNodePool that can never have a node', () =>
    expect(inStack((s) => new AksNodePool(s, 'p', { kubernetesClusterId: 'c', vnetSubnetId: 's', orchestratorVersion: '1.36', spec: { ...cpu, minCount: 0, maxCount: 0 } }))).toThrow(/^spec.maxCount must be at least max\(minCount, 1\) for pool "cpu1"/));
  it('fails an AksCluster without the system pool', () =>
    expect(inStack((s, rg) => new AksCluster(s, 'a', { ...cluster(rg), settings: { ...PROD.aks, nodePools: PROD.aks.nodePools.filter((p) => p.name !== NodePool.system) } }))).toThrow(/^settings.nodePools must contain the "system" pool/));
  it('fails an AksCluster whose system pool lacks CriticalAddonsOnly', () =>
    expect(inStack((s, rg) => new AksCluster(s, 'a', { ...cluster(rg), settings: { ...PROD.aks, nodePools: PROD.aks.nodePools.map((p) => (p.name === NodePool.system ? { ...p, taints: [] } : p)) } }))).toThrow(/^settings.nodePools\[system\].taints must include CriticalAddonsOnly/));
  it('fails a Key Vault name Azure would reject', () => expect(inStack((s) => new PrivateKeyVault(s, 'v', { ...vault, name: 'kv--this-name-is-far-too-long' }))).toThrow(/^name must be 3-24 letters/));
  it('fails a Key Vault soft-delete retention outside 7-90 days', () => expect(inStack((s) => new PrivateKeyVault(s, 'v', { ...vault, softDeleteRetentionDays: 5 }))).toThrow(/^softDeleteRetentionDays must be 7-90, but 5 was provided$/));
  it('fails a storage account name Azure would reject', () => expect(inStack((s) => new PrivateStorageAccount(s, 'a', { ...account, name: 'Bad-Name' }))).toThrow(/^name must be 3-24 lower-case letters or digits, but "Bad-Name" was provided$/));
  it('fails a storage soft-delete window outside 1-365 days', () => expect(inStack((s) => new PrivateStorageAccount(s, 'a', { ...account, softDeleteDays: 0 }))).toThrow(/^softDeleteDays must be 1-365, but 0 was provided$/));
  it('fails a model share that cannot load the largest model in time', () =>
    expect(
      inStack((s) => new ModelStorage(s, 'm', { resourceGroupName: 'rg', location: 'x', names: platformNames(PROD), settings: { ...PROD.modelStorage, nfsShareGiB: 100 }, privateEndpointSubnetId: 's', logAnalyticsWorkspaceId: 'l', privateDnsZoneIds: { blob: 'b', file: 'f' } })),
    ).toThrow(/^settings.nfsShareGiB must let a node read 40 GiB within 3 min, but 100 GiB takes 6.2 min$/));
  it('fails a zone-redundant server whose standby shares the primary zone', () =>
    expect(inStack((s, rg) => new PostgresServer(s, 'p', { ...postgres(rg), settings: { ...PROD.postgres, standbyZone: '1' } }))).toThrow(/^settings.standbyZone must differ from settings.primaryZone/));
  it('fails an Argo CD chart version range', () =>
    expect(inStack((s) => new ArgoCdBootstrap(s, 'a', { settings: { ...PROD.gitops, argocdChartVersion: '9.x' }, directoryTenantId: PROD.directoryTenantId, environment: 'prod', bootstrapObjects: [] }))).toThrow(/^settings.argocdChartVersion must be an exact x.y.z version, but "9.x" was provided$/));
  it('fails a checkov skip with a malformed id or without a real reason', () => {
    const stack = new TerraformStack(Testing.app(), 's');
    const rg = new ResourceGroup(stack, 'rg', { name: 'rg', location: 'x' });
    expect(() => skipCheckov(rg, 'AZURE_1', 'a long enough reason for the skip')).toThrow(/^checkId must look like CKV_AZURE_123/);
    expect(() => skipCheckov(rg, 'CKV_AZURE_1', 'because')).toThrow(/^reason must explain the skip of CKV_AZURE_1 in at least 20 characters/);
  });
});
