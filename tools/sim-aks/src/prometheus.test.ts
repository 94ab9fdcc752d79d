import { describe, expect, it } from 'vitest';
import { REALTIME_PROFILE, TEST_PROFILE } from './profile.ts';
import { compressPrometheusTime } from './prometheus.ts';

describe('compressPrometheusTime', () => {
  it('scales ranges, subqueries and offsets of the production query by the profile factor, and nothing else', () => {
    // GIVEN the rendered activity query's shape plus a subquery and an offset
    const query = 'sum(increase(panal_gateway_requests_received_total{model="llama3:70b"}[15m]) or vector(0)) + max_over_time(up{job="a[1m]"}[1h30m:30s] offset 5m)';
    // WHEN compressed for the test profile (1/20)
    const c = compressPrometheusTime(TEST_PROFILE, query, 15);
    // THEN 15 min → 45 s, 90 min → 270 s, 30 s → 1.5 s, 5 min → 15 s; label values untouched
    expect(c.query).toBe('sum(increase(panal_gateway_requests_received_total{model="llama3:70b"}[45000ms]) or vector(0)) + max_over_time(up{job="a[1m]"}[270000ms:1500ms] offset 15000ms)');
    // and the scrape interval and lookback delta by the same factor
    expect(c.scrapeIntervalSeconds).toBe(0.75);
    expect(c.lookbackDeltaSeconds).toBe(15);
  });

  it('keeps production durations in the realtime profile', () => {
    const c = compressPrometheusTime(REALTIME_PROFILE, 'rate(x[5m:])', 15);
    expect(c.query).toBe('rate(x[300000ms:])');
    expect(c.scrapeIntervalSeconds).toBe(15);
    expect(c.lookbackDeltaSeconds).toBe(300);
  });
});
