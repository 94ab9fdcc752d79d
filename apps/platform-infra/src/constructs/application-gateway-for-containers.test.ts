import '../testing/cdktf-matchers';
import { ApplicationLoadBalancer } from '../imports/azurerm/application-load-balancer/index.js';
import { ApplicationLoadBalancerFrontend } from '../imports/azurerm/application-load-balancer-frontend/index.js';
import { ApplicationLoadBalancerSecurityPolicy } from '../imports/azurerm/application-load-balancer-security-policy/index.js';
import { ApplicationLoadBalancerSubnetAssociation } from '../imports/azurerm/application-load-balancer-subnet-association/index.js';
import { MonitorDiagnosticSetting } from '../imports/azurerm/monitor-diagnostic-setting/index.js';
import { AzurermProvider } from '../imports/azurerm/provider/index.js';
import { ResourceGroup } from '../imports/azurerm/resource-group/index.js';
import { RoleAssignment } from '../imports/azurerm/role-assignment/index.js';
import { WebApplicationFirewallPolicy } from '../imports/azurerm/web-application-firewall-policy/index.js';
import { TerraformStack } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { resourcesOf, synthStack } from '../testing/synth-stack';
import { ApplicationGatewayForContainers, type ApplicationGatewayForContainersProps } from './application-gateway-for-containers';

const SUBNET = '/subscriptions/0/resourceGroups/rg-pnlprd-network/providers/Microsoft.Network/virtualNetworks/vnet-pnlprd/subnets/snet-agc';
type Props = Omit<ApplicationGatewayForContainersProps, 'resourceGroup'>;
const props: Props = { name: 'agc-pnlprd', subnetId: SUBNET, controllerPrincipalId: 'alb-controller-principal' };

/** Synthesizes a bare stack holding only the AGC. */
function synthAgc(p: Partial<Props> = {}) {
  return synthStack((app) => {
    const stack = new TerraformStack(app, 'edge');
    new AzurermProvider(stack, 'azurerm', { features: [{}] });
    const resourceGroup = new ResourceGroup(stack, 'rg', { name: 'rg-pnlprd-aks', location: 'swedencentral' });
    new ApplicationGatewayForContainers(stack, 'edge', { ...props, ...p, resourceGroup });
    return stack;
  });
}

const ref = (type: string, attr = 'id') => expect.stringMatching(new RegExp(`^\\$\\{${type}\\.edge_[a-z-]+_[0-9A-F]+\\.${attr}\\}$`));

describe('ApplicationGatewayForContainers', () => {
  // GIVEN the prod name, the gateway subnet and the ALB controller's principal WHEN the AGC is synthesized
  const { synth, json } = synthAgc({ logAnalyticsWorkspaceId: '/log' });
  const agcId = ref(ApplicationLoadBalancer.tfResourceType);
  const wafId = ref(WebApplicationFirewallPolicy.tfResourceType);

  it('is one AGC in the resource group, with one frontend named edge', () => {
    expect(resourcesOf(json, ApplicationLoadBalancer.tfResourceType)).toEqual([
      expect.objectContaining({ name: 'agc-pnlprd', resource_group_name: '${azurerm_resource_group.rg.name}', location: '${azurerm_resource_group.rg.location}' }),
    ]);
    expect(resourcesOf(json, ApplicationLoadBalancerFrontend.tfResourceType)).toEqual([expect.objectContaining({ name: 'edge', application_load_balancer_id: agcId })]);
  });

  it('associates the AGC with the given delegated subnet, and only it', () => {
    expect(resourcesOf(json, ApplicationLoadBalancerSubnetAssociation.tfResourceType)).toEqual([
      expect.objectContaining({ name: 'gateway-subnet', application_load_balancer_id: agcId, subnet_id: SUBNET }),
    ]);
  });

  it('has a Prevention WAF policy with the Default Rule Set 2.1 and Bot Manager, linked to the AGC by a security policy', () => {
    const [waf] = resourcesOf(json, WebApplicationFirewallPolicy.tfResourceType);
    expect(waf).toMatchObject({
      name: 'waf-agc-pnlprd',
      location: '${azurerm_resource_group.rg.location}',
      policy_settings: expect.objectContaining({ enabled: true, mode: 'Prevention', request_body_check: true, request_body_enforcement: true }),
      managed_rules: {
        managed_rule_set: [
          { type: 'Microsoft_DefaultRuleSet', version: '2.1' },
          { type: 'Microsoft_BotManagerRuleSet', version: '1.1' },
        ],
      },
    });
    // No OWASP CRS: AGC supports only DRS managed rule sets.
    expect(JSON.stringify(waf.managed_rules)).not.toContain('OWASP');
    expect(resourcesOf(json, ApplicationLoadBalancerSecurityPolicy.tfResourceType)).toEqual([
      expect.objectContaining({ application_load_balancer_id: agcId, web_application_firewall_policy_id: wafId, location: '${azurerm_resource_group.rg.location}' }),
    ]);
  });

  it('admits chat bodies up to 2000 KiB and uploads up to 100 MiB instead of the 128 KiB default', () => {
    expect(synth).toHaveResourceWithProperties(WebApplicationFirewallPolicy, {
      policy_settings: expect.objectContaining({ max_request_body_size_in_kb: 2000, file_upload_limit_in_mb: 100, file_upload_enforcement: true }),
    });
  });

  it('grants the ALB controller exactly Configuration Manager on the AGC and Network Contributor on the subnet and the WAF policy', () => {
    const roles = resourcesOf(json, RoleAssignment.tfResourceType);
    expect(roles).toHaveLength(3);
    for (const r of roles) expect(r).toMatchObject({ principal_id: 'alb-controller-principal', principal_type: 'ServicePrincipal' });
    expect(roles.map((r) => [r.role_definition_name, r.scope])).toEqual(
      expect.arrayContaining([
        ['AppGw for Containers Configuration Manager', agcId],
        ['Network Contributor', SUBNET],
        ['Network Contributor', wafId],
      ]),
    );
  });

  it('sends the AGC access logs and metrics to Log Analytics when given a workspace', () => {
    expect(resourcesOf(json, MonitorDiagnosticSetting.tfResourceType)).toEqual([
      expect.objectContaining({ target_resource_id: agcId, log_analytics_workspace_id: '/log', enabled_log: [{ category_group: 'allLogs' }] }),
    ]);
    expect(resourcesOf(synthAgc().json, MonitorDiagnosticSetting.tfResourceType)).toEqual([]);
  });

  it('takes a frontend name, a WAF policy name and Detection mode', () => {
    const custom = synthAgc({ frontendName: 'public', wafPolicyName: 'waf-pnlprd-edge', wafMode: 'Detection' });
    expect(custom.synth).toHaveResourceWithProperties(ApplicationLoadBalancerFrontend, { name: 'public' });
    expect(custom.synth).toHaveResourceWithProperties(WebApplicationFirewallPolicy, { name: 'waf-pnlprd-edge', policy_settings: expect.objectContaining({ mode: 'Detection' }) });
  });

  it('fails names Azure would reject and body limits the WAF does not accept, at synth time', () => {
    expect(() => synthAgc({ name: 'agc-' })).toThrow('name must be 2-64 letters, digits, \'.\', \'-\' or \'_\', starting and ending with a letter or digit, but "agc-" was provided');
    expect(() => synthAgc({ frontendName: '-edge' })).toThrow(/^frontendName must be 2-64 letters/);
    expect(() => synthAgc({ wafPolicyName: 'waf policy' })).toThrow(/^wafPolicyName must be 2-80 letters/);
    expect(() => synthAgc({ maxRequestBodySizeKiB: 4096 })).toThrow('maxRequestBodySizeKiB must be an integer 8-2000, but 4096 was provided');
    expect(() => synthAgc({ fileUploadLimitMiB: 0 })).toThrow('fileUploadLimitMiB must be an integer 1-4000, but 0 was provided');
  });
});
