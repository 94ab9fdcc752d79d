import { PrivateEndpoint } from '../imports/azurerm/private-endpoint/index.js';
import { Construct } from 'constructs';

/** Props of {@link PrivateEndpointFor}. */
export interface PrivateEndpointForProps {
  /** Resource group and region of the endpoint. */
  readonly resourceGroupName: string;
  /** Region. */
  readonly location: string;
  /** Endpoint name, `pe-<resource>-<subresource>`. */
  readonly name: string;
  /** Resource the endpoint connects to. */
  readonly resourceId: string;
  /** Sub-resource (`vault`, `blob`, `file`, `registry`). */
  readonly subresource: 'vault' | 'blob' | 'file' | 'registry';
  /** Private endpoints subnet. */
  readonly subnetId: string;
  /** Private DNS zone that resolves the resource's name to the endpoint. */
  readonly privateDnsZoneId: string;
}

/**
 * A private endpoint with its DNS zone group, so the resource's public name resolves to a private IP
 * inside the VNet and its public network access can stay disabled.
 * @see https://learn.microsoft.com/azure/private-link/private-endpoint-dns
 */
export class PrivateEndpointFor extends Construct {
  /** The endpoint. */
  public readonly endpoint: PrivateEndpoint;

  constructor(scope: Construct, id: string, props: PrivateEndpointForProps) {
    super(scope, id);
    this.endpoint = new PrivateEndpoint(this, 'endpoint', {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      subnetId: props.subnetId,
      privateServiceConnection: { name: props.name, isManualConnection: false, privateConnectionResourceId: props.resourceId, subresourceNames: [props.subresource] },
      privateDnsZoneGroup: { name: 'default', privateDnsZoneIds: [props.privateDnsZoneId] },
    });
  }
}
