import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TIER_SLOS } from '../rules/slo';
import { DEMAND, MODEL_SPEED } from './capacity-inputs';
import { awakeHoursPerMonth, cpuReplicaSecondsPerRequest, idleTenantUsdPerMonth, levelCapacity, standardLatencyAtTargetLoad } from './capacity-model';
import { applyCapacityBlocks, LOAD_LEVELS, renderCapacityBlocks, renderedIdleFootprints } from './capacity-tables';

const DOC = join(__dirname, '../../../../docs/diseno/3-capacidad-y-costes.md');

describe('capacity model', () => {
  const idle = renderedIdleFootprints();

  it.each(LOAD_LEVELS.map((l) => [l.name, l] as const))('splits the %s level per tenant so the split adds up to the environment total', (_name, level) => {
    const c = levelCapacity(level, idle);
    const summed = c.perTenant.standard.total * c.standardTenants + c.perTenant.premium.total * c.premiumTenants;
    expect(summed).toBeCloseTo(c.cost.total, 6);
  });

  it('counts the prefill in the work of a Standard request, not only the answer tokens', () => {
    const answerOnly = DEMAND.completionTokens.value / MODEL_SPEED.cpuAggregateTokensPerSecond.value;
    expect(cpuReplicaSecondsPerRequest()).toBeGreaterThan(answerOnly);
    const large = levelCapacity({ name: 'x', tenants: 500 }, idle);
    expect(large.standardReplicas).toBeGreaterThan(large.standardReplicasAnswerTokensOnly);
  });

  // Issue 14's budget: a tenant nobody uses may cost at most 10 USD/month on its own (docs/adr/0022).
  it('keeps a dormant tenant nobody uses at or under 10 USD per month, and charges an always-on one for the whole month', () => {
    for (const tier of ['standard', 'premium'] as const) {
      expect(idleTenantUsdPerMonth(idle[tier], 0).total, tier).toBeLessThanOrEqual(10);
      expect(idleTenantUsdPerMonth(idle[tier], 730).total, tier).toBeGreaterThan(idleTenantUsdPerMonth(idle[tier], awakeHoursPerMonth()).total);
    }
  });

  it('needs fewer cpu nodes off hours than at the peak once tenants sleep, and no more than the pools minimum for tenants alone', () => {
    const c = levelCapacity({ name: 'x', tenants: 1000 }, idle);
    expect(c.cpuNodesOffHours).toBeLessThan(c.cpuNodes);
    const withoutTenants = levelCapacity({ name: 'x', tenants: 1000 }, { standard: { cpuCores: 0, memoryGiB: 0 }, premium: { cpuCores: 0, memoryGiB: 0 } });
    expect(c.cpuNodesOffHours).toBe(withoutTenants.cpuNodesOffHours);
  });

  it('sizes the cpu pools for whichever of CPU or memory fills a node first', () => {
    const memoryHeavy = levelCapacity({ name: 'x', tenants: 200 }, { standard: { cpuCores: 0.01, memoryGiB: 20 }, premium: { cpuCores: 0.01, memoryGiB: 20 } });
    expect(memoryHeavy.bindingResource).toBe('memory');
    expect(memoryHeavy.cpuNodes).toBeGreaterThanOrEqual(Math.ceil(memoryHeavy.requestedMemoryGiB / 57));
  });
});

describe('Standard SLOs against the capacity model', () => {
  // An objective the model itself says cannot be met at the load the HPA keeps would burn its budget on a healthy pool.
  it('the latency and time-to-first-token thresholds are reachable at the HPA target load', () => {
    const lat = standardLatencyAtTargetLoad();
    expect(TIER_SLOS.standard.timeToFirstToken.thresholdSeconds).toBeGreaterThanOrEqual(lat.timeToFirstTokenSeconds);
    expect(TIER_SLOS.standard.latency.thresholdSeconds).toBeGreaterThanOrEqual(lat.fullRequestSeconds);
  });
});

describe('capacity doc', () => {
  it('docs/diseno/3-capacidad-y-costes.md carries the tables the model renders (make capacity-doc)', () => {
    const doc = readFileSync(DOC, 'utf8');
    expect(applyCapacityBlocks(doc, renderCapacityBlocks())).toBe(doc);
  });

  it('fails on a doc without the generated blocks', () => {
    expect(() => applyCapacityBlocks('# nothing here\n', renderCapacityBlocks())).toThrow('the capacity doc has no <!-- capacity:replicas --> block');
  });
});
