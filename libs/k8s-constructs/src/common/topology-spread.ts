import { HOSTNAME_LABEL, ZONE_LABEL } from '@panal/platform-model';
import type { k8s } from 'cdk8s-plus-34';

/**
 * Spread of one workload's pods: hard across zones (losing a zone leaves replicas in the other two),
 * soft across nodes. `matchLabelKeys: [pod-template-hash]` counts only the current ReplicaSet, so a
 * rollout is not blocked by the old pods.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
 */
export function zoneSpread(podLabels: Record<string, string>): k8s.TopologySpreadConstraint[] {
  return [
    { maxSkew: 1, topologyKey: ZONE_LABEL, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: podLabels }, matchLabelKeys: ['pod-template-hash'] },
    { maxSkew: 1, topologyKey: HOSTNAME_LABEL, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: podLabels }, matchLabelKeys: ['pod-template-hash'] },
  ];
}
