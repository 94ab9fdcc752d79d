import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadEnvironment, loadTenants } from '@panal/tenant-config';
import { RELOADER_SECRET_ANNOTATION } from '@panal/k8s-constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLUSTER_ADDONS_OUT_DIR, RELOADER_NAMESPACE, TENANTS_DIR } from './render-cluster-addons';

/**
 * Reloader as rendered into dist/manifests (what Argo CD applies): it watches exactly the namespaces
 * whose workloads read a synced Secret as environment variables, and each of those workloads names
 * the Secrets it reads. The behaviour itself (a rotated Secret rolls OpenWebUI, an unchanged one does
 * not) is run against a real API server in tools/sim-aks/src/scenarios/secret-rotation.test.ts.
 */
const repoRoot = resolve(__dirname, '../../..');
const readDir = (dir: string): any[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
    .map((e) => parse(readFileSync(join(e.parentPath, e.name), 'utf8')));

describe('Reloader in the rendered platform', () => {
  let addons: any[];
  let tenantObjs: any[];
  beforeAll(() => {
    addons = readDir(join(repoRoot, CLUSTER_ADDONS_OUT_DIR, 'reloader'));
    // Every rendered workload, tenants and platform: one that reads a Secret as an environment variable outside
    // the watched namespaces would never see a rotation.
    tenantObjs = [...readDir(join(repoRoot, 'dist/manifests/tenants')), ...readDir(join(repoRoot, CLUSTER_ADDONS_OUT_DIR))];
  });

  it('watches exactly the active tenants, the namespaces whose Deployments read synced Secrets as environment variables', () => {
    const { identities } = loadEnvironment(join(repoRoot, 'environments/example'), repoRoot);
    const active = loadTenants({ tenantsDir: join(repoRoot, TENANTS_DIR), repoRoot, identities }).filter((t) => t.state === 'active').map((t) => t.namespace).sort();
    const deployment = addons.find((o) => o.kind === 'Deployment' && o.metadata.namespace === RELOADER_NAMESPACE);
    const arg: string = deployment.spec.template.spec.containers[0].args.find((a: string) => a.startsWith('--namespaces='));
    expect(arg.slice('--namespaces='.length).split(',')).toEqual(active);
    const readers = tenantObjs.filter((o) => (o.kind === 'Deployment' || o.kind === 'StatefulSet') && o.spec.template.spec.containers.some((c: any) => (c.env ?? []).some((e: any) => e.valueFrom?.secretKeyRef)));
    expect([...new Set(readers.map((d) => d.metadata.namespace))].sort()).toEqual(active);
    for (const d of readers) {
      const read = new Set<string>(d.spec.template.spec.containers.flatMap((c: any) => (c.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.valueFrom.secretKeyRef.name)));
      expect(d.metadata.annotations[RELOADER_SECRET_ANNOTATION].split(','), `${d.metadata.namespace}/${d.metadata.name}`).toEqual([...read].sort());
    }
  });

  it('is bound in each watched namespace and nowhere else', () => {
    const deployment = addons.find((o) => o.kind === 'Deployment');
    const watched = deployment.spec.template.spec.containers[0].args.find((a: string) => a.startsWith('--namespaces=')).slice('--namespaces='.length).split(',');
    expect(addons.filter((o) => o.kind === 'RoleBinding').map((o) => o.metadata.namespace).sort()).toEqual(watched);
    expect(addons.filter((o) => o.kind === 'ClusterRoleBinding')).toEqual([]);
  });

  it('runs the release tools/reloader builds (the binary the simulated-AKS scenario runs)', () => {
    const version = /^RELOADER_VERSION=(\S+)$/m.exec(readFileSync(join(repoRoot, 'tools/reloader/versions.env'), 'utf8'))![1];
    const deployment = addons.find((o) => o.kind === 'Deployment');
    expect(deployment.spec.template.spec.containers[0].image.split(':').pop()).toBe(version);
  });

  it('lives in a default-deny namespace without DNS egress (it reaches the API server by IP)', () => {
    const names = addons.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === RELOADER_NAMESPACE).map((o) => o.metadata.name).sort();
    expect(names).toContain('default-deny-all');
    expect(names).not.toContain('allow-dns-egress');
  });
});
