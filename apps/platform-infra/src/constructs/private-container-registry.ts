import { ContainerRegistry } from '../imports/azurerm/container-registry/index.js';
import type { ResourceGroup } from '../imports/azurerm/resource-group/index.js';
import { RoleAssignment } from '../imports/azurerm/role-assignment/index.js';
import { Construct } from 'constructs';
import { skipCheckov } from './checkov-skip';
import { PrivateEndpointFor } from './private-endpoint-for';

/** Props of {@link PrivateContainerRegistry}. */
export interface PrivateContainerRegistryProps {
  /** Resource group and region. */
  readonly resourceGroup: ResourceGroup;
  /** Registry name (5-50 letters and digits, globally unique): images are `<name>.azurecr.io/...`. */
  readonly name: string;
  /** Private endpoints subnet. */
  readonly privateEndpointSubnetId: string;
  /** The `privatelink.azurecr.io` zone linked to the VNet. */
  readonly privateDnsZoneId: string;
  /** Principals that pull images (AcrPull at registry scope), by a stable key: the AKS kubelet identity. */
  readonly pullers: Readonly<Record<string, string>>;
  /**
   * Days an untagged manifest is kept before ACR deletes it (an image re-pushed under the same tag
   * leaves its old manifest untagged).
   * @default 7
   */
  readonly untaggedRetentionDays?: number;
}

/**
 * The platform's Azure Container Registry: every image in the manifests is `<name>.azurecr.io/...`,
 * so nodes never pull from a public registry (the egress firewall admits none). Premium, the only
 * tier with private endpoints and zone redundancy; public network access off, reached through a
 * private endpoint (login server and the regional data endpoint, both under `privatelink.azurecr.io`);
 * no admin user, no anonymous pull, no export; AcrPull only for the given pullers.
 * Upstream images are brought in with `az acr import` (docs/diseno/6-operacion.md).
 * @see https://learn.microsoft.com/azure/container-registry/container-registry-private-link
 * @see https://learn.microsoft.com/azure/aks/cluster-container-registry-integration
 */
export class PrivateContainerRegistry extends Construct {
  /** The registry. */
  public readonly registry: ContainerRegistry;

  constructor(scope: Construct, id: string, props: PrivateContainerRegistryProps) {
    super(scope, id);
    if (!/^[a-zA-Z0-9]{5,50}$/.test(props.name)) throw new Error(`name must be 5-50 letters and digits (an ACR name), but "${props.name}" was provided`);
    if (Object.keys(props.pullers).length === 0) throw new Error('pullers must name at least the AKS kubelet identity, but none was provided');
    const rg = props.resourceGroup;
    this.registry = new ContainerRegistry(this, 'registry', {
      name: props.name,
      resourceGroupName: rg.name,
      location: rg.location,
      sku: 'Premium',
      adminEnabled: false,
      anonymousPullEnabled: false,
      publicNetworkAccessEnabled: false,
      exportPolicyEnabled: false,
      dataEndpointEnabled: true,
      zoneRedundancyEnabled: true,
      retentionPolicyInDays: props.untaggedRetentionDays ?? 7,
    });
    skipCheckov(this.registry, 'CKV_AZURE_164', 'Docker Content Trust is being retired in ACR in favour of Notary Project signatures; image signing and verification are pending (docs/diseno/5-seguridad.md, cadena de suministro)');
    skipCheckov(this.registry, 'CKV_AZURE_165', 'the platform runs in one region; a region loss is a rebuild (docs/runbooks/perdida-de-region.md) that imports the images again, so a geo-replica would be a second Premium registry idle until then');
    skipCheckov(this.registry, 'CKV_AZURE_166', 'quarantine needs a scanner that releases each image (Microsoft Defender for Containers), which the platform does not deploy yet; image scanning is pending (docs/diseno/5-seguridad.md)');
    new PrivateEndpointFor(this, 'private-endpoint', {
      resourceGroupName: rg.name,
      location: rg.location,
      name: `pe-${props.name}-registry`,
      resourceId: this.registry.id,
      subresource: 'registry',
      subnetId: props.privateEndpointSubnetId,
      privateDnsZoneId: props.privateDnsZoneId,
    });
    for (const [key, principalId] of Object.entries(props.pullers)) {
      new RoleAssignment(this, `acr-pull-${key}`, { scope: this.registry.id, roleDefinitionName: 'AcrPull', principalId, principalType: 'ServicePrincipal' });
    }
  }
}
