import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { USAGE_QUERIES } from '../billing/usage-input';
import { ensurePromtool, runPromtool } from '../rules/promtool';
import { panalRuleGroups } from '../rules/rule-groups';
import { dashboardFiles } from './dashboard-files';
import { toGrafanaJson } from './dashboard';
import { PANAL_DASHBOARDS } from './panal-dashboards';

const repoRoot = resolve(import.meta.dirname, '../../../..');
const allExprs = PANAL_DASHBOARDS.flatMap((d) => d.panels.flatMap((p) => p.queries.map((q) => ({ where: `${d.uid}/${p.title}`, expr: q.expr }))));

describe('dashboards', () => {
  let promtool: string;
  // In a hook: on a cold cache the first promtool build takes minutes (hookTimeout, not testTimeout).
  beforeAll(() => {
    promtool = ensurePromtool();
  });

  it('covers the views the issue asks for', () => {
    expect(PANAL_DASHBOARDS.map((d) => d.uid)).toEqual(['panal-overview', 'panal-tenant', 'panal-gpu', 'panal-models', 'panal-cost']);
    expect(PANAL_DASHBOARDS.find((d) => d.uid === 'panal-tenant')!.variables).toEqual([{ name: 'tenant', query: 'label_values(panal_gateway_requests_total, tenant)' }]);
  });

  it('renders Grafana JSON with a datasource variable and panels inside the 24-column grid', () => {
    for (const d of PANAL_DASHBOARDS) {
      const json = toGrafanaJson(d) as any;
      expect(json.templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource' });
      for (const p of json.panels) expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      expect(json.panels.every((p: any) => p.targets.length > 0)).toBe(true);
    }
  });

  it('keeps dist/dashboards equal to what the definitions render (JSON and HTML previews)', () => {
    for (const [name, content] of dashboardFiles(PANAL_DASHBOARDS)) expect(readFileSync(join(repoRoot, 'dist/dashboards', name), 'utf8'), name).toBe(content);
  });

  it('reads only gateway series the gateway exports and recording rules we define', () => {
    const exported = new Set([...readFileSync(join(repoRoot, 'apps/inference-gateway/src/metrics.ts'), 'utf8').matchAll(/'(panal_gateway_[a-z_]+)'/g)].map((m) => m[1]));
    const recorded = new Set(panalRuleGroups().flatMap((g) => g.rules.flatMap((r) => ('record' in r ? [r.record] : []))));
    for (const { where, expr } of allExprs) {
      for (const m of expr.matchAll(/(?<![:\w])panal_gateway_[a-z_]+/g)) expect(exported, where).toContain(m[0].replace(/_(bucket|count|sum)$/, ''));
      for (const m of expr.matchAll(/\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\b/g)) expect(recorded, where).toContain(m[0]);
    }
  });

  it('has only valid PromQL in every panel and every usage-report query (promtool check rules)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'panal-promql-'));
    try {
      const exprs = [...allExprs.map((e) => e.expr.replaceAll('$tenant', 'acme')), ...Object.values(USAGE_QUERIES).map((q) => q.replaceAll('$__range', '31d'))];
      const file = { groups: [{ name: 'queries', rules: exprs.map((expr, i) => ({ record: `panal:query_${i}:check`, expr })) }] };
      writeFileSync(join(dir, 'queries.yaml'), stringify(file));
      const r = runPromtool(promtool, ['check', 'rules', '--lint=none', 'queries.yaml'], dir);
      expect(r.status, r.output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
