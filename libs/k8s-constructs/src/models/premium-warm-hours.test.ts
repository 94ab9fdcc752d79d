import { MODEL_CATALOGUE } from '@panal/tenant-config';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { PremiumModelScaler } from './premium-model-scaler';

const synthScaler = (warmHours?: { timezone: string; start: string; end: string }) => {
  const chart = Testing.chart();
  new PremiumModelScaler(chart, 'S', {
    model: MODEL_CATALOGUE['llama3:70b'],
    namespace: 'models-premium',
    deploymentName: 'ollama-llama3-70b',
    prometheusQueryEndpoint: 'https://amw.example',
    warmHours,
  });
  return Testing.synth(chart).find((o) => o.kind === 'ScaledObject');
};

describe('premium warm hours', () => {
  it('adds a KEDA cron trigger that keeps one replica inside the window, next to the traffic triggers', () => {
    const so = synthScaler({ timezone: 'Europe/Madrid', start: '0 8 * * 1-5', end: '0 19 * * 1-5' });
    expect(so.spec.minReplicaCount).toBe(0);
    expect(so.spec.triggers.map((t: { name: string }) => t.name)).toEqual(['activity', 'concurrency', 'warm-hours']);
    expect(so.spec.triggers[2]).toEqual({ type: 'cron', name: 'warm-hours', metadata: { timezone: 'Europe/Madrid', start: '0 8 * * 1-5', end: '0 19 * * 1-5', desiredReplicas: '1' } });
  });

  it('renders no cron trigger when the environment sets no warm hours: the pool only wakes on traffic', () => {
    expect(synthScaler().spec.triggers.map((t: { type: string }) => t.type)).toEqual(['prometheus', 'prometheus']);
  });
});
