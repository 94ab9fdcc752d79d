import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES } from './prices';
import { buildUsageReport, requestsCostUsd, usageReportCsv } from './usage-report';

const fixturePath = join(import.meta.dirname, 'fixtures/usage-2026-10.json');
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8'));

describe('monthly usage and cost report', () => {
  // GIVEN October 2026 (31 d = 744 h) with acme (standard), globex (premium) and initech (standard)
  const report = buildUsageReport(fixture);
  const line = (t: string) => report.tenants.find((l) => l.tenant === t)!;

  it('splits the standard pool by standard tokens (hand-checked)', () => {
    // models-standard: 11 904 core-h / 16 = 744 node-h; 47 616 GiB-h / 64 = 744 node-h -> 744 x 0.90 = 669.60 USD
    // standard tokens: acme 1 000 000, globex 1 000 000 (llama3:8b), initech 2 000 000 -> 4 000 000
    // acme 669.60 x 1/4 = 167.40; globex 167.40; initech 669.60 x 1/2 = 334.80
    expect([line('acme').standardPoolUsd, line('globex').standardPoolUsd, line('initech').standardPoolUsd]).toEqual([167.4, 167.4, 334.8]);
  });

  it('charges the GPU node-hours to premium tokens only (hand-checked)', () => {
    // 100 spot h x 2.00 + 5 on-demand h x 7.00 = 200 + 35 = 235.00 USD; only globex has premium tokens (500 000)
    expect(line('globex').premiumGpuUsd).toBe(235);
    expect(line('globex').premiumTokens).toBe(500_000);
    expect(line('acme').premiumGpuUsd).toBe(0);
  });

  it('prices each namespace by the resource it exhausts first (hand-checked)', () => {
    // acme: max(1 488 / 16 = 93, 2 976 / 64 = 46.5) = 93 node-h x 0.90 = 83.70
    // globex: max(2 976 / 16 = 186, 5 952 / 64 = 93) = 186 x 0.90 = 167.40
    // initech (memory-heavy): max(744 / 16 = 46.5, 8 928 / 64 = 139.5) = 139.5 x 0.90 = 125.55
    expect([line('acme').namespaceUsd, line('globex').namespaceUsd, line('initech').namespaceUsd]).toEqual([83.7, 167.4, 125.55]);
  });

  it('adds the fixed private endpoint and totals per tenant and overall (hand-checked)', () => {
    // fixed: 0.01 USD/h x 744 h = 7.44 per tenant
    // acme 83.70 + 167.40 + 0 + 7.44 = 258.54
    // globex 167.40 + 167.40 + 235.00 + 7.44 = 577.24
    // initech 125.55 + 334.80 + 0 + 7.44 = 467.79
    // total 258.54 + 577.24 + 467.79 = 1 303.57 (the gateway namespace is platform overhead, not billed)
    expect(report.tenants.map((l) => [l.tenant, l.tier, l.fixedUsd, l.totalUsd])).toEqual([
      ['acme', 'standard', 7.44, 258.54],
      ['globex', 'premium', 7.44, 577.24],
      ['initech', 'standard', 7.44, 467.79],
    ]);
    expect(report.totalUsd).toBe(1303.57);
    expect(report.unallocatedUsd).toBe(0);
    expect(report.priceSource).toMatchObject({ document: 'docs/costes-infraestructura.md', retrievedOn: '2026-11-26' });
  });

  it('keeps GPU hours nobody used as unallocated instead of charging standard tenants', () => {
    const noPremium = structuredClone(fixture);
    noPremium.queries.tokens.data.result = noPremium.queries.tokens.data.result.filter((s: any) => s.metric.model !== 'llama3:70b');
    const r = buildUsageReport(noPremium);
    expect(r.unallocatedUsd).toBe(235);
    expect(r.tenants.every((l) => l.premiumGpuUsd === 0)).toBe(true);
  });

  it('writes a CSV billing can import: header, one row per tenant, amounts with 2 decimals', () => {
    const csv = usageReportCsv(report).split('\r\n');
    expect(csv[0]).toBe('month,tenant,tier,promptTokens,completionTokens,standardTokens,premiumTokens,namespaceUsd,standardPoolUsd,premiumGpuUsd,fixedUsd,totalUsd');
    expect(csv[2]).toBe('2026-10,globex,premium,800000,700000,1000000,500000,167.40,167.40,235.00,7.44,577.24');
    expect(csv).toHaveLength(5);
  });

  it('fails on an unknown model, naming the series', () => {
    const bad = structuredClone(fixture);
    bad.queries.tokens.data.result[0].metric.model = 'gpt-4';
    expect(() => buildUsageReport(bad)).toThrow(/queries.tokens: series .*gpt-4.* unknown model \(known: llama3:8b, mistral:7b, llama3:70b\)/);
  });

  it('fails on a malformed month, naming the field', () => {
    expect(() => buildUsageReport({ ...fixture, month: '2026-13' })).toThrow('usage input is invalid: month: must be YYYY-MM');
  });

  it('uses the cost table prices', () => {
    expect(requestsCostUsd(16, 0, DEFAULT_PRICES)).toBe(0.9);
  });

  it('runs as a command writing CSV and JSON', () => {
    const out = mkdtempSync(join(tmpdir(), 'panal-usage-'));
    try {
      const script = resolve(import.meta.dirname, '../../scripts/usage-report.ts');
      const tsx = resolve(import.meta.dirname, '../../../../node_modules/.bin/tsx');
      const stdout = execFileSync(tsx, [script, '--input', fixturePath, '--out', out], { encoding: 'utf8' });
      expect(stdout).toContain('3 tenants, 1303.57 USD');
      expect(JSON.parse(readFileSync(join(out, 'usage-2026-10.json'), 'utf8')).totalUsd).toBe(1303.57);
      expect(readFileSync(join(out, 'usage-2026-10.csv'), 'utf8')).toContain('2026-10,acme,standard,');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
