/**
 * A minimal Prometheus registry (counters, gauges, one histogram) rendered in the text exposition
 * format, written by hand like the inference gateway's so the activator has no runtime dependency.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 */

type Labels = Readonly<Record<string, string>>;

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escape(labels[k])}"`).join(',')}}`;
};

/** A family of series sharing a name, type and help text. */
export class Family {
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

  /** Sum over every series whose labels include `match`. */
  sum(match: Labels = {}): number {
    let total = 0;
    for (const { labels, value } of this.values.values()) if (Object.entries(match).every(([k, v]) => labels[k] === v)) total += value;
    return total;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const [key, { value }] of [...this.values].sort(([a], [b]) => a.localeCompare(b))) lines.push(`${this.name}${key} ${value}`);
    return lines;
  }
}

/** A histogram without labels, fixed buckets in seconds. */
export class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {
    this.counts = buckets.map(() => 0);
  }

  observe(seconds: number): void {
    this.buckets.forEach((b, i) => {
      if (seconds <= b) this.counts[i]++;
    });
    this.sum += seconds;
    this.count++;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines;
  }
}

/** Every series the activator exports. Names are API: dashboards and alerts read them. */
export class ActivatorMetrics {
  /** Requests and websocket upgrades answered, per tenant (`""` for an unknown host) and status code. */
  readonly requests = new Family('panal_activator_requests_total', 'Requests and websocket upgrades answered, per tenant (empty for an unknown host) and status code.', 'counter');
  /** Wakes this replica started, per tenant and outcome (`ready` | `timeout` | `error`). */
  readonly wakes = new Family('panal_activator_wakes_total', 'Wakes of a dormant tenant started by this replica, per tenant and result (ready, timeout, error).', 'counter');
  /** Requests being held while their tenant wakes. */
  readonly held = new Family('panal_activator_held_requests', 'Requests held by this replica while their tenant wakes, per tenant.', 'gauge');
  /** Tenants this replica put to sleep. */
  readonly sleeps = new Family('panal_activator_sleeps_total', 'Tenants put to sleep (workloads scaled to zero) by this replica, per tenant.', 'counter');
  /** Sleep attempts that lost to a concurrent change of the Deployment (another replica's activity write). */
  readonly sleepConflicts = new Family('panal_activator_sleep_conflicts_total', 'Sleep attempts refused by the API server because the Deployment changed since it was read (activity won), per tenant.', 'counter');
  /** Websockets open through this replica. */
  readonly websockets = new Family('panal_activator_open_websockets', 'Websockets open through this replica, per tenant.', 'gauge');
  /** Failed Kubernetes API calls, per operation (`list` | `watch` | `get` | `scale` | `annotate`). */
  readonly kubernetesErrors = new Family('panal_activator_kubernetes_errors_total', 'Failed Kubernetes API calls, per operation (list, watch, get, scale, annotate).', 'counter');
  /** Time from the start of a wake to the first ready replica, for wakes that became ready. */
  readonly wakeSeconds = new Histogram(
    'panal_activator_wake_seconds',
    'Time from the start of a wake to the first ready replica of the tenant, for wakes that became ready.',
    [0.5, 1, 2.5, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600],
  );

  /** The exposition text. */
  render(): string {
    const families = [this.requests, this.wakes, this.held, this.sleeps, this.sleepConflicts, this.websockets, this.kubernetesErrors];
    return [...families.flatMap((f) => f.render()), ...this.wakeSeconds.render()].join('\n') + '\n';
  }
}
