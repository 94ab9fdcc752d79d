/**
 * Writes the Grafana dashboards (JSON) and their HTML previews into dist/dashboards/, or with
 * --check fails when that folder is not exactly what the definitions render.
 *
 *   npx tsx libs/observability/scripts/render-dashboards.ts [--check]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dashboardFiles, DASHBOARDS_OUT_DIR } from '../src/dashboards/dashboard-files';
import { PANAL_DASHBOARDS } from '../src/dashboards/panal-dashboards';

const outDir = resolve(import.meta.dirname, '../../..', DASHBOARDS_OUT_DIR);
const files = dashboardFiles(PANAL_DASHBOARDS);
const present = existsSync(outDir) ? readdirSync(outDir).sort() : [];
if (process.argv.includes('--check')) {
  const stale = [...files].filter(([name, content]) => !existsSync(join(outDir, name)) || readFileSync(join(outDir, name), 'utf8') !== content).map(([n]) => n);
  const extra = present.filter((n) => !files.has(n));
  if (stale.length + extra.length > 0) {
    console.error(`${DASHBOARDS_OUT_DIR} is not up to date (stale: ${stale.join(', ') || '-'}; extra: ${extra.join(', ') || '-'}). Run: npx nx run observability:synth`);
    process.exit(1);
  }
  console.log(`${DASHBOARDS_OUT_DIR}: ${files.size} files up to date`);
} else {
  mkdirSync(outDir, { recursive: true });
  for (const n of present) if (!files.has(n)) rmSync(join(outDir, n));
  for (const [n, content] of files) writeFileSync(join(outDir, n), content);
  console.log(`${DASHBOARDS_OUT_DIR}: wrote ${files.size} files`);
}
