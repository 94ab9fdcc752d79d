import { TIER_PROFILES, tenantNamespace, type Environment, type Tenant, type Tier } from '@panal/tenant-config';

/** An environment for construct tests: the same shape as environments/example, fixed here so tests do not depend on it. */
export const TEST_ENVIRONMENT: Environment = {
  name: 'test',
  azure: {
    directoryTenantId: '00000000-0000-0000-0000-000000000000',
    region: 'swedencentral',
    namePrefix: 'pnltest',
    postgresHost: 'pnltest-pg.private.postgres.database.azure.com',
    postgresPort: 6432,
    uploadsStorageAccount: 'pnltestuploads',
  },
  network: { postgresSubnetCidr: '10.20.16.0/24', privateEndpointsSubnetCidr: '10.20.17.0/24', apiServerCidr: '10.20.0.0/20' },
  edge: {
    gatewayName: 'edge',
    gatewayNamespace: 'gateway-system',
    gatewayListener: 'https',
    tenantDomain: 'chat.example.com',
    applicationGatewayId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-pnlex-aks/providers/Microsoft.ServiceNetworking/trafficControllers/agc-pnlex',
    frontendName: 'edge',
    webApplicationFirewallPolicyId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-pnlex-aks/providers/Microsoft.Network/applicationGatewayWebApplicationFirewallPolicies/waf-pnlex-edge',
    acme: {
      server: 'https://acme-v02.api.letsencrypt.org/directory',
      email: 'plataforma@example.com',
      dnsZoneSubscriptionId: '00000000-0000-0000-0000-000000000000',
      dnsZoneResourceGroup: 'rg-pnlex-aks',
    },
    sourceCidrs: ['10.20.18.0/24'],
  },
  inferenceGateway: { namespace: 'inference-gateway', service: 'inference-gateway', port: 8080, podLabels: { 'app.kubernetes.io/name': 'inference-gateway' } },
  tenantActivator: { namespace: 'activator', service: 'tenant-activator', port: 8080, podLabels: { 'app.kubernetes.io/name': 'tenant-activator' } },
  otelCollector: { namespace: 'observability', service: 'otel-collector', port: 4318, podLabels: { 'app.kubernetes.io/name': 'otel-collector' } },
  gitops: { repoUrl: 'https://git.example.com/panal/platform.git', revision: 'main', argocdNamespace: 'argocd' },
  modelServing: {
    prometheusQueryEndpoint: 'https://pnltest-amw.swedencentral.prometheus.monitor.azure.com',
    modelStore: { resourceGroup: 'pnltest-models', filesStorageAccount: 'pnltestmodelsnfs', shareName: 'ollama-models', blobStorageAccount: 'pnltestmodels', blobContainer: 'ollama-store' },
  },
  images: {
    openWebUI: 'registry.example.com/open-webui/open-webui:v0.12.4',
    reloader: 'registry.example.com/stakater/reloader:v1.4.21',
    redis: 'registry.example.com/library/redis:7.4.6-alpine',
    ollama: 'registry.example.com/ollama/ollama:0.13.0',
    inferenceGateway: 'registry.example.com/panal/inference-gateway:0.1.0',
    tenantActivator: 'registry.example.com/panal/tenant-activator:0.1.0',
    modelSeeder: 'registry.example.com/panal/model-seeder:10.30.1',
    nvidiaDevicePlugin: 'registry.example.com/nvidia/k8s-device-plugin:v0.18.0',
    dcgmExporter: 'registry.example.com/nvidia/k8s/dcgm-exporter:4.4.1-4.6.0-ubuntu22.04',
    otelCollector: 'registry.example.com/otel/opentelemetry-collector-contrib:0.161.0',
    dbBootstrap: 'registry.example.com/panal/db-bootstrap:1.0.0',
  },
};

/** A resolved tenant for construct tests. */
export function testTenant(id: string, tier: Tier = 'standard', overrides: Partial<Tenant> = {}): Tenant {
  const profile = TIER_PROFILES[tier];
  return {
    id,
    displayName: `Tenant ${id}`,
    tier,
    namespace: tenantNamespace(id),
    hostnames: [`${id}.chat.example.com`],
    sso: { issuerUrl: 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0', clientId: '00000000-0000-0000-0000-0000000000c1', providerName: 'Entra ID' },
    openWebUIReplicas: { ...profile.defaultOpenWebUIReplicas },
    dormantAfterIdleMinutes: profile.defaultDormantAfterIdleMinutes,
    quota: { ...profile.defaultQuota },
    models: profile.models,
    state: 'active',
    workloadIdentityClientId: '00000000-0000-0000-0000-00000000a001',
    sourceFile: `apps/tenants/tenants/${id}/tenant.yaml`,
    ...overrides,
  };
}

/** Platform identity client ids for construct tests. */
export const TEST_PLATFORM_CLIENT_IDS = { inferenceGateway: '00000000-0000-0000-0000-00000000b001', modelSeeder: '00000000-0000-0000-0000-00000000b002', kedaOperator: '00000000-0000-0000-0000-00000000b003', otelCollector: '00000000-0000-0000-0000-00000000b004', databaseBootstrap: '00000000-0000-0000-0000-00000000b005', albController: '00000000-0000-0000-0000-00000000b006', certManager: '00000000-0000-0000-0000-00000000b007' } as const;
