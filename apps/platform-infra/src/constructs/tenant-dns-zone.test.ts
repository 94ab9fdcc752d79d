import '../testing/cdktf-matchers';
import { DnsCnameRecord } from '../imports/azurerm/dns-cname-record/index.js';
import { DnsZone } from '../imports/azurerm/dns-zone/index.js';
import { AzurermProvider } from '../imports/azurerm/provider/index.js';
import { ResourceGroup } from '../imports/azurerm/resource-group/index.js';
import { RoleAssignment } from '../imports/azurerm/role-assignment/index.js';
import { TerraformStack } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { resourcesOf, synthStack } from '../testing/synth-stack';
import { TenantDnsZone, type TenantDnsZoneProps } from './tenant-dns-zone';

type Props = Omit<TenantDnsZoneProps, 'resourceGroup'>;
const props: Props = { domain: 'chat.example.com', frontendFqdn: 'abc.fz00.alb.azure.com', certManagerPrincipalId: 'cert-manager-principal' };

/** Synthesizes a bare stack holding only the zone. */
function synthZone(p: Partial<Props> = {}) {
  return synthStack((app) => {
    const stack = new TerraformStack(app, 'dns');
    new AzurermProvider(stack, 'azurerm', { features: [{}] });
    const resourceGroup = new ResourceGroup(stack, 'rg', { name: 'rg-pnlprd-aks', location: 'swedencentral' });
    new TenantDnsZone(stack, 'tenant-dns', { ...props, ...p, resourceGroup });
    return stack;
  });
}

describe('TenantDnsZone', () => {
  // GIVEN the tenant domain, the frontend FQDN and cert-manager's principal WHEN the zone is synthesized
  const { json } = synthZone();
  const zoneId = expect.stringMatching(/^\$\{azurerm_dns_zone\.tenant-dns_zone_[0-9A-F]+\.id\}$/);

  it('is a public zone named after the tenant domain, in the given resource group', () => {
    expect(resourcesOf(json, DnsZone.tfResourceType)).toEqual([expect.objectContaining({ name: 'chat.example.com', resource_group_name: '${azurerm_resource_group.rg.name}' })]);
  });

  it('points every tenant hostname at the frontend with a wildcard CNAME', () => {
    expect(resourcesOf(json, DnsCnameRecord.tfResourceType)).toEqual([
      expect.objectContaining({ name: '*', record: 'abc.fz00.alb.azure.com', ttl: 300, zone_name: expect.stringMatching(/^\$\{azurerm_dns_zone\.tenant-dns_zone_[0-9A-F]+\.name\}$/) }),
    ]);
  });

  it('lets cert-manager, and only it, answer DNS-01 challenges in this zone only', () => {
    expect(resourcesOf(json, RoleAssignment.tfResourceType)).toEqual([
      expect.objectContaining({ role_definition_name: 'DNS Zone Contributor', scope: zoneId, principal_id: 'cert-manager-principal', principal_type: 'ServicePrincipal' }),
    ]);
  });

  it('fails a domain that is not a lower-case DNS domain', () => {
    expect(() => synthZone({ domain: '*.chat.example.com' })).toThrow('domain must be a lower-case DNS domain such as chat.example.com, but "*.chat.example.com" was provided');
    expect(() => synthZone({ domain: 'Chat.Example.com' })).toThrow(/^domain must be a lower-case DNS domain/);
  });
});
