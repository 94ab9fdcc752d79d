import { MODEL_CATALOGUE, MODEL_IDS, modelPoolNamespace } from '@panal/tenant-config';
import { TENANT_TIER_INFO } from '../rules/slo';
import type { Dashboard } from './dashboard';

const PREMIUM = MODEL_IDS.filter((m) => MODEL_CATALOGUE[m].pool === 'premium').join('|');
const byTier = (inner: string) => `sum by (tier) (${inner} * on (tenant) group_left (tier) ${TENANT_TIER_INFO})`;

/** Platform overview: is the service up, per tier, and is anything burning. */
const overview: Dashboard = {
  uid: 'panal-overview',
  title: 'Panal · Visión general',
  description: 'Salud de la plataforma por tier: tráfico, errores, latencia, nodos por zona, alertas.',
  panels: [
    { title: 'Peticiones por tier', type: 'timeseries', unit: 'reqps', description: 'Peticiones por segundo en el gateway, por tier del inquilino.', queries: [{ expr: byTier('rate(panal_gateway_requests_total[5m])'), legend: '{{tier}}' }] },
    { title: 'Ratio de errores 5xx por tier (SLI)', type: 'timeseries', unit: 'percentunit', description: 'Regla de registro del SLO de disponibilidad (ventana 5m).', queries: [{ expr: 'tier:panal_gateway_errors:ratio_rate5m', legend: '{{tier}}' }] },
    { title: 'Peticiones lentas por tier (SLI)', type: 'timeseries', unit: 'percentunit', description: 'Fracción por encima del umbral de latencia del tier (ventana 5m).', queries: [{ expr: 'tier:panal_gateway_slow_requests:ratio_rate5m', legend: '{{tier}}' }] },
    { title: 'Primer token tardío por tier (SLI)', type: 'timeseries', unit: 'percentunit', description: 'Fracción de respuestas cuyo primer token llega después del umbral del tier (ventana 5m).', queries: [{ expr: 'tier:panal_gateway_slow_first_token:ratio_rate5m', legend: '{{tier}}' }] },
    { title: 'Nodos NotReady por zona', type: 'timeseries', unit: 'percentunit', description: 'Una zona caída aparece aquí antes de que el autoscaler retire sus nodos.', queries: [{ expr: 'zone:kube_node_not_ready:ratio', legend: '{{zone}}' }] },
    { title: 'OpenWebUI con menos de 2 réplicas', type: 'stat', unit: 'none', width: 8, description: 'Inquilinos activos expuestos a la caída de una zona.', queries: [{ expr: 'count(kube_deployment_status_replicas_ready{namespace=~"tenant-.+", deployment="open-webui"} < 2 and on (namespace, deployment) kube_deployment_spec_replicas{namespace=~"tenant-.+", deployment="open-webui"} > 0) or vector(0)' }] },
    { title: 'Aplicaciones de Argo CD no sanas', type: 'stat', unit: 'none', width: 8, description: 'Degraded, Missing u OutOfSync.', queries: [{ expr: 'count(argocd_app_info{health_status!="Healthy"} or argocd_app_info{sync_status="OutOfSync"}) or vector(0)' }] },
    { title: 'Alertas activas', type: 'stat', unit: 'none', width: 8, description: 'Alertas disparadas por severidad.', queries: [{ expr: 'count by (severity) (ALERTS{alertstate="firing"})', legend: '{{severity}}' }] },
  ],
};

/** One tenant (templated): what its users see and what it consumes. */
const tenant: Dashboard = {
  uid: 'panal-tenant',
  title: 'Panal · Inquilino',
  description: 'Un inquilino: tráfico, errores, tokens, rechazos, réplicas y recursos de su namespace.',
  variables: [{ name: 'tenant', query: 'label_values(panal_gateway_requests_total, tenant)' }],
  panels: [
    { title: 'Peticiones por código', type: 'timeseries', unit: 'reqps', description: 'Respuestas del gateway al inquilino.', queries: [{ expr: 'sum by (code) (rate(panal_gateway_requests_total{tenant="$tenant"}[5m]))', legend: '{{code}}' }] },
    { title: 'Tokens por modelo y tipo', type: 'timeseries', unit: 'short', description: 'Tokens por segundo (prompt y completion): la base de su coste.', queries: [{ expr: 'sum by (model, type) (rate(panal_gateway_tokens_total{tenant="$tenant"}[5m]))', legend: '{{model}} {{type}}' }] },
    { title: 'Rechazos por motivo', type: 'timeseries', unit: 'reqps', description: '401/403/429: clave, modelo fuera del tier, límites y presupuesto.', queries: [{ expr: 'sum by (reason) (rate(panal_gateway_rejected_total{tenant="$tenant"}[5m]))', legend: '{{reason}}' }] },
    { title: 'Réplicas listas de OpenWebUI', type: 'stat', unit: 'none', width: 6, description: 'Debe ser ≥ 2.', queries: [{ expr: 'sum(kube_deployment_status_replicas_ready{namespace="tenant-$tenant", deployment="open-webui"})' }] },
    { title: 'Tokens del mes', type: 'stat', unit: 'short', width: 6, description: 'Tokens en los últimos 30 días.', queries: [{ expr: 'sum(increase(panal_gateway_tokens_total{tenant="$tenant"}[30d]))' }] },
    { title: 'CPU y memoria del namespace', type: 'timeseries', unit: 'short', description: 'Uso frente a lo pedido (núcleos; GiB).', queries: [
      { expr: 'sum(rate(container_cpu_usage_seconds_total{namespace="tenant-$tenant", container!=""}[5m]))', legend: 'CPU usada' },
      { expr: 'sum(kube_pod_container_resource_requests{namespace="tenant-$tenant", resource="cpu"})', legend: 'CPU pedida' },
      { expr: 'sum(container_memory_working_set_bytes{namespace="tenant-$tenant", container!=""}) / 2^30', legend: 'memoria GiB' },
    ] },
  ],
};

/** The GPU pool: utilisation, memory, spot and on-demand nodes, scale events. */
const gpu: Dashboard = {
  uid: 'panal-gpu',
  title: 'Panal · Pool GPU',
  description: 'H100 spot y bajo demanda: uso, memoria, nodos, desalojos y escalado a cero.',
  panels: [
    { title: 'Utilización de GPU', type: 'timeseries', unit: 'percent', description: 'DCGM_FI_DEV_GPU_UTIL por nodo.', queries: [{ expr: 'avg by (Hostname) (DCGM_FI_DEV_GPU_UTIL)', legend: '{{Hostname}}' }] },
    { title: 'Memoria de GPU usada', type: 'timeseries', unit: 'bytes', description: 'Framebuffer usado (MiB → bytes); el 70B Q4 ocupa ≈40-48 GiB.', queries: [{ expr: 'sum by (Hostname) (DCGM_FI_DEV_FB_USED) * 2^20', legend: '{{Hostname}}' }] },
    { title: 'Nodos GPU por pool', type: 'timeseries', unit: 'none', description: 'gpuspot frente a gpuondemand: el respaldo solo debería aparecer sin stock spot.', queries: [{ expr: 'count by (label_kubernetes_azure_com_agentpool) (kube_node_labels{label_kubernetes_azure_com_agentpool=~"gpuspot|gpuondemand"})', legend: '{{label_kubernetes_azure_com_agentpool}}' }] },
    { title: 'Nodos spot acordonados (desalojos)', type: 'timeseries', unit: 'none', description: 'AKS acordona el nodo al recibir el aviso Preempt.', queries: [{ expr: 'cluster:spot_nodes_cordoned:count' }] },
    { title: 'Réplicas Premium listas y peticiones en vuelo', type: 'timeseries', unit: 'short', description: 'Escalado 0↔N: en vuelo > 0 con 0 réplicas es un arranque en frío.', queries: [
      { expr: `sum(kube_deployment_status_replicas_ready{namespace="${modelPoolNamespace('premium')}"})`, legend: 'réplicas listas' },
      { expr: `sum(panal_gateway_inflight_requests{model=~"${PREMIUM}"})`, legend: 'en vuelo' },
    ] },
    { title: 'Pods Premium en Pending', type: 'stat', unit: 'none', description: 'Esperando nodo GPU (aprovisionamiento).', queries: [{ expr: `sum(kube_pod_status_phase{namespace="${modelPoolNamespace('premium')}", phase="Pending"}) or vector(0)` }] },
  ],
};

/** Model pools: queue, tokens/s, latency, time to first token. */
const models: Dashboard = {
  uid: 'panal-models',
  title: 'Panal · Pools de modelos',
  description: 'Cola, tokens por segundo, latencia, tiempo al primer token y reintentos por modelo.',
  panels: [
    { title: 'Peticiones en vuelo (cola) por modelo', type: 'timeseries', unit: 'short', description: 'Incluye las que esperan un arranque en frío.', queries: [{ expr: 'sum by (model) (panal_gateway_inflight_requests)', legend: '{{model}}' }] },
    { title: 'Tokens de salida por segundo', type: 'timeseries', unit: 'short', description: 'Completion tokens/s por modelo.', queries: [{ expr: 'sum by (model) (rate(panal_gateway_tokens_total{type="completion"}[5m]))', legend: '{{model}}' }] },
    { title: 'Latencia p50 y p95 (petición completa)', type: 'timeseries', unit: 's', description: 'Hasta el último byte de la respuesta.', queries: [
      { expr: 'histogram_quantile(0.5, sum by (model, le) (rate(panal_gateway_request_duration_seconds_bucket[5m])))', legend: 'p50 {{model}}' },
      { expr: 'histogram_quantile(0.95, sum by (model, le) (rate(panal_gateway_request_duration_seconds_bucket[5m])))', legend: 'p95 {{model}}' },
    ] },
    { title: 'Tiempo al primer token p50 y p95', type: 'timeseries', unit: 's', description: 'Desde que el gateway acepta la petición hasta el primer byte de una respuesta correcta; incluye la espera de un arranque en frío Premium.', queries: [
      { expr: 'histogram_quantile(0.5, sum by (model, le) (rate(panal_gateway_time_to_first_byte_seconds_bucket[5m])))', legend: 'p50 {{model}}' },
      { expr: 'histogram_quantile(0.95, sum by (model, le) (rate(panal_gateway_time_to_first_byte_seconds_bucket[5m])))', legend: 'p95 {{model}}' },
    ] },
    { title: 'Reintentos hacia el modelo por motivo', type: 'timeseries', unit: 'reqps', description: 'Conexión rechazada o cortada antes del primer byte (p. ej. desalojo spot).', queries: [{ expr: 'sum by (model, reason) (rate(panal_gateway_upstream_retries_total[5m]))', legend: '{{model}} {{reason}}' }] },
    { title: 'Respuestas en modo degradado', type: 'timeseries', unit: 'reqps', description: 'Premium servido por un modelo Standard con aviso.', queries: [{ expr: 'sum by (model) (rate(panal_gateway_degraded_total[5m]))', legend: '{{model}}' }] },
  ],
};

/** Cost: what drives the bill and who. */
const cost: Dashboard = {
  uid: 'panal-cost',
  title: 'Panal · Coste',
  description: 'Tokens por inquilino, horas de GPU y reparto: la misma base que el informe mensual (usage-report).',
  panels: [
    { title: 'Tokens por inquilino (30 d)', type: 'timeseries', unit: 'short', description: 'Base del reparto de los pools compartidos.', queries: [{ expr: 'sort_desc(sum by (tenant) (increase(panal_gateway_tokens_total[30d])))', legend: '{{tenant}}' }] },
    { title: 'Horas de nodo GPU (30 d)', type: 'stat', unit: 'short', description: 'Spot y bajo demanda; precio en docs/costes-infraestructura.md.', queries: [{ expr: 'sum by (label_kubernetes_azure_com_agentpool) (sum_over_time(kube_node_labels{label_kubernetes_azure_com_agentpool=~"gpuspot|gpuondemand"}[30d:1h]))', legend: '{{label_kubernetes_azure_com_agentpool}}' }] },
    { title: 'Cuota de tokens Premium por inquilino', type: 'timeseries', unit: 'percentunit', description: 'Parte de las horas de GPU que paga cada inquilino.', queries: [{ expr: `sum by (tenant) (increase(panal_gateway_tokens_total{model=~"${PREMIUM}"}[30d])) / scalar(sum(increase(panal_gateway_tokens_total{model=~"${PREMIUM}"}[30d])))`, legend: '{{tenant}}' }] },
    { title: 'CPU pedida por namespace de inquilino', type: 'timeseries', unit: 'short', description: 'Coste propio del namespace (núcleos pedidos).', queries: [{ expr: 'sum by (namespace) (kube_pod_container_resource_requests{namespace=~"tenant-.+", resource="cpu"})', legend: '{{namespace}}' }] },
  ],
};

/** Every dashboard, in the order of the docs. */
export const PANAL_DASHBOARDS: readonly Dashboard[] = [overview, tenant, gpu, models, cost];
