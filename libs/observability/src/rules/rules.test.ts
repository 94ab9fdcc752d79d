import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { burnRateAlerts, GATEWAY_DURATION_BUCKETS_SECONDS, GATEWAY_FIRST_BYTE_BUCKETS_SECONDS, slowFirstTokenRatioRules, slowRatioRules, TIER_SLOS } from './slo';
import { platformAlerts } from './platform-alerts';
import { AZURE_METRIC_ALERTS, azureMetricAlertsFor } from './azure-metric-alerts';
import { ensurePromtool, runPromtool } from './promtool';
import { renderPrometheusRuleFile, toPrometheusRuleFile } from './prometheus-rule-file';
import { panalRuleGroups } from './rule-groups';
import { isAlertRule, MAX_RULES_PER_GROUP, validateRuleGroups, type RuleGroup } from './rule-types';

const promtoolDir = join(import.meta.dirname, 'promtool');

/**
 * The rules without annotations: promtool compares annotations exactly, and ours are templated prose.
 * Logic (expr, for, labels) is what the unit tests pin; the annotations' templates are checked by
 * `promtool check rules` on the full file.
 */
const withoutAnnotations = (groups: RuleGroup[]): string => {
  const file = toPrometheusRuleFile(groups);
  for (const g of file.groups) for (const r of g.rules) if ('annotations' in r) delete (r as { annotations?: unknown }).annotations;
  return JSON.stringify(file, null, 2);
};

/**
 * Where each metric family the rules read comes from, by name prefix. A rule on a metric that nothing
 * exports never fires: it would look like coverage and be a silent gap.
 */
const METRIC_SOURCES: Readonly<Record<string, string>> = {
  panal_gateway_: 'inference gateway (its PodMonitor in dist/manifests/cluster-addons/inference-gateway)',
  panal_activator_: 'tenant activator (its PodMonitor in dist/manifests/cluster-addons/tenant-activator)',
  kube_: 'kube-state-metrics (a default target of AKS managed Prometheus)',
  keda_: 'KEDA operator (PodMonitor in dist/manifests/cluster-addons/observability)',
  argocd_: 'Argo CD application controller (PodMonitor in dist/manifests/cluster-addons/observability)',
  certmanager_: 'cert-manager controller (PodMonitor in dist/manifests/cluster-addons/observability)',
};
const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset']);

/** Metric and recording-rule names a PromQL expression reads (functions, labels and strings left out). */
function metricsRead(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = [...stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)].filter((m) => !m[2] && !PROMQL_KEYWORDS.has(m[1]!)).map((m) => m[1]!);
  return [...new Set(names)];
}

describe('rule groups (data)', () => {
  const groups = panalRuleGroups();

  it('matches the snapshot of the rendered rule file', () => {
    expect(renderPrometheusRuleFile(groups)).toMatchSnapshot();
  });

  it('keeps every group within the Azure limit and every alert named once', () => {
    for (const g of groups) expect(g.rules.length).toBeLessThanOrEqual(MAX_RULES_PER_GROUP);
    const alerts = groups.flatMap((g) => g.rules.filter(isAlertRule).map((r) => r.alert));
    expect(new Set(alerts).size).toBe(alerts.length);
  });

  it('covers every platform alert the issue asks for and a page and a ticket per tier and SLI', () => {
    const alerts = new Set(groups.flatMap((g) => g.rules.filter(isAlertRule).map((r) => r.alert)));
    for (const a of [
      'TenantOpenWebUIBelowTwoReplicas', 'ZoneLosingNodes', 'SpotEvictionsFrequent', 'GpuPoolStuckProvisioning', 'PremiumRequestsWaiting',
      'ArgoCdAppDegraded', 'ArgoCdAppOutOfSync',
    ]) expect(alerts).toContain(a);
    for (const tier of ['Standard', 'Premium']) for (const sli of ['Errors', 'Latency', 'FirstToken']) for (const speed of ['Fast', 'Slow']) expect(alerts).toContain(`${tier}${sli}BudgetBurn${speed}`);
  });

  it('reads only metrics that a deployed exporter provides or a recording rule records (no rule that can never fire)', () => {
    const rules = groups.flatMap((g) => g.rules);
    const recorded = new Set(rules.filter((r) => !isAlertRule(r)).map((r) => (r as { record: string }).record));
    const orphans = rules.flatMap((r) =>
      metricsRead(r.expr)
        .filter((m) => !recorded.has(m) && !Object.keys(METRIC_SOURCES).some((prefix) => m.startsWith(prefix)))
        .map((m) => `${isAlertRule(r) ? r.alert : (r as { record: string }).record} reads ${m}`),
    );
    expect(orphans).toEqual([]);
    // Not vacuous: the extractor finds the metrics the rules do read, and flags one nothing exports
    // (ingress-nginx's: it is deployed nowhere).
    const read = new Set(rules.flatMap((r) => metricsRead(r.expr)));
    for (const m of ['argocd_app_info', 'certmanager_certificate_expiration_timestamp_seconds', 'kube_node_labels', 'keda_scaler_detail_errors_total', 'panal_gateway_requests_total', 'zone:kube_node_not_ready:ratio']) expect(read).toContain(m);
    expect(metricsRead('sum(rate(nginx_ingress_controller_requests[5m])) > 0')).toEqual(['nginx_ingress_controller_requests']);
    expect(Object.keys(METRIC_SOURCES).some((p) => 'nginx_ingress_controller_requests'.startsWith(p))).toBe(false);
  });

  it('reads the cold-start budget into the GPU alerts', () => {
    const byName = Object.fromEntries(platformAlerts({ premiumColdStartBudgetSeconds: 900 }).map((a) => [a.alert, a]));
    expect(byName.GpuPoolStuckProvisioning!.for).toBe('15m');
    expect(byName.PremiumRequestsWaiting!.for).toBe('15m');
  });

  it('fails when a latency threshold is not a bucket of the gateway histogram', () => {
    expect(GATEWAY_DURATION_BUCKETS_SECONDS).not.toContain(45);
    expect(() => slowRatioRules({ ...TIER_SLOS.standard, latency: { ...TIER_SLOS.standard.latency, thresholdSeconds: 45 } })).toThrow(
      /latency.thresholdSeconds of tier standard must be a bucket of the gateway histogram .*but 45 was provided/,
    );
  });

  it('fails when a time-to-first-token threshold is not a bucket of the first-byte histogram', () => {
    expect(GATEWAY_FIRST_BYTE_BUCKETS_SECONDS).not.toContain(7);
    expect(() => slowFirstTokenRatioRules({ ...TIER_SLOS.premium, timeToFirstToken: { ...TIER_SLOS.premium.timeToFirstToken, thresholdSeconds: 7 } })).toThrow(
      /timeToFirstToken.thresholdSeconds of tier premium must be a bucket of the gateway histogram .*but 7 was provided/,
    );
  });

  it('knows the buckets the gateway really exports', () => {
    const metrics = readFileSync(join(import.meta.dirname, '../../../../apps/inference-gateway/src/metrics.ts'), 'utf8');
    for (const [name, buckets] of [['panal_gateway_request_duration_seconds', GATEWAY_DURATION_BUCKETS_SECONDS], ['panal_gateway_time_to_first_byte_seconds', GATEWAY_FIRST_BYTE_BUCKETS_SECONDS]] as const) {
      const declared = metrics.slice(metrics.indexOf(`'${name}'`)).match(/\[([\d., ]+)\]/)?.[1];
      expect(declared?.split(',').map(Number), name).toEqual(buckets);
    }
  });

  it('fails when an SLO target is not a fraction', () => {
    expect(() => burnRateAlerts('Errors', { ...TIER_SLOS.premium, availabilityTarget: 99.9 })).toThrow(/must be between 0 and 1 exclusive, but 99.9 was provided/);
  });

  it('fails when the cold-start budget is out of range', () => {
    expect(() => platformAlerts({ premiumColdStartBudgetSeconds: 30 })).toThrow(/premiumColdStartBudgetSeconds must be an integer between 60 and 1800, but 30 was provided/);
  });

  it('fails on a group over the Azure limit, a bad recording rule name and a duplicated alert', () => {
    const rule = { record: 'a:b:c', expr: 'up' };
    expect(() => validateRuleGroups([{ name: 'g', interval: '1m', rules: Array(MAX_RULES_PER_GROUP + 1).fill(rule) }])).toThrow(/must have between 1 and 20 rules \(Azure limit\), but has 21/);
    expect(() => validateRuleGroups([{ name: 'g', interval: '1m', rules: [{ record: 'up_ratio', expr: 'up' }] }])).toThrow(/must be level:metric:operations, but 'up_ratio'/);
    const alert = { alert: 'AlertA', expr: 'up == 0', severity: 'page' as const, summary: 's', description: 'd' };
    expect(() => validateRuleGroups([{ name: 'g', interval: '1m', rules: [alert] }, { name: 'h', interval: '1m', rules: [alert] }])).toThrow(/alert names must be unique, but 'AlertA' appears twice/);
  });
});

describe('Azure platform metric alerts (data)', () => {
  it('covers PgBouncer saturation, PostgreSQL failover and Key Vault throttling, with unique names', () => {
    expect(azureMetricAlertsFor('postgresFlexibleServer').map((a) => a.metric)).toEqual(['client_connections_waiting', 'is_db_alive']);
    expect(azureMetricAlertsFor('keyVault')[0]).toMatchObject({ metric: 'ServiceApiResult', dimensions: { StatusCode: ['429'] } });
    const names = AZURE_METRIC_ALERTS.map((a) => a.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('rules under promtool', () => {
  let promtool: string;
  let dir: string;
  beforeAll(() => {
    promtool = ensurePromtool();
    dir = mkdtempSync(join(tmpdir(), 'panal-promtool-'));
    for (const f of readdirSync(promtoolDir)) copyFileSync(join(promtoolDir, f), join(dir, f));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the full rendered rule file (PromQL and annotation templates)', () => {
    writeFileSync(join(dir, 'full-rules.yaml'), renderPrometheusRuleFile(panalRuleGroups()));
    const r = runPromtool(promtool, ['check', 'rules', 'full-rules.yaml'], dir);
    expect(r.status, r.output).toBe(0);
  });

  it.each(readdirSync(promtoolDir).filter((f) => f.endsWith('.test.yaml')))('passes the hand-written unit tests in %s (fire and stay silent)', (file) => {
    writeFileSync(join(dir, 'rules.yaml'), withoutAnnotations(panalRuleGroups()));
    const r = runPromtool(promtool, ['test', 'rules', file], dir);
    expect(r.status, r.output).toBe(0);
  });

  it('is not vacuous: a rule with a broken threshold fails its unit test', () => {
    // GIVEN the SLO rules with both standard page thresholds (14.4x and 6x of 0.5 %) raised so 10 % errors no longer burn fast
    const broken = panalRuleGroups().map((g) => ({
      ...g,
      rules: g.rules.map((r) => (isAlertRule(r) && r.alert === 'StandardErrorsBudgetBurnFast' ? { ...r, expr: r.expr.replaceAll('> 0.072', '> 0.5').replaceAll('> 0.03', '> 0.5') } : r)),
    }));
    writeFileSync(join(dir, 'rules.yaml'), withoutAnnotations(broken));
    // WHEN promtool runs the same tests THEN it reports the missing alert
    const r = runPromtool(promtool, ['test', 'rules', 'slo.test.yaml'], dir);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('StandardErrorsBudgetBurnFast');
  });
});
