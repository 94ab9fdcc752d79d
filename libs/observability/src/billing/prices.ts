/**
 * Where the prices come from. They are the list prices of docs/costes-infraestructura.md (Azure
 * pricing pages and the Azure Retail Prices API, Sweden Central, pay-as-you-go, Linux), written on
 * the date below; spot prices move by the hour, so the spot figure is the middle of the range observed.
 * Re-check them with the query in that document before billing from them.
 */
export const PRICE_SOURCE = {
  document: 'docs/costes-infraestructura.md',
  retrievedOn: '2026-11-26',
  region: 'swedencentral',
  currency: 'USD',
  basis: 'list price, pay-as-you-go, Linux',
} as const;

/** Unit prices the report needs. */
export interface UnitPrices {
  /** One `cpu` pool node (Standard_D16ds_v5), USD per hour. */
  readonly cpuNodeUsdPerHour: number;
  /** vCPUs of that node. */
  readonly cpuNodeVcpus: number;
  /** Memory of that node, GiB. */
  readonly cpuNodeMemoryGiB: number;
  /** One `gpuspot` node (Standard_NC40ads_H100_v5, spot), USD per hour: middle of the observed 1.5–2.5. */
  readonly gpuSpotUsdPerHour: number;
  /** One `gpuondemand` node (Standard_NC40ads_H100_v5), USD per hour. */
  readonly gpuOnDemandUsdPerHour: number;
  /** A tenant's own fixed cost: its Key Vault and Blob private endpoint, USD per hour. */
  readonly tenantPrivateEndpointUsdPerHour: number;
}

/** Prices from the cost table ({@link PRICE_SOURCE}). */
export const DEFAULT_PRICES: UnitPrices = {
  cpuNodeUsdPerHour: 0.9,
  cpuNodeVcpus: 16,
  cpuNodeMemoryGiB: 64,
  gpuSpotUsdPerHour: 2.0,
  gpuOnDemandUsdPerHour: 7.0,
  tenantPrivateEndpointUsdPerHour: 0.01,
};
