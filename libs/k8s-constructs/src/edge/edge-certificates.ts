import type { Environment } from '@panal/tenant-config';
import { Construct } from 'constructs';
import { appLabels } from '../common/labels';
import { syncWave, SyncWave } from '../common/sync-waves';
import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyRotationPolicy,
  ClusterIssuer,
  ClusterIssuerSpecAcmeSolversDns01AzureDnsEnvironment,
  type ClusterIssuerSpecAcmeSolvers,
} from '../imports/cert-manager.io';
import { EDGE_HTTP_LISTENER, type EdgeTlsListener } from './edge-gateway';

/** The ClusterIssuer of every edge certificate. */
export const EDGE_CLUSTER_ISSUER = 'edge-acme';

/** Props of {@link EdgeCertificates}. */
export interface EdgeCertificatesProps {
  /** ACME account, tenant domain and the Gateway the HTTP-01 solver attaches to. */
  readonly edge: Environment['edge'];
  /** HTTPS listeners of the edge: one Certificate each, written to the Secret the listener serves. */
  readonly tlsListeners: readonly EdgeTlsListener[];
  /**
   * Client id of the cert-manager workload identity (DNS Zone Contributor on the tenant domain's
   * Azure DNS zone). Without it the wildcard cannot be issued (no DNS-01 solver is rendered) and
   * only custom domains are.
   * @default no DNS-01 solver
   */
  readonly certManagerClientId?: string;
}

/**
 * The certificates of the edge, issued and renewed by cert-manager from an ACME CA:
 *
 * - the wildcard `*.<tenantDomain>` by DNS-01 in the platform's Azure DNS zone, with cert-manager's
 *   workload identity (a wildcard can only be validated by DNS);
 * - each custom domain by HTTP-01 through the edge Gateway's port-80 listener (the customer points
 *   a CNAME at the edge frontend; no access to their DNS needed).
 *
 * Certificates live in the Gateway's namespace because a listener reads its Secret from there.
 * @see https://cert-manager.io/docs/configuration/acme/dns01/azuredns/
 * @see https://cert-manager.io/docs/configuration/acme/http01/#configuring-the-http-01-gateway-api-solver
 */
export class EdgeCertificates extends Construct {
  constructor(scope: Construct, id: string, props: EdgeCertificatesProps) {
    super(scope, id);
    const { edge, tlsListeners } = props;
    const solvers: ClusterIssuerSpecAcmeSolvers[] = [];
    if (props.certManagerClientId) {
      solvers.push({
        selector: { dnsZones: [edge.tenantDomain] },
        dns01: {
          azureDns: {
            environment: ClusterIssuerSpecAcmeSolversDns01AzureDnsEnvironment.AZURE_PUBLIC_CLOUD,
            subscriptionId: edge.acme.dnsZoneSubscriptionId,
            resourceGroupName: edge.acme.dnsZoneResourceGroup,
            hostedZoneName: edge.tenantDomain,
            managedIdentity: { clientId: props.certManagerClientId },
          },
        },
      });
    }
    solvers.push({
      http01: {
        gatewayHttpRoute: {
          parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: edge.gatewayName, namespace: edge.gatewayNamespace, sectionName: EDGE_HTTP_LISTENER }],
        },
      },
    });
    new ClusterIssuer(this, 'Issuer', {
      metadata: { name: EDGE_CLUSTER_ISSUER, labels: appLabels('edge', 'certificate-issuer'), annotations: syncWave(SyncWave.dependencies) },
      spec: { acme: { server: edge.acme.server, email: edge.acme.email, privateKeySecretRef: { name: `${EDGE_CLUSTER_ISSUER}-account-key` }, solvers } },
    });
    for (const listener of tlsListeners) {
      new Certificate(this, listener.name, {
        metadata: { name: listener.secretName.replace(/-tls$/, ''), namespace: edge.gatewayNamespace, labels: appLabels('edge', 'certificate'), annotations: syncWave(SyncWave.dependencies) },
        spec: {
          secretName: listener.secretName,
          dnsNames: [listener.hostname],
          issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: EDGE_CLUSTER_ISSUER },
          privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
        },
      });
    }
  }
}
