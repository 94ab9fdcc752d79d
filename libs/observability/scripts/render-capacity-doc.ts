/**
 * Rewrites the generated blocks of docs/diseno/3-capacidad-y-costes.md from the capacity model
 * (`make capacity-doc`); `--check` fails instead when the doc is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyCapacityBlocks, renderCapacityBlocks } from '../src/capacity/capacity-tables';

const doc = join(dirname(fileURLToPath(import.meta.url)), '../../../docs/diseno/3-capacidad-y-costes.md');
const current = readFileSync(doc, 'utf8');
const next = applyCapacityBlocks(current, renderCapacityBlocks());
if (process.argv.includes('--check')) {
  if (next !== current) {
    console.error('docs/diseno/3-capacidad-y-costes.md is stale: run `make capacity-doc`');
    process.exitCode = 1;
  }
} else if (next !== current) {
  writeFileSync(doc, next);
  console.log('docs/diseno/3-capacidad-y-costes.md: capacity blocks rewritten');
}
