/**
 * Which rendered tenants an isolation proof evaluates.
 *
 * Without PANAL_AFFECTED_BASE (`make test`, the push to main): every tenant under
 * dist/manifests/tenants. With it (`make affected`, a pull request) and a change that touches
 * nothing but tenant folders and rendered output: the tenants the change adds or modifies plus a
 * fixed set of unchanged neighbours (the first unchanged tenant of each tier, at least three), so that
 * a new tenant is still proven isolated from others of both tiers without the analyzer evaluating
 * the whole catalogue (>10 min at 500 tenants). Any other change (policies, constructs, stand-ins,
 * the analyzer, this file) gets the whole catalogue. See docs/adr/0024-que-comprueba-un-pr-de-inquilino.md.
 *
 * A tenant still provisioning (no identity yet: apps/tenants/README.md) renders only its namespace and
 * barriers, no workload; the analyzer rejects policies that select no pods, and a namespace without pods
 * has no connection to prove, so such tenants are left out of the analysis and listed in `withoutWorkloads`
 * (the tests assert they render nothing but those barriers).
 *
 * The base commit is part of the nx hash of the tests that use this ({ runtime } input), so a scoped
 * result is never replayed as a full one.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TenantScope {
  /** Directory holding one folder per evaluated tenant (the rendered directory itself when full). */
  readonly dir: string;
  /** Evaluated tenant ids, sorted. */
  readonly ids: string[];
  /** Rendered tenants with no workload (still provisioning), left out of the analysis, sorted. */
  readonly withoutWorkloads: string[];
  /** Whether only part of the catalogue is evaluated. */
  readonly scoped: boolean;
  /** One line saying what is evaluated and why. */
  readonly reason: string;
  /** Removes the scoped copy (no-op when full). */
  cleanup(): void;
}

/** Paths a tenant-only change may touch: tenant folders and what synth renders from them. */
const TENANT_ONLY_PREFIXES = ['apps/tenants/tenants/', 'dist/manifests/', 'dist/terraform/', 'dist/dashboards/'];
const TENANT_PATH = /^(?:apps\/tenants\/tenants|dist\/manifests\/tenants)\/([^/]+)\//;
/** Unchanged tenants evaluated beside the changed ones, at least. */
export const MIN_NEIGHBOURS = 3;

function git(repoRoot: string, args: string[]): string {
  return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** Files that differ from `base` in the working tree, untracked ones included; undefined if git cannot tell. */
export function changedSince(repoRoot: string, base: string): string[] | undefined {
  try {
    const tracked = git(repoRoot, ['diff', '--name-only', '--no-renames', base, '--']);
    const untracked = git(repoRoot, ['ls-files', '--others', '--exclude-standard']);
    return [...tracked.split('\n'), ...untracked.split('\n')].filter(Boolean);
  } catch {
    return undefined;
  }
}

/**
 * The tenants to evaluate given the changed files (pure: the decision, without git or copies).
 * `tierOf` reads a rendered tenant's tier.
 */
export function chooseTenants(all: readonly string[], changed: readonly string[] | undefined, tierOf: (id: string) => string): { ids: string[]; scoped: boolean; reason: string } {
  const sorted = [...all].sort();
  const full = (reason: string) => ({ ids: sorted, scoped: false, reason: `all ${sorted.length} rendered tenants (${reason})` });
  if (changed === undefined) return full('no base to compare with');
  const other = changed.find((f) => !TENANT_ONLY_PREFIXES.some((p) => f.startsWith(p)));
  if (other !== undefined) return full(`the change touches ${other}, not only tenant folders`);
  const present = new Set(sorted);
  const touched = new Set(changed.map((f) => TENANT_PATH.exec(f)?.[1]).filter((id): id is string => id !== undefined && present.has(id)));
  const unchanged = sorted.filter((id) => !touched.has(id));
  const neighbours: string[] = [];
  for (const tier of [...new Set(unchanged.map(tierOf))].sort()) neighbours.push(unchanged.find((id) => tierOf(id) === tier)!);
  for (const id of unchanged) if (neighbours.length < MIN_NEIGHBOURS && !neighbours.includes(id)) neighbours.push(id);
  const ids = [...touched, ...neighbours].sort();
  if (ids.length >= sorted.length) return full('the change reaches every tenant');
  return {
    ids,
    scoped: true,
    reason: `${touched.size} changed tenant(s) [${[...touched].sort().join(', ')}] and ${neighbours.length} unchanged neighbour(s) [${neighbours.sort().join(', ')}] of ${sorted.length}; the whole catalogue runs in make test`,
  };
}

/** The rendered tenant's tier, from its Namespace label. */
export function renderedTier(renderedDir: string, id: string): string {
  const text = readFileSync(join(renderedDir, id, `namespace-tenant-${id}.yaml`), 'utf8');
  return /panal\.io\/tier: *["']?([a-z]+)/.exec(text)?.[1] ?? 'unknown';
}

const WORKLOAD_KIND = /^kind: *(Pod|Deployment|ReplicaSet|StatefulSet|DaemonSet|Job|CronJob|ReplicationController) *$/m;

/** Kinds each rendered file of a tenant folder holds (one object per file, `kind:` at the top level). */
export function renderedKinds(renderedDir: string, id: string): string[] {
  return readdirSync(join(renderedDir, id)).map((f) => /^kind: *(\S+)/m.exec(readFileSync(join(renderedDir, id, f), 'utf8'))?.[1] ?? `unknown (${f})`);
}

/** Whether a rendered tenant folder holds any workload the analyzer models. */
export function hasWorkloads(renderedDir: string, id: string): boolean {
  return readdirSync(join(renderedDir, id)).some((f) => WORKLOAD_KIND.test(readFileSync(join(renderedDir, id, f), 'utf8')));
}

/** The tenants an isolation proof evaluates (see the file comment); prints its reason. */
export function tenantsUnderAnalysis(repoRoot: string, renderedDir: string, env: NodeJS.ProcessEnv = process.env): TenantScope {
  const rendered = readdirSync(renderedDir).sort();
  const withoutWorkloads = rendered.filter((id) => !hasWorkloads(renderedDir, id));
  const all = rendered.filter((id) => !withoutWorkloads.includes(id));
  const base = env.PANAL_AFFECTED_BASE;
  const changed = base ? changedSince(repoRoot, base) : undefined;
  const choice = base ? chooseTenants(all, changed, (id) => renderedTier(renderedDir, id)) : chooseTenants(all, undefined, () => '');
  const reason =
    (base ? choice.reason : `all ${all.length} rendered tenants with workloads (PANAL_AFFECTED_BASE unset)`) +
    (withoutWorkloads.length ? `; left out, no workload (provisioning): ${withoutWorkloads.join(', ')}` : '');
  console.log(`isolation scope: ${reason}`);
  if (!choice.scoped && !withoutWorkloads.length) return { dir: renderedDir, ids: choice.ids, withoutWorkloads, scoped: false, reason, cleanup: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'panal-isolation-scope-'));
  for (const id of choice.ids) cpSync(join(renderedDir, id), join(dir, id), { recursive: true });
  return { dir, ids: choice.ids, withoutWorkloads, scoped: choice.scoped, reason, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
