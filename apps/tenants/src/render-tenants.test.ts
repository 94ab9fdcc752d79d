import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { diffManifests } from '@panal/k8s-constructs';
import { renderTenants, TENANTS_OUT_DIR } from './render-tenants';

const repoRoot = resolve(__dirname, '../../..');
const envDir = join(repoRoot, 'environments/example');
const TENANTS_DIR = join(repoRoot, 'apps/tenants/tenants');

describe('renderTenants (bundled example environment)', () => {
  const { tenants, files } = renderTenants({ repoRoot, envDir });

  // The committed catalogue is the customer's (onboarding adds a folder): expected from the folders
  // themselves, read here with a plain YAML parser, not from a list that the next tenant PR would break.
  it('renders every committed tenant folder, with the tier its tenant.yaml declares, one output folder each', () => {
    const catalogue = readdirSync(TENANTS_DIR).filter((d) => existsSync(join(TENANTS_DIR, d, 'tenant.yaml'))).sort();
    const declared = catalogue.map((d) => {
      const doc = parse(readFileSync(join(TENANTS_DIR, d, 'tenant.yaml'), 'utf8'));
      return `${doc.id}:${doc.tier}`;
    });
    expect(catalogue.length).toBeGreaterThan(0);
    expect(tenants.map((t) => `${t.id}:${t.tier}`)).toEqual(declared);
    expect([...new Set([...files.keys()].map((f) => f.split('/')[0]))].sort()).toEqual(catalogue);
  });

  it('is deterministic: rendering twice gives byte-identical files in the same order', () => {
    const again = renderTenants({ repoRoot, envDir }).files;
    expect([...again.entries()]).toEqual([...files.entries()]);
  });

  it('names files <kind>-<name>.yaml after the object inside, with no hash suffixes', () => {
    for (const [path, content] of files) {
      const obj = parse(content);
      expect(path).toBe(`${path.split('/')[0]}/${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`);
      expect(obj.metadata.name).not.toMatch(/-[0-9a-f]{8}$/);
    }
  });

  it('matches the committed dist/manifests/tenants (run "npx nx run tenants:synth" if this fails)', () => {
    expect(diffManifests(join(repoRoot, TENANTS_OUT_DIR), files)).toEqual({ added: [], changed: [], removed: [] });
  });

  it('reads back identically under YAML 1.1, the rules the Kubernetes API server parses with', () => {
    // A bare `no` in container args would reach the API server as the boolean false.
    for (const [path, content] of files) {
      const asKubernetesReadsIt = JSON.stringify(parse(content, { version: '1.1' }));
      expect(asKubernetesReadsIt, path).toBe(JSON.stringify(parse(content, { version: '1.2' })));
    }
    expect(parse(files.get('acme/deployment-redis.yaml')!, { version: '1.1' }).spec.template.spec.containers[0].args).toContain('no');
  });

  it('writes no absolute paths or timestamps into the output', () => {
    for (const [path, content] of files) {
      expect(content, path).not.toContain(repoRoot);
      expect(content, path).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    }
  });
});
