import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import type { AutoscalerProfile } from './aks-model.ts';

/** Production timings from `data/timings.yaml`, in seconds. */
export interface Timings {
  readonly nodeBoot: { readonly cpu: number; readonly gpu: number };
  readonly podStart: { readonly default: number; readonly standardModel: number; readonly premiumModel: number };
  readonly spot: { readonly evictionNotice: number };
  readonly demand: { readonly metricVisibilityLag: number };
  readonly budgets: { readonly stockOutFallbackBeyondProvisionTime: number };
}

export const DATA_DIR = join(import.meta.dirname, '..', 'data');

export function readTimings(path = join(DATA_DIR, 'timings.yaml')): Timings {
  return loadYaml(readFileSync(path, 'utf8')) as Timings;
}

/**
 * How fast simulated time runs. Every production duration (node boot, model load, autoscaler
 * windows, the KEDA idle window, node-lifecycle grace periods) is multiplied by `timeScale`;
 * `minimumSeconds` keeps control loops from spinning faster than two cores can follow.
 */
export interface SimProfile {
  /** Profile name, printed in reports. */
  readonly name: 'test' | 'realtime';
  /** Simulated seconds per production second. */
  readonly timeScale: number;
  /** Floor for any compressed control-loop period, in seconds. */
  readonly minimumSeconds: number;
}

/** Scenarios in `make test`: 1 production minute runs in 3 s. */
export const TEST_PROFILE: SimProfile = { name: 'test', timeScale: 1 / 20, minimumSeconds: 1 };
/** Production timings unchanged (for demos and for checking the compression is not hiding anything). */
export const REALTIME_PROFILE: SimProfile = { name: 'realtime', timeScale: 1, minimumSeconds: 1 };

export function profileByName(name: string): SimProfile {
  if (name === 'test') return TEST_PROFILE;
  if (name === 'realtime') return REALTIME_PROFILE;
  throw new Error(`--profile: expected "test" or "realtime", but "${name}" was provided`);
}

/** Compresses a production duration (seconds) into simulated seconds. */
export function scaled(profile: SimProfile, productionSeconds: number): number {
  return Math.max(profile.minimumSeconds, productionSeconds * profile.timeScale);
}

/** Kubernetes duration flag value, millisecond precision. */
export const flagDuration = (seconds: number) => `${Math.round(seconds * 1000)}ms`;

/** Production values of the Kubernetes node lifecycle (upstream defaults AKS keeps). */
export const NODE_LIFECYCLE = {
  /** kube-controller-manager --node-monitor-grace-period default since 1.32. */
  nodeMonitorGracePeriod: 50,
  /** kube-controller-manager --node-monitor-period default. */
  nodeMonitorPeriod: 5,
  /** kube-apiserver --default-unreachable/not-ready-toleration-seconds default. */
  notReadyTolerationSeconds: 300,
  /** kubelet node lease duration default. */
  nodeLeaseDuration: 40,
  /** kube-controller-manager --horizontal-pod-autoscaler-sync-period default. */
  hpaSyncPeriod: 15,
  /** kube-controller-manager --node-eviction-rate default (nodes per second in a healthy or fully disrupted zone). */
  nodeEvictionRate: 0.1,
} as const;

/** cluster-autoscaler duration defaults (seconds) the AKS profile leaves unchanged (FAQ.md of cluster-autoscaler 1.36). */
export const AUTOSCALER_DEFAULTS = {
  'initial-node-group-backoff-duration': 300,
  'max-node-group-backoff-duration': 1800,
  'node-group-backoff-reset-timeout': 10800,
  'max-node-startup-time': 900,
  'scale-down-unready-time': 1200,
  'scale-down-delay-after-failure': 180,
  'unremovable-node-recheck-timeout': 300,
} as const;

/** The cluster-autoscaler flags the AKS profile turns into, with every duration compressed. */
export function autoscalerFlags(profile: SimProfile, aks: AutoscalerProfile): string[] {
  return [
    `--expander=${aks.expander}`,
    `--balance-similar-node-groups=${aks.balanceSimilarNodeGroups}`,
    `--max-node-provision-time=${flagDuration(scaled(profile, aks.maxNodeProvisionTime))}`,
    `--scale-down-unneeded-time=${flagDuration(scaled(profile, aks.scaleDownUnneeded))}`,
    `--scale-down-delay-after-add=${flagDuration(scaled(profile, aks.scaleDownDelayAfterAdd))}`,
    `--skip-nodes-with-system-pods=${aks.skipNodesWithSystemPods}`,
    `--scan-interval=${flagDuration(scaled(profile, aks.scanInterval))}`,
    // Upstream defaults AKS does not expose; compressed with the rest so backoffs keep their proportion.
    ...Object.entries(AUTOSCALER_DEFAULTS).map(([flag, seconds]) => `--${flag}=${flagDuration(scaled(profile, seconds))}`),
    // An integer number of seconds, not a duration (default 600).
    `--max-graceful-termination-sec=${Math.ceil(scaled(profile, 600))}`,
  ];
}
