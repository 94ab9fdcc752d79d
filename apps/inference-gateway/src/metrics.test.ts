import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from './metrics';

/** The exposition as the hand-written registry printed it before prom-client (one series per family). */
const EXPOSITION = `# HELP panal_gateway_requests_received_total Authorised requests received, per model, counted before routing.
# TYPE panal_gateway_requests_received_total counter
panal_gateway_requests_received_total{model="llama3:70b"} 1
# HELP panal_gateway_requests_total Requests answered, per tenant, model and status code.
# TYPE panal_gateway_requests_total counter
panal_gateway_requests_total{code="200",model="llama3:8b",tenant="acme"} 1
# HELP panal_gateway_inflight_requests Requests in flight per model, including those waiting for a cold start.
# TYPE panal_gateway_inflight_requests gauge
panal_gateway_inflight_requests{model="llama3:70b"} 0
# HELP panal_gateway_tokens_total Tokens used per tenant, model and type (prompt, completion).
# TYPE panal_gateway_tokens_total counter
panal_gateway_tokens_total{model="llama3:8b",tenant="acme",type="prompt"} 3
# HELP panal_gateway_rejected_total Requests refused before routing, per tenant and reason.
# TYPE panal_gateway_rejected_total counter
panal_gateway_rejected_total{reason="unauthorized",tenant=""} 1
# HELP panal_gateway_upstream_retries_total Upstream attempts retried after a failure before the first byte, per model and reason.
# TYPE panal_gateway_upstream_retries_total counter
panal_gateway_upstream_retries_total{model="mistral:7b",reason="busy"} 1
# HELP panal_gateway_degraded_total Requests answered by the degraded fallback model, per tenant and requested model.
# TYPE panal_gateway_degraded_total counter
panal_gateway_degraded_total{model="llama3:70b",tenant="acme"} 1
# HELP panal_gateway_tenant_keys_loaded Tenants with at least one key loaded (from the Key Vault of key hashes, or the key folder).
# TYPE panal_gateway_tenant_keys_loaded gauge
panal_gateway_tenant_keys_loaded 3
# HELP panal_gateway_key_read_failures_total Failed reads of the tenant key hashes from Key Vault, per reason (throttled, error); the last keys read stay in use.
# TYPE panal_gateway_key_read_failures_total counter
panal_gateway_key_read_failures_total{reason="throttled"} 1
# HELP panal_gateway_shared_limits_available Whether tenant limits are counted in the shared Redis (1) or fall back to a per-replica share in memory (0).
# TYPE panal_gateway_shared_limits_available gauge
panal_gateway_shared_limits_available 1
# HELP panal_gateway_request_duration_seconds Time from request to last byte, per model.
# TYPE panal_gateway_request_duration_seconds histogram
panal_gateway_request_duration_seconds_bucket{le="0.05",model="llama3:8b"} 0
panal_gateway_request_duration_seconds_bucket{le="0.1",model="llama3:8b"} 0
panal_gateway_request_duration_seconds_bucket{le="0.25",model="llama3:8b"} 0
panal_gateway_request_duration_seconds_bucket{le="0.5",model="llama3:8b"} 0
panal_gateway_request_duration_seconds_bucket{le="1",model="llama3:8b"} 1
panal_gateway_request_duration_seconds_bucket{le="2.5",model="llama3:8b"} 1
panal_gateway_request_duration_seconds_bucket{le="5",model="llama3:8b"} 1
panal_gateway_request_duration_seconds_bucket{le="10",model="llama3:8b"} 1
panal_gateway_request_duration_seconds_bucket{le="30",model="llama3:8b"} 1
panal_gateway_request_duration_seconds_bucket{le="60",model="llama3:8b"} 1
panal_gateway_request_duration_seconds_bucket{le="120",model="llama3:8b"} 1
panal_gateway_request_duration_seconds_bucket{le="300",model="llama3:8b"} 1
panal_gateway_request_duration_seconds_bucket{le="600",model="llama3:8b"} 1
panal_gateway_request_duration_seconds_bucket{le="+Inf",model="llama3:8b"} 1
panal_gateway_request_duration_seconds_sum{model="llama3:8b"} 0.7
panal_gateway_request_duration_seconds_count{model="llama3:8b"} 1
# HELP panal_gateway_time_to_first_byte_seconds Time from the gateway accepting the request to the first byte of the model's answer, per model; for streaming chat the time to first token, including any premium cold start wait.
# TYPE panal_gateway_time_to_first_byte_seconds histogram
panal_gateway_time_to_first_byte_seconds_bucket{le="0.05",model="llama3:8b"} 0
panal_gateway_time_to_first_byte_seconds_bucket{le="0.1",model="llama3:8b"} 0
panal_gateway_time_to_first_byte_seconds_bucket{le="0.25",model="llama3:8b"} 0
panal_gateway_time_to_first_byte_seconds_bucket{le="0.5",model="llama3:8b"} 1
panal_gateway_time_to_first_byte_seconds_bucket{le="1",model="llama3:8b"} 1
panal_gateway_time_to_first_byte_seconds_bucket{le="2.5",model="llama3:8b"} 1
panal_gateway_time_to_first_byte_seconds_bucket{le="5",model="llama3:8b"} 1
panal_gateway_time_to_first_byte_seconds_bucket{le="10",model="llama3:8b"} 1
panal_gateway_time_to_first_byte_seconds_bucket{le="15",model="llama3:8b"} 1
panal_gateway_time_to_first_byte_seconds_bucket{le="20",model="llama3:8b"} 1
panal_gateway_time_to_first_byte_seconds_bucket{le="30",model="llama3:8b"} 1
panal_gateway_time_to_first_byte_seconds_bucket{le="60",model="llama3:8b"} 1
panal_gateway_time_to_first_byte_seconds_bucket{le="120",model="llama3:8b"} 1
panal_gateway_time_to_first_byte_seconds_bucket{le="300",model="llama3:8b"} 1
panal_gateway_time_to_first_byte_seconds_bucket{le="600",model="llama3:8b"} 1
panal_gateway_time_to_first_byte_seconds_bucket{le="+Inf",model="llama3:8b"} 1
panal_gateway_time_to_first_byte_seconds_sum{model="llama3:8b"} 0.3
panal_gateway_time_to_first_byte_seconds_count{model="llama3:8b"} 1
# HELP panal_gateway_config_reload_failures_total Checks of the mounted configuration file that found a change it could not apply, per reason (unreadable, invalid); the last good configuration stays in use.
# TYPE panal_gateway_config_reload_failures_total counter
panal_gateway_config_reload_failures_total{reason="invalid"} 1
# HELP panal_gateway_config_last_reload_success_timestamp_seconds Unix time the configuration in use was loaded, at start or by a live reload.
# TYPE panal_gateway_config_last_reload_success_timestamp_seconds gauge
panal_gateway_config_last_reload_success_timestamp_seconds 1796425200
# HELP panal_gateway_config_info Always 1, labelled with the SHA-256 of the configuration file this replica serves.
# TYPE panal_gateway_config_info gauge
panal_gateway_config_info{sha256="ab12"} 1
`;

/** Every family once, labels passed in alphabetical order as the server does. */
function exercise(m: GatewayMetrics): void {
  m.received.inc({ model: 'llama3:70b' });
  m.requests.inc({ code: '200', model: 'llama3:8b', tenant: 'acme' });
  m.inflight.inc({ model: 'llama3:70b' });
  m.inflight.dec({ model: 'llama3:70b' });
  m.tokens.inc({ model: 'llama3:8b', tenant: 'acme', type: 'prompt' }, 3);
  m.rejected.inc({ reason: 'unauthorized', tenant: '' });
  m.retries.inc({ model: 'mistral:7b', reason: 'busy' });
  m.degraded.inc({ model: 'llama3:70b', tenant: 'acme' });
  m.keys.set(3);
  m.keyReadFailures.inc({ reason: 'throttled' });
  m.sharedLimitsAvailable.set(1);
  m.duration.observe({ model: 'llama3:8b' }, 0.7);
  m.firstByte.observe({ model: 'llama3:8b' }, 0.3);
  m.configReloadFailures.inc({ reason: 'invalid' });
  m.configLastReload.set(1796425200);
  m.configInfo.set({ sha256: 'ab12' }, 1);
}

describe('gateway metrics', () => {
  it('print the same names, help texts, types, labels and buckets as before prom-client', async () => {
    const m = new GatewayMetrics();
    exercise(m);
    // prom-client separates families with a blank line; Prometheus ignores it.
    expect((await m.registry.metrics()).replace(/\n\n/g, '\n')).toBe(EXPOSITION);
    expect(m.registry.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('keep one registry per instance, none in the global one', async () => {
    const a = new GatewayMetrics();
    const b = new GatewayMetrics();
    a.received.inc({ model: 'llama3:70b' }, 2);
    expect((await a.received.get()).values).toEqual([{ labels: { model: 'llama3:70b' }, value: 2 }]);
    expect((await b.received.get()).values).toEqual([]);
    const { register } = await import('prom-client');
    expect(await register.getMetricsAsJSON()).toEqual([]);
  });

  it('leave the unlabelled gauges out until they are set', async () => {
    const m = new GatewayMetrics();
    const text = await m.registry.metrics();
    expect(text).not.toMatch(/^panal_gateway_tenant_keys_loaded /m);
    expect(text).not.toMatch(/^panal_gateway_shared_limits_available /m);
    m.sharedLimitsAvailable.set(0);
    expect(await m.registry.metrics()).toMatch(/^panal_gateway_shared_limits_available 0$/m);
  });
});
