/** One thing wrong with a configuration file, said so a human can fix it. */
export interface ConfigProblem {
  /** File the problem is in, relative to the repository root. */
  readonly file: string;
  /** Dotted path of the field (`quota.cpuCores`), or `(file)` when the whole file is at fault. */
  readonly field: string;
  /** The offending value as written, shortened; `undefined` when the field is missing. */
  readonly value: unknown;
  /** The rule that was broken, in lower case, starting with a verb or "must". */
  readonly rule: string;
}

/** Renders a value for an error message: JSON, cut to a readable length. */
export function describeValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Formats one problem as `file: field "x": rule (got value)`. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.field === '(file)' ? p.file : `${p.file}: field "${p.field}"`;
  return `${where}: ${p.rule} (got ${describeValue(p.value)})`;
}

/**
 * Thrown when configuration is invalid. Carries every problem found, not only the first, so one
 * CI run tells a platform engineer everything to fix in their pull request.
 */
export class ConfigError extends Error {
  /** Every problem found, in file order. */
  public readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${formatProblem(p)}`);
    super(`invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was written:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
