import { selectorLabels } from '../common/labels';

/** Names, ports and pod labels of what runs in a tenant namespace; policies and routes refer to these. */
export const TenantWorkloads = {
  openWebUI: {
    name: 'open-webui',
    /** Container port of the OpenWebUI server. */
    port: 8080,
    /** Port of its ClusterIP Service. */
    servicePort: 80,
    serverLabels: selectorLabels('open-webui', 'server'),
    migrationLabels: selectorLabels('open-webui', 'migration'),
    /** Every OpenWebUI pod (server and migration job): same egress needs. */
    anyLabels: { 'app.kubernetes.io/name': 'open-webui' },
    uid: 1000,
  },
  redis: {
    name: 'redis',
    port: 6379,
    labels: selectorLabels('redis', 'cache'),
    uid: 999,
  },
  /** ServiceAccount bound to the tenant's managed identity. */
  serviceAccountName: 'open-webui',
  /** SecretProviderClass and the Secret it syncs while a pod mounts it. */
  secretProviderClassName: 'tenant-key-vault',
  syncedSecretName: 'open-webui-secrets',
} as const;
