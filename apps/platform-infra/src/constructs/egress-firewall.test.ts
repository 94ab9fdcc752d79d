import '../testing/cdktf-matchers';
import { join, resolve } from 'node:path';
import { loadEnvironment, loadTenants } from '@panal/tenant-config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderArgocd } from '../../../../argocd/src/render-argocd.ts';
import { PROD } from '../environments/prod';
import { resourcesOf, synthStack } from '../testing/synth-stack';
import { NetworkStack } from '../stacks/network-stack';

const repoRoot = resolve(import.meta.dirname, '../../../..');
const envDir = join(repoRoot, 'environments/example');

/**
 * Hosts the AzureKubernetesService FQDN tag admits that the platform calls itself (the tag is a
 * Microsoft-maintained list; these are in its documented table).
 * @see https://learn.microsoft.com/azure/aks/outbound-rules-control-egress#azure-global-required-fqdn--application-rules
 */
const COVERED_BY_AKS_TAG = new Set(['mcr.microsoft.com']);

/** Whether an application rule's FQDN (`*.` is any subdomain) admits a host. */
const admits = (fqdn: string, host: string) => (fqdn.startsWith('*.') ? host.endsWith(fqdn.slice(1)) : host === fqdn);

describe('EgressFirewall (network stack, prod)', () => {
  const { json } = synthStack((app) => new NetworkStack(app, 'network', PROD));
  const [group] = resourcesOf(json, 'azurerm_firewall_policy_rule_collection_group');
  const httpsRules = group.application_rule_collection.flatMap((c: any) => c.rule);
  const allowedFqdns: string[] = httpsRules.flatMap((r: any) => r.destination_fqdns ?? []);

  it('is a zone-redundant Standard firewall in AzureFirewallSubnet with a policy that denies known-malicious traffic', () => {
    const [firewall] = resourcesOf(json, 'azurerm_firewall');
    expect(firewall).toMatchObject({ name: 'afw-pnlprd', sku_name: 'AZFW_VNet', sku_tier: 'Standard', zones: ['1', '2', '3'] });
    expect(firewall.ip_configuration[0].subnet_id).toMatch(/azurerm_subnet\.network_subnet-firewall_/);
    expect(resourcesOf(json, 'azurerm_subnet').find((s) => s.name === 'AzureFirewallSubnet')).toMatchObject({ address_prefixes: ['10.20.19.0/26'] });
    expect(resourcesOf(json, 'azurerm_firewall_policy')).toEqual([expect.objectContaining({ sku: 'Standard', threat_intelligence_mode: 'Deny' })]);
  });

  it('sends the AKS node subnet, and only it, through the firewall by its default route', () => {
    const [table] = resourcesOf(json, 'azurerm_route_table');
    expect(table.route).toEqual([
      expect.objectContaining({ address_prefix: '0.0.0.0/0', next_hop_type: 'VirtualAppliance', next_hop_in_ip_address: expect.stringMatching(/azurerm_firewall\..*ip_configuration\[0\]\.private_ip_address/) }),
    ]);
    const associations = resourcesOf(json, 'azurerm_subnet_route_table_association');
    expect(associations.map((a) => a.subnet_id)).toEqual([expect.stringMatching(/azurerm_subnet\.network_subnet-aksNodes_/)]);
  });

  it('allows HTTPS only from the node subnet, to named destinations (no wildcard of everything), plus NTP', () => {
    for (const rule of httpsRules) {
      expect(rule.source_addresses, rule.name).toEqual([PROD.network.aksNodesSubnetCidr]);
      expect(rule.protocols, rule.name).toEqual([{ type: 'Https', port: 443 }]);
      for (const fqdn of rule.destination_fqdns ?? []) expect(fqdn.split('.').length, fqdn).toBeGreaterThanOrEqual(3);
    }
    expect(httpsRules.flatMap((r: any) => r.destination_fqdn_tags ?? [])).toEqual(['AzureKubernetesService']);
    expect(group.network_rule_collection.flatMap((c: any) => c.rule)).toEqual([expect.objectContaining({ protocols: ['UDP'], destination_ports: ['123'] })]);
  });

  it('admits every internet host the platform is configured to call: Entra ID, Azure Monitor, the Git repository, the chart repositories, the ACME server, each tenant SSO issuer', () => {
    const { environment, identities } = loadEnvironment(envDir, repoRoot);
    const tenants = loadTenants({ tenantsDir: join(repoRoot, 'apps/tenants/tenants'), repoRoot, identities });
    const hosts = new Map<string, string>([
      ['login.microsoftonline.com', 'workload identity token exchange'],
      [new URL(environment.modelServing.prometheusQueryEndpoint).hostname, 'modelServing.prometheusQueryEndpoint (KEDA)'],
      [new URL(PROD.gitops.repoUrl).hostname, 'gitops.repoUrl (Argo CD)'],
      [new URL(environment.edge.acme.server).hostname, 'edge.acme.server (cert-manager)'],
    ]);
    if (environment.telemetryExport) {
      hosts.set(new URL(environment.telemetryExport.otlpTracesEndpoint).hostname, 'telemetryExport.otlpTracesEndpoint');
      hosts.set(new URL(environment.telemetryExport.otlpLogsEndpoint).hostname, 'telemetryExport.otlpLogsEndpoint');
    }
    for (const t of tenants) hosts.set(new URL(t.sso.issuerUrl).hostname, `${t.sourceFile} sso.issuerUrl`);
    // Chart repositories of the Argo CD Applications (https Helm repositories and oci:// registries).
    for (const [file, text] of renderArgocd({ repoRoot, envDir })) {
      const app = parse(text);
      const repo: string | undefined = app.kind === 'Application' ? app.spec.source.repoURL : undefined;
      if (repo && app.spec.source.helm) hosts.set(new URL(repo).hostname, `dist/manifests/argocd/${file} chart repository`);
    }
    const refused = [...hosts].filter(([host]) => !COVERED_BY_AKS_TAG.has(host) && !allowedFqdns.some((f) => admits(f, host))).map(([host, why]) => `${host} (${why})`);
    expect(refused).toEqual([]);
    // Not vacuous: a host nobody allowed is refused.
    expect(allowedFqdns.some((f) => admits(f, 'registry-1.docker.io'))).toBe(false);
  });
});
