/**
 * Sums the vitest JSON reports in .out/test-results/ into one closing line,
 * `tests: N passed, M failed, K skipped`, and exits non-zero if any test failed or none ran.
 * Every skipped test is listed by name above that line, so a skip is never silent (its reason is
 * printed by the test itself when it decides to skip). Reports are written by every project's
 * vitest run (see vitest.shared.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

interface VitestJsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults?: { name: string; assertionResults?: { fullName: string; status: string }[] }[];
}

const dir = resolve(process.argv[2] ?? '.out/test-results');
const reports = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
let passed = 0;
let failed = 0;
let skipped = 0;
const skippedNames: string[] = [];
for (const file of reports) {
  const r = JSON.parse(readFileSync(join(dir, file), 'utf8')) as VitestJsonReport;
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  const project = file.replace(/\.json$/, '');
  console.log(`  ${project.padEnd(16)} ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
  for (const suite of r.testResults ?? []) {
    for (const t of suite.assertionResults ?? []) {
      if (['skipped', 'pending', 'todo', 'disabled'].includes(t.status)) skippedNames.push(`  skipped: ${project} › ${t.fullName}`);
    }
  }
}
for (const line of skippedNames) console.log(line);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || passed === 0) process.exit(1);
