import { z } from 'zod';
import { tenantFileSchema } from './tenant-schema';

/** The tenant file schema as JSON Schema (draft 2020-12), pretty-printed with a trailing newline. */
export function renderTenantJsonSchema(): string {
  const schema = z.toJSONSchema(tenantFileSchema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, title: 'Panal tenant' }, null, 2)}\n`;
}
