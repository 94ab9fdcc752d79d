import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Filesystem mirror built by `tools/terraform/ensure-providers.sh` (unpacked layout). */
export function providerMirrorDir(): string {
  return join(process.env.PANAL_CACHE ?? join(homedir(), '.cache', 'panal'), 'terraform-providers');
}

/** A provider a stack requires, as cdktf pins it: `registry.terraform.io/hashicorp/<name>` at an exact version. */
export interface RequiredProvider {
  /** Local name, e.g. `azurerm`. */
  readonly name: string;
  /** Source address, e.g. `hashicorp/azurerm`. */
  readonly source: string;
  /** Exact version, e.g. `5.2.0`. */
  readonly version: string;
}

/** The providers a synthesized stack pins. */
export function requiredProviders(stackJson: string): RequiredProvider[] {
  const json = JSON.parse(stackJson) as { terraform?: { required_providers?: Record<string, { source: string; version: string }> } };
  return Object.entries(json.terraform?.required_providers ?? {})
    .map(([name, p]) => ({ name, source: p.source, version: p.version }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Path of a provider binary in the mirror. */
export function providerBinary(p: RequiredProvider, mirror = providerMirrorDir()): string {
  // cdktf writes `azurerm` for some providers and `hashicorp/azuread` for others: both mean hashicorp/<type>.
  const parts = p.source.replace(/^registry\.terraform\.io\//, '').split('/');
  const [namespace, type] = parts.length === 1 ? ['hashicorp', parts[0]] : parts;
  return join(mirror, 'registry.terraform.io', namespace, type, p.version, 'linux_amd64', `terraform-provider-${type}_v${p.version}_x5`);
}

/** Providers of the given stacks that are not in the mirror, as `name@version`. */
export function missingProviders(stacks: Iterable<string>, mirror = providerMirrorDir()): string[] {
  const missing = new Set<string>();
  for (const json of stacks) for (const p of requiredProviders(json)) if (!existsSync(providerBinary(p, mirror))) missing.add(`${p.name}@${p.version}`);
  return [...missing].sort();
}

/** Whether one stack can be validated with the providers in the mirror, and if not, why (one line). */
export interface StackPlan {
  /** `dist/terraform`-relative path, e.g. `prod/aks/cdk.tf.json`. */
  readonly path: string;
  /** Pinned providers that are not in the mirror, as `name@version`; empty when the stack can be validated. */
  readonly missing: string[];
}

/** Which stacks can be validated against the mirror: those whose every pinned provider is in it. */
export function planValidation(files: ReadonlyMap<string, string>, mirror = providerMirrorDir()): StackPlan[] {
  return [...files]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, json]) => ({ path, missing: missingProviders([json], mirror) }));
}

/** Result of validating one stack. */
export interface StackValidation {
  /** `true` when Terraform found no error. */
  readonly valid: boolean;
  /** Error and warning summaries (`severity: summary — detail`). */
  readonly diagnostics: string[];
}

/** Environment of every terraform call: a throw-away CLI config keeps `~/.terraformrc` and credentials out. */
function terraformEnv(dir: string): NodeJS.ProcessEnv {
  writeFileSync(join(dir, 'cli.tfrc'), '# generated: providers come only from -plugin-dir\n');
  return { ...process.env, TF_CLI_CONFIG_FILE: join(dir, 'cli.tfrc'), TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_PLUGIN_CACHE_DIR: '' };
}

/**
 * `terraform init` from the provider mirror only (`-plugin-dir`: no registry, no network, no
 * backend) and `terraform validate` on one synthesized stack, against the real provider schemas.
 * A throw-away CLI config keeps the user's `~/.terraformrc` and credentials out of it.
 */
export function terraformValidate(stackJson: string, mirror = providerMirrorDir(), terraform = 'terraform'): StackValidation {
  return terraformValidateMany(new Map([['stack', stackJson]]), mirror, terraform).get('stack')!;
}

/**
 * {@link terraformValidate} for many stacks, paying `terraform init` once per set of pinned
 * providers instead of once per stack: the first stack of each set is initialized, and every other
 * stack of the set is validated in its own folder with that `.terraform` (the installed providers)
 * and lock file linked in. `init -backend=false` installs providers and nothing else, so the result
 * is the same as initializing each folder.
 * @see https://developer.hashicorp.com/terraform/cli/commands/init
 */
export function terraformValidateMany(stacks: ReadonlyMap<string, string>, mirror = providerMirrorDir(), terraform = 'terraform'): Map<string, StackValidation> {
  const root = mkdtempSync(join(tmpdir(), 'panal-tf-validate-'));
  try {
    const env = terraformEnv(root);
    const initialized = new Map<string, string | StackValidation>();
    const results = new Map<string, StackValidation>();
    let n = 0;
    for (const [path, json] of stacks) {
      const dir = join(root, String(n++));
      mkdirSync(dir);
      writeFileSync(join(dir, 'cdk.tf.json'), json);
      const key = JSON.stringify(requiredProviders(json));
      let init = initialized.get(key);
      if (init === undefined) {
        const run = spawnSync(terraform, ['init', '-backend=false', '-input=false', '-no-color', `-plugin-dir=${mirror}`], { cwd: dir, env, encoding: 'utf8' });
        init = run.status === 0 ? dir : { valid: false, diagnostics: [`init failed: ${(run.stderr || run.stdout).trim()}`] };
        initialized.set(key, init);
      } else if (typeof init === 'string') {
        symlinkSync(join(init, '.terraform'), join(dir, '.terraform'));
        copyFileSync(join(init, '.terraform.lock.hcl'), join(dir, '.terraform.lock.hcl'));
      }
      if (typeof init !== 'string') {
        results.set(path, init);
        continue;
      }
      const run = spawnSync(terraform, ['validate', '-json', '-no-color'], { cwd: dir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const out = JSON.parse(run.stdout) as { valid: boolean; diagnostics: { severity: string; summary: string; detail?: string }[] };
      results.set(path, { valid: out.valid, diagnostics: out.diagnostics.map((d) => `${d.severity}: ${d.summary}${d.detail ? ` — ${d.detail}` : ''}`) });
    }
    return results;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Stacks whose JSON differs from the one committed at `base` (`dist/terraform/<path>`, read with
 * `git show`), or that did not exist there. A pull request validates these only: every other stack
 * is byte for byte the one `main` validated (`make test` validates them all, with no base).
 */
export function changedSince(files: ReadonlyMap<string, string>, base: string, repoRoot: string, outDir = 'dist/terraform'): Set<string> {
  const changed = new Set<string>();
  for (const [path, json] of files) {
    const committed = spawnSync('git', ['show', `${base}:${outDir}/${path}`], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (committed.status !== 0 || committed.stdout !== json) changed.add(path);
  }
  return changed;
}

/** A stack reduced to the providers that can be validated, and what was taken out of it. */
export interface ReducedStack {
  /** The stack JSON without the removed providers' resources, data sources and provider blocks. */
  readonly json: string;
  /** Addresses removed (`random_password.x`), sorted. */
  readonly removed: string[];
  /** How many `${…}` references to removed addresses were replaced by a literal. */
  readonly replacedReferences: number;
}

/** Literal that stands for a value of a removed resource: a plain string, valid wherever a string is. */
export const REMOVED_REFERENCE = 'removed-for-validate';

/**
 * The stack without the resources and data sources of `providers` (and their provider blocks and
 * pins), so that `terraform validate` can check everything else against the providers that are
 * built. Each `${…}` interpolation that reads a removed address becomes {@link REMOVED_REFERENCE};
 * `depends_on` entries on removed addresses are dropped. What remains is validated for real; what
 * was removed is not validated at all (the caller says so).
 */
export function withoutProviders(stackJson: string, providers: readonly string[]): ReducedStack {
  const json = JSON.parse(stackJson) as Record<string, Record<string, Record<string, unknown>>> & { terraform?: { required_providers?: Record<string, unknown> } };
  const removed: string[] = [];
  const owned = (type: string) => providers.some((p) => type === p || type.startsWith(`${p}_`));
  for (const [kind, prefix] of [['resource', ''], ['data', 'data.']] as const) {
    for (const type of Object.keys(json[kind] ?? {}).filter(owned)) {
      removed.push(...Object.keys(json[kind][type]).map((name) => `${prefix}${type}.${name}`));
      delete json[kind][type];
    }
  }
  for (const p of providers) {
    delete json.terraform?.required_providers?.[p];
    delete json.provider?.[p];
  }
  const isRemoved = (ref: string) => removed.some((a) => ref === a || ref.startsWith(`${a}.`) || ref.startsWith(`${a}[`));
  let replacedReferences = 0;
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(/\$\{([^{}]*)\}/g, (whole, expr: string) => {
        const refs = expr.match(/\b(?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+/g) ?? [];
        if (!refs.some(isRemoved)) return whole;
        replacedReferences++;
        return REMOVED_REFERENCE;
      });
    }
    if (Array.isArray(value)) return value.filter((v) => !(typeof v === 'string' && isRemoved(v))).map(rewrite);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    return value;
  };
  const out = rewrite(json);
  return { json: JSON.stringify(out, null, 2), removed: removed.sort(), replacedReferences };
}
