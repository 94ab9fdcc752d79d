import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { ConfigError } from '@panal/tenant-config';
import type { ManifestFiles } from './manifest-files';
import { diffManifests, writeManifests } from './write-manifests';

/** What a synth entry point renders. */
export interface SynthTarget {
  /** Name shown in messages, e.g. `tenants`. */
  readonly name: string;
  /** Output folder relative to the repository root, e.g. `dist/manifests/tenants`. */
  readonly outDir: string;
  /** Renders the files for an environment folder. Throws ConfigError on bad input. */
  render(options: { repoRoot: string; envDir: string }): ManifestFiles;
}

/**
 * Shared command line of the synth entry points:
 *
 *   synth [--env <name>] [--check] [--out <dir>]
 *
 * `--check` renders in memory and fails if the committed output differs (the CI gate), writing
 * nothing. On any error nothing is written and the exit code is 1.
 */
export function runSynthCli(target: SynthTarget, argv: string[] = process.argv.slice(2)): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      env: { type: 'string', default: 'example' },
      check: { type: 'boolean', default: false },
      out: { type: 'string' },
      'repo-root': { type: 'string' },
    },
    strict: true,
  });
  const repoRoot = resolve(values['repo-root'] ?? process.env.PANAL_REPO_ROOT ?? process.cwd());
  const envDir = resolve(repoRoot, 'environments', values.env);
  const outDir = resolve(repoRoot, values.out ?? target.outDir);
  try {
    const started = process.hrtime.bigint();
    const files = target.render({ repoRoot, envDir });
    if (values.check) {
      const drift = diffManifests(outDir, files);
      const stale = [...drift.added.map((f) => `+ ${f}`), ...drift.changed.map((f) => `~ ${f}`), ...drift.removed.map((f) => `- ${f}`)];
      if (stale.length > 0) {
        console.error(`${target.name}: ${values.out ?? target.outDir} is stale (${stale.length} files differ):\n  ${stale.slice(0, 50).join('\n  ')}`);
        console.error(`run "npx nx run ${target.name}:synth" and commit the result`);
        process.exitCode = 1;
        return;
      }
      console.log(`${target.name}: ${files.size} files up to date`);
      return;
    }
    writeManifests(outDir, files);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`${target.name}: wrote ${files.size} files to ${values.out ?? target.outDir} in ${ms.toFixed(0)} ms`);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
