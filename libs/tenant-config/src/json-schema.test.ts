import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderTenantJsonSchema } from './json-schema';
import { validTenantYaml } from './testing/tenant-fixtures';

const repoRoot = resolve(__dirname, '../../..');
const committed = readFileSync(join(repoRoot, 'apps/tenants/tenant.schema.json'), 'utf8');
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(committed));

describe('exported JSON Schema (apps/tenants/tenant.schema.json)', () => {
  it('is up to date with the zod schema', () => {
    expect(committed, 'run "npx nx run tenants:schema" and commit the result').toBe(renderTenantJsonSchema());
  });

  it('accepts every committed tenant file', () => {
    const dir = join(repoRoot, 'apps/tenants/tenants');
    const ids = readdirSync(dir);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const data = parse(readFileSync(join(dir, id, 'tenant.yaml'), 'utf8'));
      expect(validate(data), `${id}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('rejects an unknown tier, an unknown key and a quota above the tier bound, as editors will', () => {
    expect(validate(parse(validTenantYaml('acme', { tier: 'gold' })))).toBe(false);
    expect(validate(parse(validTenantYaml('acme', { colour: 'red' })))).toBe(false);
    expect(validate(parse(validTenantYaml('acme', { quota: '\n  cpuCores: 20' })))).toBe(false);
    expect(validate(parse(validTenantYaml('acme', { tier: 'premium', quota: '\n  cpuCores: 16' })))).toBe(true);
  });
});
