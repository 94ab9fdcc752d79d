import { DEFAULT_NODE_POOLS, GPU_TAINT, NodePool, poolRole, PoolRole, ZONES } from '@panal/platform-model';
import { cidrContains, cidrsOverlap, parseCidr } from './cidr';
import { MAX_TENANT_SHARDS } from '../naming';
import type { InfraEnvironment } from './infra-environment';
import { modelLoadMinutes, premiumFilesThroughputMiBps } from './model-load-time';
import { postgresConnectionBudget } from './postgres-connections';

/** Thrown when an environment breaks a rule; lists every broken rule, not only the first. */
export class InfraEnvironmentError extends Error {
  /** One line per broken rule: `<prop> must …, but <value> was provided`. */
  public readonly problems: readonly string[];

  constructor(envName: string, problems: readonly string[]) {
    super(`environment "${envName}" is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was synthesized:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InfraEnvironmentError';
    this.problems = problems;
  }
}

const PREFIX = /^[a-z][a-z0-9]{2,7}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Storage sizes Flexible Server accepts, in MiB. */
export const POSTGRES_STORAGE_SIZES_MIB = [32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4193280, 4194304, 8388608, 16777216, 33553408] as const;

const show = (v: unknown) => JSON.stringify(v);

/**
 * Checks every invariant of an environment that the Azure API would only reject at apply time, or
 * would accept and silently break a requirement (zone loss, scale to zero, model load time).
 * @throws InfraEnvironmentError naming the prop, the value and the rule of every problem
 */
export function validateInfraEnvironment(env: InfraEnvironment): void {
  const p: string[] = [];
  const must = (ok: boolean, prop: string, rule: string, value: unknown) => {
    if (!ok) p.push(`${prop} must ${rule}, but ${show(value)} was provided`);
  };

  must(PREFIX.test(env.namePrefix), 'namePrefix', 'be 3-8 lower-case letters or digits starting with a letter (it prefixes globally unique names)', env.namePrefix);
  must(/^[a-z0-9]+$/.test(env.region), 'region', 'be an Azure region name such as swedencentral', env.region);
  must(GUID.test(env.directoryTenantId), 'directoryTenantId', 'be a lower-case GUID', env.directoryTenantId);

  must(Number.isInteger(env.state.tenantShards) && env.state.tenantShards >= 1 && env.state.tenantShards <= MAX_TENANT_SHARDS, 'state.tenantShards', `be an integer between 1 and ${MAX_TENANT_SHARDS} (shard stacks are named tenants-00 … tenants-99)`, env.state.tenantShards);

  const net = env.network;
  const cidrs = Object.entries(net) as [keyof typeof net, string][];
  for (const [key, value] of cidrs) must(!!parseCidr(value), `network.${key}`, 'be a canonical IPv4 CIDR such as 10.0.0.0/24', value);
  if (cidrs.every(([, v]) => parseCidr(v))) {
    const subnets = ['aksNodesSubnetCidr', 'postgresSubnetCidr', 'privateEndpointsSubnetCidr', 'gatewaySubnetCidr', 'firewallSubnetCidr'] as const;
    for (const s of subnets) must(cidrContains(net.vnetCidr, net[s]), `network.${s}`, `lie inside network.vnetCidr ${net.vnetCidr}`, net[s]);
    subnets.forEach((a, i) =>
      subnets.slice(i + 1).forEach((b) => must(!cidrsOverlap(net[a], net[b]), `network.${b}`, `not overlap network.${a} ${net[a]}`, net[b])),
    );
    for (const s of ['podCidr', 'serviceCidr'] as const) must(!cidrsOverlap(net.vnetCidr, net[s]), `network.${s}`, `not overlap network.vnetCidr ${net.vnetCidr}`, net[s]);
    must(!cidrsOverlap(net.podCidr, net.serviceCidr), 'network.serviceCidr', `not overlap network.podCidr ${net.podCidr}`, net.serviceCidr);
  }

  const pools = env.aks.nodePools;
  const names = pools.map((x) => x.name).sort();
  const expected = DEFAULT_NODE_POOLS.map((x) => x.name).sort();
  must(show(names) === show(expected), 'aks.nodePools', `define exactly the platform-model pools ${show(expected)}`, names);
  for (const pool of pools) {
    const at = `aks.nodePools[${pool.name}]`;
    // Autoscaled CPU capacity is one pool per zone (docs/adr/0014-un-pool-de-cpu-por-zona.md); every other pool spans the three zones.
    if (poolRole(pool) === PoolRole.cpu) must(pool.zones.length === 1, `${at}.zones`, 'be exactly one zone (one CPU pool per zone, so a scale-up for a zone-spread pod lands in the zone it needs)', pool.zones);
    else must(show([...pool.zones].sort()) === show(ZONES), `${at}.zones`, 'span zones 1, 2 and 3 so the pool survives the loss of a zone', pool.zones);
    must(pool.maxCount >= pool.minCount, `${at}.maxCount`, `be at least minCount ${pool.minCount}`, pool.maxCount);
    if (pool.gpusPerNode > 0) {
      must(pool.minCount === 0, `${at}.minCount`, 'be 0 so the GPU pool scales to zero when Premium is idle', pool.minCount);
      must(pool.taints.some((t) => t.key === GPU_TAINT.key && t.value === GPU_TAINT.value && t.effect === GPU_TAINT.effect), `${at}.taints`, `include ${GPU_TAINT.key}=${GPU_TAINT.value}:${GPU_TAINT.effect}`, pool.taints);
    }
    if (pool.name === NodePool.system) must(pool.minCount >= 3, `${at}.minCount`, 'be at least 3 (one system node per zone)', pool.minCount);
  }
  const cpuZones = pools.filter((x) => poolRole(x) === PoolRole.cpu).flatMap((x) => x.zones).sort();
  must(show(cpuZones) === show(ZONES), 'aks.nodePools', `give each of zones 1, 2 and 3 exactly one CPU pool (label panal.io/pool=${PoolRole.cpu})`, cpuZones);
  const spot = pools.filter((x) => x.spot);
  must(spot.length > 0 && spot.every((x) => x.gpusPerNode > 0 && x.mode === 'User'), 'aks.nodePools', 'use spot capacity only for GPU user pools (the system pool and CPU pool carry critical, stateful work)', spot.map((x) => x.name));

  const as = env.aks.autoscaler;
  must(as.maxNodeProvisionTimeMinutes >= 3 && as.maxNodeProvisionTimeMinutes <= 15, 'aks.autoscaler.maxNodeProvisionTimeMinutes', 'be 3-15 so a spot stock-out falls back to on-demand in minutes', as.maxNodeProvisionTimeMinutes);
  must(as.scaleDownUnneededMinutes >= 5 && as.scaleDownUnneededMinutes <= 60, 'aks.autoscaler.scaleDownUnneededMinutes', 'be 5-60 (the GPU idle window)', as.scaleDownUnneededMinutes);
  for (const [i, g] of env.aks.adminGroupObjectIds.entries()) must(GUID.test(g), `aks.adminGroupObjectIds[${i}]`, 'be a lower-case GUID', g);

  const pg = env.postgres;
  must(pg.backupRetentionDays >= 7 && pg.backupRetentionDays <= 35, 'postgres.backupRetentionDays', 'be 7-35 days', pg.backupRetentionDays);
  must(Number.isInteger(pg.platformReservedConnections) && pg.platformReservedConnections >= 5, 'postgres.platformReservedConnections', 'be an integer of at least 5 (db-bootstrap, a restore, an operator)', pg.platformReservedConnections);
  try {
    postgresConnectionBudget(pg);
  } catch (e) {
    p.push((e as Error).message);
  }
  must((POSTGRES_STORAGE_SIZES_MIB as readonly number[]).includes(pg.storageMiB), 'postgres.storageMiB', `be one of ${POSTGRES_STORAGE_SIZES_MIB.join(', ')}`, pg.storageMiB);
  must(pg.skuName.startsWith('GP_'), 'postgres.skuName', 'be a General Purpose SKU (GP_…): Burstable has no HA and Memory Optimized is not needed', pg.skuName);
  if (pg.highAvailability === 'ZoneRedundant') must(pg.standbyZone !== pg.primaryZone, 'postgres.standbyZone', `differ from postgres.primaryZone ${pg.primaryZone}`, pg.standbyZone);

  const ms = env.modelStorage;
  must(ms.nfsShareGiB >= 100 && ms.nfsShareGiB <= 102400, 'modelStorage.nfsShareGiB', 'be 100-102400 GiB (Premium Files limits)', ms.nfsShareGiB);
  const minutes = modelLoadMinutes(ms.largestModelGiB, ms.nfsShareGiB);
  must(
    minutes <= ms.maxModelLoadMinutes,
    'modelStorage.nfsShareGiB',
    `give enough throughput to read ${ms.largestModelGiB} GiB in ${ms.maxModelLoadMinutes} min (it gives ${premiumFilesThroughputMiBps(ms.nfsShareGiB)} MiB/s, ${minutes.toFixed(1)} min)`,
    ms.nfsShareGiB,
  );

  must(
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/.test(env.edge.tenantDomain) && env.edge.tenantDomain.length <= 253,
    'edge.tenantDomain',
    'be a lower-case DNS domain such as chat.example.com (the public zone of tenant hostnames)',
    env.edge.tenantDomain,
  );

  must(/^(https:\/\/|ssh:\/\/|git@)\S+$/.test(env.gitops.repoUrl), 'gitops.repoUrl', 'be an https or ssh git URL', env.gitops.repoUrl);
  must(/^\d+\.\d+\.\d+$/.test(env.gitops.argocdChartVersion), 'gitops.argocdChartVersion', 'be an exact chart version x.y.z (no ranges)', env.gitops.argocdChartVersion);

  if (p.length > 0) throw new InfraEnvironmentError(env.name, p);
}
