import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inferenceGatewayConfigSchema } from '@panal/tenant-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FakeModelServer } from './testing/fake-model-server';
import { chat, localConfig, REPO_ROOT, testKey } from './testing/gateway-harness';

/**
 * The gateway as it ships: its real entry point (`src/main.ts`) in its own process, started with
 * the configuration cluster-addons rendered into dist/ (ConfigMap `inference-gateway`), only the
 * upstream URLs and key folder pointed at this machine.
 */
const configMapFile = join(REPO_ROOT, 'dist/manifests/cluster-addons/inference-gateway/configmap-inference-gateway.yaml');

describe('the gateway process with the rendered configuration', () => {
  const backend = new FakeModelServer({ chunkDelayMs: 2 });
  let proc: ChildProcess;
  let url = '';
  let metricsUrl = '';
  let cleanup = () => {};
  const dir = mkdtempSync(join(tmpdir(), 'panal-gw-rendered-'));

  beforeAll(async () => {
    await backend.start(0);
    const rendered = inferenceGatewayConfigSchema.parse(JSON.parse(parse(readFileSync(configMapFile, 'utf8')).data['gateway.json']));
    const local = localConfig(rendered, { 'llama3:8b': backend.url, 'mistral:7b': backend.url, 'llama3:70b': backend.url });
    cleanup = local.cleanup;
    const file = join(dir, 'gateway.json');
    writeFileSync(file, JSON.stringify(local.config));
    proc = spawn(join(REPO_ROOT, 'node_modules/.bin/tsx'), [join(REPO_ROOT, 'apps/inference-gateway/src/main.ts'), '--config', file, '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolveStart, reject) => {
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /api (http:\/\/\S+), metrics (http:\/\/\S+)/.exec(out);
        if (m) {
          [, url, metricsUrl] = m;
          resolveStart();
        }
      });
      proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      proc.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${out}`)));
    });
  }, 60_000);

  afterAll(async () => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    await backend.stop();
    cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the 70B model to every standard tenant of the example folders, serves it to premium ones', async () => {
    const tenants = inferenceGatewayConfigSchema.parse(JSON.parse(parse(readFileSync(configMapFile, 'utf8')).data['gateway.json'])).tenants;
    expect(tenants.some((t) => t.tier === 'standard') && tenants.some((t) => t.tier === 'premium')).toBe(true);
    for (const t of tenants) {
      const res = await chat(url, testKey(t.id), 'llama3:70b', { stream: true });
      expect(res.status, t.id).toBe(t.tier === 'premium' ? 200 : 403);
    }
  });

  it('meters usage per tenant on /metrics', async () => {
    await chat(url, testKey('globex'), 'mistral:7b', { content: 'count these four' });
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(text).toContain('panal_gateway_tokens_total{model="mistral:7b",tenant="globex",type="prompt"} 3');
    expect(text).toContain('panal_gateway_tenant_keys_loaded 3');
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('the bundled entry point (what the container image runs)', () => {
  it('starts with the rendered configuration and reports ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'panal-gw-bundle-'));
    try {
      execFileSync('bash', [join(REPO_ROOT, 'apps/inference-gateway/scripts/build.sh'), join(dir, 'main.mjs')], { stdio: 'pipe' });
      const rendered = inferenceGatewayConfigSchema.parse(JSON.parse(parse(readFileSync(configMapFile, 'utf8')).data['gateway.json']));
      const local = localConfig(rendered, {});
      writeFileSync(join(dir, 'gateway.json'), JSON.stringify(local.config));
      const child = spawn(process.execPath, [join(dir, 'main.mjs'), '--config', join(dir, 'gateway.json'), '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const metricsUrl = await new Promise<string>((r, reject) => {
          let out = '';
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            const m = /metrics (http:\/\/\S+)/.exec(out);
            if (m) r(m[1]!);
          });
          child.once('exit', (code) => reject(new Error(`bundle exited with ${code}: ${out}`)));
        });
        expect((await fetch(`${metricsUrl}/readyz`)).status).toBe(200);
      } finally {
        child.kill('SIGTERM');
        local.cleanup();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
