import {
  DEFAULT_PREMIUM_COLD_START_BUDGET_SECONDS,
  deriveInferenceGatewayConfig,
  GATEWAY_KEY_HASH_SECRET_PREFIX,
  gatewayKeysVaultName,
  inferenceGatewayStartOnlySettings,
  OLLAMA_PORT,
  startOnlySettingsSha256,
  type Environment,
  type ModelId,
  type Tenant,
} from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/hardening';
import { appLabels, PANAL_LABELS } from '../common/labels';
import { ReplicatedHttpService } from '../common/replicated-http-service';
import { azureMonitorScraper, guardRailPolicy, inTenantNamespaces, PRIVATE_RANGES, tcpPort } from '../common/network-policy';
import { CPU_POOL_SELECTOR } from '../common/node-pools';
import { syncWave, SyncWave } from '../common/sync-waves';
import { zoneSpread } from '../common/topology-spread';
import { TenantWorkloads } from '../tenant/tenant-workloads';
import { GATEWAY_REDIS_PORT, GatewayRedis } from './gateway-redis';

/** Props of {@link InferenceGateway}. */
export interface InferenceGatewayProps {
  /** Namespace, service, port and pod labels of the gateway; images; Key Vault names. */
  readonly environment: Environment;
  /** Every loaded tenant; active ones are in the configuration (their key hash is read from Key Vault). */
  readonly tenants: readonly Tenant[];
  /**
   * Client id of the gateway's managed identity, which reads the key hashes from the gateway keys vault
   * (`gatewayKeysVaultName`). @default - no identity: the gateway looks for key files that are not there and every request gets 401
   */
  readonly workloadIdentityClientId?: string;
  /** Seconds between reads of the key hashes (a new tenant's key works within this). @default 60 */
  readonly keyRefreshSeconds?: number;
  /**
   * Seconds a premium request waits for the pool to come up from zero (the cold-start budget of
   * docs/adr/0012-tiempos-de-aprovisionamiento-y-arranque-en-frio.md).
   * @default DEFAULT_PREMIUM_COLD_START_BUDGET_SECONDS (900)
   */
  readonly premiumColdStartBudgetSeconds?: number;
  /** Model answering premium requests, flagged as degraded, when the budget is spent. @default - none (503) */
  readonly premiumDegradedFallback?: ModelId;
  /**
   * Replica bounds; at least 3 so that one per zone survives a zone loss with two left.
   * @default { min: 3, max: 12 }
   */
  readonly replicas?: { readonly min: number; readonly max: number };
  /**
   * Count tenant limits and monthly budgets in a Redis of the gateway namespace, shared by every
   * replica (docs/adr/0019-gateway-a-mil-inquilinos.md); while it is down each replica admits
   * 1/`replicas.min` of every limit. `false` keeps per-replica counters in memory.
   * @default true
   */
  readonly sharedLimits?: boolean;
}

/** File name of the configuration inside its ConfigMap and mount. */
export const GATEWAY_CONFIG_FILE = 'gateway.json';

/**
 * The shared inference gateway (apps/inference-gateway, docs/adr/0005-inference-gateway-propio.md):
 * ConfigMap with the configuration derived from the tenant folders, Deployment (≥3 replicas across zones), Service,
 * PDB, HPA, the Redis of its shared limits ({@link GatewayRedis}), an Azure
 * Monitor PodMonitor for its metrics, and its NetworkPolicies (tenant OpenWebUI pods in; model pools,
 * its Redis, and the key hashes vault with Entra ID out). Nothing in the pod spec grows with tenants.
 */
export class InferenceGateway extends Construct {
  /** The rendered configuration, as the gateway reads it. */
  public readonly configJson: string;

  constructor(scope: Construct, id: string, props: InferenceGatewayProps) {
    super(scope, id);
    const env = props.environment;
    const gw = env.inferenceGateway;
    const ns = gw.namespace;
    const replicas = props.replicas ?? { min: 3, max: 12 };
    if (replicas.min < 3) throw new Error(`replicas.min must be at least 3 (one per zone), but ${replicas.min} was provided`);
    if (replicas.max < replicas.min) throw new Error(`replicas.max must be at least replicas.min (${replicas.min}), but ${replicas.max} was provided`);
    const budget = props.premiumColdStartBudgetSeconds ?? DEFAULT_PREMIUM_COLD_START_BUDGET_SECONDS;
    if (budget < 60 || budget > 1800) throw new Error(`premiumColdStartBudgetSeconds must be between 60 and 1800, but ${budget} was provided`);

    const redis = (props.sharedLimits ?? true) ? new GatewayRedis(this, 'Redis', { namespace: ns, image: env.images.redis, clientPodLabels: gw.podLabels }) : undefined;
    const config = deriveInferenceGatewayConfig({
      tenants: props.tenants,
      listenPort: gw.port,
      premiumColdStartBudgetSeconds: budget,
      premiumDegradedFallback: props.premiumDegradedFallback,
      // The fallback share uses the minimum: past it (HPA scale-out) a Redis outage lets a tenant exceed its limit by replicas/min.
      ...(redis ? { sharedLimits: { redisHost: redis.host, redisPort: GATEWAY_REDIS_PORT, fallbackReplicas: replicas.min } } : {}),
      ...(props.workloadIdentityClientId
        ? { keyVault: { vaultUrl: `https://${gatewayKeysVaultName(env.azure.namePrefix)}.vault.azure.net`, secretPrefix: GATEWAY_KEY_HASH_SECRET_PREFIX, refreshSeconds: props.keyRefreshSeconds ?? 60 } }
        : {}),
    });
    this.configJson = `${JSON.stringify(config, null, 2)}\n`;
    const name = gw.service;
    const labels = { ...appLabels(name, 'gateway'), ...gw.podLabels };
    const meta = { name, namespace: ns, labels, annotations: syncWave(SyncWave.workloads) };

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name, namespace: ns, labels, ...(props.workloadIdentityClientId ? { annotations: { 'azure.workload.identity/client-id': props.workloadIdentityClientId } } : {}) },
      automountServiceAccountToken: false,
    });
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { ...meta, annotations: syncWave(SyncWave.dependencies) },
      data: { [GATEWAY_CONFIG_FILE]: this.configJson },
    });

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: meta,
      spec: {
        revisionHistoryLimit: 5,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        selector: { matchLabels: gw.podLabels },
        template: {
          metadata: {
            labels: { ...labels, 'azure.workload.identity/use': 'true' },
            // Only the settings bound at start (ports, key source, Redis) roll the pods. Tenants, limits,
            // allowlists and routes are reloaded from the mounted file (the kubelet updates it in place,
            // which a subPath mount would not): onboarding a tenant or changing a tier restarts no
            // replica and cuts no stream in flight (docs/adr/0022, Enmienda 2026-12-04).
            annotations: { 'panal.io/config-sha256': startOnlySettingsSha256(inferenceGatewayStartOnlySettings(config)) },
          },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(10001),
            nodeSelector: { ...CPU_POOL_SELECTOR },
            // Streams in flight finish; a premium cold-start wait is retried by the client.
            terminationGracePeriodSeconds: 120,
            topologySpreadConstraints: zoneSpread(gw.podLabels),
            containers: [
              {
                name: 'gateway',
                image: env.images.inferenceGateway,
                imagePullPolicy: 'IfNotPresent',
                args: ['--config', `/etc/inference-gateway/${GATEWAY_CONFIG_FILE}`],
                ports: [
                  { name: 'http', containerPort: gw.port },
                  { name: 'metrics', containerPort: config.metricsPort },
                ],
                resources: containerResources({ cpuRequestMilli: 500, cpuLimitMilli: 2000, memoryRequestMiB: 256, memoryLimitMiB: 512 }),
                securityContext: restrictedContainerSecurityContext(),
                readinessProbe: { httpGet: { path: '/readyz', port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 5, failureThreshold: 2 },
                livenessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 20, failureThreshold: 3 },
                lifecycle: { preStop: { sleep: { seconds: 10 } } },
                // No per-tenant volume: key hashes come from Key Vault over HTTPS (ADR 0019).
                volumeMounts: [{ name: 'config', mountPath: '/etc/inference-gateway', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name } }],
          },
        },
      },
    });
    new ReplicatedHttpService(this, 'Serving', { metadata: meta, podLabels: gw.podLabels, port: gw.port, replicas });

    const policy = (policyName: string, spec: k8s.NetworkPolicySpec) => guardRailPolicy(this, ns, policyName, spec);
    policy('gateway-ingress-from-tenants', {
      podSelector: { matchLabels: gw.podLabels },
      policyTypes: ['Ingress'],
      ingress: [{ from: [inTenantNamespaces(TenantWorkloads.openWebUI.serverLabels)], ports: [tcpPort(gw.port)] }],
    });
    policy('gateway-ingress-metrics-from-scraper', {
      podSelector: { matchLabels: gw.podLabels },
      policyTypes: ['Ingress'],
      ingress: [{ from: [azureMonitorScraper()], ports: [tcpPort(config.metricsPort)] }],
    });
    policy('gateway-egress-to-models', {
      podSelector: { matchLabels: gw.podLabels },
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { [PANAL_LABELS.role]: 'models' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ollama' } } }], ports: [tcpPort(OLLAMA_PORT)] }],
    });
    if (props.workloadIdentityClientId) {
      // Key hashes: the vault's private endpoint, and Entra ID (public) for the workload identity token.
      policy('gateway-egress-to-key-vault-and-entra', {
        podSelector: { matchLabels: gw.podLabels },
        policyTypes: ['Egress'],
        egress: [
          { to: [{ ipBlock: { cidr: env.network.privateEndpointsSubnetCidr } }], ports: [tcpPort(443)] },
          { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [...PRIVATE_RANGES] } }], ports: [tcpPort(443)] },
        ],
      });
    }
  }
}
