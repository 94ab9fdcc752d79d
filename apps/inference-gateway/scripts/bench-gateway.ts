/**
 * Benchmark of the inference gateway (prints figures, asserts nothing): per-request overhead p50/p99
 * against calling the fake model server directly, in the same run on the same machine, and requests/s
 * of one gateway process (one replica) under concurrency. Gateway and fake server each run in their
 * own process; all traffic stays on 127.0.0.1; every loop is bounded in count and time.
 *
 *   npx nx run inference-gateway:bench
 *   tsx apps/inference-gateway/scripts/bench-gateway.ts [sequentialRequests=2000] [concurrency=32] [seconds=10]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { exampleGatewayConfig, localConfig, testKey } from '../src/testing/gateway-harness';

const repoRoot = resolve(import.meta.dirname, '../../..');
const sequential = Number(process.argv[2] ?? 2000);
const concurrency = Number(process.argv[3] ?? 32);
const seconds = Number(process.argv[4] ?? 10);
const tsx = join(repoRoot, 'node_modules/.bin/tsx');
const children: ChildProcess[] = [];

function startProcess(args: string[], pattern: RegExp): Promise<RegExpExecArray> {
  const child = spawn(tsx, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolveMatch, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) resolveMatch(m);
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${out}`)));
  });
}

const body = JSON.stringify({ model: 'llama3:8b', stream: false, messages: [{ role: 'user', content: 'benchmark prompt with a few words' }] });
async function call(base: string, key: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  return performance.now() - t0;
}
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
async function latencies(base: string, key: string, n: number): Promise<number[]> {
  for (let i = 0; i < Math.min(200, n); i++) await call(base, key); // warm-up (JIT, keep-alive)
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await call(base, key));
  return out.sort((a, b) => a - b);
}
async function throughput(base: string, key: string): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await call(base, key);
        done++;
      }
    }),
  );
  return done / seconds;
}

const dir = mkdtempSync(join(tmpdir(), 'panal-gw-bench-'));
try {
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`);
  const [, backend] = await startProcess([join(import.meta.dirname, 'fake-model-server-main.ts')], /url (\S+)/);
  const base = exampleGatewayConfig();
  const { config, cleanup } = localConfig(base, { 'llama3:8b': backend, 'mistral:7b': backend, 'llama3:70b': backend }, (c) => ({
    ...c,
    // Limits off for the benchmark: it measures the proxy path, not the limiter's refusals.
    tenants: c.tenants.map((t) => ({ ...t, requestsPerMinute: 1e9, tokensPerMinute: 1e12, monthlyTokenBudget: 1e15 })),
  }));
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify(config));
  const [, gateway] = await startProcess([join(repoRoot, 'apps/inference-gateway/src/main.ts'), '--config', file, '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0'], /api (\S+),/);
  const key = testKey(base.tenants[0]!.id);

  const direct = await latencies(backend!, key, sequential);
  const viaGateway = await latencies(gateway!, key, sequential);
  console.log(`\nsequential, non-streaming, ${sequential} requests each (after warm-up):`);
  console.log(`  direct to fake model server: p50 ${pct(direct, 50).toFixed(2)} ms  p99 ${pct(direct, 99).toFixed(2)} ms`);
  console.log(`  through the gateway:         p50 ${pct(viaGateway, 50).toFixed(2)} ms  p99 ${pct(viaGateway, 99).toFixed(2)} ms`);
  console.log(`  gateway overhead:            p50 ${(pct(viaGateway, 50) - pct(direct, 50)).toFixed(2)} ms  p99 ${(pct(viaGateway, 99) - pct(direct, 99)).toFixed(2)} ms`);
  const directRps = await throughput(backend!, key);
  const gatewayRps = await throughput(gateway!, key);
  console.log(`\nthroughput, ${concurrency} concurrent clients for ${seconds} s each:`);
  console.log(`  direct to fake model server: ${directRps.toFixed(0)} req/s`);
  console.log(`  through one gateway process: ${gatewayRps.toFixed(0)} req/s (one replica; 2 cores shared by load generator, gateway and fake server)`);
  cleanup();
} finally {
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
