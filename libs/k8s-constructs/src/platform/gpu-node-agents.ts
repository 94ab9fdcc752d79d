import { AKS_AGENTPOOL_LABEL, GPU_POOLS, GPU_TAINT, SPOT_TAINT } from '@panal/platform-model';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { containerResources } from '../common/hardening';
import { appLabels, selectorLabels } from '../common/labels';
import { azureMonitorScraper, tcpPort } from '../common/network-policy';
import { syncWave, SyncWave } from '../common/sync-waves';

/** Props of {@link GpuNodeAgents}. */
export interface GpuNodeAgentsProps {
  /** Namespace of the agents (Pod Security `privileged`: they use host paths). */
  readonly namespace: string;
  /** NVIDIA device plugin image. @see https://github.com/NVIDIA/k8s-device-plugin */
  readonly devicePluginImage: string;
  /** DCGM exporter image. @see https://github.com/NVIDIA/dcgm-exporter */
  readonly dcgmExporterImage: string;
}

/** Port of the DCGM exporter's `/metrics`. */
export const DCGM_EXPORTER_PORT = 9400;

/**
 * GPU plumbing, only on GPU nodes: the NVIDIA device plugin, which advertises
 * `nvidia.com/gpu` to the kubelet (AKS installs the driver, not the plugin), and the DCGM exporter
 * for GPU metrics. Both tolerate the GPU and spot taints and require a GPU pool by affinity, so
 * they never land on CPU nodes; the admission policy allows their namespace to tolerate the GPU
 * taint but not to request GPUs.
 * @see https://learn.microsoft.com/azure/aks/gpu-cluster
 */
export class GpuNodeAgents extends Construct {
  constructor(scope: Construct, id: string, props: GpuNodeAgentsProps) {
    super(scope, id);
    const ns = props.namespace;
    const onGpuNodes = {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: AKS_AGENTPOOL_LABEL, operator: 'In', values: [...GPU_POOLS] }] }] } } },
      tolerations: [GPU_TAINT, SPOT_TAINT].map((t) => ({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect })),
      priorityClassName: 'system-node-critical',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
    };
    const daemonSet = (name: string, container: k8s.Container, volumes: k8s.Volume[], checkovSkips: Record<string, string>) =>
      new k8s.KubeDaemonSet(this, name, {
        metadata: { name, namespace: ns, labels: appLabels(name, 'gpu-agent'), annotations: { ...syncWave(SyncWave.workloads), ...checkovSkips } },
        spec: {
          selector: { matchLabels: selectorLabels(name, 'gpu-agent') },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
          template: {
            metadata: { labels: appLabels(name, 'gpu-agent') },
            spec: { ...onGpuNodes, securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [container], volumes },
          },
        },
      });

    daemonSet(
      'nvidia-device-plugin',
      {
        name: 'device-plugin',
        image: props.devicePluginImage,
        imagePullPolicy: 'IfNotPresent',
        env: [{ name: 'FAIL_ON_INIT_ERROR', value: 'false' }],
        resources: containerResources({ cpuRequestMilli: 50, cpuLimitMilli: 200, memoryRequestMiB: 64, memoryLimitMiB: 128 }),
        // Registers a socket with the kubelet through a host path: root, but no extra capabilities.
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        volumeMounts: [{ name: 'device-plugins', mountPath: '/var/lib/kubelet/device-plugins' }],
      },
      [{ name: 'device-plugins', hostPath: { path: '/var/lib/kubelet/device-plugins', type: 'Directory' } }],
      {
        'checkov.io/skip1': 'CKV_K8S_23=the kubelet device-plugin socket directory is root-owned; no capabilities are added',
        'checkov.io/skip2': 'CKV_K8S_8=the plugin serves no HTTP; the kubelet re-registers it when its socket disappears',
        'checkov.io/skip3': 'CKV_K8S_9=same: no endpoint to probe, the DaemonSet restarts it on exit',
        'checkov.io/skip4': 'CKV_K8S_40=runs as root (see CKV_K8S_23)',
      },
    );

    daemonSet(
      'dcgm-exporter',
      {
        name: 'dcgm-exporter',
        image: props.dcgmExporterImage,
        imagePullPolicy: 'IfNotPresent',
        ports: [{ name: 'metrics', containerPort: DCGM_EXPORTER_PORT }],
        env: [{ name: 'DCGM_EXPORTER_KUBERNETES', value: 'true' }],
        resources: containerResources({ cpuRequestMilli: 100, cpuLimitMilli: 500, memoryRequestMiB: 256, memoryLimitMiB: 512 }),
        // DCGM profiling metrics need SYS_ADMIN. @see https://docs.nvidia.com/datacenter/cloud-native/gpu-telemetry/latest/dcgm-exporter.html
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } },
        readinessProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 15 },
        livenessProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 30, failureThreshold: 3 },
        volumeMounts: [{ name: 'pod-resources', mountPath: '/var/lib/kubelet/pod-resources', readOnly: true }],
      },
      [{ name: 'pod-resources', hostPath: { path: '/var/lib/kubelet/pod-resources', type: 'Directory' } }],
      {
        'checkov.io/skip1': 'CKV_K8S_23=DCGM talks to the NVIDIA driver as root (NVIDIA dcgm-exporter docs)',
        'checkov.io/skip2': 'CKV_K8S_25=SYS_ADMIN is required for DCGM profiling metrics',
        'checkov.io/skip3': 'CKV_K8S_39=same: SYS_ADMIN, only on GPU nodes, in the only privileged namespace',
        'checkov.io/skip4': 'CKV_K8S_40=runs as root (see CKV_K8S_23)',
      },
    );

    new k8s.KubeNetworkPolicy(this, 'ScrapeDcgm', {
      metadata: { name: 'dcgm-exporter-ingress-from-scraper', namespace: ns, annotations: syncWave(SyncWave.guardRails) },
      spec: {
        podSelector: { matchLabels: selectorLabels('dcgm-exporter', 'gpu-agent') },
        policyTypes: ['Ingress'],
        ingress: [{ from: [azureMonitorScraper()], ports: [tcpPort(DCGM_EXPORTER_PORT)] }],
      },
    });
  }
}
