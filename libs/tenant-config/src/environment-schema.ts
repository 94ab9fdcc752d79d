import { z } from 'zod';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** An image reference pinned to a tag or digest; `latest` is refused because it is not reproducible. */
const PINNED_IMAGE = /^[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9._/-]+(:(?!latest(@|$))[A-Za-z0-9._-]+(@sha256:[a-f0-9]{64})?|@sha256:[a-f0-9]{64})$/;

const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([0-9]|[12]\d|3[0-2])$/;
const cidr = z.string().regex(CIDR, { message: 'must be an IPv4 CIDR such as 10.0.0.0/24' });
const image = z.string().regex(PINNED_IMAGE, { message: 'must be a registry/repository:tag (not latest) or @sha256 digest' });
/** A five-field cron schedule (minute hour day-of-month month day-of-week), as KEDA's cron scaler reads it. */
const cronSchedule = z.string().regex(/^\S+ \S+ \S+ \S+ \S+$/, { message: 'must be a five-field cron schedule such as "0 8 * * 1-5"' });
/** Whether the runtime knows `name` as an IANA time zone. */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return name.includes('/');
  } catch {
    return false;
  }
}
const serviceRef = z.strictObject({
  namespace: z.string().regex(DNS_LABEL),
  service: z.string().regex(DNS_LABEL),
  port: z.number().int().min(1).max(65535),
  /** Pod labels of the service's backends, used by NetworkPolicy peers. */
  podLabels: z.record(z.string(), z.string()),
});

/**
 * Schema of `environments/<env>/environment.yaml`: what one deployment of the platform
 * (an AKS cluster and its Azure resources) looks like to the tenant manifests.
 */
export const environmentSchema = z.strictObject({
  name: z.string().regex(DNS_LABEL).describe('Environment name, e.g. prod, dev, example.'),
  azure: z.strictObject({
    directoryTenantId: z.string().regex(GUID, { message: 'must be a lower-case GUID' }).describe('Entra ID directory (tenant) id.'),
    region: z.string().regex(/^[a-z0-9]+$/).describe('Azure region, e.g. swedencentral.'),
    namePrefix: z
      .string()
      .regex(/^[a-z][a-z0-9]{2,7}$/, { message: 'must be 3-8 lower-case letters or digits, starting with a letter' })
      .describe('Prefix of globally unique Azure names (Key Vaults, storage accounts).'),
    postgresHost: z.string().min(1).describe('PostgreSQL Flexible Server FQDN (private DNS).'),
    postgresPort: z.number().int().default(6432).describe('Port of the built-in PgBouncer. @default 6432'),
    uploadsStorageAccount: z.string().regex(/^[a-z0-9]{3,24}$/).describe('Storage account that holds one uploads container per tenant.'),
  }),
  network: z
    .strictObject({
      postgresSubnetCidr: cidr.describe('Delegated subnet of PostgreSQL Flexible Server (private access).'),
      privateEndpointsSubnetCidr: cidr.describe('Subnet of the private endpoints (Blob, Key Vault).'),
      apiServerCidr: cidr
        .optional()
        .describe('Where the private API server endpoint lives (the AKS nodes subnet of a private cluster): platform pods that watch the API (the collector) may reach it on 443.'),
    })
    .describe('Address ranges of the Azure services tenant pods talk to; used by NetworkPolicy ipBlocks.'),
  edge: z.strictObject({
    gatewayName: z.string().regex(DNS_LABEL).describe('Gateway API Gateway that terminates TLS for tenant hostnames.'),
    gatewayNamespace: z.string().regex(DNS_LABEL),
    gatewayListener: z
      .string()
      .regex(DNS_LABEL)
      .describe('HTTPS listener (sectionName) of the Gateway for hostnames under tenantDomain, served by one wildcard certificate.'),
    tenantDomain: z
      .string()
      .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, { message: 'must be a lower-case DNS domain such as chat.example.com' })
      .describe(
        'Platform DNS zone of tenant hostnames: <label>.<tenantDomain> is served by the wildcard certificate *.<tenantDomain>; any other hostname is a custom domain with its own listener and certificate.',
      ),
    applicationGatewayId: z
      .string()
      .regex(/^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.ServiceNetworking\/trafficControllers\/[^/]+$/, {
        message: 'must be the resource id of an Application Gateway for Containers (Microsoft.ServiceNetworking/trafficControllers)',
      })
      .describe('Application Gateway for Containers the Gateway is bound to (bring-your-own deployment): aks stack output edge.application_gateway_id.'),
    frontendName: z.string().regex(DNS_LABEL).describe('Frontend of the Application Gateway for Containers the Gateway listens on: aks stack output edge.frontend_name.'),
    webApplicationFirewallPolicyId: z
      .string()
      .regex(/^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/applicationGatewayWebApplicationFirewallPolicies\/[^/]+$/, {
        message: 'must be the resource id of a WAF policy (Microsoft.Network/applicationGatewayWebApplicationFirewallPolicies)',
      })
      .describe('WAF policy applied to every listener of the Gateway: aks stack output edge.waf_policy_id.'),
    acme: z
      .strictObject({
        server: z.url({ protocol: /^https$/, message: 'must be an https URL' }).describe('ACME directory (Let\'s Encrypt production by default in the example).'),
        email: z.email({ message: 'must be an e-mail address' }).describe('Contact of the ACME account: expiry warnings reach it.'),
        dnsZoneSubscriptionId: z.string().regex(GUID, { message: 'must be a lower-case GUID' }).describe('Subscription of the Azure DNS zone tenantDomain (DNS-01 for the wildcard).'),
        dnsZoneResourceGroup: z.string().min(1).describe('Resource group of the Azure DNS zone tenantDomain.'),
      })
      .describe('How cert-manager obtains certificates: DNS-01 in Azure DNS for the wildcard, HTTP-01 through the Gateway for custom domains.'),
    sourceCidrs: z
      .array(cidr)
      .min(1)
      .describe(
        'Where edge traffic comes from. Application Gateway for Containers proxies from its own delegated subnet, outside the cluster, so pods see these source addresses.',
      ),
  }),
  inferenceGateway: serviceRef.describe('The shared OpenAI-compatible inference gateway.'),
  tenantActivator: serviceRef.describe(
    'The tenant activator (apps/tenant-activator): every tenant route points at it; it proxies to the tenant OpenWebUI and wakes a dormant tenant (docs/adr/0022).',
  ),
  otelCollector: serviceRef.describe('OpenTelemetry Collector receiving OTLP/HTTP from OpenWebUI.'),
  gitops: z
    .strictObject({
      repoUrl: z.string().regex(/^(https:\/\/|ssh:\/\/|git@)\S+$/, { message: 'must be an https or ssh git URL' }).describe('This repository, as Argo CD clones it.'),
      revision: z.string().min(1).default('main').describe('Branch Argo CD follows. @default "main"'),
      argocdNamespace: z.string().regex(DNS_LABEL).default('argocd').describe('Namespace Argo CD runs in. @default "argocd"'),
    })
    .describe('Where Argo CD reads the rendered manifests from.'),
  modelServing: z
    .strictObject({
      prometheusQueryEndpoint: z
        .string()
        .regex(/^https:\/\/[a-z0-9.-]+$/, { message: 'must be the https query endpoint of the Azure Monitor workspace, without a path' })
        .describe('Query endpoint of the Azure Monitor workspace (managed Prometheus) that KEDA reads gateway traffic from.'),
      modelStore: z
        .strictObject({
          resourceGroup: z.string().min(1).describe('Resource group of the storage accounts.'),
          filesStorageAccount: z.string().regex(/^[a-z0-9]{3,24}$/).describe('Premium FileStorage account holding the NFS share (hot copy of the models).'),
          shareName: z.string().regex(DNS_LABEL).describe('NFS share mounted read-only by every Ollama pod.'),
          blobStorageAccount: z.string().regex(/^[a-z0-9]{3,24}$/).describe('Storage account of the Blob container that is the source of truth of the model store.'),
          blobContainer: z.string().regex(DNS_LABEL).describe('Blob container in Ollama store layout (manifests/ and blobs/).'),
        })
        .describe('Where model weights live: a versioned Blob container as source of truth and its NFS hot copy (docs/adr/0010-modelos-en-azure-files-premium-v1.md).'),
      premiumWarmHours: z
        .strictObject({
          timezone: z
            .string()
            .refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/Madrid' })
            .describe('IANA time zone the start and end schedules are read in.'),
          start: cronSchedule.describe('When one premium replica starts being kept warm (cron, five fields), e.g. "0 8 * * 1-5".'),
          end: cronSchedule.describe('When it stops (cron, five fields), e.g. "0 19 * * 1-5".'),
        })
        .optional()
        .describe('Business hours in which one premium replica is kept running so no request waits for a cold start (docs/adr/0018-arranque-en-frio-premium.md). @default - none: the pool only wakes on traffic'),
    })
    .describe('Shared model pools and their scale-to-zero signal.'),
  images: z.strictObject({
    openWebUI: image,
    reloader: image.describe('Stakater Reloader: rolls a workload when a Secret it reads as environment variables rotates (the release tools/reloader/versions.env pins).'),
    redis: image,
    ollama: image.describe('Ollama server for every model pool.'),
    inferenceGateway: image.describe('The platform inference gateway (apps/inference-gateway).'),
    tenantActivator: image.describe('The tenant activator (apps/tenant-activator).'),
    modelSeeder: image.describe('Image with azcopy that copies the model store from Blob to the NFS share.'),
    nvidiaDevicePlugin: image.describe('NVIDIA device plugin (advertises nvidia.com/gpu on GPU nodes).'),
    dcgmExporter: image.describe('NVIDIA DCGM exporter (GPU metrics).'),
    otelCollector: image.describe('OpenTelemetry Collector, contrib distribution (k8sattributes, azure_auth).'),
    dbBootstrap: image.describe('Image with bash, psql (15+, for \\getenv), curl and jq that runs the database bootstrap (apps/cluster-addons/images/db-bootstrap).'),
  }),
  telemetryExport: z
    .strictObject({
      otlpTracesEndpoint: z.string().regex(/^https:\/\/\S+$/, { message: 'must be an https URL' }).describe('Azure Monitor OTLP ingestion endpoint for traces (Application Insights).'),
      otlpLogsEndpoint: z.string().regex(/^https:\/\/\S+$/, { message: 'must be an https URL' }).describe('Azure Monitor OTLP ingestion endpoint for logs (Log Analytics).'),
    })
    .optional()
    .describe('Where the OpenTelemetry Collector sends traces and logs (with its workload identity); without it only metrics flow.'),
});

/** A validated environment. */
export type Environment = z.output<typeof environmentSchema>;

/**
 * Schema of `environments/<env>/tenant-identities.yaml`: the client id of each tenant's
 * user-assigned managed identity. Written by the platform-infra pipeline after `apply` (client ids
 * are assigned by Azure, so they cannot be known before); they are identifiers, not secrets.
 */
export const tenantIdentitiesSchema = z.strictObject({
  clientIds: z.record(z.string(), z.string().regex(GUID, { message: 'must be a lower-case GUID' })).default({}),
  /** Client ids of the platform's own managed identities; a workload whose identity is missing renders without Azure access. */
  platformClientIds: z
    .strictObject({
      inferenceGateway: z.string().regex(GUID, { message: 'must be a lower-case GUID' }).optional().describe('Reads the inference-gateway-key secret of every tenant Key Vault.'),
      modelSeeder: z.string().regex(GUID, { message: 'must be a lower-case GUID' }).optional().describe('Reads the model Blob container.'),
      databaseBootstrap: z
        .string()
        .regex(GUID, { message: 'must be a lower-case GUID' })
        .optional()
        .describe('Federated with platform-db/db-bootstrap; Entra administrator of PostgreSQL and Secrets User of every tenant Key Vault.'),
      otelCollector: z.string().regex(GUID, { message: 'must be a lower-case GUID' }).optional().describe('Federated with observability/otel-collector; publishes traces and logs to Azure Monitor.'),
      kedaOperator: z
        .string()
        .regex(GUID, { message: 'must be a lower-case GUID' })
        .optional()
        .describe('Federated with kube-system/keda-operator; Monitoring Data Reader on the Azure Monitor workspace.'),
      albController: z
        .string()
        .regex(GUID, { message: 'must be a lower-case GUID' })
        .optional()
        .describe('Federated with azure-alb-system/alb-controller-sa; configures Application Gateway for Containers (the edge).'),
      certManager: z
        .string()
        .regex(GUID, { message: 'must be a lower-case GUID' })
        .optional()
        .describe('Federated with cert-manager/cert-manager; writes ACME DNS-01 records in the tenant DNS zone.'),
    })
    .default({}),
});

/** Workload identity client ids by tenant id. */
export type TenantIdentities = z.output<typeof tenantIdentitiesSchema>;
