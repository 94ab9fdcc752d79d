import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { azurermSchema, diffBindings, filterSchema, generateBindings, importedNamespaces, pinnedProvider, readBindings } from '../../scripts/azurerm-bindings';
import { providerBinary } from './terraform-validate';

const pin = pinnedProvider('azurerm');
const hasTerraform = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;
const binary = providerBinary({ name: 'azurerm', source: 'hashicorp/azurerm', version: pin.version });
const reason = !hasTerraform ? 'no terraform binary on PATH' : !existsSync(binary) ? `azurerm ${pin.version} is not in the cache (tools/terraform/ensure-providers.sh azurerm)` : '';
if (reason) console.warn(`\nazurerm bindings sync check SKIPPED: ${reason}\n`);

describe('azurerm bindings against the provider they were generated from', () => {
  it.skipIf(!!reason)(`regenerating them from the schema of the cached azurerm ${pin.version} gives the committed files${reason ? ` — SKIPPED: ${reason}` : ''}`, { timeout: 10 * 60_000 }, async () => {
    const { schema, selection } = filterSchema(azurermSchema(pin.version), importedNamespaces().keys(), pin.version);
    const diff = diffBindings(await generateBindings(schema, selection, pin), readBindings());
    expect(diff, 'run: tsx apps/platform-infra/scripts/generate-azurerm-bindings.ts').toEqual([]);
  });
});
