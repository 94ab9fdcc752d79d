/**
 * `make mirror-images ENV=environments/<env>`: mirrors the environment's upstream images into its
 * ACR by digest and writes `environments/<env>/image-digests.yaml` (tools/images/README.md).
 * Needs network access to the upstream registries and a crane login to the ACR, so it runs in the
 * platform pipeline, not in `make test`.
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mirrorImages, MirrorRefused } from './mirror.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');
const { values } = parseArgs({ options: { env: { type: 'string' }, 'host-map': { type: 'string' }, insecure: { type: 'boolean', default: false } } });
if (!values.env) {
  console.error('usage: cli.ts --env environments/<env> [--host-map host=addr,...] [--insecure]');
  process.exit(2);
}
const hostMap = Object.fromEntries((values['host-map'] ?? '').split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string]));
const crane = execFileSync('bash', [join(repoRoot, 'tools/images/ensure.sh')], { encoding: 'utf8' }).trim().split('\n').pop()!;
try {
  const report = mirrorImages({ envDir: resolve(repoRoot, values.env), repoRoot, crane, hostMap, insecure: values.insecure });
  for (const r of report) console.log(`${r.action.padEnd(7)} ${r.image.target}@${r.digest}  (from ${r.image.source}, ${r.image.usedBy})`);
  console.log(`${report.filter((r) => r.action === 'copied').length} copied, ${report.filter((r) => r.action === 'present').length} already present; digests in ${values.env}/image-digests.yaml`);
} catch (err) {
  console.error(err instanceof MirrorRefused ? `mirror refused, nothing changed:\n${err.message}` : err);
  process.exit(1);
}
