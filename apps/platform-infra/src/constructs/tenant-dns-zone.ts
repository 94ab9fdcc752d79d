import { DnsCnameRecord } from '../imports/azurerm/dns-cname-record/index.js';
import { DnsZone } from '../imports/azurerm/dns-zone/index.js';
import type { ResourceGroup } from '../imports/azurerm/resource-group/index.js';
import { RoleAssignment } from '../imports/azurerm/role-assignment/index.js';
import { Construct } from 'constructs';

/** Props of {@link TenantDnsZone}. */
export interface TenantDnsZoneProps {
  /** Resource group of the zone (`environment.yaml` `edge.acme.dnsZoneResourceGroup` names it for cert-manager). */
  readonly resourceGroup: ResourceGroup;
  /** The tenant domain, e.g. `chat.example.com`: tenants are `<label>.<domain>`. */
  readonly domain: string;
  /** FQDN of the edge frontend that every tenant hostname resolves to. */
  readonly frontendFqdn: string;
  /**
   * Principal (object) id of cert-manager's workload identity: it writes the ACME DNS-01 TXT records
   * `_acme-challenge.<domain>` for the wildcard certificate.
   */
  readonly certManagerPrincipalId: string;
  /**
   * TTL in seconds of the wildcard record.
   * @default 300
   */
  readonly ttlSeconds?: number;
  /** Tags of the zone. */
  readonly tags?: Readonly<Record<string, string>>;
}

const DOMAIN = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/;

/**
 * The public Azure DNS zone of the tenant domain: `*.<domain>` is a CNAME to the AGC frontend, so
 * a new tenant's hostname resolves without a DNS change, and cert-manager's identity is DNS Zone
 * Contributor on this zone only, to answer every DNS-01 challenge: the wildcard certificate
 * `*.<domain>` (HTTP-01 cannot prove a wildcard) and each custom domain, whose customer points
 * `_acme-challenge.<hostname>` here with a CNAME (ADR 0021). Explicit names such as `_acme-challenge` take
 * precedence over the wildcard, so the challenge TXT records do not clash with it.
 * The parent domain delegates to the zone's name servers (stack output `edge.dns_zone_name_servers`).
 * @see https://cert-manager.io/docs/configuration/acme/dns01/azuredns/
 * @see https://learn.microsoft.com/azure/dns/dns-delegate-domain-azure-dns
 * @see https://learn.microsoft.com/azure/application-gateway/for-containers/application-gateway-for-containers-components
 */
export class TenantDnsZone extends Construct {
  /** The zone. */
  public readonly zone: DnsZone;

  constructor(scope: Construct, id: string, props: TenantDnsZoneProps) {
    super(scope, id);
    if (!DOMAIN.test(props.domain)) throw new Error(`domain must be a lower-case DNS domain such as chat.example.com, but "${props.domain}" was provided`);
    this.zone = new DnsZone(this, 'zone', { name: props.domain, resourceGroupName: props.resourceGroup.name, tags: props.tags ? { ...props.tags } : undefined });
    new DnsCnameRecord(this, 'tenants-wildcard', {
      name: '*',
      zoneName: this.zone.name,
      resourceGroupName: props.resourceGroup.name,
      ttl: props.ttlSeconds ?? 300,
      record: props.frontendFqdn,
    });
    // The role cert-manager documents; a custom role limited to TXT records would be narrower, but the
    // zone holds nothing else than the wildcard and the challenges.
    new RoleAssignment(this, 'cert-manager-dns01', {
      scope: this.zone.id,
      roleDefinitionName: 'DNS Zone Contributor',
      principalId: props.certManagerPrincipalId,
      principalType: 'ServicePrincipal',
    });
  }
}
