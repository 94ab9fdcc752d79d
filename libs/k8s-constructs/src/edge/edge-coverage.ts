import type { KubeObject } from '../synth/manifest-files';

/** One way a route is not served as it claims. */
export interface EdgeCoverageProblem {
  /** `<namespace>/<name>` of the HTTPRoute (or Certificate) concerned. */
  readonly object: string;
  readonly problem: string;
}

interface ListenerSpec {
  name: string;
  hostname?: string;
  protocol: string;
  tls?: { certificateRefs?: { kind?: string; name: string; namespace?: string }[] };
  allowedRoutes?: { kinds?: { kind: string }[]; namespaces?: { from?: string; selector?: { matchLabels?: Record<string, string> } } };
}

const labelsOf = (o: KubeObject) => (o.metadata as { labels?: Record<string, string> }).labels ?? {};
const key = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const spec = (o: KubeObject) => (o as unknown as { spec: Record<string, unknown> }).spec;

/** Gateway API listener hostname match: `*.d` matches any hostname with more labels before `.d`. */
export function listenerMatches(listenerHostname: string | undefined, hostname: string): boolean {
  if (!listenerHostname) return true;
  if (listenerHostname.startsWith('*.')) return hostname.endsWith(listenerHostname.slice(1)) && hostname.length > listenerHostname.length - 1;
  return listenerHostname === hostname;
}

/** TLS certificate name match (RFC 6125 §6.4.3): a wildcard covers exactly one left-most label. */
export function certificateCovers(dnsName: string, hostname: string): boolean {
  if (!dnsName.startsWith('*.')) return dnsName === hostname;
  const suffix = dnsName.slice(1);
  return hostname.endsWith(suffix) && !hostname.slice(0, -suffix.length).includes('.') && hostname.length > suffix.length;
}

/**
 * Checks rendered manifests the way the edge will serve them: every HTTPRoute's parent Gateway and
 * listener exist and admit the route's namespace, every hostname of a route is matched by an HTTPS
 * listener it attaches to, that listener's Secret is written by a Certificate whose names cover the
 * hostname, and every Certificate's ClusterIssuer exists with a solver able to validate its names
 * (a wildcard only by DNS-01).
 * @returns every problem found; empty when the edge serves every hostname over HTTPS
 */
export function edgeCoverageProblems(objects: readonly KubeObject[]): EdgeCoverageProblem[] {
  const problems: EdgeCoverageProblem[] = [];
  const gateways = new Map(objects.filter((o) => o.kind === 'Gateway').map((o) => [key(o), o]));
  const namespaceLabels = new Map(
    objects.filter((o) => o.kind === 'Namespace').map((o) => [o.metadata.name, { ...labelsOf(o), 'kubernetes.io/metadata.name': o.metadata.name }]),
  );
  const certificates = objects.filter((o) => o.kind === 'Certificate');
  const issuers = new Map(objects.filter((o) => o.kind === 'ClusterIssuer').map((o) => [o.metadata.name ?? '', o]));

  for (const route of objects.filter((o) => o.kind === 'HTTPRoute')) {
    const routeNs = route.metadata?.namespace ?? '';
    const s = spec(route) as { parentRefs?: { name: string; namespace?: string; sectionName?: string }[]; hostnames?: string[] };
    const attached: { gatewayNs: string; listener: ListenerSpec }[] = [];
    for (const ref of s.parentRefs ?? []) {
      const gatewayNs = ref.namespace ?? routeNs;
      const gateway = gateways.get(`${gatewayNs}/${ref.name}`);
      if (!gateway) {
        problems.push({ object: key(route), problem: `parent Gateway ${gatewayNs}/${ref.name} does not exist` });
        continue;
      }
      const listeners = (spec(gateway).listeners as ListenerSpec[]).filter((l) => !ref.sectionName || l.name === ref.sectionName);
      if (listeners.length === 0) problems.push({ object: key(route), problem: `Gateway ${gatewayNs}/${ref.name} has no listener ${ref.sectionName}` });
      for (const listener of listeners) {
        const admitted = admits(listener, gatewayNs, routeNs, namespaceLabels.get(routeNs));
        if (admitted !== true) problems.push({ object: key(route), problem: `listener ${ref.name}/${listener.name} does not admit it: ${admitted}` });
        else attached.push({ gatewayNs, listener });
      }
    }
    for (const hostname of s.hostnames ?? []) {
      const https = attached.filter(({ listener }) => listener.protocol === 'HTTPS' && listenerMatches(listener.hostname, hostname));
      if (https.length === 0) {
        problems.push({ object: key(route), problem: `hostname ${hostname} is matched by no HTTPS listener the route attaches to` });
        continue;
      }
      for (const { gatewayNs, listener } of https) {
        for (const ref of listener.tls?.certificateRefs ?? []) {
          const secretNs = ref.namespace ?? gatewayNs;
          const cert = certificates.find((c) => c.metadata?.namespace === secretNs && (spec(c) as { secretName: string }).secretName === ref.name);
          if (!cert) problems.push({ object: key(route), problem: `listener ${listener.name} serves Secret ${secretNs}/${ref.name}, which no Certificate writes` });
          else if (!((spec(cert) as { dnsNames?: string[] }).dnsNames ?? []).some((n) => certificateCovers(n, hostname))) {
            problems.push({ object: key(route), problem: `Certificate ${key(cert)} does not cover hostname ${hostname}` });
          }
        }
        if ((listener.tls?.certificateRefs ?? []).length === 0) problems.push({ object: key(route), problem: `listener ${listener.name} has no certificate for ${hostname}` });
      }
    }
  }

  for (const cert of certificates) {
    const s = spec(cert) as { dnsNames?: string[]; issuerRef: { kind?: string; name: string } };
    const issuer = s.issuerRef.kind === 'ClusterIssuer' ? issuers.get(s.issuerRef.name) : undefined;
    if (!issuer) {
      problems.push({ object: key(cert), problem: `issuer ${s.issuerRef.kind ?? 'Issuer'}/${s.issuerRef.name} does not exist` });
      continue;
    }
    const solvers = ((spec(issuer) as { acme?: { solvers?: { selector?: { dnsZones?: string[] }; dns01?: unknown; http01?: unknown }[] } }).acme?.solvers ?? []);
    for (const name of s.dnsNames ?? []) {
      const bare = name.replace(/^\*\./, '');
      const usable = solvers.filter((v) => !v.selector?.dnsZones || v.selector.dnsZones.some((z) => bare === z || bare.endsWith(`.${z}`)));
      const ok = name.startsWith('*.') ? usable.some((v) => v.dns01) : usable.length > 0;
      if (!ok) problems.push({ object: key(cert), problem: `ClusterIssuer ${s.issuerRef.name} has no solver that can validate ${name}${name.startsWith('*.') ? ' (a wildcard needs DNS-01)' : ''}` });
    }
  }
  return problems;
}

/** `true`, or why the listener refuses routes from `routeNs`. */
function admits(listener: ListenerSpec, gatewayNs: string, routeNs: string, labels: Record<string, string> | undefined): true | string {
  const kinds = listener.allowedRoutes?.kinds;
  if (kinds && !kinds.some((k) => k.kind === 'HTTPRoute')) return 'HTTPRoute is not an allowed kind';
  const from = listener.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return routeNs === gatewayNs ? true : `only routes from ${gatewayNs}`;
  if (!labels) return `namespace ${routeNs} is not among the rendered namespaces, so its labels are unknown`;
  const want = listener.allowedRoutes?.namespaces?.selector?.matchLabels ?? {};
  const missing = Object.entries(want).filter(([k, v]) => labels[k] !== v);
  return missing.length === 0 ? true : `namespace ${routeNs} lacks ${missing.map(([k, v]) => `${k}=${v}`).join(', ')}`;
}
