import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { TEST_ENVIRONMENT } from '../testing/fixtures';
import { DefaultDenyPolicies } from './default-deny-policies';
import { GpuNodeAgents } from './gpu-node-agents';
import { PlatformNamespace } from './platform-namespace';

describe('platform namespace, default deny and GPU agents', () => {
  it('renders them', () => {
    const chart = Testing.chart();
    new PlatformNamespace(chart, 'Ns', { name: 'gpu-system', role: 'platform', podSecurity: 'privileged', podSecurityVersion: 'v1.34' });
    new DefaultDenyPolicies(chart, 'Deny', { namespace: 'gpu-system', allowDns: false });
    new GpuNodeAgents(chart, 'Agents', { namespace: 'gpu-system', devicePluginImage: TEST_ENVIRONMENT.images.nvidiaDevicePlugin, dcgmExporterImage: TEST_ENVIRONMENT.images.dcgmExporter });
    const manifest = Testing.synth(chart);
    expect(manifest).toMatchSnapshot();
    expect(manifest[0].metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(manifest[0].metadata.labels['pod-security.kubernetes.io/warn']).toBe('restricted');
    expect(manifest.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name)).toEqual(['default-deny-all', 'dcgm-exporter-ingress-from-scraper']);
    for (const ds of manifest.filter((o) => o.kind === 'DaemonSet')) {
      expect(ds.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values).toEqual(['gpuspot', 'gpuondemand']);
    }
  });

  it('defaults to restricted', () => {
    const chart = Testing.chart();
    new PlatformNamespace(chart, 'Ns', { name: 'x', role: 'models' });
    expect(Testing.synth(chart)[0].metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('fails for the tenant role', () => {
    expect(() => new PlatformNamespace(Testing.chart(), 'Ns', { name: 'x', role: 'tenant' as never })).toThrow('role must be platform or models, but tenant was provided');
  });
});
