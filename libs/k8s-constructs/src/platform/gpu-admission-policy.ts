import { GPU_TAINT, SPOT_TAINT } from '@panal/platform-model';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { NAMESPACE_NAME_LABEL, PANAL_LABELS } from '../common/labels';

/** Props of {@link GpuAdmissionPolicy}. */
export interface GpuAdmissionPolicyProps {
  /** The only namespace whose pods may request `nvidia.com/gpu` (and tolerate the GPU taint). */
  readonly gpuWorkloadNamespace: string;
  /**
   * Namespaces whose pods may tolerate the GPU taint without requesting GPUs: node agents that must
   * run on GPU nodes (device plugin, DCGM exporter).
   * @default []
   */
  readonly gpuAgentNamespaces?: readonly string[];
  /**
   * Namespaces the policy does not look at. AKS system DaemonSets (CNI, kube-proxy, CSI drivers,
   * monitoring agents) tolerate every taint by design and live in kube-system.
   * @default ['kube-system']
   */
  readonly exemptNamespaces?: readonly string[];
  /**
   * Name of the policy and its binding.
   * @default 'panal-gpu-exclusivity'
   */
  readonly name?: string;
}

/** One CEL rule of the policy: the expression and the message shown when it is false. */
export interface CelRule {
  /** CEL expression over `object` (the Pod), `request` and `namespaceObject`; true admits. */
  readonly expression: string;
  /** Message returned to the client when the expression is false. */
  readonly message: string;
}

const celList = (items: readonly string[]) => `[${items.map((i) => `'${i}'`).join(', ')}]`;
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The second lock keeping GPU nodes exclusive to the GPU model pool (the first is the GPU pool taint;
 * docs/modelos-y-gpu.md): a ValidatingAdmissionPolicy that rejects (1) a pod outside the GPU
 * namespaces that tolerates the GPU taint (a toleration without key and `Exists` tolerates every
 * taint and counts), (2) a pod outside the GPU workload namespace that requests or limits
 * `nvidia.com/gpu`, and (3) a pod in a tenant namespace (`panal.io/role: tenant`) that tolerates
 * the AKS spot taint. The taint keeps pods off GPU nodes by default; this makes the default
 * impossible to opt out of by convention.
 * @see https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/
 */
export class GpuAdmissionPolicy extends Construct {
  /** The CEL rules, in order, for tests and docs. */
  public readonly rules: readonly CelRule[];
  /** Policy name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: GpuAdmissionPolicyProps) {
    super(scope, id);
    const agents = props.gpuAgentNamespaces ?? [];
    const exempt = props.exemptNamespaces ?? ['kube-system'];
    for (const [prop, values] of [['gpuWorkloadNamespace', [props.gpuWorkloadNamespace]], ['gpuAgentNamespaces', agents], ['exemptNamespaces', exempt]] as const) {
      for (const v of values) if (!DNS_LABEL.test(v)) throw new Error(`${prop} must hold namespace names (DNS labels), but "${v}" was provided`);
    }
    if (exempt.includes(props.gpuWorkloadNamespace)) {
      throw new Error(`exemptNamespaces must not contain gpuWorkloadNamespace "${props.gpuWorkloadNamespace}": the policy must still check it`);
    }
    this.name = props.name ?? 'panal-gpu-exclusivity';
    const tolerates = (key: string) => `(!has(t.key) || t.key == '' ? (has(t.operator) && t.operator == 'Exists') : t.key == '${key}')`;
    const tolerationsExist = (key: string) => `has(object.spec.tolerations) && object.spec.tolerations.exists(t, ${tolerates(key)})`;
    const containers = `(object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : []))`;
    const noGpu = (field: 'requests' | 'limits') => `(!has(c.resources.${field}) || !('nvidia.com/gpu' in c.resources.${field}))`;
    this.rules = [
      {
        expression: `request.namespace in ${celList([props.gpuWorkloadNamespace, ...agents])} || !(${tolerationsExist(GPU_TAINT.key)})`,
        message: `only pods in ${[props.gpuWorkloadNamespace, ...agents].join(', ')} may tolerate the ${GPU_TAINT.key} taint: GPU nodes are reserved for the premium model`,
      },
      {
        expression: `request.namespace == '${props.gpuWorkloadNamespace}' || ${containers}.all(c, !has(c.resources) || (${noGpu('requests')} && ${noGpu('limits')}))`,
        message: `only pods in ${props.gpuWorkloadNamespace} may request nvidia.com/gpu`,
      },
      {
        expression: `!(has(namespaceObject.metadata.labels) && '${PANAL_LABELS.role}' in namespaceObject.metadata.labels && namespaceObject.metadata.labels['${PANAL_LABELS.role}'] == 'tenant') || !(${tolerationsExist(SPOT_TAINT.key)})`,
        message: `pods in tenant namespaces may not tolerate the ${SPOT_TAINT.key} taint: tenant workloads never run on spot nodes`,
      },
    ];
    new k8s.KubeValidatingAdmissionPolicy(this, 'Policy', {
      metadata: { name: this.name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
        },
        validations: this.rules.map((r) => ({ expression: r.expression, message: r.message, reason: 'Forbidden' })),
      },
    });
    new k8s.KubeValidatingAdmissionPolicyBinding(this, 'Binding', {
      metadata: { name: this.name },
      spec: {
        policyName: this.name,
        validationActions: ['Deny'],
        matchResources: { namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'NotIn', values: [...exempt] }] } },
      },
    });
  }
}
