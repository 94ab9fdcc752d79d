import type { Environment, Tenant } from '@panal/tenant-config';
import { Construct } from 'constructs';
import { EdgeCertificates } from './edge-certificates';
import { EdgeGateway, edgeTlsListeners } from './edge-gateway';
import { EdgeWafPolicy } from './edge-waf-policy';

/** Props of {@link Edge}. */
export interface EdgeProps {
  /** The environment's edge settings. */
  readonly edge: Environment['edge'];
  /** Every tenant: their custom domains become listeners and certificates. */
  readonly tenants: readonly Tenant[];
  /** Client id of cert-manager's workload identity. @default none: no certificate can be issued (see EdgeCertificates) */
  readonly certManagerClientId?: string;
}

/**
 * Everything in the edge Gateway's namespace: the Gateway and its redirect, the certificates its
 * listeners serve and the WAF policy on all of it. No pod runs here (certificates are validated by
 * DNS-01, so there are no HTTP-01 solver pods), and the namespace's default-deny policies stay closed.
 */
export class Edge extends Construct {
  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    const { edge } = props;
    const tlsListeners = edgeTlsListeners(edge, props.tenants);
    new EdgeGateway(this, 'Gateway', { edge, tlsListeners });
    new EdgeCertificates(this, 'Certificates', { edge, tlsListeners, certManagerClientId: props.certManagerClientId });
    new EdgeWafPolicy(this, 'Waf', { gatewayName: edge.gatewayName, gatewayNamespace: edge.gatewayNamespace, webApplicationFirewallPolicyId: edge.webApplicationFirewallPolicyId });
  }
}
