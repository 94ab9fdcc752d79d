import { z } from 'zod';
import { TIER_PROFILES, TIERS, type Tier, type TierProfile } from './tiers';

/** Longest tenant id: `tenant-<id>` must stay well inside the 63-character namespace limit and leave room for Azure names. */
export const MAX_TENANT_ID_LENGTH = 40;

/**
 * Ids a tenant may not take: Kubernetes' own namespaces and the platform's, so `tenant-<id>`
 * can never be mistaken for them in dashboards, alerts or RBAC.
 */
export const RESERVED_TENANT_IDS: readonly string[] = [
  'default',
  'activator',
  'admin',
  'argocd',
  'cert-manager',
  'gateway-system',
  'inference-gateway',
  'keda',
  'models-premium',
  'models-standard',
  'monitoring',
  'observability',
  'panal',
  'platform',
  'system',
];

/** Shortest idle period before a tenant sleeps (besides 0 = never). */
export const MIN_DORMANT_AFTER_IDLE_MINUTES = 15;

/** Longest idle period a tenant may set before it sleeps. */
export const MAX_DORMANT_AFTER_IDLE_MINUTES = 7 * 24 * 60;

/** Reserved id prefixes. */
export const RESERVED_TENANT_ID_PREFIXES: readonly string[] = ['kube-', 'tenant-', 'azure-', 'aks-'];

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const tenantId = z
  .string()
  .max(MAX_TENANT_ID_LENGTH, { message: `must be at most ${MAX_TENANT_ID_LENGTH} characters` })
  .regex(DNS_LABEL, {
    message: 'must be a DNS label: lower-case letters, digits and "-", starting with a letter and not ending with "-"',
  })
  .refine((id) => !RESERVED_TENANT_IDS.includes(id), { message: 'is reserved for the platform' })
  .refine((id) => !RESERVED_TENANT_ID_PREFIXES.some((p) => id.startsWith(p)), {
    message: `must not start with a reserved prefix (${RESERVED_TENANT_ID_PREFIXES.join(', ')})`,
  })
  .describe('Tenant id: a DNS label, unique, equal to the folder name. Namespace is tenant-<id>.');

const bounded = (b: { min: number; max: number }, what: string, tier: Tier) =>
  z
    .number()
    .int({ message: 'must be a whole number' })
    .min(b.min, { message: `must be at least ${b.min} for tier "${tier}"` })
    .max(b.max, { message: `must be at most ${b.max} for tier "${tier}"` })
    .describe(`${what} (tier ${tier}: ${b.min}..${b.max})`);

function tenantSchemaForTier(tier: Tier, profile: TierProfile) {
  const replicas = profile.openWebUIReplicas;
  return z.strictObject({
    id: tenantId,
    displayName: z
      .string()
      .trim()
      .min(1, { message: 'must not be empty' })
      .max(100, { message: 'must be at most 100 characters' })
      .describe('Human name of the customer, shown in dashboards and reports.'),
    tier: z.literal(tier).describe('Commercial tier: decides models, quota bounds and scale bounds.'),
    hostnames: z
      .array(
        z
          .string()
          .regex(HOSTNAME, { message: 'must be a lower-case fully qualified DNS name (no scheme, port or wildcard)' }),
      )
      .min(1, { message: 'must list at least one hostname' })
      .max(5, { message: 'must list at most 5 hostnames' })
      .describe('Hostnames the edge gateway routes to this tenant. Unique across all tenants.'),
    sso: z
      .strictObject({
        issuerUrl: z
          .url({ protocol: /^https$/, message: 'must be an https URL' })
          .describe('OIDC issuer, e.g. https://login.microsoftonline.com/<directory-id>/v2.0'),
        clientId: z
          .string()
          .regex(GUID, { message: 'must be a lower-case GUID (the Entra ID application id)' })
          .describe('OIDC client id. The client secret lives in the tenant Key Vault, never here.'),
        providerName: z
          .string()
          .min(1)
          .max(40)
          .default('Entra ID')
          .describe('Label of the login button. @default "Entra ID"'),
      })
      .describe('Single sign-on. Secrets are read from the tenant Key Vault.'),
    openWebUI: z
      .strictObject({
        replicas: z
          .strictObject({
            min: bounded(replicas, 'Fewest OpenWebUI replicas', tier),
            max: bounded(replicas, 'Most OpenWebUI replicas', tier),
          })
          .refine((r) => r.min <= r.max, { message: 'min must not exceed max', path: ['min'] })
          .default({ ...profile.defaultOpenWebUIReplicas }),
        dormantAfterIdleMinutes: z
          .number()
          .int({ message: 'must be a whole number of minutes' })
          .min(0, { message: 'must be 0 (never dormant) or more' })
          .max(MAX_DORMANT_AFTER_IDLE_MINUTES, { message: `must be at most ${MAX_DORMANT_AFTER_IDLE_MINUTES} (one week)` })
          .refine((m) => m === 0 || m >= MIN_DORMANT_AFTER_IDLE_MINUTES, {
            message: `must be 0 (never dormant) or at least ${MIN_DORMANT_AFTER_IDLE_MINUTES}: shorter idle periods make users wait for a wake between two questions`,
          })
          .default(profile.defaultDormantAfterIdleMinutes)
          .describe(
            `Minutes without a request before OpenWebUI and Redis scale to zero; the next request wakes them (docs/adr/0022). 0 keeps the tenant always on. @default ${profile.defaultDormantAfterIdleMinutes}`,
          ),
      })
      .default({ replicas: { ...profile.defaultOpenWebUIReplicas }, dormantAfterIdleMinutes: profile.defaultDormantAfterIdleMinutes })
      .describe('OpenWebUI capacity knobs.'),
    quota: z
      .strictObject({
        cpuCores: bounded(profile.quotaBounds.cpuCores, 'CPU cores the namespace may request', tier).optional(),
        memoryGiB: bounded(profile.quotaBounds.memoryGiB, 'Memory GiB the namespace may request', tier).optional(),
        pods: bounded(profile.quotaBounds.pods, 'Pods the namespace may run', tier).optional(),
      })
      .default({})
      .describe('Overrides of the tier quota, within the tier bounds.'),
    suspended: z
      .boolean()
      .default(false)
      .describe('Suspended tenants keep their namespace and data but run no pods and get no route. @default false'),
  });
}

/** Schema of `tenant.yaml`: one object per tier so editors show each tier's bounds. */
export const tenantFileSchema = z
  .discriminatedUnion(
    'tier',
    TIERS.map((t) => tenantSchemaForTier(t, TIER_PROFILES[t])) as unknown as [
      ReturnType<typeof tenantSchemaForTier>,
      ...ReturnType<typeof tenantSchemaForTier>[],
    ],
    { error: (issue) => (issue.code === 'invalid_union' ? `must be one of: ${TIERS.join(', ')}` : undefined) },
  )
  .describe('A Panal tenant: one business customer of the SaaS.');

/** A tenant folder as written (before defaults). */
export type TenantFileInput = z.input<typeof tenantFileSchema>;

/** A tenant folder after validation, with every default filled in. */
export type TenantFile = z.output<typeof tenantFileSchema>;
