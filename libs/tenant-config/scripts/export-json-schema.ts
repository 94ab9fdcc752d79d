/**
 * Writes apps/tenants/tenant.schema.json from the zod schema, so editors validate and complete
 * tenant.yaml files (via the `yaml-language-server: $schema=` line at the top of each file).
 *
 *   tsx libs/tenant-config/scripts/export-json-schema.ts           # write
 *   tsx libs/tenant-config/scripts/export-json-schema.ts --check   # fail if stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTenantJsonSchema } from '../src/json-schema';

const target = join(dirname(fileURLToPath(import.meta.url)), '../../../apps/tenants/tenant.schema.json');
const content = renderTenantJsonSchema();
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== content) {
    console.error('apps/tenants/tenant.schema.json is stale: run "npx nx run tenants:schema" and commit it');
    process.exit(1);
  }
  console.log('tenant.schema.json is up to date');
} else {
  writeFileSync(target, content);
  console.log('wrote apps/tenants/tenant.schema.json');
}
