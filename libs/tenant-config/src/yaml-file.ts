import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { ConfigProblem } from './config-error';

/** Result of reading and validating one YAML file: the value, or the problems found. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: ConfigProblem[] };

/** Reads a value at a zod issue path from the raw input, for error messages. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function joinPath(path: readonly PropertyKey[]): string {
  return path.map((k) => (typeof k === 'number' ? `[${k}]` : String(k))).join('.').replaceAll('.[', '[') || '(file)';
}

/** Turns zod issues into problems that name the file, the field, the value and the rule. */
export function issuesToProblems(file: string, input: unknown, issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ file, field: joinPath([...issue.path, key]), value: valueAt(input, [...issue.path, key]), rule: 'is not a known field (check the spelling against tenant.schema.json)' });
      }
      continue;
    }
    const value = valueAt(input, issue.path);
    const rule = value === undefined && issue.code === 'invalid_type' ? 'is required' : issue.message;
    problems.push({ file, field: joinPath(issue.path), value, rule });
  }
  return problems;
}

/**
 * Reads a YAML file and validates it with a schema. Malformed YAML (including duplicate keys) is
 * reported with line and column instead of throwing.
 */
export function readYamlFile<S extends z.ZodType>(file: string, displayPath: string, schema: S): Parsed<z.output<S>> {
  const text = readFileSync(file, 'utf8');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    const lines = text.split('\n');
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        // `file:line:col` is what editors and CI annotations understand.
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return {
          file: `${displayPath}:${line}:${col}`,
          field: '(file)',
          value: lines[line - 1]?.trim(),
          rule: `is not valid YAML: ${e.message.split('\n')[0]}`,
        };
      }),
    };
  }
  const input: unknown = doc.toJS();
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, problems: [{ file: displayPath, field: '(file)', value: input, rule: 'must be a YAML mapping' }] };
  }
  const result = schema.safeParse(input);
  if (!result.success) return { ok: false, problems: issuesToProblems(displayPath, input, result.error.issues) };
  return { ok: true, value: result.data };
}
