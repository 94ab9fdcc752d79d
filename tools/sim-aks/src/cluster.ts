import { execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { dump } from 'js-yaml';
import { readAksModel, type AksModel } from './aks-model.ts';
import { AKS_DISK_STORAGE_CLASSES, AzureDiskProvisionerStandIn } from './azure-disk-standin.ts';
import { autoscalerTemplates, initialNodes, kwokProviderConfig, KWOK_NODE_ANNOTATION } from './node-templates.ts';
import { autoscalerFlags, flagDuration, NODE_LIFECYCLE, profileByName, readTimings, scaled, type SimProfile, type Timings } from './profile.ts';
import { kwokConfigYaml } from './stages.ts';
import { crdManifests, ensureToolchain, type Toolchain } from './toolchain.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

/** Where a cluster named `name` keeps etcd data, keys, logs and pids (`panal` is the main command's). */
export const stateDirOf = (name: string) => join(REPO_ROOT, '.out', 'sim-aks', name);

/** Options of {@link SimCluster.up}. */
export interface SimClusterOptions {
  /** Folder for etcd data, keys, logs and pid files. Default `.out/sim-aks/<name>` in the repo. */
  readonly stateDir?: string;
  /** Cluster name (state folder). Default `panal`. */
  readonly name?: string;
  /** Time compression. */
  readonly profile: SimProfile;
  /** Synthesized Terraform of the environment to simulate. Default `dist/terraform/prod`. */
  readonly terraformDir?: string;
  /** Region of that environment (zone labels). Default `swedencentral` (apps/platform-infra prod). */
  readonly region?: string;
  /** Start the cluster autoscaler (needs it cached; see toolchain/versions.env). Default true. */
  readonly autoscaler?: boolean;
  /**
   * How many nodes each pool starts with: `min` (its minimum, what the autoscaler grows from) or
   * `max` (its declared maximum: the autoscaler's upper bound, in place from the start). Default `min`.
   */
  readonly initialPoolSize?: 'min' | 'max';
}

/** What `attach` needs to rebuild a {@link SimCluster} from its state folder. */
interface ClusterMeta {
  profile: SimProfile['name'];
  terraformDir: string;
  region: string;
  autoscalerRunning: boolean;
}

interface ProcessRecord {
  name: string;
  pid: number;
  log: string;
  bin: string;
  args: string[];
  env: Record<string, string>;
}

function startProcess(stateDir: string, name: string, bin: string, args: string[], env: Record<string, string> = {}): ProcessRecord {
  const log = join(stateDir, 'logs', `${name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  closeSync(fd);
  child.unref();
  return { name, pid: child.pid!, log, bin, args, env };
}

const readRecords = (stateDir: string) => JSON.parse(readFileSync(join(stateDir, 'processes.json'), 'utf8')) as ProcessRecord[];
const writeRecords = (stateDir: string, records: ProcessRecord[]) => writeFileSync(join(stateDir, 'processes.json'), JSON.stringify(records, null, 2));

/** A running simulated AKS: a real control plane, kwok nodes shaped like the AKS pools, the autoscaler. */
export class SimCluster {
  /** Provisions the disks of AKS's built-in storage classes (stand-in for the Azure Disk CSI driver), while this process runs. */
  readonly disks: AzureDiskProvisionerStandIn = new AzureDiskProvisionerStandIn(this);

  private constructor(
    /** Folder with everything the cluster writes. */
    public readonly stateDir: string,
    /** kubeconfig with cluster-admin (static token). */
    public readonly kubeconfig: string,
    public readonly toolchain: Toolchain,
    public readonly model: AksModel,
    public readonly profile: SimProfile,
    public readonly timings: Timings,
    /** Whether the cluster autoscaler runs. */
    public readonly autoscalerRunning: boolean,
  ) {}

  /**
   * Brings a fresh cluster up (stopping one left in the same state folder first). If anything fails
   * on the way, every process it started is stopped again and the error names the logs folder.
   */
  static async up(options: SimClusterOptions): Promise<SimCluster> {
    const stateDir = options.stateDir ?? stateDirOf(options.name ?? 'panal');
    try {
      return await SimCluster.boot(stateDir, options);
    } catch (error) {
      await SimCluster.down(stateDir);
      throw new Error(`simulated AKS failed to start: ${(error as Error).message} (component logs: ${join(stateDir, 'logs')})`);
    }
  }

  private static async boot(stateDir: string, options: SimClusterOptions): Promise<SimCluster> {
    const toolchain = ensureToolchain({ quiet: true });
    await SimCluster.down(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
    mkdirSync(join(stateDir, 'logs'), { recursive: true });
    mkdirSync(join(stateDir, 'pki'), { recursive: true });

    const model = readAksModel(options.terraformDir ?? join(REPO_ROOT, 'dist', 'terraform', 'prod'), options.region ?? 'swedencentral');
    const timings = readTimings();
    const { profile } = options;
    const [etcdClient, etcdPeer, apiPort, caPort] = await freePorts(4);

    // Credentials: one static admin token; a service-account signing key pair.
    const token = randomBytes(24).toString('hex');
    writeFileSync(join(stateDir, 'pki', 'tokens.csv'), `${token},panal-sim-admin,panal-sim-admin,"system:masters"\n`, { mode: 0o600 });
    const sa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    writeFileSync(join(stateDir, 'pki', 'sa.key'), sa.privateKey, { mode: 0o600 });
    writeFileSync(join(stateDir, 'pki', 'sa.pub'), sa.publicKey);
    const kubeconfig = join(stateDir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      dump({
        apiVersion: 'v1',
        kind: 'Config',
        // The API server signs its own serving certificate (--cert-dir); a local simulator has no CA to pin.
        clusters: [{ name: 'sim-aks', cluster: { server: `https://127.0.0.1:${apiPort}`, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'panal-sim-admin', user: { token } }],
        contexts: [{ name: 'sim-aks', context: { cluster: 'sim-aks', user: 'panal-sim-admin' } }],
        'current-context': 'sim-aks',
      }),
      { mode: 0o600 },
    );

    const processes: ProcessRecord[] = [];
    const start = (name: string, bin: string, args: string[], env: Record<string, string> = {}) => {
      processes.push(startProcess(stateDir, name, bin, args, env));
      writeRecords(stateDir, processes);
    };

    const s = (production: number) => scaled(profile, production);
    start('etcd', toolchain.etcd, [
      '--name=sim', `--data-dir=${join(stateDir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`, `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=sim=http://127.0.0.1:${etcdPeer}`,
      // A throw-away cluster: no fsync keeps 300 tenants' worth of writes fast on a shared disk.
      '--unsafe-no-fsync', '--quota-backend-bytes=8589934592', '--log-level=warn',
    ]);
    start('kube-apiserver', toolchain.kubeApiserver, [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
      `--cert-dir=${join(stateDir, 'pki')}`,
      `--token-auth-file=${join(stateDir, 'pki', 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      `--service-account-key-file=${join(stateDir, 'pki', 'sa.pub')}`,
      `--service-account-signing-key-file=${join(stateDir, 'pki', 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range=10.96.0.0/16',
      // AKS allows privileged pods cluster-wide; tenant namespaces are held by Pod Security instead.
      '--allow-privileged=true',
      // Taint-based eviction after a node is lost, compressed like every other production window.
      `--default-not-ready-toleration-seconds=${Math.ceil(s(NODE_LIFECYCLE.notReadyTolerationSeconds))}`,
      `--default-unreachable-toleration-seconds=${Math.ceil(s(NODE_LIFECYCLE.notReadyTolerationSeconds))}`,
    ]);
    await waitFor('kube-apiserver /readyz', 90, async () => (await kubectlRaw(toolchain, kubeconfig, ['get', '--raw', '/readyz'])).ok);

    const kcmArgs = [
      `--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--secure-port=0',
      `--service-account-private-key-file=${join(stateDir, 'pki', 'sa.key')}`,
      `--root-ca-file=${join(stateDir, 'pki', 'apiserver.crt')}`,
      '--use-service-account-credentials=false',
      `--node-monitor-grace-period=${flagDuration(s(NODE_LIFECYCLE.nodeMonitorGracePeriod))}`,
      `--node-monitor-period=${flagDuration(Math.min(s(NODE_LIFECYCLE.nodeMonitorPeriod), 1))}`,
      `--horizontal-pod-autoscaler-sync-period=${flagDuration(s(NODE_LIFECYCLE.hpaSyncPeriod))}`,
      // Evictions from a lost zone are rate-limited per node; the rate speeds up with the clock.
      `--node-eviction-rate=${(NODE_LIFECYCLE.nodeEvictionRate / profile.timeScale).toFixed(2)}`,
      '--concurrent-deployment-syncs=10', '--concurrent-replicaset-syncs=10', '--kube-api-qps=200', '--kube-api-burst=400',
    ];
    start('kube-controller-manager', toolchain.kubeControllerManager, kcmArgs);
    start('kube-scheduler', toolchain.kubeScheduler, [`--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--secure-port=0', '--kube-api-qps=200', '--kube-api-burst=400']);

    const kwokConfig = join(stateDir, 'kwok.yaml');
    writeFileSync(kwokConfig, kwokConfigYaml(profile, timings));
    // One kwok per zone: the "kubelets" of a zone are one process, so a zone can go silent at once.
    const zones = [...new Set(model.pools.flatMap((p) => p.zones))].sort();
    for (const [i, zone] of zones.entries()) {
      start(kwokComponent(zone), toolchain.kwok, [
        `--kubeconfig=${kubeconfig}`, `--config=${kwokConfig}`,
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
        `--manage-nodes-with-label-selector=topology.kubernetes.io/zone=${model.region}-${zone}`,
        `--node-lease-duration-seconds=${Math.max(4, Math.round(s(NODE_LIFECYCLE.nodeLeaseDuration)))}`,
        // Disjoint pod and node address ranges per zone.
        `--cidr=10.${244 - i}.0.0/16`, `--node-ip=10.224.${i}.1`,
      ]);
    }

    const autoscalerRunning = (options.autoscaler ?? true) && toolchain.clusterAutoscaler !== undefined;
    const cluster = new SimCluster(stateDir, kubeconfig, toolchain, model, profile, timings, autoscalerRunning);
    // The pieces AKS puts in place before anything of ours: namespaces Argo CD and add-ons expect, CRDs, nodes.
    await cluster.applyObjects([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } }], 'sim-aks');
    await cluster.installCrds();
    await cluster.applyObjects([...AKS_DISK_STORAGE_CLASSES], 'sim-aks');
    cluster.disks.start();
    const nodes = initialNodes(model, toolchain.kubernetesVersion, undefined, options.initialPoolSize ?? 'min');
    // Hundreds of Node objects at the pools' maxima: a few per request keeps each apply small.
    for (let i = 0; i < nodes.length; i += 100) await cluster.applyObjects(nodes.slice(i, i + 100), 'sim-aks');
    await cluster.applyObjects(
      [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kwok-provider-config', namespace: 'kube-system' }, data: { config: kwokProviderConfig() } },
        {
          apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kwok-provider-templates', namespace: 'kube-system' },
          data: { templates: autoscalerTemplates(model, toolchain.kubernetesVersion).map((n) => dump(n, { lineWidth: -1 })).join('---\n') },
        },
        // The production ConfigMap, as the gitops stack renders it (synthesized Terraform).
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-autoscaler-priority-expander', namespace: 'kube-system' }, data: { priorities: model.priorityExpander } },
      ],
      'sim-aks',
    );

    if (autoscalerRunning) {
      start('cluster-autoscaler', toolchain.clusterAutoscaler!, [
        '--cloud-provider=kwok', `--kubeconfig=${kubeconfig}`, '--namespace=kube-system', '--leader-elect=false',
        `--address=127.0.0.1:${caPort}`, '--v=2',
        ...autoscalerFlags(profile, model.autoscalerProfile),
        // The simulated nodes have no metrics server; utilization comes from requests, as in AKS.
        '--scale-down-utilization-threshold=0.5', '--enforce-node-group-min-size=true',
        // AKS's own autoscaler (Azure provider) treats pools that differ only in these labels as
        // similar for balance-similar-node-groups (processors/nodegroupset/azure_nodegroups.go in
        // kubernetes/autoscaler); the kwok provider's generic comparator needs them named.
        '--balancing-ignore-label=sim.panal.io/node-group', '--balancing-ignore-label=kubernetes.azure.com/agentpool', '--balancing-ignore-label=agentpool',
        `--max-inactivity=${flagDuration(Math.max(60, s(600)))}`,
        // CA waits until GPU pods are 30 s old before scaling up (a constant, not a flag). Compressed
        // time cannot shrink it, so the test profile lets CA act on pods at once ("bypassed" names a
        // scheduler that does not exist, which only switches that wait off); production keeps the 30 s,
        // which the cold-start budgets in docs/modelos-y-gpu.md include.
        ...(profile.timeScale < 1 ? ['--bypassed-scheduler-names=sim-aks-no-such-scheduler'] : []),
      ], { KWOK_PROVIDER_MODE: 'local', KUBECONFIG: kubeconfig, POD_NAMESPACE: 'kube-system' });
    }
    const meta: ClusterMeta = { profile: profile.name, terraformDir: options.terraformDir ?? join(REPO_ROOT, 'dist', 'terraform', 'prod'), region: model.region, autoscalerRunning };
    writeFileSync(join(stateDir, 'cluster.json'), JSON.stringify(meta, null, 2));
    await cluster.waitForNodesReady();
    return cluster;
  }

  /** Connects to a cluster `up` left running in `stateDir`. */
  static async attach(stateDir: string): Promise<SimCluster> {
    const metaFile = join(stateDir, 'cluster.json');
    if (!existsSync(metaFile) || !existsSync(join(stateDir, 'processes.json'))) throw new Error(`no simulated cluster is running in ${stateDir} (start one with: make synth)`);
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as ClusterMeta;
    const toolchain = ensureToolchain({ quiet: true });
    return new SimCluster(stateDir, join(stateDir, 'kubeconfig'), toolchain, readAksModel(meta.terraformDir, meta.region), profileByName(meta.profile), readTimings(), meta.autoscalerRunning);
  }

  /** Stops every process a cluster in `stateDir` started (idempotent). */
  static async down(stateDir: string): Promise<void> {
    const file = join(stateDir, 'processes.json');
    if (!existsSync(file)) return;
    const records = JSON.parse(readFileSync(file, 'utf8')) as ProcessRecord[];
    // Reverse start order: the autoscaler and kwok first, etcd last.
    for (const r of [...records].reverse()) signal(r.pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (records.some((r) => alive(r.pid)) && Date.now() < deadline) await sleep(200);
    for (const r of records) signal(r.pid, 'SIGKILL');
    rmSync(file, { force: true });
  }

  async stop(): Promise<void> {
    await this.disks.stop();
    await SimCluster.down(this.stateDir);
  }

  /** Stops one component for good (e.g. `kwokComponent('1')`: every kubelet of zone 1 falls silent). */
  async stopComponent(name: string): Promise<void> {
    const records = readRecords(this.stateDir);
    const record = records.find((r) => r.name === name);
    if (!record) throw new Error(`no component ${name} in ${this.stateDir}`);
    signal(record.pid, 'SIGKILL');
    await waitFor(`${name} to stop`, 10, async () => !alive(record.pid));
  }

  /**
   * Freezes a component (SIGSTOP) for `seconds` and lets it go on (SIGCONT): for a zone's kwok,
   * its kubelets miss their lease renewals for that long without dying, as under a loaded host.
   */
  async stallComponent(name: string, seconds: number): Promise<void> {
    const record = readRecords(this.stateDir).find((r) => r.name === name);
    if (!record) throw new Error(`no component ${name} in ${this.stateDir}`);
    signal(record.pid, 'SIGSTOP');
    try {
      await sleep(seconds * 1000);
    } finally {
      signal(record.pid, 'SIGCONT');
    }
  }

  /** kubectl against this cluster; rejects with stderr on failure. */
  async kubectl(args: string[], input?: string): Promise<string> {
    const result = await kubectlRaw(this.toolchain, this.kubeconfig, args, input);
    if (!result.ok) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr.trim()}`);
    return result.stdout;
  }

  /** Like {@link kubectl} but returns the outcome instead of throwing (for expected rejections). */
  kubectlResult(args: string[], input?: string) {
    return kubectlRaw(this.toolchain, this.kubeconfig, args, input);
  }

  async getJson<T = any>(args: string[]): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
    return JSON.parse(await this.kubectl([...args, '-o', 'json'])) as T;
  }

  /** Server-side apply of objects, as one field manager. */
  async applyObjects(objects: object[], fieldManager: string): Promise<void> {
    if (objects.length === 0) return;
    await this.kubectl(['apply', '--server-side', '--force-conflicts', `--field-manager=${fieldManager}`, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  }

  private async installCrds(): Promise<void> {
    for (const crd of crdManifests()) {
      const text = readFileSync(crd.file, 'utf8');
      await this.kubectl(['apply', '--server-side', '--field-manager=sim-aks', '-f', '-'], crd.transform ? crd.transform(text) : text);
    }
    await this.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
  }

  /** Waits until every node kwok manages reports Ready. */
  async waitForNodesReady(timeoutSeconds = 120): Promise<void> {
    await waitFor('nodes Ready', timeoutSeconds, async () => {
      const nodes = await this.getJson<{ items: any[] }>(['get', 'nodes']); // eslint-disable-line @typescript-eslint/no-explicit-any
      return nodes.items.length > 0 && nodes.items.every((n) => n.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'));
    });
  }

  /** Seconds of simulated time for a production duration under this cluster's profile. */
  scaled(productionSeconds: number): number {
    return scaled(this.profile, productionSeconds);
  }
}

export async function kubectlRaw(toolchain: Toolchain, kubeconfig: string, args: string[], input?: string): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = execFile(toolchain.kubectl, [`--kubeconfig=${kubeconfig}`, ...args], { maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolvePromise({ ok: !error, stdout: String(stdout), stderr: String(stderr) || (error ? String(error.message) : '') }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Name of the kwok process that plays the kubelets of one zone (`1`, `2`, `3`). */
export const kwokComponent = (zone: string) => `kwok-zone-${zone}`;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 250 ms until it returns true, or fails naming `what` after `timeoutSeconds`. */
export async function waitFor(what: string, timeoutSeconds: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      if (await check()) return (Date.now() - started) / 1000;
    } catch {
      // not there yet (e.g. the API server still starting)
    }
    if (Date.now() - started > timeoutSeconds * 1000) throw new Error(`timed out after ${timeoutSeconds}s waiting for ${what}`);
    await sleep(250);
  }
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<import('node:net').Server>((r) => { const s = createServer(); s.listen(0, '127.0.0.1', () => r(s)); })),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function signal(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(-pid, sig); // the process group: a component may have children
  } catch {
    try { process.kill(pid, sig); } catch { /* already gone */ }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

