import { ConstructsMakerProviderTarget, LANGUAGES, TerraformProviderConstraint } from '@cdktf/commons';
import { CodeMaker, TerraformProviderGenerator } from '@cdktf/provider-generator';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

/** Repository root (this file lives in `apps/platform-infra/scripts/`). */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
/** Where the generated azurerm bindings are committed (ignored by eslint as `src/imports`). */
export const BINDINGS_DIR = join(REPO_ROOT, 'apps/platform-infra/src/imports/azurerm');
/** Sources scanned for `imports/azurerm/<namespace>/` imports. */
export const SOURCE_DIR = join(REPO_ROOT, 'apps/platform-infra/src');
/** Provider pins shared with `tools/terraform/ensure-providers.sh`. */
export const VERSIONS_ENV = join(REPO_ROOT, 'tools/terraform/versions.env');
/** Manifest written next to the bindings: what they were generated from. */
export const MANIFEST_FILE = 'manifest.json';
/** The generator package and version (must match `cdktf`, whose runtime the bindings call). */
export const GENERATOR = '@cdktf/provider-generator@0.21.0';

const FQPN = 'registry.terraform.io/hashicorp/azurerm';

/** One provider line of `versions.env`. */
export interface PinnedProvider {
  /** Local name, e.g. `azurerm`. */
  readonly name: string;
  /** Provider version, e.g. `5.2.0`. */
  readonly version: string;
  /** Go module path it is built from. */
  readonly module: string;
  /** Go module version (pseudo-version or commit) it is built from. */
  readonly goVersion: string;
}

/** The `name` line of `TF_PROVIDERS` in `versions.env`. */
export function pinnedProvider(name: string, versionsEnv = readFileSync(VERSIONS_ENV, 'utf8')): PinnedProvider {
  const block = /TF_PROVIDERS="([^"]*)"/.exec(versionsEnv)?.[1] ?? '';
  for (const line of block.split('\n')) {
    const [n, version, module, goVersion] = line.trim().split(/\s+/);
    if (n === name && version && module && goVersion) return { name, version, module, goVersion };
  }
  throw new Error(`versions.env: no TF_PROVIDERS line for provider "${name}" (expected "name version module go-version")`);
}

/** Filesystem mirror of `tools/terraform/ensure-providers.sh`. */
export function providerMirror(): string {
  return join(process.env.PANAL_CACHE ?? join(homedir(), '.cache', 'panal'), 'terraform-providers');
}

/** Terraform's `providers schema -json` output (only what the generator reads). */
export interface ProviderSchemaJson {
  readonly format_version: string;
  readonly provider_schemas: Record<string, ProviderEntry>;
  readonly provider_versions?: Record<string, string>;
}
interface ProviderEntry {
  readonly provider: unknown;
  readonly resource_schemas?: Record<string, unknown>;
  readonly data_source_schemas?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/**
 * The azurerm schema as the provider binary itself reports it: `terraform providers schema -json` in a
 * throw-away directory whose CLI config installs providers only from the filesystem mirror (no registry).
 */
export function azurermSchema(version: string, mirror = providerMirror(), terraform = 'terraform'): ProviderSchemaJson {
  const dir = mkdtempSync(join(tmpdir(), 'panal-azurerm-schema-'));
  try {
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ terraform: { required_providers: { azurerm: { source: 'hashicorp/azurerm', version } } } }));
    writeFileSync(
      join(dir, 'cli.tfrc'),
      `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`,
    );
    const env = { ...process.env, TF_CLI_CONFIG_FILE: join(dir, 'cli.tfrc'), TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_PLUGIN_CACHE_DIR: '' };
    const init = spawnSync(terraform, ['init', '-backend=false', '-input=false', '-no-color'], { cwd: dir, env, encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`terraform init (azurerm ${version} from ${mirror}) failed: ${(init.stderr || init.stdout || String(init.error)).trim()}`);
    const out = spawnSync(terraform, ['providers', 'schema', '-json'], { cwd: dir, env, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
    if (out.status !== 0) throw new Error(`terraform providers schema -json failed: ${(out.stderr || String(out.error)).trim()}`);
    const schema = JSON.parse(out.stdout) as ProviderSchemaJson;
    if (!schema.provider_schemas?.[FQPN]) throw new Error(`terraform providers schema -json has no ${FQPN}`);
    return schema;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Binding namespaces (`kubernetes-cluster`, `data-azurerm-subnet`, `provider`) the code imports, with the files that import them. */
export function importedNamespaces(srcDir = SOURCE_DIR): Map<string, string[]> {
  const used = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path !== join(srcDir, 'imports')) walk(path);
      } else if (entry.name.endsWith('.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/from\s+'[./]*\/imports\/azurerm\/([a-z0-9-]+)\//g)) {
          used.set(m[1], [...(used.get(m[1]) ?? []), relative(REPO_ROOT, path)]);
        }
      }
    }
  };
  walk(srcDir);
  return new Map([...used].sort(([a], [b]) => a.localeCompare(b)));
}

/** What a filtered schema keeps: terraform type names. */
export interface BindingSelection {
  readonly resources: string[];
  readonly dataSources: string[];
}

/**
 * The schema reduced to the provider block and the resources and data sources behind `namespaces`
 * (the generator's own folder naming, so an import path maps to exactly one terraform type).
 * Everything else (other types, functions, ephemeral and list resources) is dropped.
 */
export function filterSchema(schema: ProviderSchemaJson, namespaces: Iterable<string>, version: string): { schema: ProviderSchemaJson; selection: BindingSelection } {
  const provider = schema.provider_schemas[FQPN];
  if (!provider) throw new Error(`schema: no provider ${FQPN}`);
  const resources: string[] = [];
  const dataSources: string[] = [];
  const wanted = [...new Set(namespaces)].filter((ns) => ns !== 'provider').sort();
  for (const ns of wanted) {
    // The generator's folder is the type without the provider prefix, kebab-cased; data sources keep `data-azurerm-`.
    const data = ns.startsWith('data-azurerm-');
    const type = `azurerm_${(data ? ns.slice('data-azurerm-'.length) : ns).replace(/-/g, '_')}`;
    const all = data ? provider.data_source_schemas : provider.resource_schemas;
    if (!all?.[type]) throw new Error(`azurerm binding "${ns}": azurerm ${version} has no ${data ? 'data source' : 'resource'} ${type}`);
    (data ? dataSources : resources).push(type);
  }
  const pick = (all: Record<string, unknown> | undefined, names: string[]) => Object.fromEntries(names.map((n) => [n, all![n]]));
  const filtered: ProviderSchemaJson = {
    format_version: schema.format_version,
    provider_schemas: {
      [FQPN]: { provider: provider.provider, resource_schemas: pick(provider.resource_schemas, resources), data_source_schemas: pick(provider.data_source_schemas, dataSources) },
    },
    provider_versions: { [FQPN]: version },
  };
  // The generator's own naming must give back exactly the imported folders (sanitized names would not).
  const folders = new TerraformProviderGenerator(new CodeMaker(), filtered as never)
    .buildResourceModels(FQPN as never)
    .map((m) => m.filePath.replace('providers/azurerm/', '').replace(/\/index\.ts$/, ''))
    .sort();
  if (JSON.stringify(folders) !== JSON.stringify(wanted)) {
    throw new Error(`azurerm bindings: the generator names the folders ${JSON.stringify(folders)}, but the code imports ${JSON.stringify(wanted)}`);
  }
  return { selection: { resources, dataSources }, schema: filtered };
}

/** The manifest committed next to the bindings. */
export interface BindingsManifest {
  readonly provider: string;
  readonly version: string;
  readonly goModule: string;
  readonly goVersion: string;
  readonly generator: string;
  readonly resources: string[];
  readonly dataSources: string[];
  /** sha256 of the filtered schema JSON the files were generated from. */
  readonly schemaSha256: string;
  /** sha256 of every generated file, by path relative to the bindings folder. */
  readonly files: Record<string, string>;
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * First lines of every generated file. `@ts-nocheck`: the generator's output does not follow this
 * repository's compiler options (it overrides cdktf members without `override`, which
 * `noImplicitOverride` rejects); its exported types are still what the code is checked against.
 */
const header = (pin: PinnedProvider) =>
  `// Generated by apps/platform-infra/scripts/generate-azurerm-bindings.ts from azurerm ${pin.version} (${GENERATOR}). Do not edit.\n// @ts-nocheck\n`;

/**
 * TypeScript bindings for the selected types, generated by cdktf's own provider generator, as
 * path (relative to the bindings folder) → content, plus the manifest.
 */
export async function generateBindings(filtered: ProviderSchemaJson, selection: BindingSelection, pin: PinnedProvider): Promise<Map<string, string>> {
  const code = new CodeMaker();
  const generator = new TerraformProviderGenerator(code, filtered as never);
  const constraint = new TerraformProviderConstraint({ name: 'azurerm', source: 'hashicorp/azurerm', version: pin.version });
  generator.generate(new ConstructsMakerProviderTarget(constraint, LANGUAGES[0]));
  const out = mkdtempSync(join(tmpdir(), 'panal-azurerm-bindings-'));
  try {
    await code.save(out);
    const root = join(out, 'providers', 'azurerm');
    const files = new Map<string, string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        // lazy-index.ts is CommonJS (require/exports) and README.md files only link to the registry docs.
        else if (entry.name.endsWith('.ts') && entry.name !== 'lazy-index.ts') files.set(relative(root, path), header(pin) + readFileSync(path, 'utf8'));
      }
    };
    walk(root);
    const manifest: BindingsManifest = {
      provider: FQPN,
      version: pin.version,
      goModule: pin.module,
      goVersion: pin.goVersion,
      generator: GENERATOR,
      resources: selection.resources,
      dataSources: selection.dataSources,
      schemaSha256: sha256(JSON.stringify(filtered)),
      files: Object.fromEntries([...files].map(([p, c]) => [p, sha256(c)])),
    };
    files.set(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
    return files;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The committed bindings, path → content (empty when the folder does not exist). */
export function readBindings(dir = BINDINGS_DIR): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(dir)) return files;
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

/** Replaces the bindings folder with `files`. */
export function writeBindings(files: Map<string, string>, dir = BINDINGS_DIR): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** Paths that differ between two binding trees (added, removed or changed), sorted. */
export function diffBindings(expected: Map<string, string>, actual: Map<string, string>): string[] {
  const paths = new Set([...expected.keys(), ...actual.keys()]);
  return [...paths]
    .filter((p) => expected.get(p) !== actual.get(p))
    .map((p) => (!actual.has(p) ? `missing ${p}` : !expected.has(p) ? `unexpected ${p}` : `changed ${p}`))
    .sort();
}
