import { customHostnameListener, edgeHostnameKind, MAX_CUSTOM_HOSTNAMES, type Environment, type Tenant } from '@panal/tenant-config';
import { Construct } from 'constructs';
import { appLabels, NAMESPACE_NAME_LABEL, PANAL_LABELS } from '../common/labels';
import { syncWave, SyncWave } from '../common/sync-waves';
import {
  Gateway,
  GatewaySpecListenersAllowedRoutesNamespacesFrom,
  GatewaySpecListenersTlsMode,
  HttpRoute,
  HttpRouteSpecRulesFiltersRequestRedirectScheme,
  HttpRouteSpecRulesFiltersRequestRedirectStatusCode,
  HttpRouteSpecRulesFiltersType,
  type GatewaySpecListeners,
} from '../imports/gateway.networking.k8s.io';

/**
 * GatewayClass the ALB controller registers for Application Gateway for Containers.
 * @see https://learn.microsoft.com/azure/application-gateway/for-containers/quickstart-create-application-gateway-for-containers-byo-deployment
 */
export const AGC_GATEWAY_CLASS = 'azure-alb-external';

/** Name of the plain-HTTP listener: it only redirects to HTTPS. */
export const EDGE_HTTP_LISTENER = 'http';

/** One HTTPS listener of the edge and the certificate (a `kubernetes.io/tls` Secret in the Gateway's namespace) it serves. */
export interface EdgeTlsListener {
  /** Listener name (the `sectionName` routes attach to). */
  readonly name: string;
  /** Hostname the listener matches: `*.<tenantDomain>` or one custom domain. */
  readonly hostname: string;
  /** Secret holding the certificate, written by cert-manager. */
  readonly secretName: string;
  /** `wildcard`: the tenant domain; `custom`: one tenant's own domain. */
  readonly kind: 'wildcard' | 'custom';
  /** Namespace allowed to attach routes, for custom domains: only the owning tenant's. */
  readonly tenantNamespace?: string;
}

/**
 * The HTTPS listeners the edge needs for these tenants: the wildcard listener of the tenant domain,
 * then one listener per custom domain, sorted by name so output never depends on folder order.
 * @throws Error when the custom domains do not fit one Gateway (loadTenants reports it per file first)
 */
export function edgeTlsListeners(edge: Pick<Environment['edge'], 'gatewayListener' | 'tenantDomain'>, tenants: readonly Pick<Tenant, 'id' | 'hostnames' | 'namespace'>[]): EdgeTlsListener[] {
  const wildcard: EdgeTlsListener = { name: edge.gatewayListener, hostname: `*.${edge.tenantDomain}`, secretName: 'tenant-domain-wildcard-tls', kind: 'wildcard' };
  const custom = tenants
    .flatMap((t) =>
      t.hostnames
        .filter((h) => edgeHostnameKind(h, edge.tenantDomain) === 'custom')
        .map((h): EdgeTlsListener => {
          const name = customHostnameListener(t.id, h);
          return { name, hostname: h, secretName: `${name}-tls`, kind: 'custom', tenantNamespace: t.namespace };
        }),
    )
    .sort((a, b) => a.name.localeCompare(b.name));
  if (custom.length > MAX_CUSTOM_HOSTNAMES) throw new Error(`the edge Gateway holds at most ${MAX_CUSTOM_HOSTNAMES} custom domains, but ${custom.length} were provided`);
  return [wildcard, ...custom];
}

/** Props of {@link EdgeGateway}. */
export interface EdgeGatewayProps {
  /** Gateway name, namespace, tenant domain and the Application Gateway for Containers it binds to. */
  readonly edge: Environment['edge'];
  /** HTTPS listeners, from {@link edgeTlsListeners}. */
  readonly tlsListeners: readonly EdgeTlsListener[];
}

/**
 * The edge `Gateway` every tenant HTTPRoute attaches to, bound to the platform's Application
 * Gateway for Containers in bring-your-own mode (the ALB controller configures that resource; it
 * does not create one), and the HTTP-to-HTTPS redirect of its port-80 listener.
 *
 * - Port 443: the wildcard listener admits routes from every tenant namespace (by the role label
 *   tenants cannot edit; hostnames are unique across tenants, checked by loadTenants), each custom
 *   domain's listener only from its tenant's namespace, so no tenant can serve another's domain.
 * - Port 80: a 301 to HTTPS for every hostname (the redirect route is the only one, from this namespace).
 * @see https://learn.microsoft.com/azure/application-gateway/for-containers/how-to-ssl-offloading-gateway-api
 * @see https://gateway-api.sigs.k8s.io/guides/http-redirect-rewrite/
 */
export class EdgeGateway extends Construct {
  constructor(scope: Construct, id: string, props: EdgeGatewayProps) {
    super(scope, id);
    const { edge, tlsListeners } = props;
    const httpListener: GatewaySpecListeners = {
      name: EDGE_HTTP_LISTENER,
      port: 80,
      protocol: 'HTTP',
      allowedRoutes: { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } },
    };
    const httpsListener = (l: EdgeTlsListener): GatewaySpecListeners => ({
      name: l.name,
      hostname: l.hostname,
      port: 443,
      protocol: 'HTTPS',
      tls: { mode: GatewaySpecListenersTlsMode.TERMINATE, certificateRefs: [{ group: '', kind: 'Secret', name: l.secretName }] },
      allowedRoutes: {
        kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
        namespaces: {
          from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SELECTOR,
          selector: { matchLabels: l.tenantNamespace ? { [NAMESPACE_NAME_LABEL]: l.tenantNamespace } : { [PANAL_LABELS.role]: 'tenant' } },
        },
      },
    });
    new Gateway(this, 'Resource', {
      metadata: {
        name: edge.gatewayName,
        namespace: edge.gatewayNamespace,
        labels: appLabels('edge', 'gateway'),
        annotations: { ...syncWave(SyncWave.workloads), 'alb.networking.azure.io/alb-id': edge.applicationGatewayId },
      },
      spec: {
        gatewayClassName: AGC_GATEWAY_CLASS,
        addresses: [{ type: 'alb.networking.azure.io/alb-frontend', value: edge.frontendName }],
        listeners: [httpListener, ...tlsListeners.map(httpsListener)],
      },
    });
    new HttpRoute(this, 'HttpsRedirect', {
      metadata: { name: 'https-redirect', namespace: edge.gatewayNamespace, labels: appLabels('edge', 'route'), annotations: syncWave(SyncWave.routes) },
      spec: {
        parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: edge.gatewayName, namespace: edge.gatewayNamespace, sectionName: EDGE_HTTP_LISTENER }],
        rules: [
          {
            filters: [
              {
                type: HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
                requestRedirect: { scheme: HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS, statusCode: HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301 },
              },
            ],
          },
        ],
      },
    });
  }
}
