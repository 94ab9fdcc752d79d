import { WatchExpired, type DeploymentView, type KubernetesClient } from './kubernetes';

const key = (namespace: string, name: string) => `${namespace}/${name}`;

/**
 * The Deployments the activator cares about, kept current by one list+watch per distinct
 * Deployment *name* across all namespaces (`fieldSelector=metadata.name=<name>`): 1,000 tenants
 * whose workloads are `open-webui` and `redis` cost two watches, not 1,000. Objects in other
 * namespaces with the same name are dropped on arrival, so memory is one small view per
 * configured workload. A watch that ends is resumed from its last resourceVersion; an expired one
 * (410) or a failed one lists again after a back-off.
 */
export class DeploymentCache {
  private readonly views = new Map<string, DeploymentView>();
  private wanted: Set<string>;
  private names: string[];
  private readonly listed = new Set<string>();
  private readonly listeners = new Set<(d: DeploymentView | undefined, k: string) => void>();
  private readonly abort = new AbortController();
  /** One list+watch loop per name, each with its own abort (a reload may stop or restart one). */
  private readonly loops = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private started = false;
  private everSynced = false;

  constructor(
    private readonly kube: KubernetesClient,
    workloads: readonly { namespace: string; name: string }[],
    private readonly retryMs = 2000,
  ) {
    this.wanted = new Set(workloads.map((w) => key(w.namespace, w.name)));
    this.names = [...new Set(workloads.map((w) => w.name))].sort();
  }

  /** Starts one list+watch loop per distinct name. */
  start(): void {
    this.started = true;
    for (const name of this.names) this.startLoop(name);
  }

  /**
   * Whether every name has been listed once (readiness). Once true it stays true: a reload that
   * brings a new name lists it while every replica keeps serving the tenants it knows.
   */
  synced(): boolean {
    this.everSynced ||= this.names.every((n) => this.listed.has(n));
    return this.everSynced;
  }

  /**
   * Replaces the configured Deployments (a reloaded configuration). Views of Deployments no longer
   * configured are dropped; a name no longer used stops its watch; a new name starts one. A name that
   * gains a namespace (a tenant added) is listed again: its watch dropped that Deployment's events
   * until now. The views of every other Deployment stay as they are meanwhile.
   */
  setWorkloads(workloads: readonly { namespace: string; name: string }[]): void {
    const wanted = new Set(workloads.map((w) => key(w.namespace, w.name)));
    const names = [...new Set(workloads.map((w) => w.name))].sort();
    const added = [...wanted].filter((k) => !this.wanted.has(k));
    for (const k of [...this.views.keys()]) if (!wanted.has(k)) this.views.delete(k);
    this.wanted = wanted;
    for (const name of this.names) {
      if (names.includes(name)) continue;
      this.loops.get(name)?.abort.abort();
      this.loops.delete(name);
      this.listed.delete(name);
    }
    const previous = new Set(this.names);
    this.names = names;
    if (!this.started) return;
    for (const name of names) if (!previous.has(name) || added.some((k) => k.endsWith(`/${name}`))) this.startLoop(name);
  }

  /** Starts (or restarts, after the running one ended) the list+watch loop of one name. */
  private startLoop(name: string): void {
    const previous = this.loops.get(name);
    previous?.abort.abort();
    const abort = new AbortController();
    if (this.abort.signal.aborted) abort.abort();
    const done = (previous?.done ?? Promise.resolve()).then(() => this.run(name, abort.signal));
    this.loops.set(name, { abort, done });
  }

  get(namespace: string, name: string): DeploymentView | undefined {
    return this.views.get(key(namespace, name));
  }

  /**
   * Records what this replica just did (the answer of its own scale) before the watch reports it,
   * so its next decision does not act on the state it already changed.
   */
  assume(namespace: string, name: string, change: Partial<DeploymentView>): void {
    const k = key(namespace, name);
    const current = this.views.get(k);
    if (!current) return;
    this.put({ ...current, ...change });
  }

  /** Calls `listener` on every change of a configured Deployment; returns the unsubscribe. */
  subscribe(listener: (d: DeploymentView | undefined, k: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    for (const l of this.loops.values()) l.abort.abort();
    await Promise.allSettled([...this.loops.values()].map((l) => l.done));
  }

  private put(d: DeploymentView): void {
    const k = key(d.namespace, d.name);
    if (!this.wanted.has(k)) return;
    this.views.set(k, d);
    for (const l of this.listeners) l(d, k);
  }

  private remove(namespace: string, name: string): void {
    const k = key(namespace, name);
    if (!this.views.delete(k)) return;
    for (const l of this.listeners) l(undefined, k);
  }

  private async run(name: string, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const list = await this.kube.listDeployments(name);
        // Stopped or replaced while listing: the loop that replaced it lists again.
        if (signal.aborted) return;
        const present = new Set<string>();
        for (const d of list.items) {
          present.add(key(d.namespace, d.name));
          this.put(d);
        }
        for (const k of [...this.views.keys()]) if (k.endsWith(`/${name}`) && !present.has(k)) this.remove(k.slice(0, k.indexOf('/')), name);
        this.listed.add(name);
        let rv = list.resourceVersion;
        while (!signal.aborted) {
          rv = await this.kube.watchDeployments(
            name,
            rv,
            (e) => (e.type === 'DELETED' ? this.remove(e.deployment.namespace, e.deployment.name) : this.put(e.deployment)),
            signal,
          );
        }
      } catch (error) {
        if (signal.aborted) return;
        if (!(error instanceof WatchExpired)) console.warn(`tenant-activator: deployments named ${name}: ${(error as Error).message}; listing again in ${this.retryMs} ms`);
        if (!(error instanceof WatchExpired)) await sleep(this.retryMs, signal);
      }
    }
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
