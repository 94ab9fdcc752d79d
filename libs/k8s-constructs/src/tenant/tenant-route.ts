import { customHostnameListener, edgeHostnameKind, type Environment, type Tenant } from '@panal/tenant-config';
import { Construct } from 'constructs';
import { appLabels } from '../common/labels';
import { syncWave, SyncWave } from '../common/sync-waves';
import { HttpRoute, HttpRouteSpecRulesMatchesPathType } from '../imports/gateway.networking.k8s.io';
import { TenantWorkloads } from './tenant-workloads';

/** Props of {@link TenantRoute}. */
export interface TenantRouteProps {
  /** The tenant whose hostnames are routed. */
  readonly tenant: Tenant;
  /** Supplies the edge Gateway and its listener. */
  readonly environment: Environment;
}

/**
 * Gateway API HTTPRoute from the tenant's hostnames to the tenant activator (which proxies to its
 * OpenWebUI, waking it first if it sleeps: docs/adr/0022), attached to the shared edge
 * Gateway (Application Gateway for Containers), which terminates TLS: hostnames under the tenant
 * domain through the wildcard `https` listener, each custom domain through its own listener (which
 * admits only this tenant's namespace). The route lists every hostname; each listener serves the
 * ones that match it.
 * @see https://learn.microsoft.com/azure/application-gateway/for-containers/overview
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#httproutespec (hostnames intersect listener hostnames)
 */
export class TenantRoute extends Construct {
  constructor(scope: Construct, id: string, props: TenantRouteProps) {
    super(scope, id);
    const { tenant, environment } = props;
    const web = TenantWorkloads.openWebUI;
    new HttpRoute(this, 'Resource', {
      metadata: { name: web.name, namespace: tenant.namespace, labels: appLabels(web.name, 'route'), annotations: syncWave(SyncWave.routes) },
      spec: {
        parentRefs: edgeListeners(tenant, environment.edge).map((sectionName) => ({
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: environment.edge.gatewayName,
          namespace: environment.edge.gatewayNamespace,
          sectionName,
        })),
        hostnames: [...tenant.hostnames],
        rules: [
          {
            matches: [{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: '/' } }],
            // The shared tenant activator, which proxies to this tenant's OpenWebUI by Host and wakes
            // it when it sleeps at zero replicas; its ReferenceGrant admits this namespace.
            backendRefs: [{ kind: 'Service', namespace: environment.tenantActivator.namespace, name: environment.tenantActivator.service, port: environment.tenantActivator.port, weight: 1 }],
          },
        ],
      },
    });
  }
}

/** The edge listeners a tenant's hostnames attach to: the wildcard listener if any is under the tenant domain, then one per custom domain. */
export function edgeListeners(tenant: Pick<Tenant, 'id' | 'hostnames'>, edge: Pick<Environment['edge'], 'gatewayListener' | 'tenantDomain'>): string[] {
  const custom = tenant.hostnames.filter((h) => edgeHostnameKind(h, edge.tenantDomain) === 'custom').map((h) => customHostnameListener(tenant.id, h));
  const platform = tenant.hostnames.some((h) => edgeHostnameKind(h, edge.tenantDomain) === 'platform') ? [edge.gatewayListener] : [];
  return [...platform, ...custom];
}
