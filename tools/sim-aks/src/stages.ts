import { dump } from 'js-yaml';
import { scaled, type SimProfile, type Timings } from './profile.ts';

/**
 * kwok Stage objects: what "a kubelet" does to simulated nodes and pods, and how long it takes.
 * Delays come from data/timings.yaml through the profile. Stages that could match the same object
 * are made mutually exclusive by their selectors, so each object follows one timeline.
 * Format: kwok.sigs.k8s.io/docs/user/stages-configuration/
 */
type Expr = { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] };

interface Stage {
  apiVersion: 'kwok.x-k8s.io/v1alpha1';
  kind: 'Stage';
  metadata: { name: string };
  spec: {
    resourceRef: { apiGroup: 'v1'; kind: 'Node' | 'Pod' };
    selector: { matchExpressions: Expr[] };
    delay?: { durationMilliseconds: number; jitterDurationMilliseconds?: number };
    next: { statusTemplate?: string; delete?: boolean };
  };
}

const stage = (name: string, kind: 'Node' | 'Pod', matchExpressions: Expr[], next: Stage['spec']['next'], delaySeconds?: number): Stage => ({
  apiVersion: 'kwok.x-k8s.io/v1alpha1',
  kind: 'Stage',
  metadata: { name },
  spec: {
    resourceRef: { apiGroup: 'v1', kind },
    selector: { matchExpressions },
    ...(delaySeconds ? { delay: { durationMilliseconds: Math.round(delaySeconds * 1000) } } : {}),
    next,
  },
});

const label = (key: string) => `.metadata.labels.["${key}"]`;
const NOT_READY: Expr = { key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator: 'NotIn', values: ['True'] };
const READY: Expr = { key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator: 'In', values: ['True'] };
/**
 * The node lifecycle controller's reason for a node that reported before and then went quiet
 * (pkg/controller/nodelifecycle: "Kubelet stopped posting node status."); a node that never
 * reported gets `NodeStatusNeverUpdated` instead and still has to boot.
 */
const LATE: Expr = { key: '.status.conditions.[] | select( .type == "Ready" ) | .reason', operator: 'In', values: ['NodeStatusUnknown'] };
const NOT_LATE: Expr = { ...LATE, operator: 'NotIn' };
const GPU_NODE: Expr = { key: label('kubernetes.azure.com/accelerator'), operator: 'In', values: ['nvidia'] };
const CPU_NODE: Expr = { key: label('kubernetes.azure.com/accelerator'), operator: 'DoesNotExist' };

/**
 * Annotation a scenario puts on a new node to model a capacity stock-out: Azure accepted the
 * scale-up but the VM never boots. Such a node matches only the `node-never-boots` stage, which
 * replaces (cancels) its pending boot.
 */
export const STOCKOUT_ANNOTATION = 'sim.panal.io/stockout';
const BOOTS: Expr = { key: `.metadata.annotations.["${STOCKOUT_ANNOTATION}"]`, operator: 'DoesNotExist' };
const NEVER_BOOTS: Expr = { key: `.metadata.annotations.["${STOCKOUT_ANNOTATION}"]`, operator: 'Exists' };

/** Node status once the kubelet is up: Ready, addresses, and the capacity the template declared. */
const NODE_READY_STATUS = `
{{ $now := Now }}
conditions:
{{ range NodeConditions }}
- lastHeartbeatTime: {{ $now | Quote }}
  lastTransitionTime: {{ $now | Quote }}
  message: {{ .message | Quote }}
  reason: {{ .reason | Quote }}
  status: {{ .status | Quote }}
  type: {{ .type | Quote }}
{{ end }}
addresses:
{{ with NodeIP }}
- address: {{ . | Quote }}
  type: InternalIP
{{ end }}
- address: {{ .metadata.name | Quote }}
  type: Hostname
allocatable:
{{ YAML .status.allocatable 1 }}
capacity:
{{ YAML .status.capacity 1 }}
phase: Running
`;

/** Container state blocks, indented for a status entry. */
const RUNNING_STATE = `  state:
    running:
      startedAt: {{ $now | Quote }}`;
const COMPLETED_STATE = `  state:
    terminated:
      exitCode: 0
      finishedAt: {{ $now | Quote }}
      reason: Completed
      startedAt: {{ $now | Quote }}`;

/** One status entry per container of `list` (`.spec.containers` or `.spec.initContainers`). */
const containerStatuses = (field: string, list: string, ready: boolean, started: boolean | undefined, state: string) => `${field}:
{{ range ${list} }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: ${ready}
  restartCount: 0
${started === undefined ? '' : `  started: ${started}\n`}${state}
{{ end }}`;

/** Pod status once its containers run: Ready, with IPs from the node. */
const POD_READY_STATUS = `
{{ $now := Now }}
conditions:
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Initialized
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Ready
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: ContainersReady
${containerStatuses('containerStatuses', '.spec.containers', true, true, RUNNING_STATE)}
${containerStatuses('initContainerStatuses', '.spec.initContainers', true, undefined, COMPLETED_STATE)}
{{ $hostIPs := NodeIPsWith .spec.nodeName }}
{{ with $hostIPs }}
hostIP: {{ index . 0 | Quote }}
hostIPs:
{{ range . }}
- ip: {{ . | Quote }}
{{ end }}
{{ end }}
{{ $podIPs := PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
{{ with $podIPs }}
podIP: {{ index . 0 | Quote }}
podIPs:
{{ range . }}
- ip: {{ . | Quote }}
{{ end }}
{{ end }}
phase: Running
startTime: {{ $now | Quote }}
`;

/**
 * Only the Ready condition: kwok patches pod status with a strategic merge (conditions merge by
 * `type`), so the rest stays as the pod started; re-rendering the addresses would append a second
 * pod IP, which the API server rejects.
 */
const POD_READY_AGAIN_STATUS = `
conditions:
- lastTransitionTime: {{ Now | Quote }}
  status: "True"
  type: Ready
`;

const POD_SUCCEEDED_STATUS = `
{{ $now := Now }}
conditions:
- lastTransitionTime: {{ $now | Quote }}
  status: "False"
  type: Ready
  reason: PodCompleted
${containerStatuses('containerStatuses', '.spec.containers', false, false, COMPLETED_STATE)}
phase: Succeeded
`;

/** Label of the model an Ollama pod serves (set by libs/k8s-constructs/models). */
const MODEL_LABEL = 'panal.io/model';
/** The model that runs on GPU (the premium tier). */
export const PREMIUM_MODEL = 'llama3-70b';

const POD_PENDING_ALIVE: Expr[] = [
  { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
  { key: '.status.phase', operator: 'In', values: ['Pending'] },
  { key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator: 'NotIn', values: ['True'] },
];

/**
 * How often a live kubelet reconciles what it reports with the API server: node status
 * (`nodeStatusUpdateFrequency`, KubeletConfiguration default 10 s) and pod status (the status
 * manager's `syncPeriod`, 10 s in pkg/kubelet/status/status_manager.go).
 */
const KUBELET_STATUS_SYNC_SECONDS = 10;

export function kwokStages(profile: SimProfile, timings: Timings): Stage[] {
  const s = (production: number) => scaled(profile, production);
  return [
    // Nodes: boot (GPU nodes include the NVIDIA driver install), then a heartbeat kept by leases.
    stage('node-boot-cpu', 'Node', [NOT_READY, NOT_LATE, CPU_NODE, BOOTS], { statusTemplate: NODE_READY_STATUS }, s(timings.nodeBoot.cpu)),
    stage('node-boot-gpu', 'Node', [NOT_READY, NOT_LATE, GPU_NODE, BOOTS], { statusTemplate: NODE_READY_STATUS }, s(timings.nodeBoot.gpu)),
    // A booted node the node lifecycle controller marked Unknown because its lease was late: the
    // kubelet is alive, so its next status update (every 10 s, nodeStatusUpdateFrequency) finds
    // the API server's Ready condition differs from its own and writes Ready back; no boot again.
    stage('node-ready-again', 'Node', [NOT_READY, LATE], { statusTemplate: NODE_READY_STATUS }, s(KUBELET_STATUS_SYNC_SECONDS)),
    stage('node-never-boots', 'Node', [NOT_READY, NEVER_BOOTS], { statusTemplate: 'phase: Pending\n' }, 86_400),
    stage('node-heartbeat', 'Node', [READY, { key: '.status.phase', operator: 'In', values: ['Running'] }], { statusTemplate: NODE_READY_STATUS }, 600),
    // Pods: image pull and start; models add their load from the Files share.
    stage('pod-start-premium-model', 'Pod', [...POD_PENDING_ALIVE, { key: label(MODEL_LABEL), operator: 'In', values: [PREMIUM_MODEL] }], { statusTemplate: POD_READY_STATUS }, s(timings.podStart.premiumModel)),
    stage('pod-start-standard-model', 'Pod', [...POD_PENDING_ALIVE, { key: label(MODEL_LABEL), operator: 'Exists' }, { key: label(MODEL_LABEL), operator: 'NotIn', values: [PREMIUM_MODEL] }], { statusTemplate: POD_READY_STATUS }, s(timings.podStart.standardModel)),
    stage('pod-start', 'Pod', [...POD_PENDING_ALIVE, { key: label(MODEL_LABEL), operator: 'DoesNotExist' }], { statusTemplate: POD_READY_STATUS }, s(timings.podStart.default)),
    // A running pod the node lifecycle controller marked not Ready while its node's lease was late
    // (it sets Ready=False on every pod of a node it sees as Unknown): the kubelet's status manager
    // finds its own status differs from the API server's on its periodic sync and writes Ready back.
    // Without this stage such pods stay Running and not Ready for ever, where a live kubelet would not.
    stage('pod-ready-again', 'Pod', [
      { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
      { key: '.status.phase', operator: 'In', values: ['Running'] },
      NOT_READY,
      { key: '.metadata.ownerReferences.[].kind', operator: 'NotIn', values: ['Job'] },
    ], { statusTemplate: POD_READY_AGAIN_STATUS }, s(KUBELET_STATUS_SYNC_SECONDS)),
    // Jobs (migrations, model seeding) finish once running.
    stage('pod-complete', 'Pod', [
      { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
      { key: '.status.phase', operator: 'In', values: ['Running'] },
      { key: '.metadata.ownerReferences.[].kind', operator: 'In', values: ['Job'] },
    ], { statusTemplate: POD_SUCCEEDED_STATUS }, 1),
    // A deleted pod goes away once "the kubelet" has stopped it.
    stage('pod-delete', 'Pod', [{ key: '.metadata.deletionTimestamp', operator: 'Exists' }], { delete: true }),
  ];
}

export function kwokConfigYaml(profile: SimProfile, timings: Timings): string {
  return kwokStages(profile, timings)
    .map((st) => dump(st, { lineWidth: -1, noRefs: true }))
    .join('---\n');
}
