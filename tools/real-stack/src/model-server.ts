import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { MODEL_CATALOGUE, modelPoolNamespace, type ModelId } from '@panal/tenant-config';
import { parse } from 'yaml';
import { REPO_ROOT } from './model-store';

const run = promisify(execFile);
const PROJECT_ROOT = join(import.meta.dirname, '..');

/** Options of {@link startModelServer}. */
export interface ModelServerOptions {
  /** The model store, mounted where the rendered Deployment mounts its `models` claim (`OLLAMA_MODELS`). */
  readonly storeDir: string;
  /**
   * Model whose rendered Deployment (`dist/manifests/cluster-addons/models-<pool>/deployment-ollama-<slug>.yaml`)
   * gives the environment, probes and postStart hook.
   * @default 'llama3:8b'
   */
  readonly model?: ModelId;
  /**
   * Run the Deployment's postStart hook (`ollama run <model> ""`, which loads the weights) before
   * returning, as Kubernetes does before a pod may become Ready.
   * @default true
   */
  readonly preload?: boolean;
}

/** A running model server. */
export interface RunningModelServer {
  /** Base URL on loopback: Ollama's `/api/*` and its OpenAI-compatible `/v1/*`. */
  readonly url: string;
  /** Environment the server was started with (the rendered one, with paths and host mapped). */
  readonly env: Readonly<Record<string, string>>;
  /** Resident memory of the server and every process it started (the model runner), in KiB. */
  rssKiB(): Promise<number>;
  /** Everything the server printed so far. */
  log(): string;
  /** Stops the server and its runner, and removes its scratch folders. */
  stop(): Promise<void>;
}

interface RenderedContainer {
  readonly env: { name: string; value?: string }[];
  readonly ports: { name?: string; containerPort: number }[];
  readonly volumeMounts: { name: string; mountPath: string }[];
  readonly readinessProbe?: { httpGet?: { path: string; port: string | number } };
  readonly startupProbe?: { periodSeconds?: number; failureThreshold?: number };
  readonly lifecycle?: { postStart?: { exec?: { command: string[] } } };
}

/** An init container of the rendered pod (`wait-for-model`): what runs before the server. */
interface RenderedInitContainer {
  readonly name: string;
  readonly command: string[];
  readonly env?: { name: string; value?: string }[];
  readonly volumeMounts?: { name: string; mountPath: string }[];
}

/** The `ollama` container, the init containers and the volumes of the rendered Deployment of a model. */
export async function renderedOllamaDeployment(model: ModelId): Promise<{
  path: string;
  container: RenderedContainer;
  initContainers: RenderedInitContainer[];
  volumes: { name: string; persistentVolumeClaim?: object; emptyDir?: object }[];
}> {
  const spec = MODEL_CATALOGUE[model];
  if (!spec) throw new Error(`model "${model}" is not in the catalogue (${Object.keys(MODEL_CATALOGUE).join(', ')})`);
  const path = join(REPO_ROOT, 'dist/manifests/cluster-addons', modelPoolNamespace(spec.pool), `deployment-ollama-${spec.slug}.yaml`);
  const doc = parse(await readFile(path, 'utf8'));
  const pod = doc?.spec?.template?.spec;
  const container = pod?.containers?.find((c: { name: string }) => c.name === 'ollama');
  if (!container) throw new Error(`${path}: no container named "ollama" in the Deployment's pod template`);
  return { path, container, initContainers: pod.initContainers ?? [], volumes: pod.volumes ?? [] };
}

/** Ollama binary built by the project's install script (cached by version). */
export async function ollamaBinary(): Promise<string> {
  const { stdout } = await run('bash', [join(PROJECT_ROOT, 'install/model-server.sh')], { maxBuffer: 1 << 20 });
  return stdout.trim().split('\n').at(-1)!;
}

/** A free TCP port on 127.0.0.1 (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts Ollama as the rendered Deployment runs it, on loopback: the container's environment read
 * from `dist/manifests` (not re-typed), with three mappings only: `OLLAMA_HOST` binds
 * 127.0.0.1:<free port> instead of 0.0.0.0:<containerPort>; a path under the `models` claim's
 * mount becomes `storeDir`; a path under an emptyDir mount (home, /tmp) becomes a fresh temporary
 * folder. Waits for the readiness probe's path within the startup probe's budget, then runs the
 * postStart hook (model preload).
 */
export async function startModelServer(opts: ModelServerOptions): Promise<RunningModelServer> {
  const model = opts.model ?? 'llama3:8b';
  const { path, container, initContainers, volumes } = await renderedOllamaDeployment(model);
  const binary = await ollamaBinary();
  const scratch: string[] = [];
  const mounts = new Map<string, string>();
  for (const mount of container.volumeMounts) {
    const volume = volumes.find((v) => v.name === mount.name);
    if (volume?.persistentVolumeClaim) {
      mounts.set(mount.mountPath, opts.storeDir);
    } else if (volume?.emptyDir) {
      const dir = await mkdtemp(join(tmpdir(), `panal-ollama-${mount.name}-`));
      scratch.push(dir);
      mounts.set(mount.mountPath, dir);
    } else {
      throw new Error(`${path}: volume "${mount.name}" mounted at ${mount.mountPath} is neither a claim nor an emptyDir; no local stand-in for it`);
    }
  }
  const mapPath = (value: string) => {
    for (const [mountPath, local] of mounts) {
      if (value === mountPath || value.startsWith(`${mountPath}/`)) return local + value.slice(mountPath.length);
    }
    return value;
  };
  const httpPort = container.ports.find((p) => p.name === 'http')?.containerPort;
  const port = await freePort();
  const env: Record<string, string> = {};
  for (const e of container.env) {
    if (e.value === undefined) throw new Error(`${path}: env ${e.name} has no literal value; only literal values are supported locally`);
    env[e.name] = mapPath(e.value);
  }
  if (env.OLLAMA_HOST !== `0.0.0.0:${httpPort}`) {
    throw new Error(`${path}: OLLAMA_HOST must be 0.0.0.0:<the "http" containerPort ${httpPort}>, but it is ${env.OLLAMA_HOST}`);
  }
  env.OLLAMA_HOST = `127.0.0.1:${port}`;
  if (mounts.has('/tmp')) env.TMPDIR = mounts.get('/tmp')!;
  const processEnv = { PATH: `${dirname(binary)}:/usr/bin:/bin`, ...env };

  // The init containers first, as the kubelet runs them (`wait-for-model` returns once the model is
  // in the store): their command and literal environment as rendered, paths mapped like the server's.
  for (const init of initContainers) {
    const initEnv: Record<string, string> = { PATH: '/usr/bin:/bin' };
    for (const e of init.env ?? []) {
      if (e.value === undefined) throw new Error(`${path}: env ${e.name} of init container ${init.name} has no literal value`);
      initEnv[e.name] = mapPath(e.value);
    }
    await run(init.command[0]!, init.command.slice(1), { env: initEnv, timeout: 120_000 }).catch((err: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`init container ${init.name} of ${path} failed: ${err.stderr || err.message}\n${err.stdout ?? ''}`);
    });
  }

  const output: string[] = [];
  // Own process group: stop() ends the server and the runner it spawns, nothing else.
  const child = spawn(binary, ['serve'], { env: processEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopGroup(child, exited);
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  };
  try {
    const probe = container.readinessProbe?.httpGet?.path ?? '/';
    const budgetMs = (container.startupProbe?.periodSeconds ?? 10) * (container.startupProbe?.failureThreshold ?? 18) * 1000;
    await waitHttp(`${url}${probe}`, budgetMs, exited, () => output.join(''));
    const hook = container.lifecycle?.postStart?.exec?.command;
    if ((opts.preload ?? true) && hook) {
      // Kubernetes runs exec hooks without stdin; `ollama run` reads an open stdin into the prompt
      // and would wait for its end, so it gets an already closed one.
      const pending = run(hook[0]!, hook.slice(1), { env: processEnv, timeout: budgetMs });
      pending.child.stdin?.end();
      await pending.catch((err: Error & { stderr?: string }) => {
        throw new Error(`postStart hook ${JSON.stringify(hook)} of ${path} failed: ${err.stderr || err.message}\nserver log:\n${output.join('').slice(-4000)}`);
      });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, env, rssKiB: () => groupRssKiB(child.pid!), log: () => output.join(''), stop };
}

async function waitHttp(url: string, budgetMs: number, exited: Promise<number | null>, log: () => string): Promise<void> {
  const deadline = Date.now() + budgetMs;
  let gone: number | null | undefined;
  void exited.then((code) => (gone = code));
  while (Date.now() < deadline) {
    if (gone !== undefined) throw new Error(`ollama serve exited (code ${gone}) before ${url} answered:\n${log().slice(-4000)}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer 200 within ${budgetMs} ms (the startup probe's budget):\n${log().slice(-4000)}`);
}

async function stopGroup(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = new Promise((r) => setTimeout(r, 10_000, 'timeout'));
  if ((await Promise.race([exited, timer])) === 'timeout') {
    signal('SIGKILL');
    await exited;
  }
  // The runner may outlive its parent for a moment: make sure the group is empty.
  signal('SIGKILL');
}

/** Sum of VmRSS over the processes of a process group (Linux /proc). */
async function groupRssKiB(pgid: number): Promise<number> {
  let total = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // Field 5 is the process group; fields after the ")" closing the command name.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // process ended while reading
    }
  }
  return total;
}
