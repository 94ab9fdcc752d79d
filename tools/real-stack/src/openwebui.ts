/**
 * OpenWebUI from PyPI, started the way the rendered tenant manifests run it: the environment,
 * container port, probes, seed init container and migration Job all come from
 * `dist/manifests/tenants/<id>/`. Only what cannot exist on a laptop is replaced, each replacement
 * named in {@link LOCAL_DEVIATIONS}:
 *   - Service DNS names (`<svc>.<ns>.svc.cluster.local:<port>`) -> loopback ports of the local servers,
 *   - container paths -> per-replica temporary directories (the pod's emptyDirs) and the venv,
 *   - Key Vault secrets (SecretProviderClass -> synced Secret) -> {@link LocalKeyVaultStandIn}.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { freePort, startProcess, type ManagedProcess } from './services';

const execFileAsync = promisify(execFile);
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
const INSTALL_DIR = resolve(import.meta.dirname, '../install');
const LOOPBACK = '127.0.0.1';

/** Runs `install/open-webui.sh` (idempotent; the cold install takes minutes) and returns the venv. */
export function ensureOpenWebUIInstalled(): string {
  return execFileSync('bash', [join(INSTALL_DIR, 'open-webui.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** The `open_webui` package directory inside the venv (what the image has at /app/backend/open_webui). */
export function openWebUIPackageDir(venv: string): string {
  const lib = join(venv, 'lib');
  const py = readdirSync(lib).find((d) => d.startsWith('python'));
  if (!py) throw new Error(`no python* directory in ${lib}`);
  return join(lib, py, 'site-packages', 'open_webui');
}

type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type Probe = { httpGet: { path: string; port: string | number }; periodSeconds?: number; failureThreshold?: number; timeoutSeconds?: number };
type Container = { name: string; image: string; command?: string[]; env?: EnvVar[]; ports?: { name: string; containerPort: number }[]; startupProbe?: Probe; readinessProbe?: Probe; livenessProbe?: Probe; volumeMounts?: { name: string; mountPath: string }[] };
type PodSpec = { initContainers?: Container[]; containers: Container[]; volumes: { name: string; emptyDir?: { sizeLimit?: string } }[] };

/** What the rendered manifests say about one tenant's OpenWebUI. */
export interface RenderedTenantOpenWebUI {
  readonly tenantId: string;
  readonly namespace: string;
  readonly server: Container;
  readonly initContainers: readonly Container[];
  readonly volumes: PodSpec['volumes'];
  readonly migration: Container;
  /** Secret objects the SecretProviderClass syncs, by Secret name -> keys. */
  readonly syncedSecrets: Readonly<Record<string, readonly string[]>>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests, read by the fields named at each use
function readYaml(path: string): any {
  if (!existsSync(path)) throw new Error(`${path} does not exist: run \`nx run tenants:synth\` first`);
  return parse(readFileSync(path, 'utf8'));
}

/** Reads the tenant's Deployment, migration Job and SecretProviderClass from `dist/manifests/tenants/<id>/`. */
export function readRenderedTenant(tenantId: string, manifestsDir = join(REPO_ROOT, 'dist/manifests')): RenderedTenantOpenWebUI {
  const dir = join(manifestsDir, 'tenants', tenantId);
  const deployment = readYaml(join(dir, 'deployment-open-webui.yaml'));
  const job = readYaml(join(dir, 'job-open-webui-migrate.yaml'));
  const spc = readYaml(join(dir, 'secretproviderclass-tenant-key-vault.yaml'));
  const spec: PodSpec = deployment.spec.template.spec;
  const server = spec.containers.find((c) => c.name === 'open-webui');
  if (!server) throw new Error(`${dir}/deployment-open-webui.yaml has no container "open-webui"`);
  const syncedSecrets: Record<string, string[]> = {};
  for (const so of spc.spec.secretObjects ?? []) syncedSecrets[so.secretName] = so.data.map((d: { key: string }) => d.key);
  return { tenantId, namespace: deployment.metadata.namespace, server, initContainers: spec.initContainers ?? [], volumes: spec.volumes, migration: job.spec.template.spec.containers[0], syncedSecrets };
}

/**
 * Local stand-in for the tenant's Azure Key Vault and the Secrets Store CSI driver: holds the
 * secret values and answers `secretKeyRef`s, but only for Secrets and keys the rendered
 * SecretProviderClass actually syncs (a reference to anything else fails, as the pod would).
 */
export class LocalKeyVaultStandIn {
  constructor(
    private readonly rendered: RenderedTenantOpenWebUI,
    private readonly values: Readonly<Record<string, string>>,
  ) {}
  resolve(ref: { name: string; key: string }, envName: string): string {
    const keys = this.rendered.syncedSecrets[ref.name];
    if (!keys?.includes(ref.key)) throw new Error(`env ${envName}: secretKeyRef ${ref.name}/${ref.key} is not synced by the tenant's SecretProviderClass (syncs ${JSON.stringify(this.rendered.syncedSecrets)})`);
    const v = this.values[ref.key];
    if (v === undefined) throw new Error(`env ${envName}: the local Key Vault stand-in has no value for ${ref.key}`);
    return v;
  }
}

/**
 * Settings replaced on this machine, with the reason. Everything else is the rendered value.
 * Removing a variable is `undefined`.
 */
export const LOCAL_DEVIATIONS: Readonly<Record<string, { value: (ctx: { port: number }) => string | undefined; why: string }>> = {
  STORAGE_PROVIDER: { value: () => 'local', why: 'no Azure Blob Storage here: uploads stay in DATA_DIR/uploads' },
  AZURE_STORAGE_ENDPOINT: { value: () => undefined, why: 'no Azure Blob Storage here' },
  AZURE_STORAGE_CONTAINER_NAME: { value: () => undefined, why: 'no Azure Blob Storage here' },
  ENABLE_LOGIN_FORM: { value: () => 'true', why: 'no Entra ID here: tests sign up and log in with a password' },
  ENABLE_SIGNUP: { value: () => 'true', why: 'no Entra ID here: the first signed-up user becomes admin' },
  OPENID_PROVIDER_URL: { value: () => undefined, why: 'no Entra ID here (OpenWebUI would fetch its metadata)' },
  OAUTH_CLIENT_ID: { value: () => undefined, why: 'no Entra ID here' },
  OAUTH_CLIENT_SECRET: { value: () => undefined, why: 'no Entra ID here' },
  OPENID_REDIRECT_URI: { value: () => undefined, why: 'no Entra ID here' },
  WEBUI_URL: { value: ({ port }) => `http://${LOOPBACK}:${port}`, why: 'the replica is reached on loopback, not through the edge hostname' },
};

/** Replaces every `<svc>.<ns>.svc.cluster.local[:port]` with the mapped loopback address, or fails naming it. */
export function mapServiceNames(value: string, services: Readonly<Record<string, string>>, envName: string): string {
  return value.replace(/([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local(?::(\d+))?/g, (_m, svc: string, ns: string, port?: string) => {
    const key = `${svc}.${ns}:${port ?? '80'}`;
    const to = services[key];
    if (!to) throw new Error(`env ${envName}: no local server for Service ${key} (known: ${Object.keys(services).join(', ') || 'none'})`);
    return to;
  });
}

/** Replaces container path prefixes (longest first) with local directories. */
export function mapPaths(value: string, paths: Readonly<Record<string, string>>): string {
  for (const from of Object.keys(paths).sort((a, b) => b.length - a.length)) {
    if (value === from || value.startsWith(`${from}/`)) return paths[from] + value.slice(from.length);
  }
  return value;
}

/** The local environment of a rendered container: secrets resolved, Services and paths mapped, deviations applied. */
export function localEnv(container: Container, ctx: { keyVault: LocalKeyVaultStandIn; services: Readonly<Record<string, string>>; paths: Readonly<Record<string, string>>; port: number; applyDeviations: boolean }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    const raw = e.valueFrom?.secretKeyRef ? ctx.keyVault.resolve(e.valueFrom.secretKeyRef, e.name) : (e.value ?? '');
    env[e.name] = mapPaths(mapServiceNames(raw, ctx.services, e.name), ctx.paths);
  }
  if (ctx.applyDeviations) {
    for (const [name, d] of Object.entries(LOCAL_DEVIATIONS)) {
      const v = d.value({ port: ctx.port });
      if (v === undefined) delete env[name];
      else env[name] = v;
    }
  }
  return env;
}

/** Base environment for a Python process of the venv: PATH to the venv, nothing inherited that could change OpenWebUI. */
function processEnv(venv: string, home: string, env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: `${join(venv, 'bin')}:/usr/bin:/bin`, LANG: 'C.UTF-8', HOME: home, ...env };
}

/** Inputs shared by the replicas of one tenant. */
export interface TenantRuntime {
  readonly rendered: RenderedTenantOpenWebUI;
  readonly keyVault: LocalKeyVaultStandIn;
  /** `<svc>.<ns>:<port>` -> `127.0.0.1:<port>` */
  readonly services: Readonly<Record<string, string>>;
  readonly venv: string;
}

/** Builds the tenant runtime; `secrets` are the values the tenant's Key Vault would hold. */
export function tenantRuntime(tenantId: string, venv: string, services: Record<string, string>, secrets: Record<string, string>): TenantRuntime {
  const rendered = readRenderedTenant(tenantId);
  return { rendered, keyVault: new LocalKeyVaultStandIn(rendered, secrets), services, venv };
}

/** A fresh random value for `webui-secret-key` and the like. */
export const randomSecret = () => randomBytes(24).toString('base64url');

/**
 * Runs the rendered migration Job's command (`cd /app/backend/open_webui && exec alembic upgrade head`)
 * with its environment, against the tenant database, once, before any replica starts.
 */
export async function runMigrationJob(rt: TenantRuntime): Promise<{ ms: number; output: string }> {
  const job = rt.rendered.migration;
  const work = mkdtempSync(join(tmpdir(), `panal-owui-migrate-${rt.rendered.tenantId}-`));
  const paths = { '/app/backend/open_webui': openWebUIPackageDir(rt.venv), '/app/backend/data': join(work, 'data'), '/tmp': join(work, 'tmp') };
  mkdirSync(paths['/app/backend/data'], { recursive: true });
  mkdirSync(paths['/tmp'], { recursive: true });
  const env = localEnv(job, { keyVault: rt.keyVault, services: rt.services, paths, port: 0, applyDeviations: false });
  if (!job.command || job.command[0] !== 'sh') throw new Error(`migration Job command ${JSON.stringify(job.command)} is not "sh -c <script>"`);
  const script = mapPaths(job.command.at(-1)!, paths).replaceAll('/app/backend/open_webui', paths['/app/backend/open_webui']);
  const t0 = Date.now();
  try {
    const { stdout, stderr } = await execFileAsync('sh', ['-c', script], { env: processEnv(rt.venv, paths['/tmp'], env), maxBuffer: 64 << 20 });
    return { ms: Date.now() - t0, output: stdout + stderr };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A running OpenWebUI replica. */
export interface OpenWebUIReplica {
  readonly url: string;
  readonly port: number;
  readonly process: ManagedProcess;
  readonly env: Readonly<Record<string, string>>;
  readonly logFile: string;
  /** Milliseconds from spawn to the first successful startup probe. */
  readonly startMs: number;
  /** Resident memory of the replica's processes, in KiB. */
  rssKiB(): number;
  stop(): Promise<void>;
  /** SIGKILL, as a node failure would. */
  kill(): Promise<void>;
}

/** Resident memory (VmRSS) of a process and its descendants, in KiB. */
export function treeRssKiB(pid: number): number {
  let total = 0;
  const walk = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim();
      for (const c of children ? children.split(/\s+/) : []) walk(Number(c));
    } catch {
      /* exited */
    }
  };
  walk(pid);
  return total;
}

async function probe(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Starts one replica: runs the pod's init containers (the seed copy) into its own emptyDirs, then
 * `open-webui serve` on a free loopback port with the rendered environment, and waits for the
 * rendered startup probe (path, period, failure threshold). `opts.port` fixes the port (default: a
 * free one).
 */
export async function startOpenWebUIReplica(rt: TenantRuntime, name: string, opts: { port?: number } = {}): Promise<OpenWebUIReplica> {
  const c = rt.rendered.server;
  const root = mkdtempSync(join(tmpdir(), `panal-owui-${rt.rendered.tenantId}-${name}-`));
  const pkg = openWebUIPackageDir(rt.venv);
  // One directory per emptyDir of the pod, mounted where the container mounts it.
  const paths: Record<string, string> = { '/app/backend/open_webui': pkg };
  for (const m of c.volumeMounts ?? []) {
    const vol = rt.rendered.volumes.find((v) => v.name === m.name);
    if (vol?.emptyDir) {
      paths[m.mountPath] = join(root, 'volumes', m.name);
      mkdirSync(paths[m.mountPath], { recursive: true });
    }
  }
  // Init containers see the image's own files; the PyPI package bakes nothing into DATA_DIR, so the
  // image's /app/backend/data is an empty directory here.
  for (const init of rt.rendered.initContainers) {
    const initPaths: Record<string, string> = { '/app/backend/open_webui': pkg, '/app/backend/data': join(root, 'image-data') };
    mkdirSync(initPaths['/app/backend/data'], { recursive: true });
    for (const m of init.volumeMounts ?? []) initPaths[m.mountPath] = join(root, 'volumes', m.name);
    if (!init.command || init.command[0] !== 'sh') throw new Error(`init container ${init.name} command ${JSON.stringify(init.command)} is not "sh -c <script>"`);
    const script = Object.keys(initPaths)
      .sort((a, b) => b.length - a.length)
      .reduce((s, from) => s.replaceAll(from, initPaths[from]), init.command.at(-1)!);
    execFileSync('sh', ['-c', script], { stdio: 'inherit' });
  }
  // A fixed port plays a Service that outlives its pods (the tenant activator's upstream).
  const port = opts.port ?? (await freePort());
  const env = localEnv(c, { keyVault: rt.keyVault, services: rt.services, paths, port, applyDeviations: true });
  const logFile = join(root, 'open-webui.log');
  const cwd = join(root, 'cwd');
  mkdirSync(cwd);
  const t0 = Date.now();
  const proc = startProcess(join(rt.venv, 'bin', 'open-webui'), ['serve', '--host', LOOPBACK, '--port', String(port)], { env: processEnv(rt.venv, env.HOME ?? cwd, env), cwd, logFile });
  const startup = c.startupProbe;
  if (!startup) throw new Error(`rendered container ${c.name} has no startupProbe`);
  const budgetMs = (startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3) * 1000;
  const url = `http://${LOOPBACK}:${port}`;
  for (;;) {
    if (proc.proc.exitCode !== null) throw new Error(`OpenWebUI ${rt.rendered.tenantId}/${name} exited with ${proc.proc.exitCode}; last log lines:\n${tail(logFile)}`);
    if (await probe(`${url}${startup.httpGet.path}`, 2000)) break;
    if (Date.now() - t0 > budgetMs) {
      await proc.stop();
      throw new Error(`OpenWebUI ${rt.rendered.tenantId}/${name} failed its startup probe budget (${budgetMs} ms); last log lines:\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const startMs = Date.now() - t0;
  return {
    url,
    port,
    process: proc,
    env,
    logFile,
    startMs,
    rssKiB: () => treeRssKiB(proc.pid),
    async stop() {
      await proc.stop(15_000);
      rmSync(root, { recursive: true, force: true });
    },
    async kill() {
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await proc.stop(1000);
    },
  };
}

function tail(file: string, n = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}
