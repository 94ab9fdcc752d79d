import { platformRegistry, type ChartImages, type Environment } from '@panal/tenant-config';
import { Construct } from 'constructs';
import { HelmChartApplication, type HelmChartSource } from '../argocd/helm-chart-application';
import { POD_SECURITY_VERSION } from '../common/pod-security';

/**
 * cert-manager's chart. Same release as `CERT_MANAGER_VERSION` in tools/kubeconform/versions.env,
 * whose CRDs validate our Certificates and ClusterIssuer (edge-controllers.test.ts keeps them equal).
 * @see https://cert-manager.io/docs/installation/helm/
 */
export const CERT_MANAGER_CHART: HelmChartSource = { repoUrl: 'https://charts.jetstack.io', chart: 'cert-manager', version: 'v1.21.2' };

/** cert-manager's chart components and the image (`jetstack/<name>`) each runs. */
const CERT_MANAGER_COMPONENTS = { image: 'cert-manager-controller', webhook: 'cert-manager-webhook', cainjector: 'cert-manager-cainjector', acmesolver: 'cert-manager-acmesolver', startupapicheck: 'cert-manager-startupapicheck' } as const;

/** The images cert-manager's chart runs, mirrored into the platform ACR like the environment's (tools/images). */
export const CERT_MANAGER_IMAGES: ChartImages = {
  usedBy: 'cert-manager chart',
  upstreamHost: 'quay.io',
  repositories: Object.values(CERT_MANAGER_COMPONENTS).map((name) => `jetstack/${name}`),
  tag: CERT_MANAGER_CHART.version,
};

/**
 * The ALB controller of Application Gateway for Containers, published only as an OCI chart in MCR.
 * @see https://learn.microsoft.com/azure/application-gateway/for-containers/quickstart-deploy-application-gateway-for-containers-alb-controller
 */
export const ALB_CONTROLLER_CHART: HelmChartSource = { repoUrl: 'oci://mcr.microsoft.com/application-lb/charts/alb-controller', version: '1.7.9' };

/**
 * The Azure-provided DNS resolver every VNet host reaches without going through the firewall.
 * @see https://learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16
 */
export const AZURE_VNET_RESOLVER = '168.63.129.16:53';

/** Namespace of cert-manager (its ServiceAccount `cert-manager` is federated with the certManager identity). */
export const CERT_MANAGER_NAMESPACE = 'cert-manager';

/** Namespace of the ALB controller (its chart's ServiceAccount `alb-controller-sa` is federated with the albController identity). */
export const ALB_CONTROLLER_NAMESPACE = 'azure-alb-system';

/** Props of {@link EdgeControllers}. */
export interface EdgeControllersProps {
  /** Namespace Argo CD runs in. */
  readonly argocdNamespace: string;
  /** AppProject of the Applications (it must allow both chart repositories). */
  readonly project: string;
  /** The platform registry: every image comes from it, cert-manager's included. */
  readonly images: Environment['images'];
  /** Client ids of the workload identities; a controller without one is not installed. */
  readonly clientIds: { readonly albController?: string; readonly certManager?: string };
  /**
   * Digests of the mirrored images (`image-digests.yaml`): cert-manager's are pinned with them.
   * @default none: cert-manager's images by tag
   */
  readonly imageDigests?: Readonly<Record<string, string>>;
}

/**
 * The two controllers the edge needs, as Argo CD Applications of their vendors' pinned charts:
 * cert-manager (certificates, by DNS-01) and the ALB controller (turns the
 * Gateway and HTTPRoutes into Application Gateway for Containers configuration). Both run with
 * workload identity; neither chart can be rendered offline here, so only their values are tested
 * (docs/adr/0021-borde-agc-y-certificados.md).
 */
export class EdgeControllers extends Construct {
  /** Chart repositories the AppProject must allow. */
  public readonly chartRepositories: string[] = [];

  constructor(scope: Construct, id: string, props: EdgeControllersProps) {
    super(scope, id);
    const { certManager, albController } = props.clientIds;
    const registry = platformRegistry(props.images);
    if (certManager) {
      new HelmChartApplication(this, 'CertManager', {
        name: 'cert-manager',
        argocdNamespace: props.argocdNamespace,
        project: props.project,
        source: CERT_MANAGER_CHART,
        namespace: CERT_MANAGER_NAMESPACE,
        // The chart cannot be rendered here to check its pods against restricted: baseline is
        // enforced, restricted audited and warned (a violation shows up as a warning, not an outage).
        podSecurity: 'baseline',
        podSecurityVersion: POD_SECURITY_VERSION,
        values: {
          crds: { enabled: true, keep: true },
          // Images through the platform ACR (nodes have no route to quay.io), same repository layout.
          imageRegistry: registry,
          ...certManagerDigests(registry, props.imageDigests ?? {}),
          // The DNS-01 self-check asks the zone's authoritative servers on port 53 unless told otherwise;
          // the egress firewall admits no DNS, so it asks the Azure-provided resolver of the VNet instead.
          // @see https://cert-manager.io/docs/configuration/acme/dns01/#setting-nameservers-for-dns01-self-check
          dns01RecursiveNameservers: AZURE_VNET_RESOLVER,
          dns01RecursiveNameserversOnly: true,
          podLabels: { 'azure.workload.identity/use': 'true' },
          serviceAccount: { annotations: { 'azure.workload.identity/client-id': certManager } },
        },
      });
      this.chartRepositories.push(CERT_MANAGER_CHART.repoUrl);
    }
    if (albController) {
      new HelmChartApplication(this, 'AlbController', {
        name: 'alb-controller',
        argocdNamespace: props.argocdNamespace,
        project: props.project,
        source: ALB_CONTROLLER_CHART,
        namespace: ALB_CONTROLLER_NAMESPACE,
        // Not rendered here either (the chart is on MCR): baseline enforced, restricted audited and warned.
        podSecurity: 'baseline',
        podSecurityVersion: POD_SECURITY_VERSION,
        values: { albController: { namespace: ALB_CONTROLLER_NAMESPACE, podIdentity: { clientID: albController } } },
      });
      this.chartRepositories.push(ALB_CONTROLLER_CHART.repoUrl);
    }
  }
}

/** Chart values that pin each cert-manager component to the digest the mirror recorded (components without one keep the tag). */
function certManagerDigests(registry: string, digests: Readonly<Record<string, string>>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [component, name] of Object.entries(CERT_MANAGER_COMPONENTS)) {
    const digest = digests[`${registry}/jetstack/${name}:${CERT_MANAGER_CHART.version}`];
    if (!digest) continue;
    values[component] = component === 'image' ? { digest } : { image: { digest } };
  }
  return values;
}
