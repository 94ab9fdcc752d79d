/**
 * Kubernetes minor Pod Security levels are pinned to in every namespace the platform renders: the
 * API version the manifests are written for, so a cluster upgrade cannot silently change what
 * `restricted` means.
 * @see docs/adr/0001-cdk8s-plus-34-y-version-de-kubernetes.md
 */
export const POD_SECURITY_VERSION = 'v1.34';
