import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** One checkov finding on one resource. */
export interface CheckovFinding {
  /** Check id, e.g. `CKV_AZURE_41`. */
  readonly checkId: string;
  /** Check title. */
  readonly checkName: string;
  /** File relative to the scanned root, e.g. `prod/tenants/cdk.tf.json`. */
  readonly file: string;
  /** Logical resource name in that file. */
  readonly resource: string;
  /** Severity; checkov only knows it with a platform API key, so offline it is `null`. */
  readonly severity: string | null;
  /** The inline justification next to the resource (`skipCheckov`), when there is one. */
  readonly justification?: string;
}

/** The verdict of a scan. */
export interface CheckovVerdict {
  /** Checks that passed. */
  readonly passed: number;
  /** Failed checks with an inline justification. */
  readonly justified: CheckovFinding[];
  /** Failed checks without one: each is a test failure. */
  readonly unjustified: CheckovFinding[];
  /** Justifications for checks that pass anyway (stale skips to delete). */
  readonly staleSkips: { readonly file: string; readonly resource: string; readonly checkId: string }[];
  /** checkov version. */
  readonly version: string;
}

interface RawResult {
  check_id: string;
  check_name: string;
  file_path: string;
  resource: string;
  severity: string | null;
}

/**
 * Runs the pinned checkov (`tools/checkov/ensure.sh`) on synthesized Terraform JSON, offline, and
 * applies our inline justifications. checkov 3.3's `terraform_json` runner ignores inline
 * `checkov:skip` comments (its `run_block` passes no skipped checks), so the justification that
 * `skipCheckov` writes into a resource's `//` object is applied here instead: a failure is accepted
 * only when the failing resource itself carries a reason for that very check.
 */
export function scanWithCheckov(repoRoot: string, files: ReadonlyMap<string, string>): CheckovVerdict {
  const checkov = execFileSync('bash', [join(repoRoot, 'tools/checkov/ensure.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  const dir = mkdtempSync(join(tmpdir(), 'panal-checkov-'));
  try {
    for (const [path, content] of files) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    const run = spawnSync(checkov, ['-d', dir, '--framework', 'terraform_json', '--skip-download', '--compact', '-o', 'json'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, CKV_SKIP_PACKAGE_UPDATE_CHECK: 'true', BC_SKIP_MAPPING: 'TRUE' },
    });
    if (run.status !== 0 && run.status !== 1) throw new Error(`checkov exited with ${run.status}: ${run.stderr.slice(-2000)}`);
    const report = JSON.parse(run.stdout) as { summary: { passed: number; checkov_version: string }; results: { failed_checks?: RawResult[]; passed_checks?: RawResult[] } };
    const skipsOf = (file: string, resource: string): Record<string, string> => {
      const json = JSON.parse(files.get(file) ?? '{}') as { resource?: Record<string, Record<string, { '//'?: { checkov?: Record<string, string> } }>> };
      const name = resource.split('.').pop()!;
      for (const byName of Object.values(json.resource ?? {})) if (byName[name]) return byName[name]['//']?.checkov ?? {};
      return {};
    };
    const toFinding = (r: RawResult): CheckovFinding => {
      const file = r.file_path.replace(/^\//, '');
      const resource = r.resource.split('.').pop()!;
      const skip = skipsOf(file, r.resource)[r.check_id];
      return { checkId: r.check_id, checkName: r.check_name, file, resource, severity: r.severity, ...(skip ? { justification: skip.replace(/^checkov:skip=[^:]+:/, '') } : {}) };
    };
    const failed = (report.results.failed_checks ?? []).map(toFinding);
    const passed = (report.results.passed_checks ?? []).map(toFinding);
    return {
      passed: report.summary.passed,
      justified: failed.filter((f) => f.justification),
      unjustified: failed.filter((f) => !f.justification),
      staleSkips: passed.filter((f) => f.justification).map(({ file, resource, checkId }) => ({ file, resource, checkId })),
      version: report.summary.checkov_version,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

