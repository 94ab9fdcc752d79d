/**
 * Monthly usage and cost per tenant, for billing: reads one month of usage (the answers of
 * USAGE_QUERIES from managed Prometheus, stored as JSON) and writes usage-<month>.csv and .json.
 *
 *   npx tsx libs/observability/scripts/usage-report.ts --input usage-2026-10.json --out reports/
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildUsageReport, usageReportCsv } from '../src/billing/usage-report';

const { values } = parseArgs({ options: { input: { type: 'string' }, out: { type: 'string', default: '.' } } });
if (!values.input) {
  console.error('usage: usage-report.ts --input <month.json> [--out <dir>]');
  process.exit(2);
}
try {
  const report = buildUsageReport(JSON.parse(readFileSync(values.input, 'utf8')));
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(join(values.out!, `usage-${report.month}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(values.out!, `usage-${report.month}.csv`), usageReportCsv(report));
  console.log(`usage-${report.month}: ${report.tenants.length} tenants, ${report.totalUsd.toFixed(2)} USD (unallocated ${report.unallocatedUsd.toFixed(2)}) -> ${values.out}`);
} catch (e) {
  console.error(`usage-report: ${values.input}: ${(e as Error).message}`);
  process.exit(1);
}
