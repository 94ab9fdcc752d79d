import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every series the activator exports, on prom-client. Names, label names, types, help texts and
 * buckets are API: dashboards and alerts read them.
 *
 * - One registry per instance, never prom-client's global one: tests start several activators in one
 *   process, and each must count only its own requests.
 * - Label names are listed, and passed at every call site, in alphabetical order: prom-client prints a
 *   series' labels in the order of the object that created it, and the exposition keeps them sorted as
 *   before (tests here, in tools/sim-aks and in tools/real-stack match the text).
 * - No `collectDefaultMetrics`: the activator runs as several replicas and every process series is
 *   ingestion cost nobody reads.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 */
export class ActivatorMetrics {
  /** This activator's registry: `/metrics` serves `registry.contentType` and `await registry.metrics()`. */
  readonly registry = new Registry();
  private readonly registers = [this.registry];

  /** Requests and websocket upgrades answered, per tenant (`""` for an unknown host) and status code. */
  readonly requests = new Counter({ name: 'panal_activator_requests_total', help: 'Requests and websocket upgrades answered, per tenant (empty for an unknown host) and status code.', labelNames: ['code', 'tenant'] as const, registers: this.registers });
  /** Wakes this replica started, per tenant and outcome (`ready` | `timeout` | `error`). */
  readonly wakes = new Counter({ name: 'panal_activator_wakes_total', help: 'Wakes of a dormant tenant started by this replica, per tenant and result (ready, timeout, error).', labelNames: ['result', 'tenant'] as const, registers: this.registers });
  /** Requests being held while their tenant wakes. */
  readonly held = new Gauge({ name: 'panal_activator_held_requests', help: 'Requests held by this replica while their tenant wakes, per tenant.', labelNames: ['tenant'] as const, registers: this.registers });
  /** Tenants this replica put to sleep. */
  readonly sleeps = new Counter({ name: 'panal_activator_sleeps_total', help: 'Tenants put to sleep (workloads scaled to zero) by this replica, per tenant.', labelNames: ['tenant'] as const, registers: this.registers });
  /** Sleep attempts that lost to a concurrent change of the Deployment (another replica's activity write). */
  readonly sleepConflicts = new Counter({ name: 'panal_activator_sleep_conflicts_total', help: 'Sleep attempts refused by the API server because the Deployment changed since it was read (activity won), per tenant.', labelNames: ['tenant'] as const, registers: this.registers });
  /** Websockets open through this replica. */
  readonly websockets = new Gauge({ name: 'panal_activator_open_websockets', help: 'Websockets open through this replica, per tenant.', labelNames: ['tenant'] as const, registers: this.registers });
  /** Failed Kubernetes API calls, per operation (`list` | `watch` | `get` | `scale` | `annotate`). */
  readonly kubernetesErrors = new Counter({ name: 'panal_activator_kubernetes_errors_total', help: 'Failed Kubernetes API calls, per operation (list, watch, get, scale, annotate).', labelNames: ['operation'] as const, registers: this.registers });
  /** Time from the start of a wake to the first ready replica, for wakes that became ready; no labels. */
  readonly wakeSeconds = new Histogram({
    name: 'panal_activator_wake_seconds',
    help: 'Time from the start of a wake to the first ready replica of the tenant, for wakes that became ready.',
    buckets: [0.5, 1, 2.5, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600],
    registers: this.registers,
  });
  /** Reads of the mounted configuration that were not applied, per reason (`unreadable` | `invalid`); the last good configuration stays in use. */
  readonly configReloadFailures = new Counter({ name: 'panal_activator_config_reload_failures_total', help: 'Checks of the mounted configuration file that found a change it could not apply, per reason (unreadable, invalid); the last good configuration stays in use.', labelNames: ['reason'] as const, registers: this.registers });
  /** When the configuration in use was loaded (at start or by a reload), in Unix seconds. */
  readonly configLastReload = new Gauge({ name: 'panal_activator_config_last_reload_success_timestamp_seconds', help: 'Unix time the configuration in use was loaded, at start or by a live reload.', registers: this.registers });
  /** 1, labelled with the SHA-256 of the configuration file in use: replicas that disagree have not all reloaded. */
  readonly configInfo = new Gauge({ name: 'panal_activator_config_info', help: 'Always 1, labelled with the SHA-256 of the configuration file this replica serves.', labelNames: ['sha256'] as const, registers: this.registers });
}
