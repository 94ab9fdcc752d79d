import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { dnsEgressRule } from '../common/network-policy';
import { syncWave, SyncWave } from '../common/sync-waves';

/** Props of {@link DefaultDenyPolicies}. */
export interface DefaultDenyPoliciesProps {
  /** Namespace fenced. */
  readonly namespace: string;
  /**
   * Let every pod of the namespace resolve names through cluster DNS.
   * @default true
   */
  readonly allowDns?: boolean;
}

/**
 * Deny-all NetworkPolicy in both directions for a platform namespace, plus DNS egress: every
 * other path must be allowed explicitly next to the workload that needs it.
 */
export class DefaultDenyPolicies extends Construct {
  constructor(scope: Construct, id: string, props: DefaultDenyPoliciesProps) {
    super(scope, id);
    const meta = (name: string) => ({ name, namespace: props.namespace, annotations: syncWave(SyncWave.guardRails) });
    new k8s.KubeNetworkPolicy(this, 'DenyAll', { metadata: meta('default-deny-all'), spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
    if (props.allowDns ?? true) {
      new k8s.KubeNetworkPolicy(this, 'Dns', { metadata: meta('allow-dns-egress'), spec: { podSelector: {}, policyTypes: ['Egress'], egress: [dnsEgressRule()] } });
    }
  }
}
