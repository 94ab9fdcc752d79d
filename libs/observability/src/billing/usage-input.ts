import { z } from 'zod';

/**
 * The PromQL queries whose answers feed the report, over the billing month (`$__range` = the month,
 * e.g. `31d` evaluated at the month's last second). Each answer is stored as the Prometheus HTTP API
 * returns it, so the fixture has exactly the shape managed Prometheus gives.
 */
export const USAGE_QUERIES = {
  /** Tokens per tenant, model and type (`prompt` | `completion`) from the gateway. */
  tokens: 'sum by (tenant, model, type) (increase(panal_gateway_tokens_total[$__range]))',
  /** Tenant → tier (recording rule of libs/observability). */
  tenantTier: 'max by (tenant, tier) (max_over_time(panal:tenant_tier:info[$__range]))',
  /** CPU requested per namespace, in core-hours. */
  namespaceCpuCoreHours: 'sum by (namespace) (sum_over_time(kube_pod_container_resource_requests{resource="cpu"}[$__range:1h]))',
  /** Memory requested per namespace, in GiB-hours. */
  namespaceMemoryGiBHours: 'sum by (namespace) (sum_over_time(kube_pod_container_resource_requests{resource="memory"}[$__range:1h])) / 2^30',
  /** GPU node-hours per priority (`spot` | `ondemand`). */
  gpuNodeHours:
    'sum by (priority) (sum_over_time(label_replace(kube_node_labels{label_kubernetes_azure_com_agentpool=~"gpuspot|gpuondemand"}, "priority", "$1", "label_kubernetes_azure_com_agentpool", "gpu(.+)")[$__range:1h]))',
} as const;

const vector = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('vector'),
    result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })),
  }),
});

/** A month of usage as stored from managed Prometheus. */
export const usageInputSchema = z.strictObject({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'must be YYYY-MM' }),
  hours: z.number().int().min(672).max(744).describe('Hours in the month (28–31 days).'),
  queries: z.strictObject(Object.fromEntries(Object.keys(USAGE_QUERIES).map((k) => [k, vector])) as Record<keyof typeof USAGE_QUERIES, typeof vector>),
});

/** A parsed usage input. */
export type UsageInput = z.infer<typeof usageInputSchema>;

/** One sample of an instant vector. */
export type Sample = UsageInput['queries']['tokens']['data']['result'][number];

/** The samples of one query, values as numbers. */
export function samples(input: UsageInput, query: keyof typeof USAGE_QUERIES): { metric: Record<string, string>; value: number }[] {
  return input.queries[query].data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
}
