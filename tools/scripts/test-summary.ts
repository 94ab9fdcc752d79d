/**
 * Sums the vitest JSON reports in .out/test-results/ into one closing line,
 * `tests: N passed, M failed, K skipped`, and exits non-zero if any test failed or none ran.
 * Reports are written by every project's vitest run (see vitest.shared.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

interface VitestJsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

const dir = resolve(process.argv[2] ?? '.out/test-results');
const reports = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of reports) {
  const r = JSON.parse(readFileSync(join(dir, file), 'utf8')) as VitestJsonReport;
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  console.log(`  ${file.replace(/\.json$/, '').padEnd(16)} ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || passed === 0) process.exit(1);
