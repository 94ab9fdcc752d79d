import { stringify } from 'yaml';
import { isAlertRule, type RuleGroup } from './rule-types';

/** A rule as Prometheus' rule file format spells it. @see https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/ */
export type PrometheusRuleEntry =
  | { record: string; expr: string; labels?: Record<string, string> }
  | { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> };

/** Converts rule groups to the Prometheus rule file shape (what promtool and the PrometheusRule CRD read). */
export function toPrometheusRuleFile(groups: readonly RuleGroup[]): { groups: { name: string; interval: string; rules: PrometheusRuleEntry[] }[] } {
  return {
    groups: groups.map((g) => ({
      name: g.name,
      interval: g.interval,
      rules: g.rules.map((r): PrometheusRuleEntry =>
        isAlertRule(r)
          ? {
              alert: r.alert,
              expr: r.expr,
              ...(r.for ? { for: r.for } : {}),
              labels: { ...r.labels, severity: r.severity },
              annotations: { summary: r.summary, description: r.description },
            }
          : { record: r.record, expr: r.expr, ...(r.labels ? { labels: { ...r.labels } } : {}) },
      ),
    })),
  };
}

/** The rule file as YAML text. */
export function renderPrometheusRuleFile(groups: readonly RuleGroup[]): string {
  return stringify(toPrometheusRuleFile(groups), { lineWidth: 0 });
}
