import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every series the gateway exports, on prom-client. Names, label names, types, help texts and buckets
 * are API: dashboards, alerts and the KEDA query read them (libs/observability/src/rules/rules.test.ts
 * and dashboards.test.ts read this file's names and buckets).
 *
 * - One registry per instance, never prom-client's global one: tests start several gateways in one
 *   process, and each must count only its own requests.
 * - Label names are listed, and passed at every call site, in alphabetical order: prom-client prints a
 *   series' labels in the order of the object that created it, and the exposition keeps them sorted as
 *   before (tests here, in tools/sim-aks and in tools/real-stack match the text).
 * - No `collectDefaultMetrics`: the gateway runs as many replicas and every process series is
 *   ingestion cost nobody reads.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 */
export class GatewayMetrics {
  /** This gateway's registry: `/metrics` serves `registry.contentType` and `await registry.metrics()`. */
  readonly registry = new Registry();
  private readonly registers = [this.registry];

  /** Requests accepted for routing, counted on arrival (before any upstream exists): what KEDA scales the premium pool on. */
  readonly received = new Counter({ name: 'panal_gateway_requests_received_total', help: 'Authorised requests received, per model, counted before routing.', labelNames: ['model'] as const, registers: this.registers });
  /** Requests finished, per tenant, model and HTTP status. */
  readonly requests = new Counter({ name: 'panal_gateway_requests_total', help: 'Requests answered, per tenant, model and status code.', labelNames: ['code', 'model', 'tenant'] as const, registers: this.registers });
  /** Requests in flight per model, including ones waiting for a cold pool. */
  readonly inflight = new Gauge({ name: 'panal_gateway_inflight_requests', help: 'Requests in flight per model, including those waiting for a cold start.', labelNames: ['model'] as const, registers: this.registers });
  /** Tokens per tenant, model and kind (`prompt` | `completion`), as reported by the model server. */
  readonly tokens = new Counter({ name: 'panal_gateway_tokens_total', help: 'Tokens used per tenant, model and type (prompt, completion).', labelNames: ['model', 'tenant', 'type'] as const, registers: this.registers });
  /** Requests refused before routing, per tenant and reason. */
  readonly rejected = new Counter({ name: 'panal_gateway_rejected_total', help: 'Requests refused before routing, per tenant and reason.', labelNames: ['reason', 'tenant'] as const, registers: this.registers });
  /** Upstream attempts that failed before the first byte and were retried. */
  readonly retries = new Counter({ name: 'panal_gateway_upstream_retries_total', help: 'Upstream attempts retried after a failure before the first byte, per model and reason.', labelNames: ['model', 'reason'] as const, registers: this.registers });
  /** Premium requests answered by the degraded fallback model. */
  readonly degraded = new Counter({ name: 'panal_gateway_degraded_total', help: 'Requests answered by the degraded fallback model, per tenant and requested model.', labelNames: ['model', 'tenant'] as const, registers: this.registers });
  /** Tenant keys currently loaded; absent until the first read succeeded. */
  readonly keys = new Gauge({ name: 'panal_gateway_tenant_keys_loaded', help: 'Tenants with at least one key loaded (from the Key Vault of key hashes, or the key folder).', registers: this.registers });
  /** Failed reads of the key hashes from Key Vault, by reason (`throttled` | `error`); the last keys read stay in use. */
  readonly keyReadFailures = new Counter({ name: 'panal_gateway_key_read_failures_total', help: 'Failed reads of the tenant key hashes from Key Vault, per reason (throttled, error); the last keys read stay in use.', labelNames: ['reason'] as const, registers: this.registers });
  /** 1 while limits are counted in the shared Redis, 0 while this replica falls back to 1/replicas of them in memory; absent without shared limits. */
  readonly sharedLimitsAvailable = new Gauge({ name: 'panal_gateway_shared_limits_available', help: 'Whether tenant limits are counted in the shared Redis (1) or fall back to a per-replica share in memory (0).', registers: this.registers });
  /** End-to-end latency per model, including cold-start waits. */
  readonly duration = new Histogram({ name: 'panal_gateway_request_duration_seconds', help: 'Time from request to last byte, per model.', labelNames: ['model'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600], registers: this.registers });
  /**
   * Time to first byte per model, observed when the first body byte of a successful (2xx) upstream answer
   * arrives: for streaming chat, the time to first token. Per model only (like `duration`), so its
   * cardinality does not grow with tenants. The duration buckets plus 15 and 20 s, where the CPU
   * prefill of the standard models lands (libs/observability/src/rules/slo.ts reads them).
   */
  readonly firstByte = new Histogram({
    name: 'panal_gateway_time_to_first_byte_seconds',
    help: "Time from the gateway accepting the request to the first byte of the model's answer, per model; for streaming chat the time to first token, including any premium cold start wait.",
    labelNames: ['model'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 60, 120, 300, 600],
    registers: this.registers,
  });
  /** Reads of the mounted configuration that were not applied, per reason (`unreadable` | `invalid`); the last good configuration stays in use. */
  readonly configReloadFailures = new Counter({ name: 'panal_gateway_config_reload_failures_total', help: 'Checks of the mounted configuration file that found a change it could not apply, per reason (unreadable, invalid); the last good configuration stays in use.', labelNames: ['reason'] as const, registers: this.registers });
  /** When the configuration in use was loaded (at start or by a reload), in Unix seconds. */
  readonly configLastReload = new Gauge({ name: 'panal_gateway_config_last_reload_success_timestamp_seconds', help: 'Unix time the configuration in use was loaded, at start or by a live reload.', registers: this.registers });
  /** 1, labelled with the SHA-256 of the configuration file in use: replicas that disagree have not all reloaded. */
  readonly configInfo = new Gauge({ name: 'panal_gateway_config_info', help: 'Always 1, labelled with the SHA-256 of the configuration file this replica serves.', labelNames: ['sha256'] as const, registers: this.registers });

  constructor() {
    // prom-client starts a gauge without labels at 0; these two stay absent until first set, as
    // before: 0 keys would read as a replica that lost its keys, 0 shared limits as a Redis outage.
    this.keys.remove();
    this.sharedLimitsAvailable.remove();
  }
}
