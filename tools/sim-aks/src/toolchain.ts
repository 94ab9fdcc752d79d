import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

const TOOLCHAIN_DIR = join(import.meta.dirname, '..', 'toolchain');
const ENSURE = join(TOOLCHAIN_DIR, 'ensure.sh');

/** Paths of the simulated-AKS binaries. */
export interface Toolchain {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly kubectl: string;
  readonly kwok: string;
  /** Absent when it could not be built (the Go module proxy does not serve it; see versions.env). */
  readonly clusterAutoscaler?: string;
  /** The Kubernetes version the binaries report. */
  readonly kubernetesVersion: string;
}

export function readEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/**
 * Builds what is missing (cached by version under $PANAL_CACHE/sim-aks; minutes on a cold cache)
 * and returns the binaries. The autoscaler is optional here: callers that need it say so.
 */
export function ensureToolchain(options: { quiet?: boolean } = {}): Toolchain {
  // The autoscaler exits 4 when no source is reachable; everything else must build.
  try {
    execFileSync('bash', [ENSURE], { stdio: options.quiet ? 'pipe' : ['ignore', 'inherit', 'inherit'] });
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== 4) throw error;
  }
  const lines = execFileSync('bash', [ENSURE, '--paths'], { encoding: 'utf8' }).trim().split('\n');
  const paths = Object.fromEntries(lines.filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const need = (name: string) => {
    if (!paths[name]) throw new Error(`sim-aks toolchain: ${name} is missing after ensure.sh (see $PANAL_CACHE/sim-aks/logs)`);
    return paths[name];
  };
  return {
    etcd: need('etcd'),
    kubeApiserver: need('kube-apiserver'),
    kubeControllerManager: need('kube-controller-manager'),
    kubeScheduler: need('kube-scheduler'),
    kubectl: need('kubectl'),
    kwok: need('kwok'),
    clusterAutoscaler: paths['cluster-autoscaler'],
    kubernetesVersion: readEnvFile(join(TOOLCHAIN_DIR, 'versions.env')).K8S_VERSION,
  };
}

const KUBECONFORM_VERSIONS = join(import.meta.dirname, '..', '..', 'kubeconform', 'versions.env');

/**
 * CRD manifests of everything the platform emits (Argo CD, KEDA, Secrets Store CSI, Gateway API,
 * Prometheus Operator), read from the same Go modules and versions the kubeconform schemas are
 * generated from (tools/kubeconform/versions.env). Azure Monitor's copies of PodMonitor and
 * ServiceMonitor (group azmonitoring.coreos.com) are derived from the Prometheus Operator ones, as
 * the managed Prometheus add-on installs them.
 */
export function crdManifests(): { file: string; transform?: (text: string) => string }[] {
  const env = readEnvFile(KUBECONFORM_VERSIONS);
  const files: { file: string; transform?: (text: string) => string }[] = [];
  for (const source of env.CRD_SOURCES.split(',')) {
    const dir = moduleDir(env[`${source}_MODULE`], env[`${source}_VERSION`], env.GO_DOWNLOAD_TOOLCHAIN);
    const matches = globFiles(dir, env[`${source}_CRD_GLOB`]);
    if (matches.length === 0) throw new Error(`${env[`${source}_MODULE`]}: no CRDs match ${env[`${source}_CRD_GLOB`]}`);
    files.push(...matches.map((m) => ({ file: join(dir, m) })));
  }
  const group = env.AZMONITORING_GROUP;
  for (const kind of env.AZMONITORING_KINDS.split(',')) {
    const plural = `${kind.replace(/_v1$/, '')}s`;
    const original = files.find((f) => f.file.endsWith(`monitoring.coreos.com_${plural}.yaml`));
    if (!original) throw new Error(`no monitoring.coreos.com_${plural}.yaml among the Prometheus Operator CRDs`);
    files.push({
      file: original.file,
      transform: (text) => text.replaceAll(`name: ${plural}.monitoring.coreos.com`, `name: ${plural}.${group}`).replaceAll('group: monitoring.coreos.com', `group: ${group}`),
    });
  }
  return files;
}

function moduleDir(module: string, version: string, fallbackToolchain: string): string {
  const download = (toolchain: string) =>
    JSON.parse(execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: toolchain, GOFLAGS: '-mod=mod' } })) as { Dir?: string; Error?: string };
  let info: { Dir?: string; Error?: string };
  try {
    info = download('local');
    if (!info.Dir) info = download(fallbackToolchain);
  } catch {
    info = download(fallbackToolchain);
  }
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? 'no directory'}`);
  return info.Dir;
}

/** `dir/sub/*.yaml`-style globs (one `*` in the file name), the only shape versions.env uses. */
function globFiles(root: string, pattern: string): string[] {
  const name = new RegExp(`^${basename(pattern).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);
  const folder = dirname(pattern);
  return readdirSync(join(root, folder))
    .filter((f) => name.test(f))
    .sort()
    .map((f) => join(folder, f));
}

/**
 * The one line a run without the autoscaler prints (vitest global setup, `make sim-up`): why it is
 * missing and how to get it. The Go module proxy answers 403 for k8s.io/autoscaler/cluster-autoscaler
 * (toolchain/versions.env); ensure.sh builds it from a local clone instead.
 */
export const AUTOSCALER_MISSING =
  'cluster-autoscaler not built: the Go module proxy refuses k8s.io/autoscaler/cluster-autoscaler (403 for every version), so the autoscaler scenarios skip; ' +
  'with internet access: git clone https://github.com/kubernetes/autoscaler <dir> && PANAL_AUTOSCALER_GIT=<dir> make test';

/** Name of the variable the vitest global setup passes the answer of {@link autoscalerAvailable} in. */
export const AUTOSCALER_ENV = 'PANAL_SIM_AUTOSCALER_AVAILABLE';

/** Whether the cluster autoscaler is cached or can be built now (from PANAL_AUTOSCALER_GIT). Quiet. */
export function probeAutoscaler(): boolean {
  try {
    execFileSync('bash', [ENSURE, 'autoscaler'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the autoscaling scenarios can run. Decided once per test run by the global setup
 * (src/scenarios/global-setup.ts, which prints {@link AUTOSCALER_MISSING} once); outside vitest it
 * probes. Without the autoscaler those scenarios skip rather than being faked.
 */
export function autoscalerAvailable(): boolean {
  const decided = process.env[AUTOSCALER_ENV];
  return decided === undefined ? probeAutoscaler() : decided === '1';
}
