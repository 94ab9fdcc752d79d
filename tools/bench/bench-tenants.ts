/**
 * Benchmark: synth + validate of N generated tenants (default 500), and what `nx affected` runs
 * when one tenant is added. Prints figures; asserts nothing (see docs/benchmarks.md).
 *
 *   make bench                       # 500 tenants
 *   tsx tools/bench/bench-tenants.ts 1000
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { addBenchTenant, benchTenantId, generateBenchRepo } from './generate-tenants';

const repoRoot = resolve(import.meta.dirname, '../..');
const count = Number(process.argv[2] ?? 500);
const bin = (name: string) => join(repoRoot, 'node_modules/.bin', name);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function timed<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const result = fn();
  return [result, performance.now() - t0];
}

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`);
// Wall times scale with contention: compare runs only at a similar load average.
console.log(`load average at start: ${load()}`);

// A throwaway clone of this repository with N generated tenants instead of the examples.
const work = mkdtempSync(join(tmpdir(), 'panal-bench-'));
try {
  execFileSync('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, work]);
  symlinkSync(join(repoRoot, 'node_modules'), join(work, 'node_modules'));
  rmSync(join(work, 'apps/tenants/tenants'), { recursive: true });
  generateBenchRepo(repoRoot, work, count);

  // 1. Synth: render + write, in a fresh process (includes module loading, as CI pays it).
  const [childOut, synthWallMs] = timed(() => run(bin('tsx'), [join(repoRoot, 'tools/bench/synth-child.ts'), work], work));
  const figures = JSON.parse(childOut.trim().split('\n').pop()!);

  // 2. Validate: kubeconform strict over the whole output (schemas already cached).
  run('bash', ['tools/kubeconform/validate.sh', 'dist/manifests/tenants'], work); // warm the cache outside the timing
  const [, validateMs] = timed(() => run('bash', ['tools/kubeconform/validate.sh', 'dist/manifests/tenants'], work));

  console.log(`\nsynth + validate of ${figures.tenants} tenants`);
  console.log(`  synth wall time (process start to files written): ${seconds(synthWallMs)}`);
  console.log(`    load+validate+render: ${seconds(figures.renderMs)}, write: ${seconds(figures.writeMs)}`);
  console.log(`  kubeconform strict: ${seconds(validateMs)}`);
  console.log(`  total: ${seconds(synthWallMs + validateMs)}  (${((synthWallMs + validateMs) / figures.tenants).toFixed(1)} ms per tenant)`);
  console.log(`  peak memory (synth process): ${figures.maxRssMiB.toFixed(0)} MiB`);
  console.log(`  output: ${figures.files} files, ${(figures.bytes / 2 ** 20).toFixed(1)} MiB`);

  // 3. One tenant added to the N: what nx affected runs, and how long it takes. The baseline
  // commit has every project's output fresh for the N tenants, as main would.
  run(bin('nx'), ['run-many', '-t', 'synth', '--outputStyle=static'], work);
  run('git', ['add', '-A'], work);
  run('git', ['-c', 'user.email=bench@example.com', '-c', 'user.name=bench', 'commit', '--quiet', '-m', 'bench baseline'], work);
  const newId = benchTenantId(count);
  addBenchTenant(work, newId, 'standard');
  const affected = run(bin('nx'), ['show', 'projects', '--affected', '--base=HEAD'], work).split('\n').filter(Boolean);
  // As a PR runs them: synth writes, then validate checks freshness and schemas. Timed per project
  // so the slow one is visible.
  const nxAffected = (target: string) => timed(() => run(bin('nx'), ['affected', '-t', target, '--base=HEAD', '--skip-nx-cache', '--outputStyle=static'], work))[1];
  const synthMs = nxAffected('synth');
  console.log(`\none tenant added to ${count}`);
  console.log(`  affected projects: ${affected.join(', ')}`);
  console.log(`  nx affected -t synth: ${seconds(synthMs)}`);
  let affectedValidateMs = 0;
  for (const project of affected) {
    const targets = JSON.parse(run(bin('nx'), ['show', 'project', project, '--json'], work)).targets ?? {};
    if (!targets.validate) continue;
    const [, ms] = timed(() => run(bin('nx'), ['run', `${project}:validate`, '--skip-nx-cache', '--outputStyle=static'], work));
    affectedValidateMs += ms;
    console.log(`  nx run ${project}:validate: ${seconds(ms)}`);
  }
  console.log(`  total (synth + validate): ${seconds(synthMs + affectedValidateMs)}`);
  console.log(`\nload average at end: ${load()}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
