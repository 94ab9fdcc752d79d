/**
 * Benchmark of the gateway at 1,000 tenants (prints figures, asserts nothing; docs/adr/0019-gateway-a-mil-inquilinos.md):
 * N gateway processes (`src/main.ts`, default 3) share one real redis-server (Debian's) for limits and
 * read 1,000 tenant key hashes from a FAKE Key Vault (testing/fake-key-vault.ts, in this process). It
 * prints how far the admitted requests are from the configured limit:
 *
 *   1. inside one minute window: each tenant sends 2× its limit, spread over the replicas;
 *   2. across a window edge: a sample of tenants sends 2× its limit just before and just after the
 *      minute changes (the fixed window's stated worst case: up to 2× in a 60 s interval);
 *   3. with Redis killed: the fail-open share, floor(limit / replicas) per replica.
 *
 * Plus the start-up read of 1,000 key hashes (Key Vault calls and time per replica) and the latency
 * of admitted requests. All traffic on 127.0.0.1; every loop is bounded.
 *
 *   tsx apps/inference-gateway/scripts/bench-shared-limits.ts [tenants=1000] [replicas=3] [requestsPerMinute=10] [edgeSample=100] [parallelTenants=4]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { GATEWAY_KEY_HASH_SECRET_PREFIX, TIER_PROFILES, type InferenceGatewayConfig } from '@panal/tenant-config';
import { keyDigest } from '../src/key-ring';
import { FakeKeyVault } from '../src/testing/fake-key-vault';
import { exampleGatewayConfig, localConfig } from '../src/testing/gateway-harness';
import { RedisServer } from '../src/testing/redis-server';

const repoRoot = resolve(import.meta.dirname, '../../..');
const tenantCount = Number(process.argv[2] ?? 1000);
const replicas = Number(process.argv[3] ?? 3);
const limit = Number(process.argv[4] ?? 10);
const edgeSample = Math.min(tenantCount, Number(process.argv[5] ?? 100));
const parallelTenants = Number(process.argv[6] ?? 4);
const tsx = join(repoRoot, 'node_modules/.bin/tsx');
const children: ChildProcess[] = [];

function startProcess(args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = process.env): Promise<RegExpExecArray> {
  const child = spawn(tsx, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  children.push(child);
  return new Promise((resolveMatch, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) resolveMatch(m);
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${out}`)));
  });
}

const ids = Array.from({ length: tenantCount }, (_, i) => `t${String(i).padStart(4, '0')}`);
const keyOf = (id: string) => `sk-${id}-bench-key-0123456789abcdef`;
const body = JSON.stringify({ model: 'llama3:8b', stream: false, messages: [{ role: 'user', content: 'benchmark prompt' }] });
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One request; its status, latency and the minute (epoch) it was sent in. */
async function call(base: string, id: string): Promise<{ status: number; ms: number; minute: number }> {
  const t0 = performance.now();
  const minute = Math.floor(Date.now() / 60_000);
  const res = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${keyOf(id)}`, 'content-type': 'application/json' }, body });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - t0, minute };
}

/** Each tenant of `tenants` sends `perTenant` requests at once, round-robin over the gateways; `parallel` tenants at a time. */
async function burst(gateways: string[], tenants: string[], perTenant: number, parallel = parallelTenants) {
  const results = new Map<string, { status: number; ms: number; minute: number }[]>();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < tenants.length) {
        const id = tenants[next++]!;
        results.set(id, await Promise.all(Array.from({ length: perTenant }, (_, i) => call(gateways[i % gateways.length]!, id))));
      }
    }),
  );
  return results;
}

function summarize(label: string, results: Map<string, { status: number; minute: number }[]>, expected: number) {
  const admitted: number[] = [];
  let spanned = 0;
  for (const rs of results.values()) {
    if (new Set(rs.map((r) => r.minute)).size > 1) spanned++; // this tenant's burst crossed a minute edge: not a one-window sample
    else admitted.push(rs.filter((r) => r.status === 200).length);
  }
  const over = admitted.map((a) => a - expected);
  const exact = over.filter((o) => o === 0).length;
  console.log(`  ${label}: ${admitted.length} tenants, expected ${expected} admitted each; exactly ${expected}: ${exact}; min ${Math.min(...admitted)}, max ${Math.max(...admitted)}; max excess ${Math.max(...over)}${spanned ? `; ${spanned} tenants left out (their burst crossed a minute edge)` : ''}`);
}

const dir = mkdtempSync(join(tmpdir(), 'panal-gw-bench-limits-'));
const vault = new FakeKeyVault();
let redis: RedisServer | undefined;
try {
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`);
  console.log(`${tenantCount} tenants, ${replicas} gateway processes, limit ${limit} requests/min per tenant`);
  redis = await RedisServer.start();
  await vault.start();
  for (const id of ids) vault.set(`${GATEWAY_KEY_HASH_SECRET_PREFIX}${id}`, JSON.stringify([keyDigest(keyOf(id)).toString('hex')]));
  writeFileSync(join(dir, 'token'), vault.expectedAssertion);
  const [, backend] = await startProcess([join(import.meta.dirname, 'fake-model-server-main.ts')], /url (\S+)/);
  const base = exampleGatewayConfig();
  const template = base.tenants.find((t) => t.tier === 'standard')!;
  const { config, cleanup } = localConfig(base, { 'llama3:8b': backend, 'mistral:7b': backend, 'llama3:70b': backend }, (c) => {
    const bench: InferenceGatewayConfig = {
      ...c,
      keyVault: { vaultUrl: vault.url, secretPrefix: GATEWAY_KEY_HASH_SECRET_PREFIX, refreshSeconds: 300 },
      sharedLimits: { redisHost: '127.0.0.1', redisPort: redis!.port, fallbackReplicas: replicas },
      tenants: ids.map((id) => ({ ...template, id, models: [...TIER_PROFILES.standard.models], requestsPerMinute: limit, tokensPerMinute: 1e12, monthlyTokenBudget: 1e15 })),
    };
    delete bench.keysDir;
    return bench;
  });
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify(config));
  const env = { ...process.env, AZURE_CLIENT_ID: 'bench', AZURE_TENANT_ID: 'bench', AZURE_FEDERATED_TOKEN_FILE: join(dir, 'token'), AZURE_AUTHORITY_HOST: `${vault.url}/` };

  // Start-up: replicas one after another (as a rolling update with maxSurge 1 does), each reading every hash.
  const gateways: string[] = [];
  const metricsUrls: string[] = [];
  console.log('\nstart-up, key hashes read from the (fake) Key Vault:');
  for (let i = 0; i < replicas; i++) {
    const before = vault.calls.length;
    const t0 = performance.now();
    const [, url, metricsUrl] = await startProcess([join(repoRoot, 'apps/inference-gateway/src/main.ts'), '--config', file, '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0'], /api (\S+), metrics (\S+)/, env);
    gateways.push(url!);
    metricsUrls.push(metricsUrl!);
    const calls = vault.calls.slice(before);
    console.log(`  replica ${i + 1}: ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (process start included), ${calls.filter((c) => c === 'GET /secrets').length} list pages + ${calls.filter((c) => c.startsWith('GET /secrets/')).length} GETs`);
  }

  // 1. One window: start right after a minute edge so the whole pass fits in the minute.
  const secondOfMinute = () => (Date.now() % 60_000) / 1000;
  if (secondOfMinute() > 5) await sleep((61 - secondOfMinute()) * 1000);
  const m1 = Math.floor(Date.now() / 60_000);
  const t1 = performance.now();
  const inWindow = await burst(gateways, ids, 2 * limit);
  const secs = (performance.now() - t1) / 1000;
  const all = [...inWindow.values()].flat();
  const okMs = all.filter((r) => r.status === 200).map((r) => r.ms).sort((a, b) => a - b);
  const refusedMs = all.filter((r) => r.status === 429).map((r) => r.ms).sort((a, b) => a - b);
  console.log(`\n1. one minute window, each tenant sends ${2 * limit} (2x its limit) over ${replicas} replicas: ${all.length} requests in ${secs.toFixed(1)} s (${(all.length / secs).toFixed(0)} req/s)`);
  summarize('admitted per tenant', inWindow, limit);
  console.log(`  latency: admitted p50 ${pct(okMs, 50).toFixed(1)} ms p99 ${pct(okMs, 99).toFixed(1)} ms; refused (429) p50 ${pct(refusedMs, 50).toFixed(1)} ms p99 ${pct(refusedMs, 99).toFixed(1)} ms`);

  // 2. Across an edge, in the minute after pass 1 (so these tenants start with empty windows).
  const sample = ids.slice(0, edgeSample);
  const edge = Math.max((m1 + 2) * 60_000, (Math.floor(Date.now() / 60_000) + 1) * 60_000);
  // Start early enough that the burst before the edge ends before it, at the rate pass 1 measured.
  const leadMs = Math.min(30_000, ((sample.length * 2 * limit) / (all.length / secs)) * 1000 + 1_000);
  await sleep(Math.max(0, edge - leadMs - Date.now()));
  const start2 = Date.now();
  const before = await burst(gateways, sample, 2 * limit);
  await sleep(Math.max(0, edge + 100 - Date.now()));
  const after = await burst(gateways, sample, 2 * limit);
  const span = (Date.now() - start2) / 1000;
  const twoSides = sample.map((id) => [...before.get(id)!, ...after.get(id)!].filter((r) => r.status === 200).length);
  console.log(`\n2. across a minute edge, ${sample.length} tenants send ${2 * limit} before it and ${2 * limit} after it, all within ${span.toFixed(1)} s:`);
  console.log(`  admitted per tenant in those ${span.toFixed(1)} s: min ${Math.min(...twoSides)}, max ${Math.max(...twoSides)} (limit ${limit}/min; a fixed window allows up to ${2 * limit} across an edge)`);

  // 3. Redis down: fail open at floor(limit / replicas) per replica.
  await redis.kill();
  await sleep(300);
  const open = ids.slice(edgeSample, edgeSample + Math.min(100, tenantCount - edgeSample));
  const failOpen = await burst(gateways, open, 2 * limit);
  const share = Math.max(1, Math.floor(limit / replicas));
  const gauges = await Promise.all(metricsUrls.map(async (m) => /^panal_gateway_shared_limits_available (\d)$/m.exec(await (await fetch(`${m}/metrics`)).text())?.[1]));
  console.log(`\n3. Redis killed, ${open.length} tenants send ${2 * limit} each over ${replicas} replicas (fail open, ${share} per replica):`);
  summarize('admitted per tenant', failOpen, share * replicas);
  console.log(`  panal_gateway_shared_limits_available per replica: ${gauges.join(', ')}`);
  cleanup();
} finally {
  for (const c of children) c.kill('SIGTERM');
  await redis?.stop();
  await vault.stop();
  rmSync(dir, { recursive: true, force: true });
}
