import { MAX_CUSTOM_HOSTNAMES } from '@panal/tenant-config';
import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../synth/manifest-files';
import { TenantChart } from '../tenant/tenant-chart';
import { TEST_ENVIRONMENT, TEST_PLATFORM_CLIENT_IDS, testTenant } from '../testing/fixtures';
import { Edge } from './edge';
import { CERT_MANAGER_CHART, EdgeControllers } from './edge-controllers';
import { certificateCovers, edgeCoverageProblems, listenerMatches } from './edge-coverage';
import { edgeTlsListeners } from './edge-gateway';

const acme = testTenant('acme');
const globex = testTenant('globex', 'premium', { hostnames: ['globex.chat.example.com', 'ia.globex.example.com'] });
const tenants = [acme, globex];

/** The edge objects and every tenant chart's objects, as Argo CD would sync them. */
function render(opts: { certManagerClientId?: string } = { certManagerClientId: TEST_PLATFORM_CLIENT_IDS.certManager }): KubeObject[] {
  const edgeChart = new Chart(new App(), 'edge');
  new Edge(edgeChart, 'Edge', { edge: TEST_ENVIRONMENT.edge, tenants, certManagerClientId: opts.certManagerClientId });
  const objects = edgeChart.toJson() as KubeObject[];
  for (const t of tenants) objects.push(...(new TenantChart(new App(), t.id, { tenant: t, environment: TEST_ENVIRONMENT }).toJson() as KubeObject[]));
  return objects;
}

const find = (objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as any;

describe('edge gateway and certificates', () => {
  it('serves every tenant hostname over HTTPS with a certificate that covers it', () => {
    expect(edgeCoverageProblems(render())).toEqual([]);
  });

  it('gives a custom domain its own listener, which admits only the owning tenant namespace', () => {
    const gateway = find(render(), 'Gateway', 'edge');
    const custom = gateway.spec.listeners.filter((l: any) => l.hostname === 'ia.globex.example.com');
    expect(custom).toHaveLength(1);
    expect(custom[0].allowedRoutes.namespaces.selector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'tenant-globex' });
    const wildcard = gateway.spec.listeners.find((l: any) => l.name === TEST_ENVIRONMENT.edge.gatewayListener);
    expect(wildcard.hostname).toBe('*.chat.example.com');
    expect(wildcard.allowedRoutes.namespaces.selector.matchLabels).toEqual({ 'panal.io/role': 'tenant' });
  });

  it('binds the Gateway to the Application Gateway for Containers and its frontend (bring your own deployment)', () => {
    const gateway = find(render(), 'Gateway', 'edge');
    expect(gateway.metadata.annotations['alb.networking.azure.io/alb-id']).toBe(TEST_ENVIRONMENT.edge.applicationGatewayId);
    expect(gateway.spec.addresses).toEqual([{ type: 'alb.networking.azure.io/alb-frontend', value: TEST_ENVIRONMENT.edge.frontendName }]);
  });

  it('applies the platform WAF policy to the whole Gateway', () => {
    const waf = render().find((o) => o.kind === 'WebApplicationFirewallPolicy') as any;
    expect(waf.apiVersion).toBe('alb.networking.azure.io/v1');
    expect(waf.spec).toEqual({
      targetRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'gateway-system' },
      webApplicationFirewall: { id: TEST_ENVIRONMENT.edge.webApplicationFirewallPolicyId },
    });
  });

  it('validates every certificate by DNS-01 in the platform zone, following the CNAME a custom domain delegates its challenge with', () => {
    const objects = render();
    const issuer = find(objects, 'ClusterIssuer', 'edge-acme');
    expect(issuer.spec.acme.solvers).toHaveLength(1);
    expect(issuer.spec.acme.solvers[0].dns01).toMatchObject({ cnameStrategy: 'Follow', azureDNS: { hostedZoneName: 'chat.example.com', managedIdentity: { clientID: TEST_PLATFORM_CLIENT_IDS.certManager } } });
    const gateway = find(objects, 'Gateway', 'edge');
    const listener = gateway.spec.listeners.find((l: any) => l.hostname === 'ia.globex.example.com').name;
    const custom = find(objects, 'Certificate', listener);
    expect(custom.metadata.annotations['panal.io/acme-challenge-cname']).toBe(`_acme-challenge.ia.globex.example.com CNAME _acme-challenge.${listener}.chat.example.com`);
    expect(find(objects, 'Certificate', 'tenant-domain-wildcard').metadata.annotations['panal.io/acme-challenge-cname']).toBeUndefined();
  });

  it('lets Argo CD apply the cert-manager and ALB objects once the CRDs their own Applications install exist', () => {
    const objects = render().filter((o) => ['ClusterIssuer', 'Certificate', 'WebApplicationFirewallPolicy'].includes(o.kind)) as any[];
    expect(objects.length).toBeGreaterThanOrEqual(4);
    for (const o of objects) expect(o.metadata.annotations['argocd.argoproj.io/sync-options'], `${o.kind}/${o.metadata.name}`).toBe('SkipDryRunOnMissingResource=true');
  });

  it('redirects plain HTTP to HTTPS', () => {
    const redirect = find(render(), 'HTTPRoute', 'https-redirect');
    expect(redirect.spec.rules[0].filters[0]).toEqual({ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } });
  });

  it('without the cert-manager identity the wildcard has no solver, and the coverage check says so', () => {
    const problems = edgeCoverageProblems(render({}));
    expect(problems).toContainEqual({ object: 'gateway-system/tenant-domain-wildcard', problem: expect.stringContaining('a wildcard needs DNS-01') });
  });

  it('refuses more custom domains than one Gateway has listeners for', () => {
    const many = Array.from({ length: MAX_CUSTOM_HOSTNAMES + 1 }, (_, i) => testTenant(`t${i}`, 'standard', { hostnames: [`chat.customer${i}.example.org`] }));
    expect(() => edgeTlsListeners(TEST_ENVIRONMENT.edge, many)).toThrow(`at most ${MAX_CUSTOM_HOSTNAMES} custom domains, but ${MAX_CUSTOM_HOSTNAMES + 1} were provided`);
  });
});

describe('edge coverage check', () => {
  /** Replaces one object of the rendered set (matched by kind and name) with an edited copy. */
  const edit = (kind: string, name: string, change: (o: any) => void) => {
    const objects = render().map((o) => structuredClone(o));
    change(find(objects, kind, name));
    return edgeCoverageProblems(objects);
  };

  it('finds a route whose parent Gateway does not exist', () => {
    expect(edit('HTTPRoute', 'open-webui', (r) => (r.spec.parentRefs[0].name = 'nope'))).toContainEqual({ object: 'tenant-acme/open-webui', problem: 'parent Gateway gateway-system/nope does not exist' });
  });

  it('finds a route attached to a listener that does not exist', () => {
    expect(edit('HTTPRoute', 'open-webui', (r) => (r.spec.parentRefs[0].sectionName = 'missing'))).toContainEqual({ object: 'tenant-acme/open-webui', problem: 'Gateway gateway-system/edge has no listener missing' });
  });

  it('finds a hostname no listener matches', () => {
    const problems = edit('HTTPRoute', 'open-webui', (r) => r.spec.hostnames.push('other.example.net'));
    expect(problems).toContainEqual({ object: 'tenant-acme/open-webui', problem: 'hostname other.example.net is matched by no HTTPS listener the route attaches to' });
  });

  it('finds a listener whose Secret no Certificate writes, and a certificate that does not cover the hostname', () => {
    expect(edit('Certificate', 'tenant-domain-wildcard', (c) => (c.spec.secretName = 'elsewhere'))).toContainEqual({
      object: 'tenant-acme/open-webui',
      problem: 'listener https serves Secret gateway-system/tenant-domain-wildcard-tls, which no Certificate writes',
    });
    expect(edit('Certificate', 'tenant-domain-wildcard', (c) => (c.spec.dnsNames = ['*.other.example.com']))).toContainEqual({
      object: 'tenant-acme/open-webui',
      problem: 'Certificate gateway-system/tenant-domain-wildcard does not cover hostname acme.chat.example.com',
    });
  });

  it('finds a listener that does not admit the route namespace', () => {
    const objects = render().map((o) => structuredClone(o));
    // acme attaches to globex's custom-domain listener: refused, its namespace is not tenant-globex.
    const globexListener = find(objects, 'Gateway', 'edge').spec.listeners.find((l: any) => l.hostname === 'ia.globex.example.com').name;
    objects.filter((o) => o.kind === 'HTTPRoute' && o.metadata.namespace === 'tenant-acme').forEach((r: any) => r.spec.parentRefs.push({ ...r.spec.parentRefs[0], sectionName: globexListener }));
    expect(edgeCoverageProblems(objects)).toContainEqual({
      object: 'tenant-acme/open-webui',
      problem: `listener edge/${globexListener} does not admit it: namespace tenant-acme lacks kubernetes.io/metadata.name=tenant-globex`,
    });
  });

  it('matches hostnames as Gateway API listeners and TLS certificates do', () => {
    expect(listenerMatches('*.chat.example.com', 'a.chat.example.com')).toBe(true);
    expect(listenerMatches('*.chat.example.com', 'a.b.chat.example.com')).toBe(true);
    expect(listenerMatches('*.chat.example.com', 'chat.example.com')).toBe(false);
    expect(certificateCovers('*.chat.example.com', 'a.chat.example.com')).toBe(true);
    expect(certificateCovers('*.chat.example.com', 'a.b.chat.example.com')).toBe(false);
    expect(certificateCovers('ia.globex.example.com', 'ia.globex.example.com')).toBe(true);
  });
});

describe('edge controllers', () => {
  const render = (imageDigests?: Record<string, string>) => {
    const chart = new Chart(new App(), 'argocd');
    new EdgeControllers(chart, 'Edge', { argocdNamespace: 'argocd', project: 'platform', images: TEST_ENVIRONMENT.images, clientIds: TEST_PLATFORM_CLIENT_IDS, imageDigests });
    return chart.toJson() as any[];
  };
  const values = (objects: any[]) => objects.find((o) => o.metadata.name === 'cert-manager').spec.source.helm.valuesObject;

  it('pulls cert-manager from the platform registry and pins each component the mirror recorded', () => {
    const registry = TEST_ENVIRONMENT.images.openWebUI.split('/')[0];
    const digest = `sha256:${'a'.repeat(64)}`;
    const pinned = values(render({ [`${registry}/jetstack/cert-manager-controller:${CERT_MANAGER_CHART.version}`]: digest, [`${registry}/jetstack/cert-manager-webhook:${CERT_MANAGER_CHART.version}`]: digest }));
    expect(pinned.imageRegistry).toBe(registry);
    expect(pinned.image).toEqual({ digest });
    expect(pinned.webhook).toEqual({ image: { digest } });
    expect(pinned.cainjector).toBeUndefined();
    expect(values(render()).image).toBeUndefined();
  });

  it('installs the ALB controller from its OCI chart without any repository Secret', () => {
    const objects = render();
    expect(objects.map((o) => o.kind)).toEqual(['Application', 'Application']);
    const alb = objects.find((o) => o.metadata.name === 'alb-controller');
    expect(alb.spec.source).toMatchObject({ repoURL: 'oci://mcr.microsoft.com/application-lb/charts/alb-controller', path: '.', targetRevision: '1.7.9' });
    expect(alb.spec.source.chart).toBeUndefined();
  });

  it('labels the namespaces Argo CD creates for the charts like every platform namespace: role and Pod Security', () => {
    for (const app of render()) {
      expect(app.spec.syncPolicy.syncOptions, app.metadata.name).toContain('CreateNamespace=true');
      expect(app.spec.syncPolicy.managedNamespaceMetadata.labels, app.metadata.name).toEqual({
        'panal.io/role': 'platform',
        'pod-security.kubernetes.io/enforce': 'baseline',
        'pod-security.kubernetes.io/enforce-version': 'v1.34',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/audit-version': 'v1.34',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': 'v1.34',
      });
    }
  });

  it('installs nothing for a controller whose identity does not exist yet', () => {
    const chart = new Chart(new App(), 'argocd');
    const controllers = new EdgeControllers(chart, 'Edge', { argocdNamespace: 'argocd', project: 'platform', images: TEST_ENVIRONMENT.images, clientIds: {} });
    expect(chart.toJson()).toEqual([]);
    expect(controllers.chartRepositories).toEqual([]);
  });
});
