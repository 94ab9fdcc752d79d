import { App, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { RELOADER_SECRET_ANNOTATION, reloadOnSecretChange } from '../common/reloader-annotations';
import { TEST_ENVIRONMENT, testTenant } from '../testing/fixtures';
import { TenantChart } from '../tenant/tenant-chart';
import { Reloader, RELOADER_HTTP_PORT } from './reloader';

const render = (props: Partial<ConstructorParameters<typeof Reloader>[2]> = {}) => {
  const chart = Testing.chart();
  const reloader = new Reloader(chart, 'Reloader', { namespace: 'reloader', image: TEST_ENVIRONMENT.images.reloader, watchNamespaces: ['tenant-b', 'tenant-a', 'tenant-a'], apiServerCidr: '10.20.0.0/20', ...props });
  return { reloader, objs: Testing.synth(chart) as any[] };
};
const ofKind = (objs: any[], kind: string) => objs.filter((o) => o.kind === kind);

describe('Reloader', () => {
  it('watches only the named namespaces, Secrets only, and rolls by pod-template annotation', () => {
    const { objs } = render();
    const [deployment] = ofKind(objs, 'Deployment');
    const args: string[] = deployment.spec.template.spec.containers[0].args;
    expect(args).toContain('--namespaces=tenant-a,tenant-b');
    expect(args).toContain('--reload-strategy=annotations');
    expect(args).toContain('--resources-to-ignore=configmaps');
    expect(args).toContain('--ignored-workload-types=jobs,cronjobs');
    expect(args).toContain('--auto-reload-all=false');
    expect(args).toContain('--reload-on-create=false');
    // Reloader would watch one namespace or the whole cluster from these; neither is wanted.
    expect(deployment.spec.template.spec.containers[0].env ?? []).not.toContainEqual(expect.objectContaining({ name: 'KUBERNETES_NAMESPACE' }));
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('grants its rules only through one RoleBinding per watched namespace: no ClusterRoleBinding, no write on Secrets', () => {
    const { objs } = render();
    expect(ofKind(objs, 'ClusterRoleBinding')).toEqual([]);
    const [role] = ofKind(objs, 'ClusterRole');
    const bindings = ofKind(objs, 'RoleBinding');
    expect(bindings.map((b) => b.metadata.namespace).sort()).toEqual(['tenant-a', 'tenant-b']);
    for (const b of bindings) {
      expect(b.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'reloader', namespace: 'reloader' }]);
    }
    const verbsOn = (group: string, resource: string) => new Set(role.rules.filter((r: any) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r: any) => r.verbs));
    expect(verbsOn('', 'secrets')).toEqual(new Set(['get', 'list', 'watch']));
    expect(verbsOn('', 'configmaps')).toEqual(new Set());
    expect(verbsOn('apps', 'deployments')).toEqual(new Set(['get', 'list', 'patch']));
    expect(verbsOn('apps', 'statefulsets')).toEqual(new Set(['get', 'list', 'patch']));
    expect(verbsOn('apps', 'daemonsets')).toEqual(new Set(['list']));
    expect(verbsOn('batch', 'jobs')).toEqual(new Set());
    for (const r of role.rules) expect(r.verbs).not.toContain('*');
  });

  it('runs hardened: restricted pod, read-only root, token mounted in the pod only, limits set', () => {
    const { objs } = render();
    const [sa] = ofKind(objs, 'ServiceAccount');
    expect(sa.automountServiceAccountToken).toBe(false);
    const spec = ofKind(objs, 'Deployment')[0].spec.template.spec;
    expect(spec.automountServiceAccountToken).toBe(true);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const [c] = spec.containers;
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources.limits).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(c.image).toBe(TEST_ENVIRONMENT.images.reloader);
  });

  it('may send only to the API server on 443 and receive only the metrics scraper', () => {
    const { objs } = render();
    const policies = ofKind(objs, 'NetworkPolicy');
    const egress = policies.filter((p) => p.spec.policyTypes.includes('Egress')).flatMap((p) => p.spec.egress);
    expect(egress).toEqual([{ to: [{ ipBlock: { cidr: '10.20.0.0/20' } }], ports: [{ protocol: 'TCP', port: 443 }] }]);
    const ingress = policies.filter((p) => p.spec.policyTypes.includes('Ingress')).flatMap((p) => p.spec.ingress);
    expect(ingress.flatMap((r: any) => r.ports)).toEqual([{ protocol: 'TCP', port: RELOADER_HTTP_PORT }]);
    expect(ingress.flatMap((r: any) => r.from)).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { rsName: 'ama-metrics' } } }]);
    expect(render({ apiServerCidr: undefined }).objs.filter((o) => o.kind === 'NetworkPolicy' && o.spec.policyTypes.includes('Egress')).flatMap((p) => p.spec.egress)).toEqual([]);
  });

  it('refuses an empty namespace list (Reloader would watch the whole cluster) and its own namespace', () => {
    expect(() => render({ watchNamespaces: [] })).toThrow('watchNamespaces must name at least one namespace (an empty list would make Reloader watch the whole cluster), but none was provided');
    expect(() => render({ watchNamespaces: ['tenant-a', 'reloader'] })).toThrow('watchNamespaces must not include Reloader\'s own namespace "reloader"');
  });
});

describe('reloadOnSecretChange', () => {
  it('names each Secret once, sorted', () => {
    expect(reloadOnSecretChange('b', 'a', 'b')).toEqual({ [RELOADER_SECRET_ANNOTATION]: 'a,b' });
  });

  it('refuses no name and a name that is not a DNS subdomain', () => {
    expect(() => reloadOnSecretChange()).toThrow('reloadOnSecretChange needs at least one Secret name, but none was provided');
    expect(() => reloadOnSecretChange('Bad_Name')).toThrow('Secret name must be a DNS subdomain, but "Bad_Name" was provided');
  });
});

describe('tenant workloads and Reloader', () => {
  it('annotates every Deployment that reads a Secret as an environment variable with exactly those Secrets', () => {
    const tenant = testTenant('acme');
    const objs = Testing.synth(new TenantChart(new App(), tenant.id, { tenant, environment: TEST_ENVIRONMENT, podSecurityVersion: 'v1.34' })) as any[];
    const deployments = objs.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
    const readers = deployments.filter((d) => envSecrets(d.spec.template.spec).size > 0);
    expect(readers.map((d) => d.metadata.name)).toEqual(['open-webui']);
    for (const d of deployments) {
      const read = [...envSecrets(d.spec.template.spec)].sort();
      const annotated = d.metadata.annotations?.[RELOADER_SECRET_ANNOTATION]?.split(',') ?? [];
      expect(annotated, d.metadata.name).toEqual(read);
    }
  });
});

/** Names of the Secrets a pod reads into environment variables (env and envFrom of every container). */
function envSecrets(spec: any): Set<string> {
  const names = new Set<string>();
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) names.add(e.valueFrom.secretKeyRef.name);
    for (const e of c.envFrom ?? []) if (e.secretRef) names.add(e.secretRef.name);
  }
  return names;
}
