import { DEFAULT_PREMIUM_COLD_START_BUDGET_SECONDS, MODEL_CATALOGUE, MODEL_IDS, modelPoolNamespace } from '@panal/tenant-config';
import type { AlertRule, RecordingRule, RuleGroup } from './rule-types';

/** Tunables of the platform alerts. */
export interface PlatformAlertOptions {
  /**
   * How long a premium request may wait for a cold GPU pool before operators are paged: the gateway's
   * cold-start budget (libs/k8s-constructs InferenceGateway `premiumColdStartBudgetSeconds`).
   * @default DEFAULT_PREMIUM_COLD_START_BUDGET_SECONDS (900)
   */
  readonly premiumColdStartBudgetSeconds?: number;
  /**
   * Spot GPU nodes cordoned (evicted) in one hour before a ticket is opened.
   * @default 2
   */
  readonly spotEvictionsPerHour?: number;
}

const PREMIUM_NS = modelPoolNamespace('premium');
const PREMIUM_MODELS = MODEL_IDS.filter((m) => MODEL_CATALOGUE[m].pool === 'premium');
const premiumModelMatcher = `model=~"${PREMIUM_MODELS.join('|')}"`;
const SPOT_NODES = 'kube_node_labels{label_kubernetes_azure_com_scalesetpriority="spot"}';

/** Nodes per zone whose Ready condition matches (kube-state-metrics: one series per status, 1 for the current one). */
const nodesByZone = (status: string): string =>
  `sum by (zone) (label_replace(kube_node_status_condition{condition="Ready"${status ? `, ${status}` : ''}} * on (node) group_left (label_topology_kubernetes_io_zone) kube_node_labels, "zone", "$1", "label_topology_kubernetes_io_zone", "(.+)"))`;

/** Recording rules the platform alerts and dashboards read. */
export function platformRecordingRules(): RecordingRule[] {
  return [
    {
      // Nodes per zone and their readiness: a zone outage shows as NotReady nodes before the autoscaler removes them.
      record: 'zone:kube_node_not_ready:ratio',
      expr: `${nodesByZone('status!="true"')}\n/\n${nodesByZone('')}`,
    },
    {
      // AKS node auto-drain cordons a spot node when Azure announces its eviction (Scheduled Events Preempt).
      record: 'cluster:spot_nodes_cordoned:count',
      expr: `count((kube_node_spec_unschedulable == 1) * on (node) group_left () ${SPOT_NODES}) or vector(0)`,
    },
  ];
}

/** The platform alerts of issue 4, each with the signal it reads. */
export function platformAlerts(options: PlatformAlertOptions = {}): AlertRule[] {
  const budget = options.premiumColdStartBudgetSeconds ?? DEFAULT_PREMIUM_COLD_START_BUDGET_SECONDS;
  const evictions = options.spotEvictionsPerHour ?? 2;
  if (!Number.isInteger(budget) || budget < 60 || budget > 1800)
    throw new Error(`premiumColdStartBudgetSeconds must be an integer between 60 and 1800, but ${budget} was provided`);
  if (!Number.isInteger(evictions) || evictions < 1) throw new Error(`spotEvictionsPerHour must be a positive integer, but ${evictions} was provided`);
  const budgetMinutes = Math.ceil(budget / 60);
  return [
    {
      alert: 'TenantOpenWebUIBelowTwoReplicas',
      expr: `kube_deployment_status_replicas_ready{namespace=~"tenant-.+", deployment="open-webui"} < 2
and on (namespace, deployment)
kube_deployment_spec_replicas{namespace=~"tenant-.+", deployment="open-webui"} > 0`,
      for: '10m',
      severity: 'page',
      summary: 'OpenWebUI of {{ $labels.namespace }} has {{ $value }} ready replicas (needs 2 to survive a zone)',
      description: 'A tenant OpenWebUI runs with fewer than 2 ready replicas: one more failure takes the tenant down. Check pod events (quota, scheduling, failing probes) in the namespace.',
    },
    {
      alert: 'TenantWakeFailing',
      expr: 'sum by (tenant) (increase(panal_activator_wakes_total{result!="ready"}[15m])) > 0',
      for: '1m',
      severity: 'page',
      summary: 'Tenant {{ $labels.tenant }} does not wake up: its users wait and then see the waiting page',
      description:
        'The tenant activator scaled a dormant tenant up and no OpenWebUI replica became ready within wakeTimeoutSeconds, or the scale call failed (docs/adr/0022-inquilinos-dormidos-y-activador.md). Check pod events in the tenant namespace (quota, scheduling, image pull, failing migration) and `panal_activator_kubernetes_errors_total`.',
    },
    {
      alert: 'TenantActivatorReplicasLow',
      expr: 'kube_deployment_status_replicas_ready{deployment="tenant-activator"} < 2',
      for: '5m',
      severity: 'page',
      summary: 'The tenant activator has {{ $value }} ready replicas: every tenant route crosses it',
      description: 'All tenant traffic goes through the activator (docs/adr/0022-inquilinos-dormidos-y-activador.md); with fewer than 2 ready replicas one more failure takes every tenant down. Check its pods in the activator namespace.',
    },
    {
      // The activator rereads its mounted ConfigMap every 5 s and counts each check that found a change it
      // could not apply: a rate above zero for 10 min is a bad file that nobody fixed, not a half-written one.
      alert: 'TenantActivatorConfigReloadFailing',
      expr: 'sum by (pod) (increase(panal_activator_config_reload_failures_total[5m])) > 0',
      for: '10m',
      severity: 'ticket',
      summary: 'Activator replica {{ $labels.pod }} cannot apply its configuration file: it serves the last good tenant table',
      description:
        'The replica keeps routing the tenants of the last configuration it could load, so current tenants work, but tenants onboarded since get 404 and removed ones are still routed (docs/adr/0022-inquilinos-dormidos-y-activador.md, Enmienda 2026-12-04). Its log says why once per bad content (reason="invalid": schema or a hostname claimed twice; reason="unreadable": the mount). Compare panal_activator_config_info across replicas.',
    },
    {
      alert: 'ZoneLosingNodes',
      expr: 'zone:kube_node_not_ready:ratio > 0.3',
      for: '5m',
      severity: 'page',
      summary: 'Zone {{ $labels.zone }} has {{ $value | humanizePercentage }} of its nodes NotReady',
      description: 'More than 30 % of the nodes of one availability zone are NotReady: likely a zonal incident. Workloads spread over 3 zones keep serving; check Azure Service Health and that the autoscaler adds capacity in the other zones.',
    },
    {
      alert: 'SpotEvictionsFrequent',
      expr: `count(max_over_time(((kube_node_spec_unschedulable == 1) * on (node) group_left () ${SPOT_NODES})[1h:1m])) >= ${evictions}`,
      severity: 'ticket',
      summary: '{{ $value }} spot GPU nodes were evicted in the last hour',
      description: 'Spot capacity is being reclaimed often; premium requests retry and wait for new nodes. Consider the on-demand fallback pool or another region with H100 capacity.',
    },
    {
      alert: 'GpuPoolStuckProvisioning',
      expr: `max(kube_pod_status_phase{namespace="${PREMIUM_NS}", phase="Pending"}) > 0`,
      for: `${budgetMinutes}m`,
      severity: 'page',
      summary: 'A premium model pod has been Pending for more than the cold-start budget',
      description: `A pod in ${PREMIUM_NS} has been Pending for more than ${budgetMinutes} min: the GPU pools could not provision a node (spot stock-out and on-demand quota?). Check cluster-autoscaler events and GPU quota.`,
    },
    {
      alert: 'PremiumRequestsWaiting',
      expr: `sum(panal_gateway_inflight_requests{${premiumModelMatcher}}) > 0
and on ()
(sum(kube_deployment_status_replicas_ready{namespace="${PREMIUM_NS}"}) or vector(0)) == 0`,
      for: `${budgetMinutes}m`,
      severity: 'page',
      summary: 'Premium requests have waited {{ $value }}+ for a GPU replica longer than the cold-start budget',
      description: `Premium requests are in flight at the gateway while no premium replica is ready, for longer than ${budget} s: users are waiting on a cold start that is not finishing. Check GpuPoolStuckProvisioning, the KEDA ScaledObject and the model store mount.`,
    },
    {
      alert: 'GatewayTenantKeysMismatch',
      expr: 'min(panal_gateway_tenant_keys_loaded) < max(panal_gateway_tenant_keys_loaded)',
      for: '10m',
      severity: 'ticket',
      summary: 'Some inference gateway replicas have loaded fewer tenant keys than others',
      description: 'A gateway replica answers 401 to some tenants: it has read fewer key hashes from the gateway keys vault than the others (docs/adr/0019-gateway-a-mil-inquilinos.md). Check panal_gateway_key_read_failures_total and the logs of the replica with the lowest value.',
    },
    {
      alert: 'GatewayKeyReadsFailing',
      expr: 'sum by (pod) (increase(panal_gateway_key_read_failures_total[15m])) >= 10',
      for: '15m',
      severity: 'ticket',
      summary: 'Gateway replica {{ $labels.pod }} cannot read the tenant key hashes from Key Vault',
      description: 'The replica keeps the last key hashes it read, so current tenants still work, but new tenants and rotated keys get 401 until a read succeeds. reason="throttled" is Key Vault 429 (docs/runbooks/limitacion-key-vault.md); reason="error" is usually the workload identity or the network policy to the vault private endpoint and Entra ID.',
    },
    {
      // Same signal as TenantActivatorConfigReloadFailing: a check every 5 s, counted while it fails.
      alert: 'InferenceGatewayConfigReloadFailing',
      expr: 'sum by (pod) (increase(panal_gateway_config_reload_failures_total[5m])) > 0',
      for: '10m',
      severity: 'ticket',
      summary: 'Gateway replica {{ $labels.pod }} cannot apply its configuration file: it serves the last good tenants and limits',
      description:
        'The replica keeps the tenants, limits and routes of the last configuration it could load, so current tenants work, but tenants onboarded since get 401, removed ones are still accepted and tier changes do not apply (docs/adr/0022-inquilinos-dormidos-y-activador.md, Enmienda 2026-12-04). Its log says why once per bad content. Compare panal_gateway_config_info across replicas.',
    },
    {
      alert: 'GatewaySharedLimitsUnavailable',
      expr: 'max(1 - panal_gateway_shared_limits_available) > 0',
      for: '5m',
      severity: 'ticket',
      summary: 'Gateway replicas count tenant limits in memory: their Redis does not answer',
      description: 'Each replica admits 1/replicas.min of every tenant limit and the monthly budget is only counted in memory (fail open, docs/adr/0019-gateway-a-mil-inquilinos.md). Check the inference-gateway-redis StatefulSet and its volume in the inference-gateway namespace.',
    },
    {
      alert: 'KedaScalerErrors',
      expr: 'sum by (scaledObject, namespace) (rate(keda_scaler_detail_errors_total[5m])) > 0',
      for: '10m',
      severity: 'page',
      summary: 'KEDA cannot read the scale signal of {{ $labels.namespace }}/{{ $labels.scaledObject }}',
      description: 'The premium pool scales on a Prometheus query; if KEDA cannot run it, the pool neither wakes up nor scales to zero. Check the workload identity of keda-operator and the query endpoint.',
    },
    // cert-manager renews a Let's Encrypt certificate (90 days) 30 days before it expires: 14 days left
    // means renewal has failed for over two weeks. The wildcard serves every tenant, so this pages.
    // @see https://cert-manager.io/docs/devops-tips/prometheus-metrics/
    {
      alert: 'CertificateExpiringSoon',
      expr: '(max by (name, namespace) (certmanager_certificate_expiration_timestamp_seconds) - time()) < 14 * 86400',
      for: '1h',
      severity: 'page',
      summary: 'Edge certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than 14 days',
      description: 'cert-manager has not renewed it although renewal starts 30 days before expiry. The wildcard certificate serves every tenant. Check `kubectl -n gateway-system describe certificate` and its DNS-01 challenges (cert-manager identity on the DNS zone; for a custom domain, the `_acme-challenge` CNAME in the customer DNS).',
    },
    {
      alert: 'CertificateNotReady',
      expr: 'max by (name, namespace) (certmanager_certificate_ready_status{condition="False"}) == 1',
      for: '1h',
      severity: 'ticket',
      summary: 'Edge certificate {{ $labels.namespace }}/{{ $labels.name }} has not been issued for an hour',
      description: 'Usually a new custom domain whose `_acme-challenge` CNAME (annotation panal.io/acme-challenge-cname on the Certificate) is not in the customer DNS yet, so the DNS-01 challenge fails. The tenant hostname on it gets no valid TLS until it is issued.',
    },
    {
      alert: 'ArgoCdAppDegraded',
      expr: 'max by (name, project) (argocd_app_info{health_status=~"Degraded|Missing"}) > 0',
      for: '15m',
      severity: 'page',
      summary: 'Argo CD application {{ $labels.name }} is degraded',
      description: 'A synced application reports Degraded or Missing health for 15 min. Open it in Argo CD and check the failing resource.',
    },
    {
      alert: 'ArgoCdAppOutOfSync',
      expr: 'max by (name, project) (argocd_app_info{sync_status="OutOfSync"}) > 0',
      for: '1h',
      severity: 'ticket',
      summary: 'Argo CD application {{ $labels.name }} has been OutOfSync for an hour',
      description: 'Rendered manifests in git differ from the cluster for an hour: a sync is pending review or failing. Tenants sync manually (README, flujo GitOps); platform add-ons sync automatically, so for them this is a failure.',
    },
  ];
}

/** Platform rule groups. */
export function platformRuleGroups(options: PlatformAlertOptions = {}): RuleGroup[] {
  return [{ name: 'panal-platform', interval: '1m', rules: [...platformRecordingRules(), ...platformAlerts(options)] }];
}
