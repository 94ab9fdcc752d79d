import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOtelCollectorBuilt, LOCAL_DEVIATIONS, localCollectorConfig, readRenderedCollector, startOtelCollector, validateCollectorConfig, waitForSamples, type CollectorConfig, type OtelCollector, type PromSample } from './otel-collector';

const TRANSFORM = 'transform/metric-labels';
const PROBE = 'panal_probe_requests_total';

/** One OTLP/HTTP JSON export: a cumulative counter with the attributes the transform must keep or delete. */
function probeMetric(value: number, resource: Record<string, string> = {}) {
  const now = BigInt(Date.now()) * 1_000_000n;
  const kv = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));
  return {
    resourceMetrics: [
      {
        resource: { attributes: kv({ 'service.name': 'probe', ...resource }) },
        scopeMetrics: [
          {
            scope: { name: 'panal.real-stack' },
            metrics: [
              {
                name: 'panal.probe.requests',
                unit: '{request}',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      asInt: String(value),
                      startTimeUnixNano: String(now - 1_000_000_000n),
                      timeUnixNano: String(now),
                      attributes: kv({
                        // Deleted by the rendered regex ^(url\.full|http\.url|user\..*|session\..*)$ ...
                        'url.full': 'https://acme.example.com/c/1?token=secret',
                        'http.url': 'https://acme.example.com/c/1',
                        'user.id': 'u-123',
                        'user.email': 'ada@acme.example.com',
                        'session.id': 's-456',
                        // ... kept: the regex is anchored and `user\.` needs the dot.
                        'http.route': '/api/chat/completions',
                        'user_agent.original': 'probe/1.0',
                        'url.fullname': 'not-a-url',
                      }),
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

async function postOtlp(c: OtelCollector, signal: 'metrics' | 'traces', body: unknown): Promise<void> {
  const res = await fetch(`http://${c.otlpHttpAddress}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, await res.text()).toBe(200);
}

/** Everything wrong with the probe's sample, given the tenant and tier it must carry; [] when right. */
function probeProblems(samples: PromSample[], tenant: string, tier: string): string[] {
  const s = samples.find((x) => x.name === PROBE);
  if (!s) return [`no ${PROBE}`];
  const problems: string[] = [];
  if (s.value !== 42) problems.push(`value ${s.value}, expected 42`);
  if (s.labels.tenant !== tenant) problems.push(`tenant="${s.labels.tenant}", expected "${tenant}"`);
  if (s.labels.tier !== tier) problems.push(`tier="${s.labels.tier}", expected "${tier}"`);
  for (const gone of ['url_full', 'http_url', 'user_id', 'user_email', 'session_id']) if (gone in s.labels) problems.push(`label ${gone} present`);
  for (const [kept, v] of Object.entries({ http_route: '/api/chat/completions', user_agent_original: 'probe/1.0', url_fullname: 'not-a-url' })) if (s.labels[kept] !== v) problems.push(`label ${kept}="${s.labels[kept]}", expected "${v}"`);
  return problems;
}

/** Replaces `from` by `to` in the one rendered transform statement that contains `from`. */
function mutateStatement(config: CollectorConfig, from: string, to: string): void {
  const block = config.processors[TRANSFORM].metric_statements[0];
  const hits = (block.statements as string[]).filter((st) => st.includes(from));
  if (hits.length !== 1) throw new Error(`rendered ${TRANSFORM}: ${hits.length} statements contain ${from} (${JSON.stringify(block.statements)})`);
  block.statements = block.statements.map((st: string) => (st === hits[0] ? st.replace(from, to) : st));
}

describe('OpenTelemetry Collector built from the Go module proxy, configured from the rendered ConfigMap', () => {
  let bin: string;
  const collectors: Record<string, OtelCollector> = {};

  beforeAll(async () => {
    bin = ensureOtelCollectorBuilt();
    const started = await Promise.all([
      startOtelCollector({ bin, sourceNamespace: 'tenant-acme' }),
      startOtelCollector({ bin, sourceNamespace: 'tenant-initech' }),
      // Mutations: the same config with one rendered statement changed.
      startOtelCollector({ bin, sourceNamespace: 'tenant-acme', mutate: (c) => mutateStatement(c, 'set(attributes["tenant"], resource.attributes["tenant"])', 'set(attributes["tenant"], resource.attributes["tier"])') }),
      startOtelCollector({ bin, sourceNamespace: 'tenant-acme', mutate: (c) => mutateStatement(c, String.raw`url\\.full|`, '') }),
    ]);
    [collectors.acme, collectors.initech, collectors.wrongTenant, collectors.wrongDelete] = started;
  });
  afterAll(async () => {
    await Promise.allSettled(Object.values(collectors).map((c) => c.stop()));
  });

  it('is the release the rendered Deployment runs (image tag = `otelcol --version`)', () => {
    const tag = /:(\d+\.\d+\.\d+)$/.exec(readRenderedCollector().container.image)?.[1];
    const built = /version (\d+\.\d+\.\d+)/.exec(execFileSync(bin, ['--version'], { encoding: 'utf8' }))?.[1];
    expect(tag).toBeDefined();
    expect(built).toBe(tag);
  });

  it('the rendered config with exactly LOCAL_DEVIATIONS passes `otelcol validate`; the rendered one as is names components that need Kubernetes and Azure', async () => {
    const rendered = readRenderedCollector().config;
    const { config } = await localCollectorConfig(rendered, { sourceNamespace: 'tenant-acme' });
    const local = await validateCollectorConfig(config, bin);
    expect(local.ok, local.output).toBe(true);
    const asIs = await validateCollectorConfig(rendered, bin);
    expect(asIs.ok).toBe(false);
    expect(asIs.output).toMatch(/k8sattributes|azure_auth|otlphttp/);

    // Only the deviations differ: the receiver's limits, the processors that run here and the
    // pipelines (order included, with the two stand-ins in the replaced components' places) are as rendered.
    expect(Object.keys(LOCAL_DEVIATIONS)).toEqual(expect.arrayContaining(['processors.k8sattributes', 'extensions.azure_auth', 'exporters.otlphttp/azuremonitor']));
    expect(config.receivers.otlp.protocols.http.max_request_body_size).toBe(rendered.receivers.otlp.protocols.http.max_request_body_size);
    for (const p of ['memory_limiter', 'batch', TRANSFORM]) expect(config.processors[p]).toEqual(rendered.processors[p]);
    expect({ ...config.exporters.prometheus, endpoint: undefined }).toEqual({ ...rendered.exporters.prometheus, endpoint: undefined });
    const rename = (id: string) => ({ k8sattributes: 'resource/k8sattributes', 'otlphttp/azuremonitor': 'debug/azuremonitor' })[id] ?? id;
    for (const [name, p] of Object.entries(rendered.service.pipelines as Record<string, Record<string, string[]>>)) {
      expect(config.service.pipelines[name]).toEqual(Object.fromEntries(Object.entries(p).map(([k, ids]) => [k, ids.map(rename)])));
    }
    expect(config.service.extensions).toEqual(['health_check']);
    expect(config.service.telemetry.logs).toEqual(rendered.service.telemetry.logs);
    // The k8sattributes stand-in: the rendered Namespace's labels under the rendered tag names.
    expect(config.processors['resource/k8sattributes'].attributes).toEqual([
      { key: 'k8s.namespace.name', value: 'tenant-acme', action: 'insert' },
      { key: 'tenant', value: 'acme', action: 'insert' },
      { key: 'tier', value: 'standard', action: 'insert' },
    ]);
  });

  it('a metric sent over OTLP/HTTP comes out of the prometheus exporter with tenant and tier from the namespace labels and without url.full, http.url, user.*, session.*', async () => {
    await Promise.all([collectors.acme, collectors.initech].map((c) => postOtlp(c, 'metrics', probeMetric(42))));
    const acme = await waitForSamples(collectors.acme, (s) => s.filter((x) => x.name === PROBE));
    expect(probeProblems(acme, 'acme', 'standard')).toEqual([]);
    const initech = await waitForSamples(collectors.initech, (s) => s.filter((x) => x.name === PROBE));
    expect(probeProblems(initech, 'initech', 'premium')).toEqual([]);
    // Resource attributes are not labels (resource_to_telemetry_conversion: false): only the transform put tenant there.
    expect(acme[0].labels).not.toHaveProperty('k8s_namespace_name');
    // It came in over OTLP/HTTP, the only protocol the rendered receiver opens.
    const accepted = (await collectors.acme.scrapeTelemetry()).split('\n').filter((l) => l.startsWith('otelcol_receiver_accepted_metric_points'));
    expect(accepted).toEqual([expect.stringMatching(/^otelcol_receiver_accepted_metric_points(_total)?\{receiver="otlp",transport="http"\} 1$/)]);
  });

  it("a client claiming another tenant in its own resource attributes is labelled with its namespace's tenant", async () => {
    // The stand-in of k8sattributes inserts like the real one (never overwrites): only the rendered
    // resource/drop-client-tenant processor before it removes the claim.
    await postOtlp(collectors.acme, 'metrics', probeMetric(42, { 'service.name': 'spoofer', tenant: 'initech', tier: 'premium' }));
    const spoofed = await waitForSamples(collectors.acme, (s) => s.filter((x) => x.name === PROBE && x.labels.job === 'spoofer'));
    expect(probeProblems(spoofed, 'acme', 'standard')).toEqual([]);
  });

  it('mutations: a wrong tenant statement or a delete regex without url\\.full is caught by the same checks', async () => {
    await Promise.all([collectors.wrongTenant, collectors.wrongDelete].map((c) => postOtlp(c, 'metrics', probeMetric(42))));
    const wrongTenant = await waitForSamples(collectors.wrongTenant, (s) => s.filter((x) => x.name === PROBE));
    expect(probeProblems(wrongTenant, 'acme', 'standard')).toEqual(['tenant="standard", expected "acme"']);
    const wrongDelete = await waitForSamples(collectors.wrongDelete, (s) => s.filter((x) => x.name === PROBE));
    expect(probeProblems(wrongDelete, 'acme', 'standard')).toEqual(['label url_full present']);
  });

  it('traces go through the rendered traces pipeline to the debug stand-in of otlphttp/azuremonitor', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    await postOtlp(collectors.acme, 'traces', {
      resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'probe' } }] }, scopeSpans: [{ scope: { name: 'panal.real-stack' }, spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'probe', kind: 2, startTimeUnixNano: String(now - 1_000_000n), endTimeUnixNano: String(now) }] }] }],
    });
    const deadline = Date.now() + 30_000;
    const line = () => collectors.acme.log().split('\n').find((l) => l.includes('"otelcol.component.id":"debug/azuremonitor"') && l.includes('"spans":1'));
    while (!line() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(line(), collectors.acme.log().slice(-3000)).toBeDefined();
  });
});
