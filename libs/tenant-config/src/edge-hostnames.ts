import { createHash } from 'node:crypto';

/**
 * Listeners one Gateway may have: the Gateway API CRD caps `spec.listeners` at 64
 * (`maxItems: 64` in gateway.networking.k8s.io_gateways.yaml, standard channel).
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#gatewayspec
 */
export const GATEWAY_MAX_LISTENERS = 64;

/** Listeners every edge Gateway has besides the custom-domain ones: `http` (port 80) and the wildcard `https`. */
export const EDGE_SHARED_LISTENERS = 2;

/** Custom-domain hostnames one edge Gateway can serve: one listener (and one certificate) each. */
export const MAX_CUSTOM_HOSTNAMES = GATEWAY_MAX_LISTENERS - EDGE_SHARED_LISTENERS;

/**
 * How the edge serves a tenant hostname:
 * - `platform`: exactly one label under the tenant domain, covered by the wildcard certificate
 *   `*.<tenantDomain>` on the shared `https` listener (a TLS wildcard covers one label only, RFC 6125 §6.4.3);
 * - `custom`: outside the tenant domain (the customer's own domain), with its own listener and certificate;
 * - `invalid`: inside the tenant domain but not one label under it, which no certificate of the edge covers.
 */
export type EdgeHostnameKind = 'platform' | 'custom' | 'invalid';

/** Classifies `hostname` against the platform's tenant domain; see {@link EdgeHostnameKind}. */
export function edgeHostnameKind(hostname: string, tenantDomain: string): EdgeHostnameKind {
  if (hostname === tenantDomain) return 'invalid';
  if (!hostname.endsWith(`.${tenantDomain}`)) return 'custom';
  const label = hostname.slice(0, -(tenantDomain.length + 1));
  return label.includes('.') ? 'invalid' : 'platform';
}

/**
 * Name of the Gateway listener (its `sectionName`) of a tenant's custom hostname: the tenant id and
 * a short hash of the hostname, so it is a valid section name, unique, and stable when the tenant
 * reorders or adds hostnames.
 */
export function customHostnameListener(tenantId: string, hostname: string): string {
  return `${tenantId}-${createHash('sha256').update(hostname).digest('hex').slice(0, 8)}`;
}
