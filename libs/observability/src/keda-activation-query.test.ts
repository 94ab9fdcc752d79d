import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MODEL_CATALOGUE, type ModelSpec } from '@panal/tenant-config';
import { loadAll } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePromtool, runPromtool } from './rules/promtool';

/**
 * The premium pool's KEDA activation query, as rendered in dist/manifests, evaluated by the pinned
 * promtool against gateway series that go busy → idle. KEDA activates a scaler when the query's
 * value is > activationThreshold (https://keda.sh/docs/latest/concepts/scaling-deployments/#activating-and-scaling-thresholds).
 */

const MANIFESTS = resolve(import.meta.dirname, '../../../dist/manifests/cluster-addons');
/** The idle window the platform promises: 15 min without a premium request before the pool goes to zero (docs/modelos-y-gpu.md, "Escalado a cero"). */
const IDLE_MINUTES = 15;
/** The inference gateway's PodMonitor scrape interval: samples in the tests are this far apart. */
const SCRAPE_SECONDS = 15;

interface RenderedActivation {
  readonly file: string;
  readonly query: string;
  readonly activationThreshold: string;
  /** The model whose Deployment the ScaledObject scales, from the catalogue (not from the query). */
  readonly model: ModelSpec;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((e) => (statSync(join(dir, e)).isDirectory() ? yamlFiles(join(dir, e)) : /\.ya?ml$/.test(e) ? [join(dir, e)] : []));
}

function renderedActivations(): RenderedActivation[] {
  const out: RenderedActivation[] = [];
  for (const file of yamlFiles(MANIFESTS)) {
    for (const doc of loadAll(readFileSync(file, 'utf8')) as any[]) {
      if (doc?.kind !== 'ScaledObject') continue;
      const trigger = doc.spec.triggers.find((t: any) => t.name === 'activity');
      const model = Object.values(MODEL_CATALOGUE).find((m) => `ollama-${m.slug}` === doc.spec.scaleTargetRef.name);
      if (!trigger || !model) throw new Error(`${file}: expected an "activity" trigger scaling an ollama-<slug> Deployment of the model catalogue`);
      out.push({ file, query: trigger.metadata.query, activationThreshold: trigger.metadata.activationThreshold, model });
    }
  }
  return out;
}

const at = (seconds: number) => `${seconds}s`;
const minutes = (m: number) => m * 60;

/**
 * A promtool unit-test file for `query`. Each case feeds gateway series scraped every 15 s from two
 * gateway replicas and asserts `query > bool activationThreshold` (1 = KEDA activates, 0 = idle).
 * The expectations come from the platform's promise (idle window, in-flight requests keep the model
 * up, other models do not count), never from the query's text.
 */
function promtoolTests(a: RenderedActivation, query: string): string {
  const other = Object.values(MODEL_CATALOGUE).find((m) => m.id !== a.model.id)!;
  const series = (name: string, model: string, pod: string, values: string) => ({
    series: `${name}{model="${model}", namespace="inference-gateway", pod="${pod}", job="inference-gateway"}`,
    values,
  });
  const active = (expected: boolean, seconds: number) => ({
    expr: `(${query}) > bool ${a.activationThreshold}`,
    eval_time: at(seconds),
    exp_samples: [{ labels: '{}', value: expected ? 1 : 0 }],
  });
  const idle = minutes(IDLE_MINUTES);
  // Case 1: requests every scrape from 5m15s to 10m (the last one seen at 10m), each answered within the scrape.
  const lastRequest = minutes(10);
  // Case 2: one request at 1m that stays in flight (cold-start wait, then a long answer) until 26m.
  const inflightUntil = minutes(26);
  return JSON.stringify({
    rule_files: [],
    evaluation_interval: at(SCRAPE_SECONDS),
    tests: [
      {
        name: `busy then idle: active while ${a.model.id} requests arrive and for the ${IDLE_MINUTES} min idle window, then not`,
        interval: at(SCRAPE_SECONDS),
        input_series: [
          // The gateway creates a series on its first increment ('_xN' = N scrapes without a sample).
          series('panal_gateway_requests_received_total', a.model.id, 'gw-a', '_x21 1+1x19 20x120'),
          series('panal_gateway_requests_received_total', a.model.id, 'gw-b', '0x160'),
          series('panal_gateway_inflight_requests', a.model.id, 'gw-a', '_x21 1x19 0x120'),
          series('panal_gateway_inflight_requests', a.model.id, 'gw-b', '0x160'),
        ],
        promql_expr_test: [
          active(false, minutes(4)),
          active(true, minutes(5) + 15),
          active(true, minutes(8)),
          active(true, lastRequest),
          // The last request arrived between 9m45s and 10m: still inside the window one scrape before it closes...
          active(true, lastRequest + idle - 2 * SCRAPE_SECONDS),
          // ...and out of it one scrape after.
          active(false, lastRequest + idle + SCRAPE_SECONDS),
          active(false, minutes(35)),
        ],
      },
      {
        name: `a ${a.model.id} request in flight longer than the idle window (cold-start wait + long answer) keeps it active`,
        interval: at(SCRAPE_SECONDS),
        input_series: [
          // A first request after a gateway restart: the counter appears at 1, so increase() never sees it.
          series('panal_gateway_requests_received_total', a.model.id, 'gw-a', '_x4 1x160'),
          series('panal_gateway_inflight_requests', a.model.id, 'gw-a', '_x4 1x100 0x56'),
        ],
        promql_expr_test: [
          active(true, minutes(1)),
          // No request received in the last 15 min, one still waiting or streaming.
          active(true, minutes(20)),
          active(true, inflightUntil),
          active(false, inflightUntil + SCRAPE_SECONDS),
          active(false, minutes(35)),
        ],
      },
      {
        name: `traffic of ${other.id} only (no ${a.model.id} series at all) does not activate ${a.model.id}`,
        interval: at(SCRAPE_SECONDS),
        input_series: [
          series('panal_gateway_requests_received_total', other.id, 'gw-a', '0+1x160'),
          series('panal_gateway_inflight_requests', other.id, 'gw-a', '3x160'),
        ],
        promql_expr_test: [active(false, minutes(1)), active(false, minutes(10)), active(false, minutes(30))],
      },
    ],
  });
}

/** Runs the busy → idle cases against `query`; the promtool outcome. */
function evaluate(promtool: string, dir: string, a: RenderedActivation, query: string) {
  writeFileSync(join(dir, 'keda-activation.test.yaml'), promtoolTests(a, query));
  return runPromtool(promtool, ['test', 'rules', 'keda-activation.test.yaml'], dir);
}

/** Removes the `+ sum(panal_gateway_inflight_requests…)` term, balancing parentheses. */
function withoutInflightTerm(query: string): string {
  const start = query.indexOf('+ sum(panal_gateway_inflight_requests');
  if (start < 0) return query;
  let depth = 0;
  for (let i = query.indexOf('(', start); i < query.length; i++) {
    if (query[i] === '(') depth++;
    if (query[i] === ')' && --depth === 0) return (query.slice(0, start) + query.slice(i + 1)).trim();
  }
  return query;
}

describe('KEDA activation query of the premium pool (rendered, under promtool)', () => {
  const activations = renderedActivations();
  let promtool: string;
  let dir: string;
  beforeAll(() => {
    promtool = ensurePromtool();
    dir = mkdtempSync(join(tmpdir(), 'panal-keda-query-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the premium ScaledObject in dist/manifests', () => {
    expect(activations.map((a) => a.model.id)).toEqual(Object.values(MODEL_CATALOGUE).filter((m) => m.pool === 'premium').map((m) => m.id));
  });

  it.each(activations.map((a) => [a.model.id, a] as const))('activates %s while busy or in flight, and not after the idle window or for other models', (_, a) => {
    const r = evaluate(promtool, dir, a, a.query);
    expect(r.status, r.output).toBe(0);
  });

  // The cases above are only worth something if a wrong query fails them.
  it.each(activations.map((a) => [a.model.id, a] as const))('fails for mutations of the %s query (never idle, other model, other window, no in-flight term)', (_, a) => {
    const other = Object.values(MODEL_CATALOGUE).find((m) => m.id !== a.model.id)!;
    const window = `[${IDLE_MINUTES}m]`;
    const mutations: Record<string, string> = {
      'never idle (+ 1)': `${a.query} + 1`,
      'other model label': a.query.replaceAll(`model="${a.model.id}"`, `model="${other.id}"`),
      'window one minute shorter': a.query.replaceAll(window, `[${IDLE_MINUTES - 1}m]`),
      'window one minute longer': a.query.replaceAll(window, `[${IDLE_MINUTES + 1}m]`),
      'no in-flight term': withoutInflightTerm(a.query),
    };
    for (const [name, mutated] of Object.entries(mutations)) {
      expect(mutated, `${name}: the mutation must change the query`).not.toBe(a.query);
      const r = evaluate(promtool, dir, a, mutated);
      expect(r.status, `${name}: promtool accepted ${mutated}\n${r.output}`).not.toBe(0);
      // Failed on a value, not on a parse error.
      expect(r.output, name).toMatch(/got:/);
    }
  });
});
