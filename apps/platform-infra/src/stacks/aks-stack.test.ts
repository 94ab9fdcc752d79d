import '../testing/cdktf-matchers';
import { FederatedIdentityCredential } from '../imports/azurerm/federated-identity-credential/index.js';
import { ApplicationLoadBalancer } from '../imports/azurerm/application-load-balancer/index.js';
import { ApplicationLoadBalancerSecurityPolicy } from '../imports/azurerm/application-load-balancer-security-policy/index.js';
import { ApplicationLoadBalancerSubnetAssociation } from '../imports/azurerm/application-load-balancer-subnet-association/index.js';
import { DnsZone } from '../imports/azurerm/dns-zone/index.js';
import { KubernetesCluster } from '../imports/azurerm/kubernetes-cluster/index.js';
import { KubernetesClusterNodePool } from '../imports/azurerm/kubernetes-cluster-node-pool/index.js';
import { MonitorDataCollectionRule } from '../imports/azurerm/monitor-data-collection-rule/index.js';
import { RoleAssignment } from '../imports/azurerm/role-assignment/index.js';
import { WebApplicationFirewallPolicy } from '../imports/azurerm/web-application-firewall-policy/index.js';
import { levelCapacity, renderedIdleFootprints } from '@panal/observability';
import { CPU_POOLS, CRITICAL_ADDONS_ONLY_TAINT, DEFAULT_NODE_POOLS, GPU_POOLS, GPU_TAINT, NodePool, SPOT_TAINT } from '@panal/platform-model';
import { describe, expect, it } from 'vitest';
import { formatTaint } from '../constructs/aks-node-pool';
import { DEV } from '../environments/dev';
import { PROD } from '../environments/prod';
import { resourcesOf, synthStack } from '../testing/synth-stack';
import { AksStack } from './aks-stack';

describe('AksStack', () => {
  // GIVEN the prod environment WHEN the AKS stack is synthesized
  const { synth, json } = synthStack((app) => new AksStack(app, 'aks', PROD));
  const pools = resourcesOf(json, KubernetesClusterNodePool.tfResourceType);
  const pool = (name: string) => pools.find((p) => p.name === name);

  it('matches the snapshot', () => expect(synth).toMatchSnapshot());

  it('is a Standard tier, private cluster with Entra ID RBAC and no local accounts', () => {
    expect(synth).toHaveResourceWithProperties(KubernetesCluster, { name: 'aks-pnlprd', sku_tier: 'Standard', private_cluster_enabled: true, local_account_disabled: true, kubernetes_version: '1.36' });
  });

  it('runs Azure CNI Overlay with the Cilium data plane, which enforces NetworkPolicies', () => {
    expect(synth).toHaveResourceWithProperties(KubernetesCluster, {
      network_profile: expect.objectContaining({ network_plugin: 'azure', network_plugin_mode: 'overlay', network_data_plane: 'cilium', network_policy: 'cilium' }),
    });
  });

  it('leaves only through the egress firewall: user-defined routing, no outbound public IP of its own', () => {
    expect(synth).toHaveResourceWithProperties(KubernetesCluster, { network_profile: expect.objectContaining({ outbound_type: 'userDefinedRouting' }) });
  });

  it('enables OIDC issuer, workload identity, Secrets Store CSI with 2-minute rotation, KEDA and managed Prometheus metrics', () => {
    expect(synth).toHaveResourceWithProperties(KubernetesCluster, {
      oidc_issuer_enabled: true,
      workload_identity_enabled: true,
      key_vault_secrets_provider: { secret_rotation_enabled: true, secret_rotation_interval: '2m' },
      workload_autoscaler_profile: { keda_enabled: true },
      monitor_metrics: { labels_allowed: expect.stringMatching(/namespaces=\[panal\.io\/tenant,panal\.io\/tier.*nodes=\[topology\.kubernetes\.io\/zone,kubernetes\.azure\.com\/scalesetpriority/) },
      oms_agent: expect.objectContaining({ msi_auth_for_monitoring_enabled: true }),
    });
    expect(synth).toHaveResourceWithProperties(MonitorDataCollectionRule, { data_flow: [{ destinations: ['MonitoringAccount'], streams: ['Microsoft-PrometheusMetrics'] }] });
  });

  it('uses the priority expander, balances similar groups and waits 10 minutes for a node before falling back (a GPU node boots in about 5)', () => {
    expect(synth).toHaveResourceWithProperties(KubernetesCluster, {
      auto_scaler_profile: expect.objectContaining({ expander: 'priority', balance_similar_node_groups: true, max_node_provisioning_time: '10m', scale_down_unneeded: '10m' }),
    });
  });

  it('scales the explicit pools with the cluster autoscaler, not node auto-provisioning (ADR 0009)', () => {
    expect(synth).toHaveResourceWithProperties(KubernetesCluster, { node_provisioning_profile: { mode: 'Manual' } });
  });

  it('makes the platform-model system pool the default pool: 3 nodes over 3 zones, critical add-ons only', () => {
    const system = DEFAULT_NODE_POOLS.find((p) => p.name === NodePool.system)!;
    expect(CRITICAL_ADDONS_ONLY_TAINT.key).toBe('CriticalAddonsOnly');
    expect(synth).toHaveResourceWithProperties(KubernetesCluster, {
      default_node_pool: expect.objectContaining({ name: 'system', vm_size: system.vmSize, zones: ['1', '2', '3'], node_count: 3, only_critical_addons_enabled: true }),
    });
  });

  it('generates one autoscaled user pool per platform-model pool', () => {
    const users = DEFAULT_NODE_POOLS.filter((p) => p.mode === 'User');
    expect(pools.map((p) => p.name).sort()).toEqual(users.map((p) => p.name).sort());
    for (const spec of users) {
      expect(pool(spec.name)).toMatchObject({ vm_size: spec.vmSize, zones: [...spec.zones], auto_scaling_enabled: true, min_count: spec.minCount, max_count: spec.maxCount });
      for (const [k, v] of Object.entries(spec.labels)) expect(pool(spec.name).node_labels[k]).toBe(v);
    }
  });

  it('splits the CPU capacity (3 to 150 nodes) into one pool per zone, and keeps each GPU pool across zones 1-2-3', () => {
    expect(CPU_POOLS.map((name) => [name, pool(name).zones, pool(name).min_count, pool(name).max_count, pool(name).node_labels['panal.io/pool']])).toEqual([
      ['cpu1', ['1'], 1, 50, 'cpu'],
      ['cpu2', ['2'], 1, 50, 'cpu'],
      ['cpu3', ['3'], 1, 50, 'cpu'],
    ]);
    for (const name of GPU_POOLS) expect(pool(name).zones, name).toEqual(['1', '2', '3']);
  });

  // Issue 14: every tenant prod accepts, all awake at their minimum (a fresh sync, nobody chatting),
  // fits in the CPU pools' maxima, and still does in the two zones left after losing one.
  it('lets the CPU pools grow to hold tenantCapacity tenants awake at their minimum, even with one zone lost', () => {
    const awake = levelCapacity({ name: 'prod', tenants: PROD.postgres.tenantCapacity }, renderedIdleFootprints()).cpuNodesAwakeIdle;
    const maxima = CPU_POOLS.map((name) => pool(name).max_count as number);
    expect(PROD.postgres.tenantCapacity).toBe(1000);
    expect(maxima.reduce((a, b) => a + b, 0) - Math.max(...maxima), `${awake} nodes needed`).toBeGreaterThanOrEqual(awake);
  });

  it('makes gpuspot a Spot pool at most at on-demand price, deleting evicted VMs, scaling to zero, tainted for GPU and spot', () => {
    expect(synth).toHaveResourceWithProperties(KubernetesClusterNodePool, {
      name: NodePool.gpuSpot,
      priority: 'Spot',
      eviction_policy: 'Delete',
      spot_max_price: -1,
      min_count: 0,
      gpu_driver: 'Install',
      node_taints: [formatTaint(GPU_TAINT), formatTaint(SPOT_TAINT)],
    });
    expect(pool(NodePool.gpuSpot).node_labels['kubernetes.azure.com/scalesetpriority']).toBe('spot');
  });

  it('keeps an on-demand GPU fallback pool with the same GPU taint, also scaling to zero', () => {
    expect(synth).toHaveResourceWithProperties(KubernetesClusterNodePool, { name: NodePool.gpuOnDemand, priority: 'Regular', min_count: 0, node_taints: ['nvidia.com/gpu=present:NoSchedule'] });
  });

  it('keeps GPU taints off the CPU pools', () => {
    for (const name of CPU_POOLS) expect(pool(name).node_taints, name).toEqual([]);
  });

  it('federates the platform identities with the cluster issuer and outputs their client ids by platformClientIds key', () => {
    const issuer = expect.stringMatching(/^\$\{azurerm_kubernetes_cluster\.aks_cluster_[0-9A-F]+\.oidc_issuer_url\}$/);
    for (const c of resourcesOf(json, FederatedIdentityCredential.tfResourceType)) expect(c.issuer, c.subject).toEqual(issuer);
    expect(resourcesOf(json, FederatedIdentityCredential.tfResourceType).map((c) => c.subject).sort()).toEqual([
      'system:serviceaccount:azure-alb-system:alb-controller-sa',
      'system:serviceaccount:cert-manager:cert-manager',
      'system:serviceaccount:inference-gateway:inference-gateway',
      'system:serviceaccount:kube-system:keda-operator',
      'system:serviceaccount:model-store:model-seeder',
      'system:serviceaccount:observability:otel-collector',
      'system:serviceaccount:platform-db:db-bootstrap',
    ]);
    const output = json.output.platform_identity_client_ids.value;
    expect(Object.keys(output)).toEqual(['albController', 'certManager', 'databaseBootstrap', 'inferenceGateway', 'kedaOperator', 'modelSeeder', 'otelCollector']);
    expect(output.kedaOperator).toMatch(/^\$\{azurerm_user_assigned_identity\.platform-identities_keda-operator_identity_[0-9A-F]+\.client_id\}$/);
  });

  it('lets the KEDA operator read the Azure Monitor workspace it queries (the premium pool wakes from zero on it)', () => {
    expect(synth).toHaveResourceWithProperties(RoleAssignment, {
      role_definition_name: 'Monitoring Data Reader',
      scope: expect.stringMatching(/^\$\{data\.azurerm_monitor_workspace\.monitor-workspace\.id\}$/),
      principal_id: expect.stringContaining('platform-identities_keda-operator_identity_'),
    });
    expect(synth).toHaveDataSourceWithProperties({ tfResourceType: 'azurerm_monitor_workspace' }, { name: 'amw-pnlprd', resource_group_name: 'rg-pnlprd-observability' });
  });

  it('lets the collector publish telemetry in the observability resource group only', () => {
    expect(synth).toHaveResourceWithProperties(RoleAssignment, {
      role_definition_name: 'Monitoring Metrics Publisher',
      scope: expect.stringMatching(/^\/subscriptions\/\$\{data\.azurerm_client_config\.client-config\.subscription_id\}\/resourceGroups\/rg-pnlprd-observability$/),
      principal_id: expect.stringContaining('platform-identities_otel-collector_identity_'),
    });
  });

  describe('edge', () => {
    const roles = resourcesOf(json, RoleAssignment.tfResourceType);
    const principal = (key: string) => expect.stringMatching(new RegExp(`^\\$\\{azurerm_user_assigned_identity\\.platform-identities_${key}_identity_[0-9A-F]+\\.principal_id\\}$`));
    const agcId = expect.stringMatching(/^\$\{azurerm_application_load_balancer\.agc_[0-9A-F]+\.id\}$/);

    it('is the AGC agc-<prefix> with the frontend edge, associated with the network stack\'s delegated gateway subnet', () => {
      expect(synth).toHaveResourceWithProperties(ApplicationLoadBalancer, { name: 'agc-pnlprd', resource_group_name: expect.stringContaining('azurerm_resource_group.resource-group'), location: expect.stringContaining('azurerm_resource_group.resource-group') });
      expect(Object.values(json.resource.azurerm_application_load_balancer_frontend)).toEqual([expect.objectContaining({ name: 'edge', application_load_balancer_id: agcId })]);
      expect(synth).toHaveDataSourceWithProperties({ tfResourceType: 'azurerm_subnet' }, { name: 'snet-agc', virtual_network_name: 'vnet-pnlprd', resource_group_name: 'rg-pnlprd-network' });
      const [association] = resourcesOf(json, ApplicationLoadBalancerSubnetAssociation.tfResourceType);
      expect(association).toMatchObject({ application_load_balancer_id: agcId, subnet_id: expect.stringMatching(/^\$\{data\.azurerm_subnet\.lookups_subnet-gateway_[0-9A-F]+\.id\}$/) });
    });

    it('protects it with a Prevention WAF policy (DRS 2.1 + Bot Manager) in the same region, linked by a security policy', () => {
      expect(synth).toHaveResourceWithProperties(WebApplicationFirewallPolicy, {
        name: 'waf-pnlprd-edge',
        policy_settings: expect.objectContaining({ mode: 'Prevention', enabled: true }),
        managed_rules: { managed_rule_set: [{ type: 'Microsoft_DefaultRuleSet', version: '2.1' }, { type: 'Microsoft_BotManagerRuleSet', version: '1.1' }] },
      });
      expect(synth).toHaveResourceWithProperties(ApplicationLoadBalancerSecurityPolicy, {
        application_load_balancer_id: agcId,
        web_application_firewall_policy_id: expect.stringMatching(/^\$\{azurerm_web_application_firewall_policy\.agc_waf-policy_[0-9A-F]+\.id\}$/),
      });
    });

    it('lets the ALB controller identity configure the AGC and join its subnet and WAF policy, nothing more', () => {
      const alb = roles.filter((r) => r.principal_id.includes('platform-identities_alb-controller_identity_'));
      expect(alb.map((r) => [r.role_definition_name, r.scope.replace(/_[0-9A-F]+\./, '.')]).sort()).toEqual([
        ['AppGw for Containers Configuration Manager', '${azurerm_application_load_balancer.agc.id}'],
        ['Network Contributor', '${azurerm_web_application_firewall_policy.agc_waf-policy.id}'],
        ['Network Contributor', '${data.azurerm_subnet.lookups_subnet-gateway.id}'],
      ]);
      for (const r of alb) expect(r).toMatchObject({ principal_id: principal('alb-controller'), principal_type: 'ServicePrincipal' });
    });

    it('has the public zone of the tenant domain, a wildcard CNAME to the frontend, and DNS Zone Contributor on it for cert-manager only', () => {
      expect(synth).toHaveResourceWithProperties(DnsZone, { name: 'chat.panal.example.com', resource_group_name: expect.stringContaining('azurerm_resource_group.resource-group') });
      expect(synth).toHaveResourceWithProperties({ tfResourceType: 'azurerm_dns_cname_record' }, {
        name: '*',
        record: expect.stringMatching(/^\$\{azurerm_application_load_balancer_frontend\.agc_frontend_[0-9A-F]+\.fully_qualified_domain_name\}$/),
      });
      const dns = roles.filter((r) => r.role_definition_name === 'DNS Zone Contributor');
      expect(dns).toEqual([
        expect.objectContaining({ scope: expect.stringMatching(/^\$\{azurerm_dns_zone\.tenant-dns_zone_[0-9A-F]+\.id\}$/), principal_id: principal('cert-manager'), principal_type: 'ServicePrincipal' }),
      ]);
    });

    it('outputs what environment.yaml edge takes (AGC id, frontend name, WAF policy id), the frontend FQDN custom domains CNAME to, and what the parent domain delegates to', () => {
      const { value } = json.output.edge;
      expect(Object.keys(value).sort()).toEqual(['application_gateway_id', 'dns_zone_name', 'dns_zone_name_servers', 'frontend_fqdn', 'frontend_name', 'waf_policy_id']);
      expect(value.waf_policy_id).toMatch(/^\$\{azurerm_web_application_firewall_policy\.agc_waf-policy_[0-9A-F]+\.id\}$/);
      expect(value.application_gateway_id).toEqual(agcId);
      expect(value.frontend_name).toMatch(/^\$\{azurerm_application_load_balancer_frontend\.agc_frontend_[0-9A-F]+\.name\}$/);
      expect(value.frontend_fqdn).toMatch(/^\$\{azurerm_application_load_balancer_frontend\.agc_frontend_[0-9A-F]+\.fully_qualified_domain_name\}$/);
      expect(value.dns_zone_name).toMatch(/^\$\{azurerm_dns_zone\.tenant-dns_zone_[0-9A-F]+\.name\}$/);
      expect(value.dns_zone_name_servers).toMatch(/^\$\{tolist\(azurerm_dns_zone\.tenant-dns_zone_[0-9A-F]+\.name_servers\)\}$/);
    });

    it('gives dev its own AGC and zone', () => {
      const dev = synthStack((app) => new AksStack(app, 'aks', DEV)).synth;
      expect(dev).toHaveResourceWithProperties(ApplicationLoadBalancer, { name: 'agc-pnldev' });
      expect(dev).toHaveResourceWithProperties(DnsZone, { name: 'chat.dev.panal.example.com' });
    });
  });

  it('gives dev the same pools on smaller ceilings', () => {
    const dev = synthStack((app) => new AksStack(app, 'aks', DEV)).json;
    const devPools = resourcesOf(dev, KubernetesClusterNodePool.tfResourceType);
    expect(devPools.find((p) => p.name === NodePool.gpuSpot)).toMatchObject({ max_count: 1, min_count: 0, priority: 'Spot' });
    const devCpu = devPools.filter((p) => (CPU_POOLS as readonly string[]).includes(p.name));
    expect(devCpu.map((p) => [p.name, p.zones, p.vm_size, p.max_count])).toEqual([
      ['cpu1', ['1'], 'Standard_D8ds_v5', 2],
      ['cpu2', ['2'], 'Standard_D8ds_v5', 2],
      ['cpu3', ['3'], 'Standard_D8ds_v5', 2],
    ]);
  });
});
