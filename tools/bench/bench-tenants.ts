/**
 * Benchmark: synth + validate of N generated tenants (default 500), and what `nx affected` runs
 * when one tenant is added. Prints figures; asserts nothing (see docs/benchmarks.md).
 *
 *   make bench                       # 500 tenants
 *   tsx tools/bench/bench-tenants.ts 1000
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
  // dev's PostgreSQL is sized for 50 tenants and prod's for 1,000, and the tenants stack refuses
  // more, while every tenant folder goes to both environments: in the clone only, both get the D8ds_v5
  // SKU and room for the N + 1 tenants of the run, so that platform-infra can synthesize them at all
  // (printed, so that no figure hides it).
  for (const env of ['dev', 'prod']) {
    const path = join(work, `apps/platform-infra/src/environments/${env}.ts`);
    const source = readFileSync(path, 'utf8');
    const capacity = Number(/tenantCapacity: (\d+),/.exec(source)?.[1]);
    if (capacity >= count + 1) continue;
    writeFileSync(path, source.replace(/tenantCapacity: \d+,/, `tenantCapacity: ${count + 1},`).replace(/skuName: 'GP_Standard_D\d+ds_v5',/, "skuName: 'GP_Standard_D8ds_v5',"));
    console.log(`clone only: ${env} postgres.tenantCapacity ${capacity} -> ${count + 1}, SKU D8ds_v5 (as committed, ${env} cannot hold ${count + 1} tenants)`);
  }

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

  // 3. One tenant added to the N, as a pull request: the baseline commit has every project's
  // output fresh for the N tenants (as main would); the PR commits the new folder and what
  // `nx run-many -t synth` writes for it; then exactly what CI runs for that PR (`make affected`,
  // .github/workflows/ci.yml) runs in the clone, with an empty nx cache (CI restores none).
  run(bin('nx'), ['run-many', '-t', 'synth', '--outputStyle=static'], work);
  const git = (...args: string[]) => run('git', ['-c', 'user.email=bench@example.com', '-c', 'user.name=bench', ...args], work);
  git('add', '-A');
  git('commit', '--quiet', '-m', 'bench baseline');
  const baseline = git('rev-parse', 'HEAD').trim();
  const newId = benchTenantId(count);
  addBenchTenant(work, newId, 'standard');
  run(bin('nx'), ['run-many', '-t', 'synth', '--outputStyle=static'], work);
  git('add', '-A');
  git('commit', '--quiet', '-m', `bench: tenant ${newId}`);
  const changed = git('diff', '--name-only', baseline, 'HEAD').split('\n').filter(Boolean);
  const affected = run(bin('nx'), ['show', 'projects', '--affected', `--base=${baseline}`, '--head=HEAD'], work).split('\n').filter(Boolean);
  rmSync(join(work, '.nx/cache'), { recursive: true, force: true });
  // -o: node_modules is this repository's (symlinked), already installed from the same lock file.
  const [make, affectedMs] = timed(() =>
    spawnSync('make', ['--no-print-directory', '-o', 'node_modules/.panal-npm-ci', 'affected', `NX_BASE=${baseline}`], {
      cwd: work,
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
    }),
  );
  console.log(`\none tenant added to ${count} (pull request: ${changed.length} files changed)`);
  console.log(`  affected projects: ${affected.join(', ')}`);
  // Per-task wall times as nx prints them ("Successfully ran target …" lines carry none), from the task headers.
  for (const line of make.stdout.split('\n')) if (/^> nx run |terraform validate: |Successfully ran|Ran targets|failed/.test(line.trim())) console.log(`    ${line.trim()}`);
  console.log(`  make affected NX_BASE=<baseline> (what CI runs for the PR): ${seconds(affectedMs)}, exit ${make.status}`);
  if (make.status !== 0) console.log(`  make affected FAILED:\n${make.stdout.slice(-4000)}\n${make.stderr.slice(-4000)}`);
  console.log(`\nload average at end: ${load()}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
