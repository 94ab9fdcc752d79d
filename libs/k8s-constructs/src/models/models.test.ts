import { MODEL_CATALOGUE } from '@panal/tenant-config';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { TEST_ENVIRONMENT, TEST_PLATFORM_CLIENT_IDS } from '../testing/fixtures';
import { ModelPoolPolicies } from './model-pool-policies';
import { MODEL_SEED_RECORD_KEYS, MODEL_SEED_RECORD_NAME, MODEL_SEED_SHA256_ANNOTATION, ModelSeedJob, modelSeedSha256, type ModelSeedJobProps } from './model-seed-job';
import { ModelStoreVolume } from './model-store-volume';
import { OllamaModel, type OllamaModelProps } from './ollama-model';
import { PremiumModelScaler, type PremiumModelScalerProps } from './premium-model-scaler';

const llama8b = MODEL_CATALOGUE['llama3:8b'];
const llama70b = MODEL_CATALOGUE['llama3:70b'];
const ollama = (overrides: Partial<OllamaModelProps> = {}) => {
  const chart = Testing.chart();
  new OllamaModel(chart, 'M', { model: llama8b, namespace: 'models-standard', image: TEST_ENVIRONMENT.images.ollama, modelStoreClaim: 'model-store', ...overrides });
  return Testing.synth(chart);
};
const seed = (overrides: Partial<ModelSeedJobProps> = {}) => {
  const chart = Testing.chart();
  new ModelSeedJob(chart, 'Seed', { namespace: 'model-store', environment: TEST_ENVIRONMENT, claimName: 'model-store', workloadIdentityClientId: TEST_PLATFORM_CLIENT_IDS.modelSeeder, ...overrides });
  return Testing.synth(chart);
};
const mistral = MODEL_CATALOGUE['mistral:7b'];
/** Argo CD's rule: objects annotated as hooks do not count towards an Application's sync status. */
const isHook = (o: any) => o.metadata.annotations?.['argocd.argoproj.io/hook'] !== undefined;
const wave = (o: any) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
const scaler = (overrides: Partial<PremiumModelScalerProps> = {}) => {
  const chart = Testing.chart();
  new PremiumModelScaler(chart, 'S', { model: llama70b, namespace: 'models-premium', deploymentName: 'ollama-llama3-70b', prometheusQueryEndpoint: 'https://amw.example', ...overrides });
  return Testing.synth(chart);
};

describe('OllamaModel', () => {
  it('renders a standard model on the cpu pool with an HPA and no GPU', () => {
    const manifest = ollama();
    expect(manifest).toMatchSnapshot();
    expect(manifest.map((o) => o.kind)).toEqual(['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']);
    const pod = manifest[0].spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'panal.io/pool': 'cpu' });
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBeUndefined();
    expect(pod.containers[0].lifecycle.postStart.exec.command.join(' ')).toContain('ollama run llama3:8b ""');
  });

  it('renders a premium model with GPU, tolerations, affinity and no HPA', () => {
    const manifest = ollama({ model: llama70b, namespace: 'models-premium' });
    expect(manifest).toMatchSnapshot();
    expect(manifest.map((o) => o.kind)).toEqual(['Deployment', 'Service', 'PodDisruptionBudget']);
    expect(manifest[0].spec.template.spec.containers[0].startupProbe.failureThreshold * 10).toBe(600);
  });

  it('fails when a standard model could lose all replicas with one zone', () => {
    expect(() => ollama({ replicas: { min: 1, max: 3 } })).toThrow('replicas.min of standard model llama3:8b must be at least 2 so a zone loss keeps it serving, but 1 was provided');
  });
  it('fails when replicas.max is below replicas.min', () => {
    expect(() => ollama({ replicas: { min: 3, max: 2 } })).toThrow('replicas.max of llama3:8b must be at least replicas.min (3), but 2 was provided');
  });
  it('fails when the grace period does not fit the spot notice', () => {
    expect(() => ollama({ terminationGracePeriodSeconds: 45 })).toThrow('terminationGracePeriodSeconds must be between 5 and 30 to fit the 30 s spot eviction notice, but 45 was provided');
  });
  it('fails on non-positive CPU', () => {
    expect(() => ollama({ cpuCores: 0 })).toThrow('cpuCores must be positive, but 0 was provided');
  });
});

describe('PremiumModelScaler', () => {
  it('renders a priority class, a trigger authentication and a scaled object from zero', () => {
    const manifest = scaler();
    expect(manifest).toMatchSnapshot();
    expect(manifest.map((o) => o.kind)).toEqual(['PriorityClass', 'TriggerAuthentication', 'ScaledObject']);
    expect(manifest[2].spec.minReplicaCount).toBe(0);
    expect(manifest[2].spec.triggers[0].metadata.query).toContain('[15m]');
  });
  it('names the KEDA identity when given', () => {
    expect(scaler({ kedaIdentityClientId: TEST_PLATFORM_CLIENT_IDS.kedaOperator })[1].spec.podIdentity).toEqual({ provider: 'azure-workload', identityId: TEST_PLATFORM_CLIENT_IDS.kedaOperator });
  });
  it('takes the idle window into the activity query', () => {
    expect(scaler({ idleMinutes: 30 })[2].spec.triggers[0].metadata.query).toContain('[30m]');
  });
  it('fails when idleMinutes is out of range', () => {
    expect(() => scaler({ idleMinutes: 2 })).toThrow('idleMinutes must be an integer between 5 and 240, but 2 was provided');
  });
  it('fails when maxReplicas is not a positive integer', () => {
    expect(() => scaler({ maxReplicas: 0 })).toThrow('maxReplicas must be a positive integer, but 0 was provided');
  });
  it('fails when pollingIntervalSeconds is out of range', () => {
    expect(() => scaler({ pollingIntervalSeconds: 1 })).toThrow('pollingIntervalSeconds must be between 5 and 120, but 1 was provided');
  });
  it('fails for a standard model', () => {
    expect(() => scaler({ model: llama8b })).toThrow('model must be a premium model, but llama3:8b is standard: standard models never scale to zero');
  });
});

describe('model store, seeding and pool policies', () => {
  it('renders a read-only PV pre-bound to its claim, a seeding hook Job and the gateway-only ingress', () => {
    const chart = Testing.chart();
    new ModelStoreVolume(chart, 'Ro', { namespace: 'models-standard', environment: TEST_ENVIRONMENT, readOnly: true });
    new ModelSeedJob(chart, 'Seed', { namespace: 'model-store', environment: TEST_ENVIRONMENT, claimName: 'model-store', workloadIdentityClientId: TEST_PLATFORM_CLIENT_IDS.modelSeeder });
    new ModelPoolPolicies(chart, 'Pol', { namespace: 'models-standard', environment: TEST_ENVIRONMENT });
    const manifest = Testing.synth(chart);
    expect(manifest).toMatchSnapshot();
    const pv = manifest.find((o) => o.kind === 'PersistentVolume');
    expect(pv.spec.claimRef).toEqual({ namespace: 'models-standard', name: 'model-store' });
    expect(pv.spec.csi.volumeAttributes.protocol).toBe('nfs');
    const job = manifest.find((o) => o.kind === 'Job');
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
    expect(job.spec.template.spec.containers[0].command).toContain('--delete-destination=false');
  });
  it('fails on an empty model list', () => {
    expect(() => seed({ models: [] })).toThrow('models must name at least one model to seed, but an empty list was provided');
  });
  it('fails on a model named twice', () => {
    expect(() => seed({ models: [llama8b, mistral, llama8b] })).toThrow('models must name each model once, but llama3:8b was provided twice');
  });
});

describe('ModelSeedJob re-runs when what it seeds changes (Argo CD sync status ignores hooks)', () => {
  const record = (manifest: any[]) => manifest.find((o) => o.kind === 'ConfigMap' && o.metadata.name === MODEL_SEED_RECORD_NAME);
  const job = (manifest: any[]) => manifest.find((o) => o.kind === 'Job');
  /** What Argo CD compares to decide Synced or OutOfSync: every object that is not a hook. */
  const tracked = (manifest: any[]) => manifest.filter((o) => !isHook(o));

  it('records the whole catalogue by default, and the hash of catalogue and rendered Job spec', () => {
    const manifest = seed();
    const cm = record(manifest);
    expect(JSON.parse(cm.data[MODEL_SEED_RECORD_KEYS.catalogue])).toEqual(Object.values(MODEL_CATALOGUE));
    const sha = modelSeedSha256(Object.values(MODEL_CATALOGUE), job(manifest).spec);
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(cm.data[MODEL_SEED_RECORD_KEYS.sha256]).toBe(sha);
    expect(job(manifest).metadata.annotations[MODEL_SEED_SHA256_ANNOTATION]).toBe(sha);
  });

  it('tracks the record (not a hook) and applies it one wave after the seed hook, so a failed seed leaves it OutOfSync', () => {
    const manifest = seed();
    expect(isHook(record(manifest))).toBe(false);
    expect(isHook(job(manifest))).toBe(true);
    expect(job(manifest).metadata.annotations['argocd.argoproj.io/hook-delete-policy']).toBe('BeforeHookCreation');
    expect(wave(record(manifest))).toBeGreaterThan(wave(job(manifest)));
    // The Job runs as the seeder's identity: the ServiceAccount exists in an earlier wave.
    expect(wave(manifest.find((o) => o.kind === 'ServiceAccount'))).toBeLessThan(wave(job(manifest)));
  });

  it('renders identical output for identical input', () => {
    expect(seed()).toEqual(seed());
    expect(seed({ models: [llama8b, mistral] })).toEqual(seed({ models: [{ ...llama8b }, { ...mistral }] }));
  });

  it.each([
    ['a model removed', { models: [llama8b, mistral] }],
    ['a model spec changed', { models: [{ ...llama8b, weightsGiB: 4.9 }, mistral, llama70b] }],
    ['the seeder image changed', { environment: { ...TEST_ENVIRONMENT, images: { ...TEST_ENVIRONMENT.images, modelSeeder: 'registry.example.com/panal/model-seeder:10.31.0' } } }],
    ['the Blob source changed', { environment: { ...TEST_ENVIRONMENT, modelServing: { ...TEST_ENVIRONMENT.modelServing, modelStore: { ...TEST_ENVIRONMENT.modelServing.modelStore, blobContainer: 'models-v2' } } } }],
  ] as const)('changes an object Argo CD tracks when %s', (_what, overrides) => {
    const before = seed();
    const after = seed(overrides as Partial<ModelSeedJobProps>);
    expect(record(after).data[MODEL_SEED_RECORD_KEYS.sha256]).not.toBe(record(before).data[MODEL_SEED_RECORD_KEYS.sha256]);
    expect(job(after).metadata.annotations[MODEL_SEED_SHA256_ANNOTATION]).toBe(record(after).data[MODEL_SEED_RECORD_KEYS.sha256]);
    // The Application goes OutOfSync only if a non-hook object differs: the record does.
    expect(tracked(after)).not.toEqual(tracked(before));
    // The Job keeps its name: BeforeHookCreation replaces it, no finished Job is left behind.
    expect(job(after).metadata.name).toBe(job(before).metadata.name);
  });

  it('would leave the Application Synced without the record (why it exists)', () => {
    const withoutRecord = (manifest: any[]) => tracked(manifest).filter((o) => o.metadata.name !== MODEL_SEED_RECORD_NAME);
    expect(withoutRecord(seed({ models: [llama8b, mistral] }))).toEqual(withoutRecord(seed()));
  });
  it('fails when the share is smaller than the Premium Files minimum', () => {
    expect(() => new ModelStoreVolume(Testing.chart(), 'V', { namespace: 'm', environment: TEST_ENVIRONMENT, readOnly: true, capacityGiB: 50 })).toThrow(
      'capacityGiB must be an integer of at least 100 (Premium Files minimum), but 50 was provided',
    );
  });
});
