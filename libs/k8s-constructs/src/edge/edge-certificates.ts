import type { Environment } from '@panal/tenant-config';
import { Construct } from 'constructs';
import { appLabels } from '../common/labels';
import { crdFromAnotherApplication, syncWave, SyncWave } from '../common/sync-waves';
import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyRotationPolicy,
  ClusterIssuer,
  ClusterIssuerSpecAcmeSolversDns01AzureDnsEnvironment,
  ClusterIssuerSpecAcmeSolversDns01CnameStrategy,
  type ClusterIssuerSpecAcmeSolvers,
} from '../imports/cert-manager.io';
import type { EdgeTlsListener } from './edge-gateway';

/** The ClusterIssuer of every edge certificate. */
export const EDGE_CLUSTER_ISSUER = 'edge-acme';

/** Annotation on a custom-domain Certificate: the CNAME its customer must create for the DNS-01 challenge. */
export const ACME_CHALLENGE_CNAME_ANNOTATION = 'panal.io/acme-challenge-cname';

/**
 * Where the DNS-01 challenge of a custom domain is answered: a name in the platform zone that the
 * customer's `_acme-challenge.<hostname>` points at with a CNAME (cert-manager follows it).
 */
export function acmeChallengeTarget(listener: Pick<EdgeTlsListener, 'name'>, tenantDomain: string): string {
  return `_acme-challenge.${listener.name}.${tenantDomain}`;
}

/** Props of {@link EdgeCertificates}. */
export interface EdgeCertificatesProps {
  /** ACME account and the tenant domain's Azure DNS zone. */
  readonly edge: Environment['edge'];
  /** HTTPS listeners of the edge: one Certificate each, written to the Secret the listener serves. */
  readonly tlsListeners: readonly EdgeTlsListener[];
  /**
   * Client id of the cert-manager workload identity (DNS Zone Contributor on the tenant domain's
   * Azure DNS zone). Without it no certificate can be issued: the issuer has no solver, and the
   * edge coverage check says so.
   * @default no solver
   */
  readonly certManagerClientId?: string;
}

/**
 * The certificates of the edge, issued and renewed by cert-manager from an ACME CA, all by DNS-01 in
 * the platform's Azure DNS zone with cert-manager's workload identity:
 *
 * - the wildcard `*.<tenantDomain>` directly in that zone (a wildcard can only be validated by DNS);
 * - each custom domain through a CNAME the customer creates once, from `_acme-challenge.<hostname>` to
 *   a name in the platform zone ({@link acmeChallengeTarget}, written on the Certificate as an
 *   annotation), which cert-manager follows (`cnameStrategy: Follow`).
 *
 * Not HTTP-01: its self-check fetches the customer's hostname from inside the cluster over port 80,
 * which the egress firewall does not allow (ADR 0021). Certificates live in the Gateway's namespace
 * because a listener reads its Secret from there.
 * @see https://cert-manager.io/docs/configuration/acme/dns01/azuredns/
 * @see https://cert-manager.io/docs/configuration/acme/dns01/#delegated-domains-for-dns01
 */
export class EdgeCertificates extends Construct {
  constructor(scope: Construct, id: string, props: EdgeCertificatesProps) {
    super(scope, id);
    const { edge, tlsListeners } = props;
    const solvers: ClusterIssuerSpecAcmeSolvers[] = [];
    if (props.certManagerClientId) {
      solvers.push({
        dns01: {
          cnameStrategy: ClusterIssuerSpecAcmeSolversDns01CnameStrategy.FOLLOW,
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
    new ClusterIssuer(this, 'Issuer', {
      metadata: { name: EDGE_CLUSTER_ISSUER, labels: appLabels('edge', 'certificate-issuer'), annotations: { ...syncWave(SyncWave.dependencies), ...crdFromAnotherApplication() } },
      spec: { acme: { server: edge.acme.server, email: edge.acme.email, privateKeySecretRef: { name: `${EDGE_CLUSTER_ISSUER}-account-key` }, solvers } },
    });
    for (const listener of tlsListeners) {
      const cname: Record<string, string> = listener.kind === 'custom' ? { [ACME_CHALLENGE_CNAME_ANNOTATION]: `_acme-challenge.${listener.hostname} CNAME ${acmeChallengeTarget(listener, edge.tenantDomain)}` } : {};
      new Certificate(this, listener.name, {
        metadata: {
          name: listener.secretName.replace(/-tls$/, ''),
          namespace: edge.gatewayNamespace,
          labels: appLabels('edge', 'certificate'),
          annotations: { ...syncWave(SyncWave.dependencies), ...crdFromAnotherApplication(), ...cname },
        },
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
