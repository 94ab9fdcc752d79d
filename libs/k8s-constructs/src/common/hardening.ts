import type { ContainerSize } from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';

/**
 * Container security context that satisfies Pod Security `restricted`: non-root, no privilege
 * escalation, every capability dropped, RuntimeDefault seccomp, read-only root file system.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export function restrictedContainerSecurityContext(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Pod security context for `restricted`: fixed non-root ids so files on emptyDirs are writable. */
export function restrictedPodSecurityContext(uid: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Requests and limits of a container from its typed size. */
export function containerResources(size: ContainerSize): k8s.ResourceRequirements {
  return {
    requests: {
      cpu: k8s.Quantity.fromString(`${size.cpuRequestMilli}m`),
      memory: k8s.Quantity.fromString(`${size.memoryRequestMiB}Mi`),
    },
    limits: {
      cpu: k8s.Quantity.fromString(`${size.cpuLimitMilli}m`),
      memory: k8s.Quantity.fromString(`${size.memoryLimitMiB}Mi`),
    },
  };
}
