/** A Prometheus duration with one unit, e.g. `5m`, `1h`, `3d`. */
export type PromDuration = `${number}${'s' | 'm' | 'h' | 'd'}`;

/** Who is told: `page` wakes the on-call engineer, `ticket` opens work for office hours. */
export type AlertSeverity = 'page' | 'ticket';

/** A recording rule: a named, precomputed PromQL expression. */
export interface RecordingRule {
  /** Series name, `level:metric:operations` as Prometheus recommends. @see https://prometheus.io/docs/practices/rules/ */
  readonly record: string;
  /** PromQL expression. */
  readonly expr: string;
  /** Labels added to every series of the result. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/** An alerting rule. */
export interface AlertRule {
  /** Alert name, UpperCamelCase. */
  readonly alert: string;
  /** PromQL expression; every series it returns is a firing alert. */
  readonly expr: string;
  /** How long the expression must hold before the alert fires. @default - fires on the first evaluation */
  readonly for?: PromDuration;
  /** Who is told. */
  readonly severity: AlertSeverity;
  /** One line for the notification. May use `{{ $labels.x }}`. */
  readonly summary: string;
  /** What it means and what to do first. */
  readonly description: string;
  /** Extra labels (e.g. `slo`, `tier`). @default - only `severity` */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A group of rules evaluated together at one interval. */
export interface RuleGroup {
  /** Group name (also the Azure `PrometheusRuleGroup` name suffix). */
  readonly name: string;
  /** Evaluation interval. */
  readonly interval: PromDuration;
  /** Rules, evaluated in order (recording rules before the alerts that read them). */
  readonly rules: readonly (RecordingRule | AlertRule)[];
}

/** True for alerting rules. */
export function isAlertRule(rule: RecordingRule | AlertRule): rule is AlertRule {
  return 'alert' in rule;
}

/**
 * Azure managed Prometheus limits a rule group to 20 rules.
 * @see https://learn.microsoft.com/azure/azure-monitor/metrics/prometheus-rule-groups
 */
export const MAX_RULES_PER_GROUP = 20;

const RECORD_NAME = /^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/;
const ALERT_NAME = /^[A-Z][A-Za-z0-9]+$/;
const GROUP_NAME = /^[a-z0-9-]{1,60}$/;
const DURATION = /^[0-9]+[smhd]$/;

/** Converts a Prometheus duration to seconds. */
export function durationSeconds(d: PromDuration): number {
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[d.slice(-1) as 's' | 'm' | 'h' | 'd'];
  return Number(d.slice(0, -1)) * unit;
}

/**
 * Checks the invariants every rendered group must keep (names, durations, group size, unique
 * alert names, recording rules defined before use inside the group).
 * @throws Error naming the group, the rule and the rule broken
 */
export function validateRuleGroups(groups: readonly RuleGroup[]): void {
  const groupNames = new Set<string>();
  const alertNames = new Set<string>();
  for (const g of groups) {
    if (!GROUP_NAME.test(g.name)) throw new Error(`rule group name must match ${GROUP_NAME}, but '${g.name}' was provided`);
    if (groupNames.has(g.name)) throw new Error(`rule group names must be unique, but '${g.name}' appears twice`);
    groupNames.add(g.name);
    if (!DURATION.test(g.interval)) throw new Error(`rule group '${g.name}': interval must be a Prometheus duration like 1m, but '${g.interval}' was provided`);
    if (g.rules.length === 0 || g.rules.length > MAX_RULES_PER_GROUP)
      throw new Error(`rule group '${g.name}' must have between 1 and ${MAX_RULES_PER_GROUP} rules (Azure limit), but has ${g.rules.length}`);
    for (const r of g.rules) {
      if (r.expr.trim() === '') throw new Error(`rule group '${g.name}': rule ${isAlertRule(r) ? r.alert : r.record} has an empty expr`);
      if (isAlertRule(r)) {
        if (!ALERT_NAME.test(r.alert)) throw new Error(`rule group '${g.name}': alert name must be UpperCamelCase, but '${r.alert}' was provided`);
        if (alertNames.has(r.alert)) throw new Error(`alert names must be unique, but '${r.alert}' appears twice`);
        alertNames.add(r.alert);
        if (r.for !== undefined && !DURATION.test(r.for)) throw new Error(`alert ${r.alert}: for must be a Prometheus duration like 5m, but '${r.for}' was provided`);
        if (r.summary.trim() === '' || r.description.trim() === '') throw new Error(`alert ${r.alert}: summary and description must not be empty`);
      } else if (!RECORD_NAME.test(r.record)) {
        throw new Error(`rule group '${g.name}': recording rule name must be level:metric:operations, but '${r.record}' was provided`);
      }
    }
  }
}
