import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { REPO_ROOT } from '../cluster.ts';
import type { Timeline } from '../recorder.ts';
import { readEnvFile } from '../toolchain.ts';
import { renderReport } from './render-report.ts';

/**
 * `sim-report [--in DIR] [--out FILE]`: reads every `*.json` timeline in DIR (default
 * `.out/sim-aks/timelines`) and writes the self-contained HTML report to FILE (default
 * `.out/sim-aks/report/index.html`). Relative paths are taken from the repository root.
 * Prints the path written.
 */
const USAGE = 'usage: sim-report [--in DIR] [--out FILE]';

function isTimeline(value: unknown): value is Timeline {
  const v = value as Partial<Timeline> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.scenario === 'string' &&
    typeof v.title === 'string' &&
    typeof v.timeScale === 'number' &&
    Array.isArray(v.samples) &&
    Array.isArray(v.marks) &&
    typeof v.figures === 'object'
  );
}

export function readTimelines(dir: string): Timeline[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  return files.map((f) => {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    if (!isTimeline(parsed)) throw new Error(`${join(dir, f)} is not a sim-aks timeline`);
    return parsed;
  });
}

function toolchainVersions(): Record<string, string> {
  let pinned: Record<string, string> = {};
  try {
    const env = readEnvFile(join(REPO_ROOT, 'tools', 'sim-aks', 'toolchain', 'versions.env'));
    // versions only: the *_MODULE entries are Go module paths, not something a reader needs
    pinned = Object.fromEntries(Object.entries(env).filter(([k]) => k.endsWith('_VERSION')));
  } catch {
    // no pinned toolchain file: the report just lists the runtime versions
  }
  return { ...pinned, node: process.version, vega: vega.version, 'vega-lite': vegaLite.version };
}

async function main() {
  const { values } = parseArgs({
    options: {
      in: { type: 'string', default: join('.out', 'sim-aks', 'timelines') },
      out: { type: 'string', default: join('.out', 'sim-aks', 'report', 'index.html') },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const inDir = resolve(REPO_ROOT, values.in);
  const outFile = resolve(REPO_ROOT, values.out);
  const html = await renderReport(readTimelines(inDir), { generatedAt: new Date().toISOString(), toolchain: toolchainVersions() });
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, html);
  console.log(outFile);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
