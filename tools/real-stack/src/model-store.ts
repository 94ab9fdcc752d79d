import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);

/** Root of the repository, from this file. */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
const PROJECT_ROOT = resolve(import.meta.dirname, '..');

/** The rendered seed Job: what the store layout must survive (an `azcopy sync` into its mount). */
export const SEED_JOB_MANIFEST = join(REPO_ROOT, 'dist/manifests/cluster-addons/model-store/job-model-seed.yaml');

/** Ollama's registry host and namespace for library models (`<model>` without a namespace). */
const OLLAMA_REGISTRY_PATH = ['registry.ollama.ai', 'library'];

/**
 * Chat template of the generated models: Ollama renders `messages` through it. A plain role-tagged
 * transcript (the generated weights are random, so the prompt format only has to tokenize).
 */
const TEMPLATE = '{{- range .Messages }}<|{{ .Role }}|>{{ .Content }}\n{{ end }}<|assistant|>';
/** Short answers and a small context: the point is a real load and a real decode, not prose. */
const PARAMS = { num_predict: 12, num_ctx: 512, temperature: 0, seed: 42 };

interface Layer {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

/** Python interpreter of the generator's venv (installed by the project's script, cached). */
export async function generatorPython(): Promise<string> {
  const { stdout } = await run('bash', [join(PROJECT_ROOT, 'install/model-server-python.sh')], { maxBuffer: 1 << 20 });
  return stdout.trim().split('\n').at(-1)!;
}

/** Ollama store path of a model's manifest: `manifests/registry.ollama.ai/library/<name>/<tag>`. */
export function manifestPath(storeDir: string, model: string): string {
  const [name, tag = 'latest'] = model.split(':');
  if (!name || !/^[a-z0-9][a-z0-9._-]*$/.test(name) || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(tag)) {
    throw new Error(`model "${model}" is not a library model name of the form <name>:<tag> (lowercase name, tag of letters, digits, '.', '_' or '-')`);
  }
  return join(storeDir, 'manifests', ...OLLAMA_REGISTRY_PATH, name, tag);
}

async function writeBlob(blobsDir: string, data: Buffer, mediaType: string): Promise<Layer> {
  const hex = createHash('sha256').update(data).digest('hex');
  await writeFile(join(blobsDir, `sha256-${hex}`), data);
  return { mediaType, digest: `sha256:${hex}`, size: data.length };
}

/**
 * Writes one model in Ollama's store layout into `sourceDir` (the Blob container's content): the
 * GGUF, template and params layers and the image config as content-addressed blobs, and the
 * manifest naming them, exactly what `ollama pull` leaves in `OLLAMA_MODELS`.
 * @see https://github.com/ollama/ollama/blob/main/docs/import.md
 */
async function writeModel(sourceDir: string, python: string, model: string): Promise<void> {
  const blobsDir = join(sourceDir, 'blobs');
  await mkdir(blobsDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'panal-gguf-'));
  try {
    const gguf = join(work, 'model.gguf');
    await run(python, [join(PROJECT_ROOT, 'python/tiny_gguf.py'), model, gguf]);
    const layers = [
      await writeBlob(blobsDir, await readFile(gguf), 'application/vnd.ollama.image.model'),
      await writeBlob(blobsDir, Buffer.from(TEMPLATE), 'application/vnd.ollama.image.template'),
      await writeBlob(blobsDir, Buffer.from(JSON.stringify(PARAMS)), 'application/vnd.ollama.image.params'),
    ];
    const imageConfig = {
      model_format: 'gguf',
      model_family: 'llama',
      model_families: ['llama'],
      model_type: 'tiny',
      file_type: 'F32',
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    };
    const config = await writeBlob(blobsDir, Buffer.from(JSON.stringify(imageConfig)), 'application/vnd.docker.container.image.v1+json');
    const manifest = { schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config, layers };
    const path = manifestPath(sourceDir, model);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, JSON.stringify(manifest));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Reads the rendered seed Job and checks it is the `azcopy sync` this module stands in for: into
 * the `models` mount, never deleting at the destination. Returns the destination path.
 */
export async function seedJobSync(): Promise<{ destination: string; deleteDestination: boolean }> {
  const job = parse(await readFile(SEED_JOB_MANIFEST, 'utf8'));
  const container = job?.spec?.template?.spec?.containers?.[0];
  const command: string[] = container?.command ?? [];
  if (command[0] !== 'azcopy' || command[1] !== 'sync') {
    throw new Error(`${SEED_JOB_MANIFEST}: command of the seed container must be "azcopy sync <source> <destination> ...", but it is ${JSON.stringify(command)}`);
  }
  const flag = command.find((a) => a.startsWith('--delete-destination='));
  return { destination: command[3]!, deleteDestination: flag !== '--delete-destination=false' };
}

/**
 * Local stand-in for the seed Job's `azcopy sync --delete-destination=false`: copies every file of
 * `source` that is missing or different at `destination`, deletes nothing there.
 */
async function syncTree(source: string, destination: string): Promise<void> {
  for (const entry of await readdir(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    const to = join(destination, entry.name);
    if (entry.isDirectory()) {
      await mkdir(to, { recursive: true });
      await syncTree(from, to);
    } else if (!(await sameFile(from, to))) {
      await copyFile(from, to);
    }
  }
}

async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [sa, sb] = await Promise.all([stat(a), stat(b)]);
    if (sa.size !== sb.size) return false;
    return (await readFile(a)).equals(await readFile(b));
  } catch {
    return false;
  }
}

/**
 * Builds a read-only Ollama model store in `dir` with one generated tiny GGUF per model (random
 * weights, seeded by the model name, so the same list always gives the same bytes). The models are
 * laid out as the Blob source of truth holds them, then synced into `dir` with the semantics of the
 * rendered seed Job (missing or changed files copied, nothing deleted), then the tree is made
 * read-only (`chmod -R a-w`), as the model pods mount it.
 */
export async function buildModelStore(dir: string, models: readonly string[]): Promise<void> {
  if (models.length === 0) throw new Error('models must name at least one model, but an empty list was provided');
  const seed = await seedJobSync();
  if (seed.deleteDestination) {
    throw new Error(`${SEED_JOB_MANIFEST}: the local seed stand-in implements azcopy sync with --delete-destination=false only, but the rendered Job deletes at the destination`);
  }
  const python = await generatorPython();
  const source = await mkdtemp(join(tmpdir(), 'panal-model-blob-'));
  try {
    for (const model of models) await writeModel(source, python, model);
    await mkdir(dir, { recursive: true });
    await setWritable(dir, true);
    await syncTree(source, dir);
    await setWritable(dir, false);
  } finally {
    await rm(source, { recursive: true, force: true });
  }
}

/** `chmod -R a-w` (or `u+w` to re-seed); directories keep their read and search bits. */
async function setWritable(path: string, writable: boolean): Promise<void> {
  const s = await stat(path);
  const mode = writable ? s.mode | 0o200 : s.mode & ~0o222;
  if (s.isDirectory()) {
    if (writable) await chmod(path, mode);
    for (const entry of await readdir(path)) await setWritable(join(path, entry), writable);
    if (!writable) await chmod(path, mode);
  } else {
    await chmod(path, mode);
  }
}

/**
 * Digest of a directory tree: every path (relative), its type, permission bits, size and content,
 * in sorted order. Equal digests before and after a run mean nothing was written, added or removed.
 */
export async function treeDigest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (path: string): Promise<void> => {
    const s = await stat(path);
    const rel = relative(dir, path) || '.';
    hash.update(`${rel}\0${s.isDirectory() ? 'd' : 'f'}\0${(s.mode & 0o7777).toString(8)}\0${s.size}\0`);
    if (s.isDirectory()) {
      for (const entry of (await readdir(path)).sort()) await walk(join(path, entry));
    } else {
      hash.update(await readFile(path));
    }
  };
  await walk(dir);
  return hash.digest('hex');
}
