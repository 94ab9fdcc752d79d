import { DEFAULT_PREMIUM_COLD_START_BUDGET_SECONDS } from '@panal/tenant-config';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { GPU_TAINT, SPOT_TAINT, ZONE_LABEL } from '../common/node-pools';
import { TEST_ENVIRONMENT, testTenant } from '../testing/fixtures';
import { TenantChart } from './tenant-chart';

type Obj = { kind: string; apiVersion: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> }; spec?: any };

function synth(tenant = testTenant('acme')): Obj[] {
  const app = Testing.app();
  return Testing.synth(new TenantChart(app, tenant.id, { tenant, environment: TEST_ENVIRONMENT, podSecurityVersion: 'v1.34' })) as Obj[];
}
const find = (objs: Obj[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
};
/** Every pod template in the output, with where it came from. */
function podSpecs(objs: Obj[]): { owner: string; spec: any }[] {
  return objs.filter((o) => o.kind === 'Deployment' || o.kind === 'Job').map((o) => ({ owner: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec }));
}

describe('TenantChart (active standard tenant)', () => {
  const objs = synth();

  it('matches the snapshot', () => {
    expect(objs).toMatchSnapshot();
  });

  it('puts every namespaced object in tenant-<id> and names nothing with a hash', () => {
    for (const o of objs) {
      if (o.kind !== 'Namespace') expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('tenant-acme');
      expect(o.metadata.name).not.toMatch(/-c8[0-9a-f]{6}$/);
    }
  });

  it('enforces Pod Security restricted in enforce, audit and warn modes, pinned to a version', () => {
    const labels = find(objs, 'Namespace', 'tenant-acme').metadata.labels!;
    for (const mode of ['enforce', 'audit', 'warn']) {
      expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
      expect(labels[`pod-security.kubernetes.io/${mode}-version`]).toBe('v1.34');
    }
    expect(labels).toMatchObject({ 'panal.io/tenant': 'acme', 'panal.io/tier': 'standard', 'panal.io/role': 'tenant' });
  });

  it('hardens every container for restricted and gives it requests and limits', () => {
    const pods = podSpecs(objs);
    expect(pods.map((p) => p.owner).sort()).toEqual(['Deployment/open-webui', 'Deployment/redis', 'Job/open-webui-migrate']);
    for (const { owner, spec } of pods) {
      expect(spec.securityContext, owner).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec.automountServiceAccountToken, owner).toBe(false);
      expect(spec.hostNetwork ?? false, owner).toBe(false);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect(c.securityContext, `${owner}/${c.name}`).toEqual({
          allowPrivilegeEscalation: false,
          privileged: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(Object.keys(c.resources.requests).sort(), `${owner}/${c.name}`).toEqual(['cpu', 'memory']);
        expect(Object.keys(c.resources.limits).sort(), `${owner}/${c.name}`).toEqual(['cpu', 'memory']);
        expect(c.image, `${owner}/${c.name}`).not.toMatch(/:latest$/);
      }
      for (const v of spec.volumes ?? []) expect(v.hostPath, `${owner} volume ${v.name}`).toBeUndefined();
    }
  });

  it('never tolerates GPU or spot taints, never requests a GPU, and stays on the cpu pool', () => {
    for (const { owner, spec } of podSpecs(objs)) {
      const tolerated = (spec.tolerations ?? []).map((t: any) => t.key);
      expect(tolerated, owner).not.toContain(GPU_TAINT.key);
      expect(tolerated, owner).not.toContain(SPOT_TAINT.key);
      expect(spec.nodeSelector, owner).toEqual({ 'panal.io/pool': 'cpu' });
      for (const c of spec.containers) {
        expect(JSON.stringify(c.resources), owner).not.toContain('nvidia.com/gpu');
      }
    }
  });

  it('runs OpenWebUI highly available: zone spread, PDB and HPA with at least 2 replicas', () => {
    const deployment = find(objs, 'Deployment', 'open-webui');
    expect(deployment.spec.replicas).toBeUndefined();
    const zoneSpread = deployment.spec.template.spec.topologySpreadConstraints.find((c: any) => c.topologyKey === ZONE_LABEL);
    expect(zoneSpread).toMatchObject({ maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: deployment.spec.selector.matchLabels } });
    // Nodes of a lost zone (tainted unreachable) must not count as an empty zone (tools/sim-aks zone-loss scenario).
    expect(zoneSpread.nodeTaintsPolicy).toBe('Honor');
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    const pdb = find(objs, 'PodDisruptionBudget', 'open-webui');
    expect(pdb.spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels } });
    const hpa = find(objs, 'HorizontalPodAutoscaler', 'open-webui');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 4, scaleTargetRef: { kind: 'Deployment', name: 'open-webui' } });
    const probes = deployment.spec.template.spec.containers[0];
    expect(probes.readinessProbe.httpGet.path).toBe('/health');
    expect(probes.startupProbe).toBeDefined();
  });

  it('configures OpenWebUI for many replicas and for the inference gateway only', () => {
    const env = Object.fromEntries(find(objs, 'Deployment', 'open-webui').spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      ENABLE_OLLAMA_API: 'false',
      ENABLE_OPENAI_API: 'true',
      OPENAI_API_BASE_URL: 'http://inference-gateway.inference-gateway.svc.cluster.local:8080/v1',
      ENABLE_PERSISTENT_CONFIG: 'false',
      ENABLE_DB_MIGRATIONS: 'false',
      UVICORN_WORKERS: '1',
      VECTOR_DB: 'pgvector',
      WEBSOCKET_MANAGER: 'redis',
      ENABLE_WEBSOCKET_SUPPORT: 'true',
      WEBSOCKET_REDIS_URL: 'redis://redis.tenant-acme.svc.cluster.local:6379/0',
      AZURE_STORAGE_CONTAINER_NAME: 'uploads-acme',
      OAUTH_CLIENT_ID: '00000000-0000-0000-0000-0000000000c1',
      OPENID_REDIRECT_URI: 'https://acme.chat.example.com/oauth/oidc/callback',
      ENABLE_OTEL: 'true',
    });
    // OpenWebUI must not give up before the gateway does while a premium model starts from zero.
    expect(Number(env.AIOHTTP_CLIENT_TIMEOUT)).toBeGreaterThan(DEFAULT_PREMIUM_COLD_START_BUDGET_SECONDS);
    expect(env.OLLAMA_BASE_URL).toBeUndefined();
  });

  it('exports OpenWebUI metrics over OTLP/HTTP to the full /v1/metrics path of the collector port', () => {
    const env = Object.fromEntries(find(objs, 'Deployment', 'open-webui').spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    // OpenWebUI 0.12 defaults to gRPC and passes the endpoint to the exporter without appending a path.
    expect(env).toMatchObject({ ENABLE_OTEL_METRICS: 'true', OTEL_OTLP_SPAN_EXPORTER: 'http', OTEL_METRICS_OTLP_SPAN_EXPORTER: 'http' });
    expect(env.OTEL_METRICS_EXPORTER_OTLP_ENDPOINT).toBe(`http://${TEST_ENVIRONMENT.otelCollector.service}.${TEST_ENVIRONMENT.otelCollector.namespace}.svc.cluster.local:${TEST_ENVIRONMENT.otelCollector.port}/v1/metrics`);
  });

  it('starts OpenWebUI offline: baked data and backend static files seeded into the emptyDir, no model download, no CREATE EXTENSION', () => {
    const spec = find(objs, 'Deployment', 'open-webui').spec.template.spec;
    const env = Object.fromEntries(spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ OFFLINE_MODE: 'true', PGVECTOR_CREATE_EXTENSION: 'false', DATA_DIR: '/app/backend/data', STATIC_DIR: '/app/backend/data/static' });
    const [seed] = spec.initContainers;
    expect(seed.image).toBe(spec.containers[0].image);
    // The init container sees the image's own DATA_DIR (the emptyDir is mounted elsewhere there).
    expect(seed.volumeMounts).toEqual([{ name: 'data', mountPath: '/seed' }]);
    expect(seed.command.at(-1)).toContain('cp -R /app/backend/data/. /seed/');
    expect(seed.command.at(-1)).toContain('cp -R /app/backend/open_webui/static/. /seed/static/');
  });

  it('keeps the local copies of Blob uploads on their own volume and caps one upload', () => {
    const spec = find(objs, 'Deployment', 'open-webui').spec.template.spec;
    const env = Object.fromEntries(spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.STORAGE_PROVIDER).toBe('azure');
    expect(Number(env.RAG_FILE_MAX_SIZE)).toBeGreaterThan(0);
    const mount = spec.containers[0].volumeMounts.find((m: any) => m.mountPath === '/app/backend/data/uploads');
    const volume = spec.volumes.find((v: any) => v.name === mount.name);
    const gi = (q: string) => Number(q.replace(/Gi$/, ''));
    expect(gi(volume.emptyDir.sizeLimit)).toBeGreaterThan(gi(spec.volumes.find((v: any) => v.name === 'data').emptyDir.sizeLimit));
    expect(gi(volume.emptyDir.sizeLimit) * 1024).toBeGreaterThanOrEqual(20 * Number(env.RAG_FILE_MAX_SIZE));
  });

  it('reads every secret from the Key Vault-synced Secret and renders no Secret object', () => {
    expect(objs.filter((o) => o.kind === 'Secret')).toEqual([]);
    const secretEnv = ['DATABASE_URL', 'WEBUI_SECRET_KEY', 'OPENAI_API_KEY', 'OAUTH_CLIENT_SECRET'];
    for (const { owner, spec } of podSpecs(objs)) {
      for (const e of spec.containers.flatMap((c: any) => c.env ?? [])) {
        if (secretEnv.includes(e.name)) {
          expect(e.value, `${owner} ${e.name}`).toBeUndefined();
          expect(e.valueFrom.secretKeyRef.name, `${owner} ${e.name}`).toBe('open-webui-secrets');
        }
      }
    }
    const spc = find(objs, 'SecretProviderClass', 'tenant-key-vault');
    expect(spc.spec.parameters).toMatchObject({ keyvaultName: 'pnltest-acme', clientID: '00000000-0000-0000-0000-00000000a001', usePodIdentity: 'false' });
    const sa = find(objs, 'ServiceAccount', 'open-webui');
    expect(sa.metadata.annotations!['azure.workload.identity/client-id']).toBe('00000000-0000-0000-0000-00000000a001');
  });

  it('runs migrations once, in a Sync hook before the server rolls', () => {
    const job = find(objs, 'Job', 'open-webui-migrate');
    expect(job.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' });
    const env = job.spec.template.spec.containers[0].env.find((e: any) => e.name === 'ENABLE_DB_MIGRATIONS');
    expect(env.value).toBe('true');
    const wave = (o: Obj) => Number(o.metadata.annotations!['argocd.argoproj.io/sync-wave']);
    expect(wave(job)).toBeLessThan(wave(find(objs, 'Deployment', 'open-webui')));
  });

  it('orders sync waves: namespace, guard rails, dependencies, workloads, routes', () => {
    const wave = (kind: string, name: string) => Number(find(objs, kind, name).metadata.annotations!['argocd.argoproj.io/sync-wave']);
    const ns = wave('Namespace', 'tenant-acme');
    const guard = [wave('ResourceQuota', 'tenant-quota'), wave('LimitRange', 'tenant-limits'), wave('NetworkPolicy', 'default-deny-all')];
    const deps = [wave('ServiceAccount', 'open-webui'), wave('SecretProviderClass', 'tenant-key-vault'), wave('Deployment', 'redis')];
    const app = wave('Deployment', 'open-webui');
    const route = wave('HTTPRoute', 'open-webui');
    expect(Math.max(ns)).toBeLessThan(Math.min(...guard));
    expect(Math.max(...guard)).toBeLessThan(Math.min(...deps));
    expect(Math.max(...deps)).toBeLessThan(app);
    expect(app).toBeLessThan(route);
    for (const o of objs) expect(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'], `${o.kind}/${o.metadata.name}`).toBeDefined();
  });

  it('forbids load balancers, node ports, volumes and GPUs through the quota', () => {
    expect(find(objs, 'ResourceQuota', 'tenant-quota').spec.hard).toMatchObject({
      'requests.cpu': '4',
      'requests.memory': '10Gi',
      'services.loadbalancers': '0',
      'services.nodeports': '0',
      persistentvolumeclaims: '0',
      'requests.nvidia.com/gpu': '0',
    });
  });

  it('routes every hostname of the tenant through the edge Gateway to the tenant activator, which proxies to its OpenWebUI', () => {
    const route = find(objs, 'HTTPRoute', 'open-webui');
    expect(route.spec.hostnames).toEqual(['acme.chat.example.com']);
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'gateway-system', sectionName: 'https' }]);
    expect(route.spec.rules[0].backendRefs).toEqual([{ kind: 'Service', namespace: 'activator', name: 'tenant-activator', port: 8080, weight: 1 }]);
    // Only the activator's pods may open OpenWebUI's port: the edge cannot bypass the wake-up path.
    const ingress = find(objs, 'NetworkPolicy', 'open-webui-ingress-from-activator').spec.ingress;
    expect(ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'activator' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'tenant-activator' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
  });

  it('leaves the replica counts of OpenWebUI and Redis to the activator and the HPA, so an Argo CD sync never wakes a sleeping tenant', () => {
    for (const name of ['open-webui', 'redis']) expect(find(objs, 'Deployment', name).spec.replicas, name).toBeUndefined();
  });
});

describe('TenantChart (states)', () => {
  const kinds = (objs: Obj[]) => objs.map((o) => o.kind).sort();
  const guardRails = ['LimitRange', 'Namespace', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy', 'ResourceQuota'];

  it('renders only guard rails for a suspended tenant: no pods, no route', () => {
    expect(kinds(synth(testTenant('acme', 'standard', { state: 'suspended' })))).toEqual(guardRails);
  });

  it('renders only guard rails while the tenant identity is provisioning', () => {
    expect(kinds(synth(testTenant('acme', 'standard', { state: 'provisioning', workloadIdentityClientId: undefined })))).toEqual(guardRails);
  });

  it('uses the premium tier bounds for a premium tenant', () => {
    const objs = synth(testTenant('initech', 'premium'));
    expect(find(objs, 'HorizontalPodAutoscaler', 'open-webui').spec).toMatchObject({ minReplicas: 3, maxReplicas: 8 });
    expect(find(objs, 'Namespace', 'tenant-initech').metadata.labels!['panal.io/tier']).toBe('premium');
  });
});
