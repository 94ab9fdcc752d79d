/**
 * Generates the azurerm cdktf bindings the code imports into `src/imports/azurerm/`, from the schema
 * of the provider pinned in `tools/terraform/versions.env` (built into the cache by
 * `tools/terraform/ensure-providers.sh` when missing).
 *
 *   tsx apps/platform-infra/scripts/generate-azurerm-bindings.ts           # (re)write the bindings
 *   tsx apps/platform-infra/scripts/generate-azurerm-bindings.ts --check   # exit 1 if they are stale
 *
 * Adding a resource: import it from `imports/azurerm/<folder>/index.js` and run this script.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  azurermSchema,
  BINDINGS_DIR,
  diffBindings,
  filterSchema,
  generateBindings,
  importedNamespaces,
  pinnedProvider,
  readBindings,
  REPO_ROOT,
  writeBindings,
} from './azurerm-bindings';

const check = process.argv.includes('--check');
const pin = pinnedProvider('azurerm');
const ensure = spawnSync('bash', [join(REPO_ROOT, 'tools/terraform/ensure-providers.sh'), 'azurerm'], { stdio: 'inherit' });
if (ensure.status !== 0) process.exit(ensure.status ?? 1);

const t0 = performance.now();
const schema = azurermSchema(pin.version);
const t1 = performance.now();
const { schema: filtered, selection } = filterSchema(schema, importedNamespaces().keys(), pin.version);
const files = await generateBindings(filtered, selection, pin);
const t2 = performance.now();
const summary = `azurerm ${pin.version}: ${selection.resources.length} resources, ${selection.dataSources.length} data sources, ${files.size} files (schema ${((t1 - t0) / 1000).toFixed(1)} s, generation ${((t2 - t1) / 1000).toFixed(1)} s)`;

if (check) {
  const diff = diffBindings(files, readBindings());
  if (diff.length) {
    console.error(`azurerm bindings are stale (run tsx apps/platform-infra/scripts/generate-azurerm-bindings.ts):\n  ${diff.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`azurerm bindings up to date — ${summary}`);
} else {
  writeBindings(files);
  console.log(`wrote ${BINDINGS_DIR} — ${summary}`);
}
