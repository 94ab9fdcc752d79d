import { k8s } from 'cdk8s-plus-34';
import type { Construct } from 'constructs';
import { NAMESPACE_NAME_LABEL, PANAL_LABELS } from './labels';
import { syncWave, SyncWave } from './sync-waves';

/** A TCP port of a NetworkPolicy rule. */
export function tcpPort(port: number): k8s.NetworkPolicyPort {
  return { protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) };
}

/** Pods with these labels in the namespace with this name (by the label Kubernetes sets on every namespace). */
export function podsInNamespace(namespace: string, podLabels: Record<string, string>): k8s.NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } }, podSelector: { matchLabels: podLabels } };
}

/** Egress rule to cluster DNS (CoreDNS pods `k8s-app: kube-dns` in kube-system) on UDP and TCP 53. */
export function dnsEgressRule(): k8s.NetworkPolicyEgressRule {
  return {
    to: [podsInNamespace('kube-system', { 'k8s-app': 'kube-dns' })],
    ports: [
      { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
      { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
    ],
  };
}

/** RFC 1918 ranges: internet egress rules exclude them so "internet" never means "the VNet". */
export const PRIVATE_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/**
 * The Prometheus scraper of Azure Monitor managed Prometheus: the `ama-metrics` ReplicaSet in
 * kube-system, which scrapes PodMonitor and ServiceMonitor targets.
 * @see https://learn.microsoft.com/azure/azure-monitor/containers/prometheus-metrics-troubleshoot
 */
export function azureMonitorScraper(): k8s.NetworkPolicyPeer {
  return podsInNamespace('kube-system', { rsName: 'ama-metrics' });
}

/** Pods with these labels in every tenant namespace (selected by the namespace role label, which tenants cannot edit). */
export function inTenantNamespaces(podLabels: Record<string, string>): k8s.NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { [PANAL_LABELS.role]: 'tenant' } }, podSelector: { matchLabels: podLabels } };
}

/** A NetworkPolicy named `name` in `namespace`, applied in the guard-rails sync wave (before workloads). */
export function guardRailPolicy(scope: Construct, namespace: string, name: string, spec: k8s.NetworkPolicySpec): k8s.KubeNetworkPolicy {
  return new k8s.KubeNetworkPolicy(scope, name, { metadata: { name, namespace, annotations: syncWave(SyncWave.guardRails) }, spec });
}
