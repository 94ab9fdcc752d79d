import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { appLabels } from '../common/labels';
import { crdFromAnotherApplication, syncWave, SyncWave } from '../common/sync-waves';

/**
 * API version and kind of the ALB controller's WAF attachment. Its CRD ships only inside the ALB
 * controller chart on mcr.microsoft.com, so there are no typed bindings and no schema here:
 * tools/kubeconform/versions.env lists it in UNVALIDATED_KINDS (kubeconform and the simulated AKS
 * leave it out, each saying so).
 * @see https://learn.microsoft.com/azure/application-gateway/for-containers/web-application-firewall
 */
export const WAF_POLICY_KIND = { apiVersion: 'alb.networking.azure.io/v1', kind: 'WebApplicationFirewallPolicy' } as const;

/** Props of {@link EdgeWafPolicy}. */
export interface EdgeWafPolicyProps {
  /** Gateway the policy applies to (every listener). */
  readonly gatewayName: string;
  /** Namespace of the Gateway (the policy lives next to it). */
  readonly gatewayNamespace: string;
  /** Resource id of the Azure WAF policy, which the AGC security policy already scopes to this AGC. */
  readonly webApplicationFirewallPolicyId: string;
}

/**
 * Applies the platform's Azure WAF policy (Default Rule Set and Bot Manager, created by the aks
 * stack) to every listener of the edge Gateway, so each tenant hostname is filtered before it
 * reaches OpenWebUI.
 */
export class EdgeWafPolicy extends Construct {
  constructor(scope: Construct, id: string, props: EdgeWafPolicyProps) {
    super(scope, id);
    new ApiObject(this, 'Resource', {
      ...WAF_POLICY_KIND,
      metadata: { name: `${props.gatewayName}-waf`, namespace: props.gatewayNamespace, labels: appLabels('edge', 'waf'), annotations: { ...syncWave(SyncWave.routes), ...crdFromAnotherApplication() } },
      spec: {
        targetRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: props.gatewayName, namespace: props.gatewayNamespace },
        webApplicationFirewall: { id: props.webApplicationFirewallPolicyId },
      },
    });
  }
}
