import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MODEL_CATALOGUE } from '@panal/tenant-config';
import { Testing } from 'cdk8s';
import { afterEach, describe, expect, it } from 'vitest';
import { OllamaModel, ollamaManifestPath, WAIT_FOR_MODEL_CONTAINER, waitForModelScript } from './ollama-model';

/**
 * The init container's script, run by a real `sh` against a store laid out as Ollama keeps it
 * (manifest + content-addressed blobs, the layout tools/real-stack writes and `azcopy sync` copies).
 */
const stores: string[] = [];
afterEach(() => {
  for (const dir of stores.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes `model` into a fresh store; returns the store and the blob paths (config first). */
function writeStore(model: string, layers: Buffer[] = [Buffer.from('gguf weights'), Buffer.from('template')]) {
  const store = mkdtempSync(join(tmpdir(), 'panal-wait-model-'));
  stores.push(store);
  mkdirSync(join(store, 'blobs'));
  const blob = (data: Buffer, mediaType: string) => {
    const hex = createHash('sha256').update(data).digest('hex');
    writeFileSync(join(store, 'blobs', `sha256-${hex}`), data);
    return { mediaType, digest: `sha256:${hex}`, size: data.length, path: join(store, 'blobs', `sha256-${hex}`) };
  };
  const config = blob(Buffer.from('{"model_format":"gguf"}'), 'application/vnd.docker.container.image.v1+json');
  const written = layers.map((l) => blob(l, 'application/vnd.ollama.image.model'));
  const strip = ({ path: _path, ...l }: { path: string; mediaType: string; digest: string; size: number }) => l;
  const manifest = join(store, ollamaManifestPath(model));
  mkdirSync(dirname(manifest), { recursive: true });
  // Key order as Ollama writes it (mediaType, digest, size).
  writeFileSync(manifest, JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: strip(config), layers: written.map(strip) }));
  return { store, manifest, blobs: [config.path, ...written.map((w) => w.path)] };
}

const runScript = (store: string, model: string, timeoutSeconds: number) =>
  spawnSync('sh', ['-c', waitForModelScript(model, timeoutSeconds, 1)], { env: { PATH: process.env.PATH, OLLAMA_MODELS: store }, encoding: 'utf8', timeout: 20_000 });

describe('wait-for-model init container', () => {
  it('exits 0 at once when the manifest and every blob are in the store at their sizes', () => {
    const { store } = writeStore('llama3:8b');
    const r = runScript(store, 'llama3:8b', 5);
    expect(r.stdout).toContain('wait-for-model: llama3:8b is in the store');
    expect(r.status).toBe(0);
  });

  it('gives up after its bound, naming the missing manifest, when the model was never seeded', () => {
    const { store } = writeStore('mistral:7b');
    const started = Date.now();
    const r = runScript(store, 'llama3:8b', 2);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`wait-for-model: gave up after 2 s: ${store}/manifests/registry.ollama.ai/library/llama3/8b is not in the store; has the model-seed Job in namespace model-store finished?`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });

  it('keeps waiting while a blob is missing or still shorter than the manifest says (azcopy writing it)', () => {
    const partial = writeStore('llama3:8b');
    truncateSync(partial.blobs[1]!, 3);
    const r1 = runScript(partial.store, 'llama3:8b', 1);
    expect(r1.status).toBe(1);
    expect(r1.stdout).toContain(`wait-for-model: still missing ${partial.blobs[1]} (12 bytes)`);

    const absent = writeStore('llama3:8b');
    rmSync(absent.blobs[0]!);
    const r2 = runScript(absent.store, 'llama3:8b', 1);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toContain(`${absent.blobs[0]} (`);
  });

  it('returns as soon as the seed finishes writing, within one poll', async () => {
    const { store, blobs } = writeStore('llama3:8b');
    const data = Buffer.from('gguf weights');
    truncateSync(blobs[1]!, 0);
    const child = spawnSyncLater(store);
    await new Promise((r) => setTimeout(r, 1500));
    writeFileSync(blobs[1]!, data);
    const r = await child;
    expect(r.code).toBe(0);
    expect(r.out).toContain('still missing');
    expect(r.out).toContain('llama3:8b is in the store');
  });

  it('runs in every Ollama pod before the server, with the store read-only and a hardened context', () => {
    const chart = Testing.chart();
    new OllamaModel(chart, 'm', { model: MODEL_CATALOGUE['llama3:70b'], namespace: 'models-premium', image: 'registry.example.com/ollama/ollama:0.13.0', modelStoreClaim: 'store', modelWaitSeconds: 7200 });
    const spec = (Testing.synth(chart) as any[]).find((o) => o.kind === 'Deployment').spec.template.spec;
    const [init] = spec.initContainers;
    expect(init.name).toBe(WAIT_FOR_MODEL_CONTAINER);
    expect(init.image).toBe(spec.containers[0].image);
    expect(init.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(init.command[2]).toContain('manifests/registry.ollama.ai/library/llama3/70b');
    expect(init.command[2]).toContain('waiting up to 7200 s');
    expect(init.volumeMounts).toEqual([{ name: 'models', mountPath: '/models', readOnly: true }]);
    expect(init.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true });
    expect(init.resources.limits).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
  });

  it('refuses ids that are not library models and bounds that are not positive', () => {
    expect(ollamaManifestPath('llama3')).toBe('manifests/registry.ollama.ai/library/llama3/latest');
    expect(() => ollamaManifestPath('Llama3:8b')).toThrow('model id must be a library model <name>[:<tag>], but "Llama3:8b" was provided');
    expect(() => ollamaManifestPath('a:b:c')).toThrow('but "a:b:c" was provided');
    expect(() => waitForModelScript('llama3:8b', 0)).toThrow('timeoutSeconds must be a positive integer, but 0 was provided');
  });
});

/** Runs the script in the background (5 s bound), collecting stdout and stderr. */
function spawnSyncLater(store: string): Promise<{ code: number | null; out: string }> {
  return import('node:child_process').then(
    ({ spawn }) =>
      new Promise((resolve) => {
        const child = spawn('sh', ['-c', waitForModelScript('llama3:8b', 5, 1)], { env: { PATH: process.env.PATH, OLLAMA_MODELS: store } });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => resolve({ code, out }));
      }),
  );
}
