import { MODEL_CATALOGUE } from '@panal/tenant-config';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { TEST_ENVIRONMENT, TEST_PLATFORM_CLIENT_IDS } from '../testing/fixtures';
import { ModelPoolPolicies } from './model-pool-policies';
import { ModelSeedJob } from './model-seed-job';
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
  it('fails when the share is smaller than the Premium Files minimum', () => {
    expect(() => new ModelStoreVolume(Testing.chart(), 'V', { namespace: 'm', environment: TEST_ENVIRONMENT, readOnly: true, capacityGiB: 50 })).toThrow(
      'capacityGiB must be an integer of at least 100 (Premium Files minimum), but 50 was provided',
    );
  });
});
