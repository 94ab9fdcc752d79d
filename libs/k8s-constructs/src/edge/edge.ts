import type { Environment, Tenant } from '@panal/tenant-config';
import { Construct } from 'constructs';
import { guardRailPolicy, tcpPort } from '../common/network-policy';
import { EdgeCertificates } from './edge-certificates';
import { EdgeGateway, edgeTlsListeners } from './edge-gateway';
import { EdgeWafPolicy } from './edge-waf-policy';

/**
 * Port cert-manager's HTTP-01 solver pods listen on, and their label (cert-manager v1.21
 * pkg/issuer/acme/http: `acmeSolverListenPort`, `acme.cert-manager.io/http01-solver`).
 */
export const ACME_HTTP01_SOLVER = { port: 8089, labels: { 'acme.cert-manager.io/http01-solver': 'true' } } as const;

/** Props of {@link Edge}. */
export interface EdgeProps {
  /** The environment's edge settings. */
  readonly edge: Environment['edge'];
  /** Every tenant: their custom domains become listeners and certificates. */
  readonly tenants: readonly Tenant[];
  /** Client id of cert-manager's workload identity. @default no wildcard certificate (see EdgeCertificates) */
  readonly certManagerClientId?: string;
}

/**
 * Everything in the edge Gateway's namespace: the Gateway and its redirect, the certificates its
 * listeners serve, the WAF policy on all of it, and the one NetworkPolicy hole the namespace needs: Application Gateway for
 * Containers reaching cert-manager's HTTP-01 solver pods, which run here next to their Certificates.
 */
export class Edge extends Construct {
  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    const { edge } = props;
    const tlsListeners = edgeTlsListeners(edge, props.tenants);
    new EdgeGateway(this, 'Gateway', { edge, tlsListeners });
    new EdgeCertificates(this, 'Certificates', { edge, tlsListeners, certManagerClientId: props.certManagerClientId });
    new EdgeWafPolicy(this, 'Waf', { gatewayName: edge.gatewayName, gatewayNamespace: edge.gatewayNamespace, webApplicationFirewallPolicyId: edge.webApplicationFirewallPolicyId });
    guardRailPolicy(this, edge.gatewayNamespace, 'allow-edge-to-acme-solver', {
      podSelector: { matchLabels: { ...ACME_HTTP01_SOLVER.labels } },
      policyTypes: ['Ingress'],
      ingress: [{ from: edge.sourceCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcpPort(ACME_HTTP01_SOLVER.port)] }],
    });
  }
}
