import { GPU_TAINT, NodePool, type NodePoolSpec } from '@panal/platform-model';
import { describe, expect, it } from 'vitest';
import { addressPlan } from './address-plan';
import { DEV } from './dev';
import { INFRA_ENVIRONMENTS } from './index';
import type { InfraEnvironment } from './infra-environment';
import { modelLoadMinutes, premiumFilesThroughputMiBps } from './model-load-time';
import { PROD } from './prod';
import { InfraEnvironmentError, validateInfraEnvironment } from './validate-environment';

/** PROD with one pool changed. */
const withPool = (name: string, change: Partial<NodePoolSpec>): InfraEnvironment => ({
  ...PROD,
  aks: { ...PROD.aks, nodePools: PROD.aks.nodePools.map((p) => (p.name === name ? { ...p, ...change } : p)) },
});

/** Asserts the environment is rejected with exactly one problem that matches. */
function expectProblem(env: InfraEnvironment, pattern: RegExp) {
  try {
    validateInfraEnvironment(env);
  } catch (err) {
    expect(err).toBeInstanceOf(InfraEnvironmentError);
    const problems = (err as InfraEnvironmentError).problems;
    expect(problems.some((p) => pattern.test(p)), `problems were:\n${problems.join('\n')}`).toBe(true);
    return;
  }
  throw new Error('expected the environment to be rejected');
}

describe('environments', () => {
  it('prod and dev are valid', () => {
    for (const env of Object.values(INFRA_ENVIRONMENTS)) expect(() => validateInfraEnvironment(env)).not.toThrow();
  });

  it('dev differs from prod only where typed settings say so, and keeps pool names, taints and labels', () => {
    expect(DEV.aks.nodePools.map((p) => [p.name, p.taints, p.labels, p.zones, p.minCount, p.spot])).toEqual(PROD.aks.nodePools.map((p) => [p.name, p.taints, p.labels, p.zones, p.minCount, p.spot]));
    expect(DEV.postgres.highAvailability).toBe('Disabled');
    expect(PROD.postgres.highAvailability).toBe('ZoneRedundant');
    expect(PROD.postgres.geoRedundantBackup).toBe(true);
  });

  it('sizes the prod model share so 40 GiB loads in under 3 minutes (ADR 0010 arithmetic)', () => {
    expect(premiumFilesThroughputMiBps(1024)).toBe(203);
    expect(modelLoadMinutes(40, 1024)).toBeCloseTo(3.36, 1);
    expect(premiumFilesThroughputMiBps(PROD.modelStorage.nfsShareGiB)).toBe(305);
    expect(modelLoadMinutes(PROD.modelStorage.largestModelGiB, PROD.modelStorage.nfsShareGiB)).toBeLessThan(3);
  });

  it('derives each environment\'s address plan from one octet, and fails one outside 0-255', () => {
    expect(addressPlan(20)).toEqual(PROD.network);
    expect(() => addressPlan(256)).toThrow(/^secondOctet must be an integer 0-255, but 256 was provided$/);
  });

  it('lists every problem at once, naming the environment', () => {
    expect(() => validateInfraEnvironment({ ...PROD, namePrefix: 'X', region: 'Sweden Central' })).toThrow(/environment "prod" is invalid \(2 problems\)/);
  });
});

describe('validation rules', () => {
  it('fails a name prefix that is not 3-8 lower-case characters', () => expectProblem({ ...PROD, namePrefix: 'panal-prod' }, /^namePrefix must be 3-8 .* but "panal-prod" was provided$/));
  it('fails a region that is not an Azure region name', () => expectProblem({ ...PROD, region: 'Sweden Central' }, /^region must be an Azure region name/));
  it('fails a tenant shard count that is not an integer between 1 and 100', () => {
    for (const tenantShards of [0, 2.5, 101]) expectProblem({ ...PROD, state: { ...PROD.state, tenantShards } }, /^state.tenantShards must be an integer between 1 and 100 .* but .* was provided$/);
  });
  it('fails a directory tenant id that is not a GUID', () => expectProblem({ ...PROD, directoryTenantId: 'contoso' }, /^directoryTenantId must be a lower-case GUID/));
  it('fails a CIDR that is not canonical', () => expectProblem({ ...PROD, network: { ...PROD.network, gatewaySubnetCidr: '10.20.18.1/24' } }, /^network.gatewaySubnetCidr must be a canonical IPv4 CIDR/));
  it('fails a subnet outside the VNet', () => expectProblem({ ...PROD, network: { ...PROD.network, gatewaySubnetCidr: '10.99.0.0/24' } }, /^network.gatewaySubnetCidr must lie inside network.vnetCidr/));
  it('fails overlapping subnets', () => expectProblem({ ...PROD, network: { ...PROD.network, postgresSubnetCidr: '10.20.0.0/24' } }, /^network.postgresSubnetCidr must not overlap network.aksNodesSubnetCidr/));
  it('fails a pod range that overlaps the VNet', () => expectProblem({ ...PROD, network: { ...PROD.network, podCidr: '10.20.128.0/17' } }, /^network.podCidr must not overlap network.vnetCidr/));
  it('fails a service range that overlaps the pods', () => expectProblem({ ...PROD, network: { ...PROD.network, serviceCidr: '192.168.0.0/24' } }, /^network.serviceCidr must not overlap network.podCidr/));
  it('fails pools that are not exactly the platform-model pools', () =>
    expectProblem({ ...PROD, aks: { ...PROD.aks, nodePools: PROD.aks.nodePools.filter((p) => p.name !== NodePool.gpuOnDemand) } }, /^aks.nodePools must define exactly the platform-model pools/));
  it('fails a GPU or system pool that does not span three zones', () => expectProblem(withPool(NodePool.gpuSpot, { zones: ['1', '2'] }), /^aks.nodePools\[gpuspot\].zones must span zones 1, 2 and 3/));
  it('fails a CPU pool over more than one zone', () => expectProblem(withPool(NodePool.cpu1, { zones: ['1', '2'] }), /^aks.nodePools\[cpu1\].zones must be exactly one zone/));
  it('fails CPU pools that leave a zone without one', () => expectProblem(withPool(NodePool.cpu3, { zones: ['2'] }), /^aks.nodePools must give each of zones 1, 2 and 3 exactly one CPU pool .* but \["1","2","2"\] was provided$/));
  it('fails a pool whose maximum is below its minimum', () => expectProblem(withPool(NodePool.cpu1, { minCount: 3, maxCount: 2 }), /^aks.nodePools\[cpu1\].maxCount must be at least minCount 3/));
  it('fails a GPU pool that cannot scale to zero', () => expectProblem(withPool(NodePool.gpuSpot, { minCount: 1 }), /^aks.nodePools\[gpuspot\].minCount must be 0 so the GPU pool scales to zero/));
  it('fails a GPU pool without the GPU taint', () => expectProblem(withPool(NodePool.gpuOnDemand, { taints: [] }), new RegExp(`^aks.nodePools\\[gpuondemand\\].taints must include ${GPU_TAINT.key.replace('.', '\\.')}`)));
  it('fails a system pool with fewer than 3 nodes', () => expectProblem(withPool(NodePool.system, { minCount: 2 }), /^aks.nodePools\[system\].minCount must be at least 3/));
  it('fails spot capacity outside the GPU user pools', () => expectProblem(withPool(NodePool.cpu2, { spot: true }), /^aks.nodePools must use spot capacity only for GPU user pools/));
  it('fails an autoscaler provision timeout that delays the on-demand fallback', () =>
    expectProblem({ ...PROD, aks: { ...PROD.aks, autoscaler: { ...PROD.aks.autoscaler, maxNodeProvisionTimeMinutes: 15.5 } } }, /^aks.autoscaler.maxNodeProvisionTimeMinutes must be 3-15/));
  it('fails a GPU idle window outside 5-60 minutes', () =>
    expectProblem({ ...PROD, aks: { ...PROD.aks, autoscaler: { ...PROD.aks.autoscaler, scaleDownUnneededMinutes: 2 } } }, /^aks.autoscaler.scaleDownUnneededMinutes must be 5-60/));
  it('fails an admin group that is not a GUID', () => expectProblem({ ...PROD, aks: { ...PROD.aks, adminGroupObjectIds: ['admins'] } }, /^aks.adminGroupObjectIds\[0\] must be a lower-case GUID/));
  it('fails a backup retention outside 7-35 days', () => expectProblem({ ...PROD, postgres: { ...PROD.postgres, backupRetentionDays: 3 } }, /^postgres.backupRetentionDays must be 7-35 days, but 3 was provided$/));
  it('fails a storage size Flexible Server does not offer', () => expectProblem({ ...PROD, postgres: { ...PROD.postgres, storageMiB: 100000 } }, /^postgres.storageMiB must be one of/));
  it('fails a SKU that is not General Purpose', () => expectProblem({ ...PROD, postgres: { ...PROD.postgres, skuName: 'B_Standard_B2s' } }, /^postgres.skuName must be a General Purpose SKU/));
  it('fails a standby in the primary zone', () => expectProblem({ ...PROD, postgres: { ...PROD.postgres, standbyZone: '1' } }, /^postgres.standbyZone must differ from postgres.primaryZone 1/));
  it('fails a share outside Premium Files limits', () => expectProblem({ ...PROD, modelStorage: { ...PROD.modelStorage, nfsShareGiB: 50 } }, /^modelStorage.nfsShareGiB must be 100-102400 GiB/));
  it('fails a share too small to load the largest model in time', () =>
    expectProblem({ ...PROD, modelStorage: { ...PROD.modelStorage, nfsShareGiB: 512 } }, /^modelStorage.nfsShareGiB must give enough throughput to read 40 GiB in 3 min \(it gives 152 MiB\/s, 4.5 min\)/));
  it('fails a tenant domain that is not a lower-case DNS domain', () => {
    expectProblem({ ...PROD, edge: { tenantDomain: 'Chat.Example.com' } }, /^edge.tenantDomain must be a lower-case DNS domain such as chat.example.com .* but "Chat.Example.com" was provided$/);
    expectProblem({ ...PROD, edge: { tenantDomain: '*.chat.example.com' } }, /^edge.tenantDomain must be a lower-case DNS domain/);
  });
  it('gives prod and dev different tenant zones', () => expect(DEV.edge.tenantDomain).not.toBe(PROD.edge.tenantDomain));
  it('fails a repository URL that is not https or ssh', () => expectProblem({ ...PROD, gitops: { ...PROD.gitops, repoUrl: 'file:///repo' } }, /^gitops.repoUrl must be an https or ssh git URL/));
  it('fails a chart version range', () => expectProblem({ ...PROD, gitops: { ...PROD.gitops, argocdChartVersion: '^9.1.0' } }, /^gitops.argocdChartVersion must be an exact chart version/));
});
