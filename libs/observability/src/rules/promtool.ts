import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ENSURE = resolve(import.meta.dirname, '../../../../tools/promtool/ensure.sh');

/** Path of the pinned promtool, built into the cache on first use (tools/promtool/ensure.sh). */
export function ensurePromtool(): string {
  const out = execFileSync('bash', [ENSURE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').at(-1)!;
}

/** Result of one promtool run. */
export interface PromtoolResult {
  /** Exit code. */
  readonly status: number;
  /** stdout and stderr together, for the failure message. */
  readonly output: string;
}

/** Runs promtool with the arguments in a working directory. */
export function runPromtool(promtool: string, args: readonly string[], cwd: string): PromtoolResult {
  const r = spawnSync(promtool, args, { cwd, encoding: 'utf8' });
  return { status: r.status ?? -1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
