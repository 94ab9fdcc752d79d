import { evaluate } from '@marcbachmann/cel-js';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { GpuAdmissionPolicy, type GpuAdmissionPolicyProps } from './gpu-admission-policy';

/**
 * The policy's CEL, evaluated by a CEL implementation (@marcbachmann/cel-js) against pod specs
 * that must be admitted or denied, with the same variables the API server binds
 * (`object`, `request`, `namespaceObject`).
 */
const props: GpuAdmissionPolicyProps = { gpuWorkloadNamespace: 'models-premium', gpuAgentNamespaces: ['gpu-system'] };
const policy = () => {
  const chart = Testing.chart();
  const p = new GpuAdmissionPolicy(chart, 'P', props);
  return { chart, p };
};
const gpuToleration = { key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' };
const spotToleration = { key: 'kubernetes.azure.com/scalesetpriority', operator: 'Equal', value: 'spot', effect: 'NoSchedule' };
const tolerateAll = { operator: 'Exists' };
const pod = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } });
const gpuContainer = { name: 'c', image: 'i', resources: { limits: { 'nvidia.com/gpu': '1' } } };
const tenantNs = (name: string) => ({ metadata: { name, labels: { 'panal.io/role': 'tenant' } } });
const plainNs = (name: string) => ({ metadata: { name } });

/** Messages of the rules a pod violates (empty: admitted). */
function violations(namespace: string, object: unknown, namespaceObject: unknown = plainNs(namespace)): string[] {
  const { p } = policy();
  return p.rules.filter((r) => evaluate(r.expression, { object, request: { namespace }, namespaceObject }) !== true).map((r) => r.message);
}

describe('GpuAdmissionPolicy', () => {
  it('renders a policy and a binding that skips only kube-system', () => {
    const manifest = Testing.synth(policy().chart);
    expect(manifest).toMatchSnapshot();
    expect(manifest[0].spec.failurePolicy).toBe('Fail');
    expect(manifest[0].spec.matchConstraints.resourceRules[0].resources).toEqual(['pods']);
    expect(manifest[1].spec.validationActions).toEqual(['Deny']);
    expect(manifest[1].spec.matchResources.namespaceSelector.matchExpressions).toEqual([{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] }]);
  });

  it('admits the premium model: GPU request and both taints tolerated in models-premium', () => {
    expect(violations('models-premium', pod({ containers: [gpuContainer], tolerations: [gpuToleration, spotToleration] }))).toEqual([]);
  });

  it('admits GPU agents that tolerate the GPU taint without requesting GPUs', () => {
    expect(violations('gpu-system', pod({ tolerations: [gpuToleration, spotToleration] }))).toEqual([]);
  });

  it('admits ordinary pods anywhere, including tenant pods without tolerations', () => {
    expect(violations('models-standard', pod({}))).toEqual([]);
    expect(violations('tenant-acme', pod({ tolerations: [{ key: 'other', operator: 'Exists' }] }), tenantNs('tenant-acme'))).toEqual([]);
  });

  it('denies a pod outside models-premium that tolerates the GPU taint', () => {
    expect(violations('models-standard', pod({ tolerations: [gpuToleration] }))).toEqual([expect.stringContaining('may tolerate the nvidia.com/gpu taint')]);
  });

  it('denies a tolerate-everything toleration (no key, Exists) outside the GPU namespaces', () => {
    expect(violations('monitoring', pod({ tolerations: [tolerateAll] }))).toEqual([expect.stringContaining('may tolerate the nvidia.com/gpu taint')]);
    expect(violations('monitoring', pod({ tolerations: [{ key: '', operator: 'Exists' }] }))).toHaveLength(1);
  });

  it('denies a GPU request or limit outside models-premium, in containers and init containers, even in gpu-system', () => {
    expect(violations('models-standard', pod({ containers: [gpuContainer] }))).toEqual(['only pods in models-premium may request nvidia.com/gpu']);
    expect(violations('gpu-system', pod({ initContainers: [{ name: 'i', image: 'i', resources: { requests: { 'nvidia.com/gpu': '1' } } }] }))).toEqual(['only pods in models-premium may request nvidia.com/gpu']);
  });

  it('denies a tenant pod that tolerates the spot taint (and flags the GPU toleration separately)', () => {
    expect(violations('tenant-acme', pod({ tolerations: [spotToleration] }), tenantNs('tenant-acme'))).toEqual([expect.stringContaining('tenant workloads never run on spot nodes')]);
    expect(violations('tenant-acme', pod({ tolerations: [tolerateAll] }), tenantNs('tenant-acme'))).toHaveLength(2);
    // The same toleration in a non-tenant namespace is not a spot violation.
    expect(violations('batch', pod({ tolerations: [spotToleration] }))).toEqual([]);
  });

  it('fails when a namespace name is not a DNS label', () => {
    expect(() => new GpuAdmissionPolicy(Testing.chart(), 'P', { gpuWorkloadNamespace: 'Models' })).toThrow('gpuWorkloadNamespace must hold namespace names (DNS labels), but "Models" was provided');
    expect(() => new GpuAdmissionPolicy(Testing.chart(), 'P', { ...props, gpuAgentNamespaces: ["x' || true || '"] })).toThrow(/gpuAgentNamespaces must hold namespace names/);
  });

  it('fails when the GPU workload namespace is exempt', () => {
    expect(() => new GpuAdmissionPolicy(Testing.chart(), 'P', { ...props, exemptNamespaces: ['kube-system', 'models-premium'] })).toThrow(
      'exemptNamespaces must not contain gpuWorkloadNamespace "models-premium": the policy must still check it',
    );
  });
});
