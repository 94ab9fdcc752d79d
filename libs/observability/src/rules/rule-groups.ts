import { platformRuleGroups, type PlatformAlertOptions } from './platform-alerts';
import { validateRuleGroups, type RuleGroup } from './rule-types';
import { sloRuleGroups } from './slo';

/**
 * Every Prometheus rule group of the platform: SLIs and burn-rate alerts per tier, then platform alerts.
 * Validated on the way out; the same data feeds the Azure `PrometheusRuleGroup` resources
 * (apps/platform-infra) and the promtool tests.
 */
export function panalRuleGroups(options: PlatformAlertOptions = {}): RuleGroup[] {
  const groups = [...sloRuleGroups(), ...platformRuleGroups(options)];
  validateRuleGroups(groups);
  return groups;
}
