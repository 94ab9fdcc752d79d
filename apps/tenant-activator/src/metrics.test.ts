import { describe, expect, it } from 'vitest';
import { ActivatorMetrics } from './metrics';

/** The exposition as the hand-written registry printed it before prom-client (one series per family). */
const EXPOSITION = `# HELP panal_activator_requests_total Requests and websocket upgrades answered, per tenant (empty for an unknown host) and status code.
# TYPE panal_activator_requests_total counter
panal_activator_requests_total{code="200",tenant="acme"} 1
# HELP panal_activator_wakes_total Wakes of a dormant tenant started by this replica, per tenant and result (ready, timeout, error).
# TYPE panal_activator_wakes_total counter
panal_activator_wakes_total{result="ready",tenant="acme"} 1
# HELP panal_activator_held_requests Requests held by this replica while their tenant wakes, per tenant.
# TYPE panal_activator_held_requests gauge
panal_activator_held_requests{tenant="acme"} 0
# HELP panal_activator_sleeps_total Tenants put to sleep (workloads scaled to zero) by this replica, per tenant.
# TYPE panal_activator_sleeps_total counter
panal_activator_sleeps_total{tenant="acme"} 1
# HELP panal_activator_sleep_conflicts_total Sleep attempts refused by the API server because the Deployment changed since it was read (activity won), per tenant.
# TYPE panal_activator_sleep_conflicts_total counter
panal_activator_sleep_conflicts_total{tenant="acme"} 1
# HELP panal_activator_open_websockets Websockets open through this replica, per tenant.
# TYPE panal_activator_open_websockets gauge
panal_activator_open_websockets{tenant="acme"} 2
# HELP panal_activator_kubernetes_errors_total Failed Kubernetes API calls, per operation (list, watch, get, scale, annotate).
# TYPE panal_activator_kubernetes_errors_total counter
panal_activator_kubernetes_errors_total{operation="scale"} 1
# HELP panal_activator_wake_seconds Time from the start of a wake to the first ready replica of the tenant, for wakes that became ready.
# TYPE panal_activator_wake_seconds histogram
panal_activator_wake_seconds_bucket{le="0.5"} 0
panal_activator_wake_seconds_bucket{le="1"} 0
panal_activator_wake_seconds_bucket{le="2.5"} 0
panal_activator_wake_seconds_bucket{le="5"} 0
panal_activator_wake_seconds_bucket{le="10"} 0
panal_activator_wake_seconds_bucket{le="15"} 1
panal_activator_wake_seconds_bucket{le="20"} 1
panal_activator_wake_seconds_bucket{le="30"} 1
panal_activator_wake_seconds_bucket{le="45"} 1
panal_activator_wake_seconds_bucket{le="60"} 1
panal_activator_wake_seconds_bucket{le="90"} 1
panal_activator_wake_seconds_bucket{le="120"} 1
panal_activator_wake_seconds_bucket{le="180"} 1
panal_activator_wake_seconds_bucket{le="300"} 1
panal_activator_wake_seconds_bucket{le="600"} 1
panal_activator_wake_seconds_bucket{le="+Inf"} 1
panal_activator_wake_seconds_sum 12
panal_activator_wake_seconds_count 1
# HELP panal_activator_config_reload_failures_total Checks of the mounted configuration file that found a change it could not apply, per reason (unreadable, invalid); the last good configuration stays in use.
# TYPE panal_activator_config_reload_failures_total counter
panal_activator_config_reload_failures_total{reason="invalid"} 1
# HELP panal_activator_config_last_reload_success_timestamp_seconds Unix time the configuration in use was loaded, at start or by a live reload.
# TYPE panal_activator_config_last_reload_success_timestamp_seconds gauge
panal_activator_config_last_reload_success_timestamp_seconds 1796425200
# HELP panal_activator_config_info Always 1, labelled with the SHA-256 of the configuration file this replica serves.
# TYPE panal_activator_config_info gauge
panal_activator_config_info{sha256="ab12"} 1
`;

describe('activator metrics', () => {
  it('print the same names, help texts, types, labels and buckets as before prom-client', async () => {
    const m = new ActivatorMetrics();
    // Every family once, labels passed in alphabetical order as the activator does.
    m.requests.inc({ code: '200', tenant: 'acme' });
    m.wakes.inc({ result: 'ready', tenant: 'acme' });
    m.held.inc({ tenant: 'acme' });
    m.held.dec({ tenant: 'acme' });
    m.sleeps.inc({ tenant: 'acme' });
    m.sleepConflicts.inc({ tenant: 'acme' });
    m.websockets.set({ tenant: 'acme' }, 2);
    m.kubernetesErrors.inc({ operation: 'scale' });
    m.wakeSeconds.observe(12);
    m.configReloadFailures.inc({ reason: 'invalid' });
    m.configLastReload.set(1796425200);
    m.configInfo.set({ sha256: 'ab12' }, 1);
    // prom-client separates families with a blank line; Prometheus ignores it.
    expect((await m.registry.metrics()).replace(/\n\n/g, '\n')).toBe(EXPOSITION);
    expect(m.registry.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('keep one registry per instance, none in the global one', async () => {
    const a = new ActivatorMetrics();
    const b = new ActivatorMetrics();
    a.wakes.inc({ result: 'ready', tenant: 'acme' });
    expect((await a.wakes.get()).values).toEqual([{ labels: { result: 'ready', tenant: 'acme' }, value: 1 }]);
    expect((await b.wakes.get()).values).toEqual([]);
    const { register } = await import('prom-client');
    expect(await register.getMetricsAsJSON()).toEqual([]);
  });
});
