import { ApplicationLoadBalancer } from '../imports/azurerm/application-load-balancer/index.js';
import { ApplicationLoadBalancerFrontend } from '../imports/azurerm/application-load-balancer-frontend/index.js';
import { ApplicationLoadBalancerSecurityPolicy } from '../imports/azurerm/application-load-balancer-security-policy/index.js';
import { ApplicationLoadBalancerSubnetAssociation } from '../imports/azurerm/application-load-balancer-subnet-association/index.js';
import { MonitorDiagnosticSetting } from '../imports/azurerm/monitor-diagnostic-setting/index.js';
import type { ResourceGroup } from '../imports/azurerm/resource-group/index.js';
import { RoleAssignment } from '../imports/azurerm/role-assignment/index.js';
import { WebApplicationFirewallPolicy } from '../imports/azurerm/web-application-firewall-policy/index.js';
import { Construct } from 'constructs';
import { skipCheckov } from './checkov-skip';

/** WAF policy mode: `Prevention` blocks what the rules match, `Detection` only logs it. */
export type WafMode = 'Prevention' | 'Detection';

/** Props of {@link ApplicationGatewayForContainers}. */
export interface ApplicationGatewayForContainersProps {
  /** Resource group and region of the AGC, its WAF policy and its security policy (the WAF policy must share the AGC's subscription and region). */
  readonly resourceGroup: ResourceGroup;
  /** Name of the AGC (`Microsoft.ServiceNetworking/trafficControllers`), e.g. `agc-<prefix>`. */
  readonly name: string;
  /**
   * The subnet the AGC joins: delegated to `Microsoft.ServiceNetworking/trafficControllers`, at
   * least a /24 (the network stack's `gateway` subnet).
   */
  readonly subnetId: string;
  /**
   * Principal (object) id of the ALB controller's workload identity: it programs the AGC from the
   * Gateway API objects in bring-your-own mode.
   */
  readonly controllerPrincipalId: string;
  /**
   * Name of the frontend the Gateway listens on (its `alb.networking.azure.io/alb-frontend` address).
   * @default 'edge'
   */
  readonly frontendName?: string;
  /**
   * Name of the WAF policy (`Microsoft.Network/applicationGatewayWebApplicationFirewallPolicies`).
   * @default `waf-${name}`
   */
  readonly wafPolicyName?: string;
  /**
   * WAF mode. Prevention, so a match is blocked rather than only logged.
   * @default 'Prevention'
   */
  readonly wafMode?: WafMode;
  /**
   * Version of the Microsoft Default Rule Set (AGC supports only DRS managed rule sets, not CRS).
   * @default '2.1'
   */
  readonly defaultRuleSetVersion?: string;
  /**
   * Version of the Bot Manager rule set (AGC supports every version but the legacy 0.1).
   * @default '1.1'
   */
  readonly botManagerRuleSetVersion?: string;
  /**
   * Largest request body the WAF admits, in KiB, for bodies that are not file uploads (enforced,
   * not only inspected). 2000 is the most DRS 2.1 allows.
   * @default 2000
   */
  readonly maxRequestBodySizeKiB?: number;
  /**
   * Largest file upload (multipart/form-data) the WAF admits, in MiB.
   * @default 100
   */
  readonly fileUploadLimitMiB?: number;
  /** Log Analytics workspace for the AGC's access logs and metrics; none when omitted. */
  readonly logAnalyticsWorkspaceId?: string;
  /** Tags of the AGC and its WAF policy. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Name rule of the AGC (azurerm 5.2.0's validation of `azurerm_application_load_balancer.name`), also applied to the frontend. */
const AGC_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}[a-zA-Z0-9]$/;

/**
 * The edge's Application Gateway for Containers in bring-your-own mode: Terraform owns the AGC, its
 * frontend and its association with the delegated subnet, and the ALB controller only programs
 * them (the Gateway `gateway-system/edge` names the AGC by `alb.networking.azure.io/alb-id` and the
 * frontend by an `alb.networking.azure.io/alb-frontend` address). The AGC's lifecycle is then not tied
 * to a Kubernetes object that a bad sync could delete, and its id and frontend FQDN are known at plan
 * time for DNS.
 *
 * Also a WAF policy (Microsoft Default Rule Set and Bot Manager, Prevention) with the AGC security
 * policy that lets the controller reference it; the Gateway opts into it with a
 * `WebApplicationFirewallPolicy` object. The ALB controller identity gets exactly what the BYO and
 * WAF guides require, each at the narrowest scope: AppGw for Containers Configuration Manager on the
 * AGC (the quickstart uses its resource group, which would also cover the cluster's other resources),
 * Network Contributor on the association subnet (subnets/join/action) and on the WAF policy
 * (applicationGatewayWebApplicationFirewallPolicies/join/action).
 * @see https://learn.microsoft.com/azure/application-gateway/for-containers/quickstart-create-application-gateway-for-containers-byo-deployment
 * @see https://learn.microsoft.com/azure/application-gateway/for-containers/application-gateway-for-containers-components
 * @see https://learn.microsoft.com/azure/application-gateway/for-containers/how-to-waf-gateway-api
 * @see https://learn.microsoft.com/azure/web-application-firewall/ag/waf-application-gateway-for-containers-overview
 */
export class ApplicationGatewayForContainers extends Construct {
  /** The AGC: its id is the Gateway's `alb.networking.azure.io/alb-id`. */
  public readonly loadBalancer: ApplicationLoadBalancer;
  /** The frontend: its name is the Gateway's address, its FQDN what tenant hostnames CNAME to. */
  public readonly frontend: ApplicationLoadBalancerFrontend;
  /** The association with the delegated subnet. */
  public readonly association: ApplicationLoadBalancerSubnetAssociation;
  /** The WAF policy the Gateway's `WebApplicationFirewallPolicy` references by id. */
  public readonly wafPolicy: WebApplicationFirewallPolicy;
  /** The AGC security policy that scopes the WAF policy to this AGC. */
  public readonly securityPolicy: ApplicationLoadBalancerSecurityPolicy;

  constructor(scope: Construct, id: string, props: ApplicationGatewayForContainersProps) {
    super(scope, id);
    const rg = props.resourceGroup;
    const frontendName = props.frontendName ?? 'edge';
    const wafPolicyName = props.wafPolicyName ?? `waf-${props.name}`;
    for (const [prop, value] of [['name', props.name], ['frontendName', frontendName]] as const) {
      if (!AGC_NAME.test(value)) throw new Error(`${prop} must be 2-64 letters, digits, '.', '-' or '_', starting and ending with a letter or digit, but "${value}" was provided`);
    }
    // azurerm only checks the WAF policy name is not empty: hold it to the Application Gateway family's rule, so a bad name fails at synth, not at apply.
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,78}[a-zA-Z0-9_]$/.test(wafPolicyName)) {
      throw new Error(`wafPolicyName must be 2-80 letters, digits, '.', '-' or '_', starting with a letter or digit and ending with a letter, digit or '_', but "${wafPolicyName}" was provided`);
    }
    const maxBodyKiB = props.maxRequestBodySizeKiB ?? 2000;
    if (!Number.isInteger(maxBodyKiB) || maxBodyKiB < 8 || maxBodyKiB > 2000) throw new Error(`maxRequestBodySizeKiB must be an integer 8-2000, but ${maxBodyKiB} was provided`);
    const uploadMiB = props.fileUploadLimitMiB ?? 100;
    if (!Number.isInteger(uploadMiB) || uploadMiB < 1 || uploadMiB > 4000) throw new Error(`fileUploadLimitMiB must be an integer 1-4000, but ${uploadMiB} was provided`);
    const tags = props.tags ? { ...props.tags } : undefined;

    this.loadBalancer = new ApplicationLoadBalancer(this, 'agc', { name: props.name, resourceGroupName: rg.name, location: rg.location, tags });
    // One public frontend: every tenant hostname and custom domain is a listener of the one Gateway on it.
    this.frontend = new ApplicationLoadBalancerFrontend(this, 'frontend', { name: frontendName, applicationLoadBalancerId: this.loadBalancer.id, tags });
    this.association = new ApplicationLoadBalancerSubnetAssociation(this, 'association', {
      name: 'gateway-subnet',
      applicationLoadBalancerId: this.loadBalancer.id,
      subnetId: props.subnetId,
      tags,
    });

    this.wafPolicy = new WebApplicationFirewallPolicy(this, 'waf-policy', {
      name: wafPolicyName,
      resourceGroupName: rg.name,
      location: rg.location,
      tags,
      policySettings: {
        enabled: true,
        mode: props.wafMode ?? 'Prevention',
        // Inspect request bodies too: OpenWebUI's API takes JSON bodies (chat, uploads metadata).
        requestBodyCheck: true,
        // A chat completion carries the whole conversation (images as base64) in one JSON body: the
        // 128 KiB default would reject long chats, so non-upload bodies may be as large as DRS allows.
        requestBodyEnforcement: true,
        maxRequestBodySizeInKb: maxBodyKiB,
        fileUploadEnforcement: true,
        fileUploadLimitInMb: uploadMiB,
      },
      managedRules: {
        managedRuleSet: [
          { type: 'Microsoft_DefaultRuleSet', version: props.defaultRuleSetVersion ?? '2.1' },
          { type: 'Microsoft_BotManagerRuleSet', version: props.botManagerRuleSetVersion ?? '1.1' },
        ],
      },
    });
    skipCheckov(
      this.wafPolicy,
      'CKV_AZURE_135',
      'the check only recognises OWASP CRS 3.1/3.2, which AGC does not support (DRS only); DRS 2.1 blocks Log4j (CVE-2021-44228, CVE-2021-45046) with rule 944240 of its JAVA group, and no rule is overridden',
    );
    // Without a security policy the controller may not reference the WAF policy from this AGC.
    this.securityPolicy = new ApplicationLoadBalancerSecurityPolicy(this, 'security-policy', {
      name: 'waf',
      applicationLoadBalancerId: this.loadBalancer.id,
      location: rg.location,
      webApplicationFirewallPolicyId: this.wafPolicy.id,
      tags,
    });

    const grant = (name: string, role: string, scopeId: string) =>
      new RoleAssignment(this, name, { scope: scopeId, roleDefinitionName: role, principalId: props.controllerPrincipalId, principalType: 'ServicePrincipal' });
    grant('controller-configures-agc', 'AppGw for Containers Configuration Manager', this.loadBalancer.id);
    grant('controller-joins-subnet', 'Network Contributor', props.subnetId);
    grant('controller-joins-waf-policy', 'Network Contributor', this.wafPolicy.id);

    if (props.logAnalyticsWorkspaceId) {
      // Access logs (client IP, host, status, latency, TLS) and the WAF's verdicts, next to the cluster's logs.
      new MonitorDiagnosticSetting(this, 'diagnostics', {
        name: 'to-log-analytics',
        targetResourceId: this.loadBalancer.id,
        logAnalyticsWorkspaceId: props.logAnalyticsWorkspaceId,
        enabledLog: [{ categoryGroup: 'allLogs' }],
        enabledMetric: [{ category: 'AllMetrics' }],
      });
    }
  }
}
