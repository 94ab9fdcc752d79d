import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { edgeCoverageProblems, type KubeObject } from '@panal/k8s-constructs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

/**
 * The committed manifests Argo CD syncs, tenants and add-ons together: every tenant route must
 * reach an existing edge listener that admits it, and every hostname must have a certificate. The
 * checker's own failure cases are in libs/k8s-constructs/src/edge/edge.test.ts.
 */
const repoRoot = resolve(__dirname, '../../..');

function manifestsUnder(dir: string): KubeObject[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as KubeObject));
}

describe('edge coverage of dist/manifests', () => {
  const objects = [...manifestsUnder(join(repoRoot, 'dist/manifests/tenants')), ...manifestsUnder(join(repoRoot, 'dist/manifests/cluster-addons'))];

  it('has routes, hostnames and certificates to check', () => {
    const routes = objects.filter((o) => o.kind === 'HTTPRoute' && o.metadata.namespace?.startsWith('tenant-'));
    expect(routes.length).toBeGreaterThanOrEqual(3);
    expect(objects.filter((o) => o.kind === 'Certificate').length).toBeGreaterThanOrEqual(2);
  });

  it('serves every tenant hostname through an existing listener that admits it, with a certificate that covers it', () => {
    expect(edgeCoverageProblems(objects)).toEqual([]);
  });
});
