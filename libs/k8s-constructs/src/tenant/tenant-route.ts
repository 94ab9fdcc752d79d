import type { Environment, Tenant } from '@panal/tenant-config';
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
 * Gateway API HTTPRoute from the tenant's hostnames to its OpenWebUI, attached to the shared edge
 * Gateway (Application Gateway for Containers), which terminates TLS. The Gateway's listener admits
 * routes only from namespaces labelled as tenants.
 * @see https://learn.microsoft.com/azure/application-gateway/for-containers/overview
 */
export class TenantRoute extends Construct {
  constructor(scope: Construct, id: string, props: TenantRouteProps) {
    super(scope, id);
    const { tenant, environment } = props;
    const web = TenantWorkloads.openWebUI;
    new HttpRoute(this, 'Resource', {
      metadata: { name: web.name, namespace: tenant.namespace, labels: appLabels(web.name, 'route'), annotations: syncWave(SyncWave.routes) },
      spec: {
        parentRefs: [
          { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: environment.edge.gatewayName, namespace: environment.edge.gatewayNamespace, sectionName: environment.edge.gatewayListener },
        ],
        hostnames: [...tenant.hostnames],
        rules: [
          {
            matches: [{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: '/' } }],
            backendRefs: [{ kind: 'Service', name: web.name, port: web.servicePort, weight: 1 }],
          },
        ],
      },
    });
  }
}
