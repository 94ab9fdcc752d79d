/** Scheduling vocabulary of AKS pools, from the single shared definition in `@panal/platform-model`. */
export {
  AKS_AGENTPOOL_LABEL,
  AKS_SCALESET_PRIORITY_LABEL,
  CPU_POOL_SELECTOR,
  GPU_TAINT,
  HOSTNAME_LABEL,
  NodePool,
  SPOT_TAINT,
  ZONE_LABEL,
} from '@panal/platform-model';
