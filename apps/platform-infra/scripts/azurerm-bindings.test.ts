import { describe, expect, it } from 'vitest';
import { INFRA_ENVIRONMENTS } from '../src/environments';
import { renderInfra } from '../src/synth/render-infra';
import { filterSchema, importedNamespaces, MANIFEST_FILE, pinnedProvider, readBindings, REPO_ROOT, sha256, SOURCE_DIR, type BindingsManifest, type ProviderSchemaJson } from './azurerm-bindings';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const committed = readBindings();
const manifest = JSON.parse(committed.get(MANIFEST_FILE) ?? '{}') as BindingsManifest;
const pin = pinnedProvider('azurerm');
/** Binding folders: the first path segment of every generated file except the top-level index. */
const generated = new Set([...committed.keys()].filter((p) => p.includes('/')).map((p) => p.split('/')[0]));

describe('committed azurerm bindings', () => {
  it('were generated for the azurerm version and Go module version pinned in tools/terraform/versions.env', () => {
    expect({ version: manifest.version, goModule: manifest.goModule, goVersion: manifest.goVersion }).toEqual({ version: pin.version, goModule: pin.module, goVersion: pin.goVersion });
  });

  it('are exactly the files the manifest lists, unedited', () => {
    const actual = Object.fromEntries([...committed].filter(([p]) => p !== MANIFEST_FILE).map(([p, c]) => [p, sha256(c)]));
    expect(actual).toEqual(manifest.files);
  });

  it('cover every binding the code imports, and nothing the code does not import', () => {
    const imported = importedNamespaces();
    const notGenerated = [...imported].filter(([ns]) => !generated.has(ns)).map(([ns, by]) => `${ns} (imported by ${by.join(', ')})`);
    expect(notGenerated, 'run: tsx apps/platform-infra/scripts/generate-azurerm-bindings.ts').toEqual([]);
    expect([...generated].filter((ns) => !imported.has(ns)).sort()).toEqual([]);
  });

  it('replace the prebuilt @cdktf/provider-azurerm package everywhere', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, e.name);
        if (e.isDirectory()) walk(path);
        else if (e.name.endsWith('.ts') && readFileSync(path, 'utf8').includes(`from '@cdktf/provider-${'azurerm'}`)) offenders.push(relative(REPO_ROOT, path));
      }
    };
    walk(SOURCE_DIR);
    walk(join(REPO_ROOT, 'apps/platform-infra/scripts'));
    expect(offenders).toEqual([]);
  });

  it('pin the same azurerm version in every synthesized stack', () => {
    const files = renderInfra({ repoRoot: REPO_ROOT, environments: Object.values(INFRA_ENVIRONMENTS) });
    const pins = new Set([...files.values()].map((json) => JSON.stringify(JSON.parse(json).terraform.required_providers.azurerm)));
    expect([...pins]).toEqual([JSON.stringify({ source: 'hashicorp/azurerm', version: pin.version })]);
  });
});

describe('filterSchema', () => {
  const fqpn = 'registry.terraform.io/hashicorp/azurerm';
  const block = { block: { attributes: { name: { type: 'string', required: true } } }, version: 0 };
  const schema: ProviderSchemaJson = {
    format_version: '1.0',
    provider_schemas: { [fqpn]: { provider: block, resource_schemas: { azurerm_subnet: block, azurerm_virtual_network: block }, data_source_schemas: { azurerm_subnet: block }, functions: {} } },
  };

  it('keeps the provider block and only the resources and data sources behind the imported folders', () => {
    const { schema: out, selection } = filterSchema(schema, ['provider', 'subnet', 'data-azurerm-subnet'], '9.9.9');
    expect(selection).toEqual({ resources: ['azurerm_subnet'], dataSources: ['azurerm_subnet'] });
    expect(out.provider_schemas[fqpn]).toEqual({ provider: block, resource_schemas: { azurerm_subnet: block }, data_source_schemas: { azurerm_subnet: block } });
    expect(out.provider_versions).toEqual({ [fqpn]: '9.9.9' });
  });

  it('fails an imported folder that is no resource or data source of the provider, naming the folder and the version', () => {
    expect(() => filterSchema(schema, ['kubernetes-cluster'], '9.9.9')).toThrow('azurerm binding "kubernetes-cluster": azurerm 9.9.9 has no resource azurerm_kubernetes_cluster');
  });
});
