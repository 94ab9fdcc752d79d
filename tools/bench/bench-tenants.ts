/**
 * Benchmark: synth + validate of N generated tenants (default 500), and what `nx affected` runs
 * when one tenant is added. Prints figures; asserts nothing (see docs/benchmarks.md).
 *
 *   make bench                       # 500 tenants
 *   tsx tools/bench/bench-tenants.ts 1000
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
  // platform-infra's synth prints megabytes of cdktf warnings at 500 tenants: the default 1 MiB buffer kills it.
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}${r.error ? `, ${r.error.message}` : ''}):\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-6000)}`);
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
  // This repository's installed packages, except the workspace's own (@panal/*): npm links those to
  // its folders, and a plain symlink of node_modules would have the clone render with this working
  // tree's libraries (whatever is being edited here) instead of the clone's.
  mkdirSync(join(work, 'node_modules/@panal'), { recursive: true });
  for (const entry of readdirSync(join(repoRoot, 'node_modules'))) if (entry !== '@panal') symlinkSync(join(repoRoot, 'node_modules', entry), join(work, 'node_modules', entry));
  for (const pkg of readdirSync(join(repoRoot, 'node_modules/@panal'))) symlinkSync(readlinkSync(join(repoRoot, 'node_modules/@panal', pkg)), join(work, 'node_modules/@panal', pkg));
  // Neither committed by `git add -A` below nor an untracked change for the isolation scope.
  writeFileSync(join(work, '.git/info/exclude'), 'node_modules\n', { flag: 'a' });
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
  // `nx run-many -t synth` writes for it; then what CI runs for that PR (`make affected`,
  // .github/workflows/ci.yml) runs in the clone, once with an empty nx cache and once with the cache
  // the baseline's run left (CI restores main's).
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
  // nx 24 selects tasks, not projects: the ones whose inputs the change reaches.
  const explain = run(bin('nx'), ['affected', '-t', 'lint', 'test', 'synth', 'validate', `--base=${baseline}`, '--head=HEAD', '--explain', '--verbose'], work);
  const selected = [...new Set([...explain.matchAll(/^ {4}([a-z-]+:[a-z]+)$/gm)].map((m) => m[1]!))].sort();
  // End-to-end suites pinned to the example tenants (docs/adr/0024-que-comprueba-un-pr-de-inquilino.md):
  // CI runs them for a tenant PR today; excluded here by default (printed), BENCH_EXCLUDE= measures all.
  const exclude = process.env.BENCH_EXCLUDE ?? 'sim-aks,real-stack';
  console.log(`\none tenant added to ${count} (pull request: ${changed.length} files changed)`);
  console.log(`  affected projects: ${affected.join(', ')}`);
  console.log(`  selected tasks (${selected.length}): ${selected.join(', ')}`);
  if (exclude) console.log(`  NOT MEASURED (BENCH_EXCLUDE=${exclude}): ${selected.filter((t) => exclude.split(',').includes(t.split(':')[0]!)).join(', ') || 'none selected'}; CI runs them`);

  // Every output line is stamped (ms since start) as it arrives, so that each task's span can be read
  // between its "> nx run" header and the next one (parallel: 1, tasks run one after another).
  const stamper = 'const t0=Date.now();let b="";process.stdin.on("data",(d)=>{b+=d;let i;while((i=b.indexOf("\\n"))>=0){process.stdout.write(`${Date.now()-t0}\\t${b.slice(0,i)}\\n`);b=b.slice(i+1);}}).on("end",()=>{if(b)process.stdout.write(`${Date.now()-t0}\\t${b}\\n`);});';
  const makeAffected = (label: string) => {
    console.log(`\n  [${label}] load average before: ${load()}`);
    const [make, ms] = timed(() =>
      // -o: node_modules is this repository's (symlinked), already installed from the same lock file.
      spawnSync('bash', ['-o', 'pipefail', '-c', `make --no-print-directory -o node_modules/.panal-npm-ci affected NX_BASE=${baseline} 2>&1 | node -e '${stamper}'`], {
        cwd: work,
        encoding: 'utf8',
        maxBuffer: 512 * 1024 * 1024,
        env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_EXCLUDE: exclude },
      }),
    );
    const lines = make.stdout.split('\n').filter(Boolean).map((l) => {
      const tab = l.indexOf('\t');
      return { at: Number(l.slice(0, tab)), text: l.slice(tab + 1).trim() };
    });
    const headers = lines.filter((l) => /^> nx run \S+$/.test(l.text));
    const endOfTasks = lines.find((l) => /Successfully ran target|Ran target|Running target .* failed/.test(l.text))?.at ?? ms;
    console.log(`  [${label}] per task (wall, from its header to the next):`);
    for (const [i, h] of headers.entries()) console.log(`    ${h.text.slice('> nx run '.length).padEnd(26)} ${seconds((headers[i + 1]?.at ?? endOfTasks) - h.at)}`);
    console.log(`    ${'nx start-up to first task'.padEnd(26)} ${seconds(headers[0]?.at ?? 0)}; after the last task (nx summary, dist/ gate) ${seconds(ms - endOfTasks)}`);
    for (const l of lines) if (/terraform validate: |isolation scope: |Test Files|Cache: |Run duration|not found/.test(l.text)) console.log(`    ${l.text}`);
    console.log(`  [${label}] make affected NX_BASE=<baseline>: ${seconds(ms)}, exit ${make.status}`);
    if (make.status !== 0) console.log(`  [${label}] make affected FAILED; failing tests:\n${lines.filter((l) => /(✗|×|FAIL) /.test(l.text)).map((l) => `    ${l.text}`).slice(0, 60).join('\n')}\n${lines.slice(-15).map((l) => `    ${l.text}`).join('\n')}`);
    return ms;
  };

  // (a) empty nx cache.
  rmSync(join(work, '.nx/cache'), { recursive: true, force: true });
  const emptyMs = makeAffected('empty nx cache');

  // (b) the cache as the push to main leaves it. Only the same task with the same input hash can
  // replay, so the warm-up runs, on the baseline and with nx writing results, every task the PR
  // selects, except those that on the whole catalogue take minutes (listed; main runs them too).
  rmSync(join(work, '.nx/cache'), { recursive: true, force: true });
  git('checkout', '--quiet', baseline);
  const heavy = ['tenants:test', 'cluster-addons:test', 'platform-infra:validate'];
  const warmTasks = selected.filter((t) => !heavy.includes(t) && !exclude.split(',').includes(t.split(':')[0]!));
  const [, warmUpMs] = timed(() => {
    for (const task of warmTasks) spawnSync(bin('nx'), ['run', task, '--outputStyle=static'], { cwd: work, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' } });
  });
  git('checkout', '--quiet', '-');
  console.log(`\n  warm-up on the baseline, nx writing results (not part of the figure, ${seconds(warmUpMs)}): ${warmTasks.join(', ')}; not warmed (minutes on ${count} tenants): ${heavy.join(', ')}`);
  const warmMs = makeAffected('cache as main left it');

  console.log(`\n  one tenant PR, make affected: empty cache ${seconds(emptyMs)}, cache as main left it ${seconds(warmMs)} (objective 20 s${exclude ? `; without ${exclude}` : ''})`);
  console.log(`\nload average at end: ${load()}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
