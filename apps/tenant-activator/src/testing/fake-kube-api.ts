/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes JSON */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call the stand-in received. */
export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly body?: any;
}

/**
 * A stand-in for the few Deployment endpoints of the Kubernetes API the activator uses (list and
 * watch by `metadata.name` across namespaces, get, merge patch of the Deployment and of its scale
 * subresource with the `metadata.resourceVersion` precondition answered by 409), in memory, over
 * real HTTP. It is NOT a Kubernetes API server: there are no controllers, so `readyAfterMs` plays
 * the Deployment controller and kubelet (ready replicas follow `spec.replicas` after a delay), or
 * the test sets them with {@link setReady}. The real API server is exercised by the sim-aks scenario.
 */
export class FakeKubeApi {
  readonly calls: RecordedCall[] = [];
  /** ms after a scale-up until `status.readyReplicas` follows; `undefined` = only {@link setReady}. */
  readyAfterMs: number | undefined = 50;
  /** Called after a GET of one Deployment was answered (to play another replica acting in between). */
  afterGet?: (namespace: string, name: string) => void;
  /**
   * Called after a scale PATCH was accepted and stored, with the replicas it asked for and those it
   * replaced: lets a test play the Deployment controller and kubelet with real processes (start a
   * replica on 0 -> N, stop it on N -> 0, then {@link setReady}). Usually with `readyAfterMs = undefined`.
   */
  onScale?: (namespace: string, name: string, replicas: number, previous: number) => void;
  /** Status the next calls of an operation fail with (`scale`, `annotate`, `get`, `list`). */
  failNext: Partial<Record<'scale' | 'annotate' | 'get' | 'list', number>> = {};
  readonly token = 'fake-token';
  private readonly objects = new Map<string, any>();
  private readonly watchers = new Set<{ name: string; res: ServerResponse }>();
  private rv = 100;
  private server?: Server;

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Creates (or replaces) a Deployment. */
  addDeployment(namespace: string, name: string, replicas: number, readyReplicas = replicas, annotations: Record<string, string> = {}, createdAt = new Date()): void {
    this.store({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { namespace, name, annotations, creationTimestamp: createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z') },
      spec: { replicas },
      status: readyReplicas > 0 ? { readyReplicas } : {},
    }, 'ADDED');
  }

  deployment(namespace: string, name: string): any {
    return this.objects.get(`${namespace}/${name}`);
  }

  /** Sets ready replicas, as the controllers would. */
  setReady(namespace: string, name: string, ready: number): void {
    const d = structuredClone(this.deployment(namespace, name));
    d.status = ready > 0 ? { readyReplicas: ready } : {};
    this.store(d, 'MODIFIED');
  }

  /** Merge-patches annotations (as another activator replica would). */
  annotate(namespace: string, name: string, annotations: Record<string, string>): void {
    const d = structuredClone(this.deployment(namespace, name));
    d.metadata.annotations = { ...d.metadata.annotations, ...annotations };
    this.store(d, 'MODIFIED');
  }

  /** Scale calls (PATCH …/scale) received, with their bodies. */
  scaleCalls(name?: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith('/scale') && (!name || c.path.includes(`/deployments/${name}/`)));
  }

  annotateCalls(): RecordedCall[] {
    return this.calls.filter((c) => c.method === 'PATCH' && !c.path.endsWith('/scale'));
  }

  private store(obj: any, type: 'ADDED' | 'MODIFIED'): void {
    obj.metadata.resourceVersion = String(++this.rv);
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const before = this.objects.get(key);
    this.objects.set(key, obj);
    for (const w of this.watchers) if (w.name === obj.metadata.name) w.res.write(`${JSON.stringify({ type, object: obj })}\n`);
    const wasZero = !before || (before.spec.replicas ?? 1) === 0;
    if (obj.spec.replicas > 0 && wasZero && (obj.status.readyReplicas ?? 0) === 0 && this.readyAfterMs !== undefined) {
      setTimeout(() => {
        const now = this.objects.get(key);
        if (now && now.spec.replicas > 0) this.setReady(obj.metadata.namespace, obj.metadata.name, now.spec.replicas);
      }, this.readyAfterMs);
    }
    if (obj.spec.replicas === 0 && (obj.status.readyReplicas ?? 0) > 0) setTimeout(() => this.setReady(obj.metadata.namespace, obj.metadata.name, 0), 1);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const text = Buffer.concat(chunks).toString('utf8');
        const body = text ? JSON.parse(text) : undefined;
        this.calls.push({ method: req.method ?? '', path: url.pathname + url.search, body });
        const status = (code: number, message: string) => {
          res.writeHead(code, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ kind: 'Status', status: 'Failure', code, message }));
        };
        if (req.headers.authorization !== `Bearer ${this.token}`) return status(401, 'Unauthorized');
        const fail = (op: keyof FakeKubeApi['failNext']) => {
          const code = this.failNext[op];
          if (code === undefined) return false;
          delete this.failNext[op];
          status(code, `injected failure of ${op}`);
          return true;
        };
        if (req.method === 'GET' && url.pathname === '/apis/apps/v1/deployments') {
          const name = /^metadata\.name=(.+)$/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1] ?? '';
          if (url.searchParams.get('watch') === '1') {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.flushHeaders();
            const w = { name, res };
            this.watchers.add(w);
            res.on('close', () => this.watchers.delete(w));
            return;
          }
          if (fail('list')) return;
          const items = [...this.objects.values()].filter((o) => o.metadata.name === name);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ kind: 'DeploymentList', metadata: { resourceVersion: String(this.rv) }, items }));
          return;
        }
        const m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)(\/scale)?$/.exec(url.pathname);
        if (!m) return status(404, 'not found');
        const [, ns, name, scale] = m;
        const current = this.deployment(ns, name);
        if (!current) return status(404, `deployments.apps "${name}" not found`);
        if (req.method === 'GET' && !scale) {
          if (fail('get')) return;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(current));
          this.afterGet?.(ns, name);
          return;
        }
        if (req.method !== 'PATCH') return status(405, 'method not allowed');
        if (req.headers['content-type'] !== 'application/merge-patch+json') return status(415, 'unsupported patch type');
        if (fail(scale ? 'scale' : 'annotate')) return;
        const precondition = body?.metadata?.resourceVersion;
        if (precondition !== undefined && precondition !== current.metadata.resourceVersion) {
          return status(409, 'Operation cannot be fulfilled on deployments.apps: the object has been modified; please apply your changes to the latest version and try again');
        }
        const next = structuredClone(current);
        if (scale) next.spec.replicas = body.spec.replicas;
        else next.metadata.annotations = { ...next.metadata.annotations, ...(body.metadata?.annotations ?? {}) };
        this.store(next, 'MODIFIED');
        if (scale) this.onScale?.(ns, name, next.spec.replicas, current.spec.replicas ?? 1);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(scale ? { kind: 'Scale', metadata: { name, namespace: ns, resourceVersion: next.metadata.resourceVersion }, spec: { replicas: next.spec.replicas } } : next));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return this;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}
