/**
 * A minimal Prometheus registry: counters, gauges and histogram families, rendered in the text
 * exposition format. Enough for the gateway's few series, without a dependency.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 */

type Labels = Readonly<Record<string, string>>;

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escape(labels[k])}"`).join(',')}}`;
};

/** A family of series sharing a name, type and help text. */
class Family {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
  ) {}

  /** Adds `by` to the series with these labels. */
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }

  /** Sets a gauge. */
  set(labels: Labels, value: number): void {
    this.values.set(labelText(labels), { labels, value });
  }

  /** Current value of the series with these labels (0 when absent). */
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels))?.value ?? 0;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const [key, { value }] of [...this.values].sort(([a], [b]) => a.localeCompare(b))) lines.push(`${this.name}${key} ${value}`);
    return lines;
  }
}

/** A histogram family with fixed buckets, in seconds. */
class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, seconds: number): void {
    const key = labelText(labels);
    const s = this.series.get(key) ?? { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
    this.buckets.forEach((b, i) => {
      if (seconds <= b) s.counts[i]++;
    });
    s.sum += seconds;
    s.count++;
    this.series.set(key, s);
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [, s] of [...this.series].sort(([a], [b]) => a.localeCompare(b))) {
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines;
  }
}

/** Every series the gateway exports. Names are API: dashboards, alerts and the KEDA query read them. */
export class GatewayMetrics {
  /** Requests accepted for routing, counted on arrival (before any upstream exists): what KEDA scales the premium pool on. */
  readonly received = new Family('panal_gateway_requests_received_total', 'Authorised requests received, per model, counted before routing.', 'counter');
  /** Requests finished, per tenant, model and HTTP status. */
  readonly requests = new Family('panal_gateway_requests_total', 'Requests answered, per tenant, model and status code.', 'counter');
  /** Requests in flight per model, including ones waiting for a cold pool. */
  readonly inflight = new Family('panal_gateway_inflight_requests', 'Requests in flight per model, including those waiting for a cold start.', 'gauge');
  /** Tokens per tenant, model and kind (`prompt` | `completion`), as reported by the model server. */
  readonly tokens = new Family('panal_gateway_tokens_total', 'Tokens used per tenant, model and type (prompt, completion).', 'counter');
  /** Requests refused before routing, per tenant and reason. */
  readonly rejected = new Family('panal_gateway_rejected_total', 'Requests refused before routing, per tenant and reason.', 'counter');
  /** Upstream attempts that failed before the first byte and were retried. */
  readonly retries = new Family('panal_gateway_upstream_retries_total', 'Upstream attempts retried after a failure before the first byte, per model and reason.', 'counter');
  /** Premium requests answered by the degraded fallback model. */
  readonly degraded = new Family('panal_gateway_degraded_total', 'Requests answered by the degraded fallback model, per tenant and requested model.', 'counter');
  /** Tenant keys currently loaded. */
  readonly keys = new Family('panal_gateway_tenant_keys_loaded', 'Tenants with at least one key loaded (from the Key Vault of key hashes, or the key folder).', 'gauge');
  /** Failed reads of the key hashes from Key Vault, by reason (`throttled` | `error`); the last keys read stay in use. */
  readonly keyReadFailures = new Family('panal_gateway_key_read_failures_total', 'Failed reads of the tenant key hashes from Key Vault, per reason (throttled, error); the last keys read stay in use.', 'counter');
  /** 1 while limits are counted in the shared Redis, 0 while this replica falls back to 1/replicas of them in memory; absent without shared limits. */
  readonly sharedLimitsAvailable = new Family('panal_gateway_shared_limits_available', 'Whether tenant limits are counted in the shared Redis (1) or fall back to a per-replica share in memory (0).', 'gauge');
  /** End-to-end latency per model, including cold-start waits. */
  readonly duration = new Histogram('panal_gateway_request_duration_seconds', 'Time from request to last byte, per model.', [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]);
  /**
   * Time to first byte per model, observed when the first body byte of a successful (2xx) upstream answer
   * arrives: for streaming chat, the time to first token. Per model only (like `duration`), so its
   * cardinality does not grow with tenants. The duration buckets plus 15 and 20 s, where the CPU
   * prefill of the standard models lands (libs/observability/src/rules/slo.ts reads them).
   */
  readonly firstByte = new Histogram(
    'panal_gateway_time_to_first_byte_seconds',
    "Time from the gateway accepting the request to the first byte of the model's answer, per model; for streaming chat the time to first token, including any premium cold start wait.",
    [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 60, 120, 300, 600],
  );

  /** The exposition text. */
  render(): string {
    const families = [this.received, this.requests, this.inflight, this.tokens, this.rejected, this.retries, this.degraded, this.keys, this.keyReadFailures, this.sharedLimitsAvailable];
    return [...families.flatMap((f) => f.render()), ...this.duration.render(), ...this.firstByte.render()].join('\n') + '\n';
  }
}
