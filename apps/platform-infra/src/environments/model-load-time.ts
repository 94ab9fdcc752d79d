/**
 * Load-time arithmetic of the hot model copy (ADR 0010): Azure Files Premium (provisioned v1)
 * gives a share a baseline throughput that grows with its provisioned size, so the share is sized
 * for the time it takes a new GPU node to read the largest model.
 * @see https://learn.microsoft.com/azure/storage/files/understanding-billing#provisioned-v1-model
 */

/** Throughput of a Premium (provisioned v1) file share: `100 + ceil(0.04·GiB) + ceil(0.06·GiB)` MiB/s. */
export function premiumFilesThroughputMiBps(shareGiB: number): number {
  return 100 + Math.ceil(0.04 * shareGiB) + Math.ceil(0.06 * shareGiB);
}

/** Minutes to read `modelGiB` from a share of `shareGiB` at its baseline throughput. */
export function modelLoadMinutes(modelGiB: number, shareGiB: number): number {
  return (modelGiB * 1024) / premiumFilesThroughputMiBps(shareGiB) / 60;
}
