import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { inferenceGatewayConfigSchema, MODEL_CATALOGUE, MODEL_IDS, modelPoolNamespace, OLLAMA_PORT, TENANT_KEY_VAULT_SECRETS, type InferenceGatewayConfig, type ModelId } from '@panal/tenant-config';
import { startGateway, type RunningGateway } from '../../../apps/inference-gateway/src/server';
import { chat } from '../../../apps/inference-gateway/src/testing/gateway-harness';
import { buildModelStore, REPO_ROOT, treeDigest } from './model-store';
import { startModelServer, type RunningModelServer } from './model-server';

const GATEWAY_DIR = join(REPO_ROOT, 'dist/manifests/cluster-addons/inference-gateway');
const STANDARD_MODELS = MODEL_IDS.filter((id) => MODEL_CATALOGUE[id].pool === 'standard');

/** The gateway config as rendered into its ConfigMap (`gateway.json`), validated by the gateway's own schema. */
async function renderedGatewayConfig(): Promise<InferenceGatewayConfig> {
  const cm = parse(await readFile(join(GATEWAY_DIR, 'configmap-inference-gateway.yaml'), 'utf8'));
  return inferenceGatewayConfigSchema.parse(JSON.parse(cm.data['gateway.json']));
}

/**
 * Local stand-in for the keys the rendered gateway reads as hashes from its Key Vault: for each
 * tenant, a file `<keysDir>/<tenant>/inference-gateway-key` with a fresh random value (no vault is
 * reachable; the gateway's file mode reads them).
 */
async function localKeyVaultStandIn(config: InferenceGatewayConfig): Promise<{ keysDir: string; keys: Record<string, string> }> {
  const keysDir = await mkdtemp(join(tmpdir(), 'panal-keyvault-standin-'));
  const keys: Record<string, string> = {};
  for (const tenant of config.tenants) {
    await mkdir(join(keysDir, tenant.id));
    keys[tenant.id] = `standin-${tenant.id}-${randomBytes(16).toString('hex')}`;
    await writeFile(join(keysDir, tenant.id, TENANT_KEY_VAULT_SECRETS.inferenceGatewayKey), `${keys[tenant.id]}\n`);
  }
  return { keysDir, keys };
}

async function everyEntryReadOnly(dir: string): Promise<string[]> {
  const writable: string[] = [];
  const walk = async (p: string) => {
    const s = await stat(p);
    if (s.mode & 0o222) writable.push(p);
    if (s.isDirectory()) for (const e of await readdir(p)) await walk(join(p, e));
  };
  await walk(dir);
  return writable;
}

const tokensMetric = (text: string, tenant: string, model: string, type: string) => {
  const line = text.split('\n').find((l) => l.startsWith('panal_gateway_tokens_total{') && l.includes(`tenant="${tenant}"`) && l.includes(`model="${model}"`) && l.includes(`type="${type}"`));
  return line ? Number(line.split(' ').at(-1)) : undefined;
};

/**
 * The real model server, Ollama built from source by the project's install script, started with the
 * environment of the rendered Deployments, serving generated tiny GGUF models (random weights) from
 * a read-only store laid out as the seed Job leaves it; and the real inference gateway in front of
 * it, configured by the rendered ConfigMap with the Service DNS names mapped to loopback.
 */
describe('real model server on the read-only model store', () => {
  const servers = new Map<ModelId, RunningModelServer>();
  const cleanups: (() => Promise<void>)[] = [];
  let storeDir = '';
  let digestBefore = '';

  beforeAll(async () => {
    const root = await mkdtemp(join(tmpdir(), 'panal-model-store-'));
    cleanups.push(async () => {
      await rm(root, { recursive: true, force: true }).catch(async () => {
        // The store is read-only: give write back to remove it.
        const { execFile } = await import('node:child_process');
        await new Promise((r) => execFile('chmod', ['-R', 'u+w', root], r));
        await rm(root, { recursive: true, force: true });
      });
    });
    storeDir = join(root, 'models');
    let t = performance.now();
    await buildModelStore(storeDir, MODEL_IDS);
    console.log(`model store: ${MODEL_IDS.length} generated models in ${Math.round(performance.now() - t)} ms`);
    digestBefore = await treeDigest(storeDir);
    for (const model of STANDARD_MODELS) {
      t = performance.now();
      const server = await startModelServer({ storeDir, model });
      servers.set(model, server);
      console.log(`model server for ${model}: ready (serve + postStart preload) in ${Math.round(performance.now() - t)} ms, RSS ${Math.round((await server.rssKiB()) / 1024)} MiB`);
    }
  });

  afterAll(async () => {
    for (const server of servers.values()) await server.stop();
    while (cleanups.length) await cleanups.pop()!();
  });

  it('runs with the rendered Deployment environment, pointed at the read-only store', async () => {
    const server = servers.get('llama3:8b')!;
    expect(server.env.OLLAMA_MODELS).toBe(storeDir);
    expect(server.env.OLLAMA_NOPRUNE).toBe('1');
    expect(server.env.OLLAMA_HOST).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await everyEntryReadOnly(storeDir)).toEqual([]);
  });

  it.each(STANDARD_MODELS)('answers a chat completion for %s from the store', async (model) => {
    const server = servers.get(model)!;
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello there model' }] }),
    });
    const body = (await res.json()) as { model: string; choices: { message: { role: string; content: string } }[]; usage: { prompt_tokens: number; completion_tokens: number } };
    expect(res.status).toBe(200);
    expect(body.model).toBe(model);
    expect(body.choices[0]!.message.role).toBe('assistant');
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    // Loaded, from the store: Ollama lists it as running with the digest of the stored manifest.
    const ps = (await (await fetch(`${server.url}/api/ps`)).json()) as { models: { name: string }[] };
    expect(ps.models.map((m) => m.name)).toContain(model);
  });

  it('answers 404 naming the model for a model missing from the store, without pulling it', async () => {
    const server = servers.get('llama3:8b')!;
    const missing = 'qwen2:0.5b';
    const openai = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: missing, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(openai.status).toBe(404);
    expect(((await openai.json()) as { error: { message: string } }).error.message).toContain(`'${missing}' not found`);
    const native = await fetch(`${server.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: missing, messages: [{ role: 'user', content: 'hi' }] }) });
    expect(native.status).toBe(404);
    expect(((await native.json()) as { error: string }).error).toContain(`'${missing}' not found`);
    expect(server.log()).not.toMatch(/pulling|registry\.ollama\.ai\/v2/);
  });

  describe('behind the real inference gateway (rendered config, Service DNS mapped to loopback)', () => {
    let gateway: RunningGateway;
    let keys: Record<string, string> = {};
    let config: InferenceGatewayConfig;

    beforeAll(async () => {
      const rendered = await renderedGatewayConfig();
      const standIn = await localKeyVaultStandIn(rendered);
      cleanups.push(() => rm(standIn.keysDir, { recursive: true, force: true }));
      keys = standIn.keys;
      // Each standard model's Service DNS name resolves to its local server; the premium model has
      // no local server: its name maps to the discard port, closed, so reaching it would fail loudly.
      const loopback = new Map<string, string>();
      for (const id of MODEL_IDS) {
        const spec = MODEL_CATALOGUE[id];
        loopback.set(`http://ollama-${spec.slug}.${modelPoolNamespace(spec.pool)}.svc.cluster.local:${OLLAMA_PORT}`, servers.get(id)?.url ?? 'http://127.0.0.1:9');
      }
      const models = Object.fromEntries(
        Object.entries(rendered.models).map(([id, m]) => [
          id,
          {
            ...m,
            upstreams: m.upstreams.map((u) => {
              const local = loopback.get(u);
              if (!local) throw new Error(`upstream ${u} of ${id} in the rendered gateway.json is not the Service of any catalogue model`);
              return local;
            }),
          },
        ]),
      ) as InferenceGatewayConfig['models'];
      config = { ...rendered, keysDir: standIn.keysDir, models };
      delete config.keyVault; // the stand-in files instead of the vault of key hashes
      delete config.sharedLimits; // one gateway: limits in memory
      gateway = await startGateway(config, { host: '127.0.0.1', port: 0, metricsPort: 0 });
      cleanups.push(() => gateway.close());
    });

    it("routes a standard tenant's chat to the real model server and meters its tokens", async () => {
      const tenant = config.tenants.find((t) => t.tier === 'standard')!;
      for (const model of STANDARD_MODELS) {
        const res = await chat(gateway.url, keys[tenant.id]!, model);
        expect(res.status, res.text).toBe(200);
        const body = JSON.parse(res.text) as { model: string; usage: { prompt_tokens: number; completion_tokens: number } };
        expect(body.model).toBe(model);
        const metrics = await (await fetch(`${gateway.metricsUrl}/metrics`)).text();
        expect(tokensMetric(metrics, tenant.id, model, 'prompt')).toBe(body.usage.prompt_tokens);
        expect(tokensMetric(metrics, tenant.id, model, 'completion')).toBe(body.usage.completion_tokens);
      }
    });

    it("refuses llama3:70b to a standard tenant's key", async () => {
      const tenant = config.tenants.find((t) => t.tier === 'standard')!;
      const denied = await chat(gateway.url, keys[tenant.id]!, 'llama3:70b');
      expect(denied.status).toBe(403);
      expect(JSON.parse(denied.text).error.code).toBe('model_not_allowed');
    });
  });

  it('leaves the store exactly as seeded after serving and stopping', async () => {
    for (const server of servers.values()) await server.stop();
    expect(await treeDigest(storeDir)).toBe(digestBefore);
  });
});
