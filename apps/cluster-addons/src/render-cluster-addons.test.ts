import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { AKS_AGENTPOOL_LABEL, GPU_POOLS, GPU_TAINT, NodePool, SPOT_TAINT, ZONE_LABEL } from '@panal/platform-model';
import {
  DEFAULT_PREMIUM_COLD_START_BUDGET_SECONDS,
  deriveInferenceGatewayConfig,
  GATEWAY_KEY_HASH_SECRET_PREFIX,
  gatewayKeysVaultName,
  inferenceGatewayConfigSchema,
  loadEnvironment,
  loadTenants,
  MODEL_CATALOGUE,
  TIER_PROFILES,
} from '@panal/tenant-config';
import { MODEL_SEED_RECORD_KEYS, MODEL_SEED_RECORD_NAME, MODEL_SEED_SHA256_ANNOTATION, modelSeedSha256 } from '@panal/k8s-constructs';
import { evaluate } from '@marcbachmann/cel-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLUSTER_ADDONS_OUT_DIR, renderClusterAddons, TENANTS_DIR } from './render-cluster-addons';

/**
 * Invariants over the committed output in dist/manifests/cluster-addons (what Argo CD applies),
 * plus the tenants' output where a rule spans both (nothing else tolerates GPU taints).
 */
const repoRoot = resolve(__dirname, '../../..');
const envDir = join(repoRoot, 'environments/example');
const outDir = join(repoRoot, CLUSTER_ADDONS_OUT_DIR);

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  [k: string]: any;
}
const readTree = (dir: string): (Obj & { file: string })[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
    .map((e) => ({ ...(parse(readFileSync(join(e.parentPath, e.name), 'utf8')) as Obj), file: join(e.parentPath, e.name) }));
const POD_OWNERS = ['Deployment', 'DaemonSet', 'StatefulSet', 'Job'];
const podSpec = (o: Obj) => o.spec.template.spec;
const tolerates = (spec: any, key: string) => (spec.tolerations ?? []).some((t: any) => t.key === key || (!t.key && t.operator === 'Exists'));
const containersOf = (spec: any): any[] => [...spec.containers, ...(spec.initContainers ?? [])];
const requestsGpu = (spec: any) => containersOf(spec).some((c) => c.resources?.requests?.['nvidia.com/gpu'] || c.resources?.limits?.['nvidia.com/gpu']);

describe('cluster-addons output', () => {
  let objs: (Obj & { file: string })[];
  const find = (kind: string, name: string, namespace?: string) => {
    const o = objs.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
    if (!o) throw new Error(`no ${kind} ${namespace ?? ''}/${name} in ${CLUSTER_ADDONS_OUT_DIR}`);
    return o;
  };
  beforeAll(() => {
    objs = readTree(outDir);
  });

  it('is what the code renders now, byte for byte, and renders deterministically', () => {
    const a = renderClusterAddons({ repoRoot, envDir });
    const b = renderClusterAddons({ repoRoot, envDir });
    expect([...a]).toEqual([...b]);
    const onDisk = new Map(objs.map((o) => [o.file.slice(outDir.length + 1), readFileSync(o.file, 'utf8')]));
    expect([...onDisk.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [path, content] of a) expect(onDisk.get(path), path).toBe(content);
    for (const content of a.values()) {
      expect(content).not.toContain(repoRoot);
      expect(content).not.toContain(homedir());
      expect(content).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    }
  });

  it('has one folder per Argo CD Application', () => {
    expect(readdirSync(outDir).sort()).toEqual(['edge', 'gpu-policy', 'gpu-system', 'inference-gateway', 'model-store', 'models-premium', 'models-standard', 'observability', 'platform-db', 'reloader', 'tenant-activator']);
  });

  it('schedules the 70B model only on GPU pools: required affinity, GPU request, both taints tolerated, spot preferred', () => {
    const spec = podSpec(find('Deployment', 'ollama-llama3-70b', 'models-premium'));
    const required = spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(required).toEqual([{ matchExpressions: [{ key: AKS_AGENTPOOL_LABEL, operator: 'In', values: [...GPU_POOLS] }] }]);
    expect(spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      { weight: 100, preference: { matchExpressions: [{ key: AKS_AGENTPOOL_LABEL, operator: 'In', values: [NodePool.gpuSpot] }] } },
    ]);
    expect(spec.containers[0].resources.requests['nvidia.com/gpu']).toBe(1);
    expect(spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
    for (const t of [GPU_TAINT, SPOT_TAINT]) expect(spec.tolerations).toContainEqual({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect });
    expect(spec.nodeSelector).toBeUndefined();
    expect(spec.priorityClassName).toBe('panal-premium-model');
    expect(find('PriorityClass', 'panal-premium-model').value).toBeGreaterThan(0);
    // Fits the ≥30 s spot eviction notice, and leaves the replica count to KEDA.
    expect(spec.terminationGracePeriodSeconds).toBeLessThanOrEqual(30);
    expect(find('Deployment', 'ollama-llama3-70b').spec.replicas).toBeUndefined();
  });

  it('lets nothing but the premium model tolerate the GPU taint or request GPUs (GPU agents may tolerate, never request)', () => {
    const all = [...objs, ...readTree(join(repoRoot, 'dist/manifests/tenants'))].filter((o) => POD_OWNERS.includes(o.kind));
    expect(all.length).toBeGreaterThan(10);
    for (const o of all) {
      const spec = podSpec(o);
      const where = `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
      const ns = o.metadata.namespace;
      if (ns !== 'models-premium') expect(requestsGpu(spec), where).toBe(false);
      if (ns !== 'models-premium' && ns !== 'gpu-system') expect(tolerates(spec, GPU_TAINT.key), where).toBe(false);
      if (ns?.startsWith('tenant-')) expect(tolerates(spec, SPOT_TAINT.key), where).toBe(false);
      if (ns === 'gpu-system') expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values).toEqual([...GPU_POOLS]);
    }
  });

  it('has an admission policy that admits every pod the platform and the tenants render, and nothing GPU-shaped elsewhere', () => {
    // GIVEN the rendered policy and every rendered pod template (tenants included)
    const vap = find('ValidatingAdmissionPolicy', 'panal-gpu-exclusivity');
    const binding = find('ValidatingAdmissionPolicyBinding', 'panal-gpu-exclusivity');
    const exempt: string[] = binding.spec.matchResources.namespaceSelector.matchExpressions[0].values;
    const all = [...objs, ...readTree(join(repoRoot, 'dist/manifests/tenants'))];
    const namespaces = new Map(all.filter((o) => o.kind === 'Namespace').map((o) => [o.metadata.name, o]));
    const denied = (o: Obj, spec: unknown) => {
      const ns = o.metadata.namespace!;
      const vars = { object: { metadata: { namespace: ns }, spec }, request: { namespace: ns }, namespaceObject: { metadata: namespaces.get(ns)!.metadata } };
      return vap.spec.validations.filter((v: { expression: string }) => evaluate(v.expression, vars) !== true).map((v: { message: string }) => v.message);
    };
    const pods = all.filter((o) => POD_OWNERS.includes(o.kind));
    // THEN every rendered pod is admitted (the policy cannot lock out our own workloads)
    for (const o of pods) expect(denied(o, podSpec(o)), `${o.metadata.namespace}/${o.metadata.name}`).toEqual([]);
    expect(exempt).toEqual(['kube-system']);
    // AND the premium pod spec, copied into any other rendered namespace, is denied there
    const premium = podSpec(find('Deployment', 'ollama-llama3-70b', 'models-premium'));
    for (const o of pods.filter((p) => p.metadata.namespace !== 'models-premium')) expect(denied(o, premium).length, o.metadata.namespace).toBeGreaterThan(0);
  });

  it('runs every standard model on the cpu pool, over 3 zones, with a PDB and an HPA of at least 2', () => {
    const standard = Object.values(MODEL_CATALOGUE).filter((m) => m.pool === 'standard');
    expect(standard.map((m) => m.id).sort()).toEqual(['llama3:8b', 'mistral:7b']);
    for (const m of standard) {
      const name = `ollama-${m.slug}`;
      const spec = podSpec(find('Deployment', name, 'models-standard'));
      expect(spec.nodeSelector).toEqual({ 'panal.io/pool': 'cpu' });
      expect(spec.tolerations).toBeUndefined();
      expect(requestsGpu(spec)).toBe(false);
      expect(spec.topologySpreadConstraints).toContainEqual(expect.objectContaining({ topologyKey: ZONE_LABEL, whenUnsatisfiable: 'DoNotSchedule', maxSkew: 1 }));
      expect(find('PodDisruptionBudget', name, 'models-standard').spec.maxUnavailable).toBe(1);
      expect(find('HorizontalPodAutoscaler', name, 'models-standard').spec.minReplicas).toBeGreaterThanOrEqual(2);
      // Requests cover the model's loaded footprint.
      expect(spec.containers[0].resources.requests.memory).toBe(`${m.memoryGiB}Gi`);
    }
  });

  it('mounts the model store read-only in every Ollama pod and never lets Ollama prune it', () => {
    const ollamas = objs.filter((o) => o.kind === 'Deployment' && o.metadata.name.startsWith('ollama-'));
    expect(ollamas).toHaveLength(3);
    for (const o of ollamas) {
      const spec = podSpec(o);
      const env = Object.fromEntries(spec.containers[0].env.map((e: any) => [e.name, e.value]));
      expect(env.OLLAMA_NOPRUNE).toBe('1');
      expect(env.OLLAMA_MODELS).toBe('/models');
      expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'models', mountPath: '/models', readOnly: true });
      expect(spec.volumes).toContainEqual({ name: 'models', persistentVolumeClaim: { claimName: 'model-store', readOnly: true } });
      const pvc = find('PersistentVolumeClaim', 'model-store', o.metadata.namespace);
      expect(pvc.spec.accessModes).toEqual(['ReadOnlyMany']);
      expect(find('PersistentVolume', pvc.spec.volumeName).spec.csi.readOnly).toBe(true);
    }
    expect(find('PersistentVolumeClaim', 'model-store', 'model-store').spec.accessModes).toEqual(['ReadWriteMany']);
  });

  it('records the seeded catalogue and its hash in a non-hook ConfigMap applied after the seed hook, so a catalogue change makes addon-model-store OutOfSync', () => {
    const jobs = objs.filter((o) => o.kind === 'Job' && o.metadata.namespace === 'model-store');
    expect(jobs.map((j) => j.metadata.name)).toEqual(['model-seed']);
    const [job] = jobs;
    const record = find('ConfigMap', MODEL_SEED_RECORD_NAME, 'model-store');
    const catalogue = JSON.parse(record.data![MODEL_SEED_RECORD_KEYS.catalogue]);
    expect(catalogue).toEqual(Object.values(MODEL_CATALOGUE));
    // Recomputed from the committed files: the hash covers the Job exactly as Argo CD will create it.
    const sha = modelSeedSha256(catalogue, job.spec);
    expect(record.data![MODEL_SEED_RECORD_KEYS.sha256]).toBe(sha);
    expect(job.metadata.annotations![MODEL_SEED_SHA256_ANNOTATION]).toBe(sha);
    expect(job.metadata.annotations!['argocd.argoproj.io/hook']).toBe('Sync');
    expect(record.metadata.annotations?.['argocd.argoproj.io/hook']).toBeUndefined();
    const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    expect(wave(record)).toBeGreaterThan(wave(job));
  });

  it('hardens every container and sets requests and limits', () => {
    for (const o of objs.filter((x) => POD_OWNERS.includes(x.kind))) {
      const spec = podSpec(o);
      // Only the collector (k8sattributes: get/list/watch pods, namespaces, replicasets) and Reloader (Secrets of the
      // tenant namespaces, patch on their Deployments; platform/reloader.ts) and the tenant activator (watches
      // Deployments, scales the tenant ones; activator/tenant-activator.ts) read the API.
      const readsApi = ['observability/otel-collector', 'reloader/reloader', 'activator/tenant-activator'].includes(`${o.metadata.namespace}/${o.metadata.name}`);
      expect(spec.automountServiceAccountToken, o.metadata.name).toBe(readsApi);
      for (const c of containersOf(spec)) {
        const where = `${o.metadata.namespace}/${o.metadata.name}/${c.name}`;
        expect(c.securityContext.allowPrivilegeEscalation, where).toBe(false);
        expect(c.securityContext.readOnlyRootFilesystem, where).toBe(true);
        expect(c.securityContext.capabilities.drop, where).toEqual(['ALL']);
        for (const r of ['cpu', 'memory']) {
          expect(c.resources.requests[r], where).toBeDefined();
          expect(c.resources.limits[r], where).toBeDefined();
        }
        if (o.metadata.namespace !== 'gpu-system') {
          expect(c.securityContext.runAsNonRoot, where).toBe(true);
          expect(c.securityContext.seccompProfile, where).toEqual({ type: 'RuntimeDefault' });
        }
      }
    }
    // Only the GPU agents' namespace is exempt from Pod Security restricted.
    const privileged = objs.filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted').map((o) => o.metadata.name);
    expect(privileged).toEqual(['gpu-system']);
  });

  it('scales the premium model from zero with KEDA on the gateway metric, authenticated by workload identity', () => {
    const { environment } = loadEnvironment(envDir, repoRoot);
    const so = find('ScaledObject', 'ollama-llama3-70b', 'models-premium');
    expect(so.apiVersion).toBe('keda.sh/v1alpha1');
    expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'ollama-llama3-70b' });
    expect(so.spec.minReplicaCount).toBe(0);
    expect(so.spec.maxReplicaCount).toBeGreaterThanOrEqual(1);
    const [activity, concurrency] = so.spec.triggers;
    expect(activity.type).toBe('prometheus');
    expect(activity.metadata.serverAddress).toBe(environment.modelServing.prometheusQueryEndpoint);
    expect(activity.metadata.query).toContain('increase(panal_gateway_requests_received_total{model="llama3:70b"}[15m])');
    expect(activity.metadata.query).toContain('panal_gateway_inflight_requests{model="llama3:70b"}');
    expect(activity.metadata.activationThreshold).toBe('0');
    expect(concurrency.metadata.threshold).toBe(String(MODEL_CATALOGUE['llama3:70b'].numParallel));
    // The Prometheus triggers query Azure Monitor with the KEDA identity; the warm-hours cron trigger reads no source.
    const prometheusTriggers = so.spec.triggers.filter((t: any) => t.type === 'prometheus');
    expect(prometheusTriggers).toHaveLength(2);
    for (const t of prometheusTriggers) expect(t.authenticationRef).toEqual({ name: 'azure-managed-prometheus' });
    const warm = so.spec.triggers.find((t: any) => t.type === 'cron');
    expect(warm).toMatchObject({ name: 'warm-hours', metadata: { timezone: environment.modelServing.premiumWarmHours!.timezone, desiredReplicas: '1' } });
    expect(warm.authenticationRef).toBeUndefined();
    const { identities } = loadEnvironment(envDir, repoRoot);
    expect(find('TriggerAuthentication', 'azure-managed-prometheus', 'models-premium').spec).toEqual({
      podIdentity: { provider: 'azure-workload', identityId: identities.platformClientIds.kedaOperator },
    });
  });

  it('derives the gateway configuration from the tenant folders and tier profiles, not by hand', () => {
    const { environment, identities } = loadEnvironment(envDir, repoRoot);
    const tenants = loadTenants({ tenantsDir: join(repoRoot, TENANTS_DIR), repoRoot, identities });
    const rendered = inferenceGatewayConfigSchema.parse(JSON.parse(find('ConfigMap', 'inference-gateway', 'inference-gateway').data!['gateway.json']!));
    // Key hashes from the gateway keys vault, limits shared through the gateway's Redis (ADR 0019).
    expect(rendered.keyVault).toEqual({ vaultUrl: `https://${gatewayKeysVaultName(environment.azure.namePrefix)}.vault.azure.net`, secretPrefix: GATEWAY_KEY_HASH_SECRET_PREFIX, refreshSeconds: 60 });
    expect(rendered.sharedLimits).toEqual({ redisHost: 'inference-gateway-redis.inference-gateway.svc.cluster.local', redisPort: 6379, fallbackReplicas: 3 });
    expect(rendered).toEqual(
      deriveInferenceGatewayConfig({ tenants, listenPort: environment.inferenceGateway.port, premiumColdStartBudgetSeconds: DEFAULT_PREMIUM_COLD_START_BUDGET_SECONDS, keyVault: rendered.keyVault, sharedLimits: rendered.sharedLimits }),
    );
    expect(rendered.tenants.map((t) => t.id)).toEqual(tenants.filter((t) => t.state === 'active').map((t) => t.id));
    for (const t of rendered.tenants) {
      expect(t.models).toEqual(TIER_PROFILES[t.tier].models);
      expect(t.requestsPerMinute).toBe(TIER_PROFILES[t.tier].gateway.requestsPerMinute);
      if (t.tier === 'standard') expect(t.models).not.toContain('llama3:70b');
    }
    expect(rendered.models['llama3:70b']!.coldStartBudgetSeconds).toBe(DEFAULT_PREMIUM_COLD_START_BUDGET_SECONDS);
    // No per-tenant object or volume in the gateway namespace: the pod spec does not grow with tenants.
    expect(objs.filter((o) => o.kind === 'SecretProviderClass' && o.metadata.namespace === 'inference-gateway')).toEqual([]);
    expect(podSpec(find('Deployment', 'inference-gateway', 'inference-gateway')).volumes).toEqual([{ name: 'config', configMap: { name: 'inference-gateway' } }]);
  });

  it('runs the gateway HA: at least 3 replicas spread hard over zones, a PDB, config changes roll the pods', () => {
    const gw = find('Deployment', 'inference-gateway', 'inference-gateway');
    expect(find('HorizontalPodAutoscaler', 'inference-gateway').spec.minReplicas).toBeGreaterThanOrEqual(3);
    expect(podSpec(gw).topologySpreadConstraints).toContainEqual(expect.objectContaining({ topologyKey: ZONE_LABEL, whenUnsatisfiable: 'DoNotSchedule' }));
    expect(find('PodDisruptionBudget', 'inference-gateway').spec.maxUnavailable).toBe(1);
    expect(gw.spec.template.metadata.annotations['panal.io/config-sha256']).toMatch(/^[a-f0-9]{64}$/);
    expect(find('PodMonitor', 'inference-gateway').apiVersion).toBe('azmonitoring.coreos.com/v1');
  });

  it('denies everything by default in every platform namespace', () => {
    for (const ns of objs.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)) {
      expect(find('NetworkPolicy', 'default-deny-all', ns).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    }
  });
});
