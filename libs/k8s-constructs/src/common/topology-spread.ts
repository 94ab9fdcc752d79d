import { HOSTNAME_LABEL, ZONE_LABEL } from '@panal/platform-model';
import type { k8s } from 'cdk8s-plus-34';

/**
 * Spread of one workload's pods: hard across zones (losing a zone leaves replicas in the other two),
 * soft across nodes. `matchLabelKeys: [pod-template-hash]` counts only the current ReplicaSet, so a
 * rollout is not blocked by the old pods.
 *
 * `nodeTaintsPolicy: Honor` leaves out of the zone count the nodes a pod cannot run on because of a
 * taint it does not tolerate. Without it, the nodes of a lost zone (tainted `unreachable`) still count
 * as a zone with zero replicas, and maxSkew 1 keeps the replacements Pending in the two healthy zones:
 * measured on the simulated AKS (tools/sim-aks, zone-loss scenario) before this setting.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
 */
export function zoneSpread(podLabels: Record<string, string>): k8s.TopologySpreadConstraint[] {
  return [
    { maxSkew: 1, topologyKey: ZONE_LABEL, whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor', labelSelector: { matchLabels: podLabels }, matchLabelKeys: ['pod-template-hash'] },
    { maxSkew: 1, topologyKey: HOSTNAME_LABEL, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: podLabels }, matchLabelKeys: ['pod-template-hash'] },
  ];
}
