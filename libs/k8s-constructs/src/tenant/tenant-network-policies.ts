import type { Environment, Tenant } from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { dnsEgressRule, podsInNamespace, PRIVATE_RANGES, tcpPort as tcp } from '../common/network-policy';
import { syncWave, SyncWave } from '../common/sync-waves';
import { TenantWorkloads } from './tenant-workloads';

/** Props of {@link TenantNetworkPolicies}. */
export interface TenantNetworkPoliciesProps {
  /** The tenant whose namespace is fenced. */
  readonly tenant: Tenant;
  /** Where the tenant activator, the inference gateway, the collector and the Azure services are. */
  readonly environment: Environment;
}


/**
 * NetworkPolicies of a tenant namespace: deny everything in both directions, then allow only
 * what the tenant needs. There is no rule that admits another tenant's pods or reaches a model
 * pool: OpenWebUI reaches models only through the inference gateway.
 *
 * Enforced by Azure CNI powered by Cilium. Under Cilium an `ipBlock` never matches pod IPs, so
 * in-cluster peers are always selected by label, and `ipBlock` is used only for Azure subnets.
 * @see https://learn.microsoft.com/azure/aks/azure-cni-powered-by-cilium
 */
export class TenantNetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: TenantNetworkPoliciesProps) {
    super(scope, id);
    const { tenant, environment: env } = props;
    const ns = tenant.namespace;
    const web = TenantWorkloads.openWebUI;
    const redis = TenantWorkloads.redis;
    const policy = (name: string, spec: k8s.NetworkPolicySpec) =>
      new k8s.KubeNetworkPolicy(this, name, {
        metadata: { name, namespace: ns, annotations: syncWave(SyncWave.guardRails) },
        spec,
      });
    const inNamespace = podsInNamespace;

    policy('default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

    policy('allow-dns-egress', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [dnsEgressRule()],
    });

    // Edge traffic reaches OpenWebUI only through the tenant activator, which wakes a dormant
    // tenant first (docs/adr/0022-inquilinos-dormidos-y-activador.md).
    policy('open-webui-ingress-from-activator', {
      podSelector: { matchLabels: web.serverLabels },
      policyTypes: ['Ingress'],
      ingress: [{ from: [inNamespace(env.tenantActivator.namespace, env.tenantActivator.podLabels)], ports: [tcp(web.port)] }],
    });

    policy('open-webui-egress', {
      podSelector: { matchLabels: web.anyLabels },
      policyTypes: ['Egress'],
      egress: [
        { to: [inNamespace(env.inferenceGateway.namespace, env.inferenceGateway.podLabels)], ports: [tcp(env.inferenceGateway.port)] },
        { to: [{ podSelector: { matchLabels: redis.labels } }], ports: [tcp(redis.port)] },
        { to: [inNamespace(env.otelCollector.namespace, env.otelCollector.podLabels)], ports: [tcp(env.otelCollector.port)] },
        // PostgreSQL through the built-in PgBouncer (6432) and directly (5432) for migrations.
        { to: [{ ipBlock: { cidr: env.network.postgresSubnetCidr } }], ports: [tcp(env.azure.postgresPort), tcp(5432)] },
        // Blob uploads through the private endpoint.
        { to: [{ ipBlock: { cidr: env.network.privateEndpointsSubnetCidr } }], ports: [tcp(443)] },
        // Entra ID (OIDC login and workload identity token exchange) has no private endpoint;
        // FQDN filtering is the Azure Firewall's job, this rule keeps the VNet out of reach.
        { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [...PRIVATE_RANGES] } }], ports: [tcp(443)] },
      ],
    });

    policy('redis-ingress-from-open-webui', {
      podSelector: { matchLabels: redis.labels },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: web.serverLabels } }], ports: [tcp(redis.port)] }],
    });
  }
}
