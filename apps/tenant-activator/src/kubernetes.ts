import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Where the Kubernetes API is and how to authenticate; the token is read on every call (it rotates). */
export interface KubeAccess {
  /** Base URL, e.g. `https://10.0.0.1:443`. */
  readonly apiUrl: string;
  /** Current bearer token. */
  readonly token: () => string;
  /** PEM bundle to verify the API server with; absent = the system roots (or plain http). */
  readonly ca?: string;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Access from the flags or variables of a local run (`apiUrl` with `tokenFile`, optional `caFile`),
 * or in-cluster (KUBERNETES_SERVICE_HOST/PORT, the projected service-account token and CA).
 */
export function kubeAccess(options: { apiUrl?: string; tokenFile?: string; caFile?: string }, env: NodeJS.ProcessEnv = process.env): KubeAccess {
  const readToken = (file: string) => () => readFileSync(file, 'utf8').trim();
  if (options.apiUrl) {
    if (!options.tokenFile) throw new Error('--kube-api-url needs --kube-token-file');
    return { apiUrl: options.apiUrl.replace(/\/$/, ''), token: readToken(options.tokenFile), ca: options.caFile ? readFileSync(options.caFile, 'utf8') : undefined };
  }
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new Error('not in a cluster (no KUBERNETES_SERVICE_HOST) and no --kube-api-url given');
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return { apiUrl: `https://${bracketed}:${port}`, token: readToken(options.tokenFile ?? `${SA_DIR}/token`), ca: readFileSync(options.caFile ?? `${SA_DIR}/ca.crt`, 'utf8') };
}

/** The few fields of a Deployment the activator reads. */
export interface DeploymentView {
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
  /** `spec.replicas` (Kubernetes defaults an absent value to 1). */
  readonly replicas: number;
  /** `status.readyReplicas` (0 when absent). */
  readonly readyReplicas: number;
  /** `metadata.annotations`. */
  readonly annotations: Readonly<Record<string, string>>;
  /** `metadata.creationTimestamp` in ms. */
  readonly createdMs: number;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes JSON read field by field */
export function deploymentView(obj: any): DeploymentView {
  return {
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
    resourceVersion: String(obj.metadata.resourceVersion ?? ''),
    replicas: typeof obj.spec?.replicas === 'number' ? obj.spec.replicas : 1,
    readyReplicas: obj.status?.readyReplicas ?? 0,
    annotations: obj.metadata.annotations ?? {},
    createdMs: Date.parse(obj.metadata.creationTimestamp ?? '') || 0,
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** A watch event. `BOOKMARK` only moves the resource version. */
export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  readonly deployment: DeploymentView;
}

/** A non-2xx answer of the API server. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly operation: string,
    message: string,
  ) {
    super(`${operation}: HTTP ${status}: ${message}`);
  }
}

/** The watch must start again from a fresh list (HTTP 410 / `ERROR` event with code 410). */
export class WatchExpired extends Error {}

const enc = encodeURIComponent;

/**
 * The handful of Deployment calls the activator makes, over `node:https` (no client library):
 * list and watch across namespaces by name, get, scale with an optional resourceVersion
 * precondition, and an annotation merge patch.
 */
export class KubernetesClient {
  /** Told the operation (`list`, `watch`, `get`, `scale`, `annotate`) of every failed call; a 409 is not a failure. */
  onError: (operation: string) => void = () => {};

  /**
   * @param callTimeoutMs longest a call may stay silent before it is abandoned. A watch may stay
   *   silent for as long as it asks the server to keep it open, so it gets its own bound.
   */
  constructor(
    private readonly access: KubeAccess,
    private readonly callTimeoutMs = 30_000,
  ) {}

  private open(method: string, path: string, body: string | undefined, contentType: string, signal?: AbortSignal, silentMs = this.callTimeoutMs): Promise<IncomingMessage> {
    const url = new URL(this.access.apiUrl + path);
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${this.access.token()}` };
    if (body !== undefined) Object.assign(headers, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) });
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, ca: this.access.ca, signal, timeout: silentMs }, resolve);
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: silent for ${silentMs} ms`)));
      req.end(body);
    });
  }

  private async call<T>(operation: string, method: string, path: string, body?: unknown, contentType = 'application/merge-patch+json'): Promise<T> {
    let res: IncomingMessage;
    try {
      res = await this.open(method, path, body === undefined ? undefined : JSON.stringify(body), contentType);
    } catch (error) {
      this.onError(operation);
      throw error;
    }
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) {
      // A conflict is an expected answer to a precondition (a sleep that lost), not a failure of the API.
      if (status !== 409) this.onError(operation);
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not a Status object
      }
      throw new KubeApiError(status, operation, message);
    }
    return JSON.parse(text) as T;
  }

  /** Every Deployment named `name`, in any namespace, with the list's resourceVersion. */
  async listDeployments(name: string): Promise<{ items: DeploymentView[]; resourceVersion: string }> {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const list = await this.call<{ metadata: { resourceVersion: string }; items: any[] }>('list', 'GET', `/apis/apps/v1/deployments?fieldSelector=${enc(`metadata.name=${name}`)}`);
    return { items: list.items.map(deploymentView), resourceVersion: list.metadata.resourceVersion };
  }

  /**
   * Watches Deployments named `name` from `resourceVersion` until the server ends the stream
   * (`timeoutSeconds`) or `signal` aborts; returns the last resourceVersion seen. Throws
   * {@link WatchExpired} when the server says that version is gone.
   */
  async watchDeployments(name: string, resourceVersion: string, onEvent: (e: WatchEvent) => void, signal: AbortSignal, timeoutSeconds = 300): Promise<string> {
    const path = `/apis/apps/v1/deployments?watch=1&allowWatchBookmarks=true&timeoutSeconds=${timeoutSeconds}&resourceVersion=${enc(resourceVersion)}&fieldSelector=${enc(`metadata.name=${name}`)}`;
    let res: IncomingMessage;
    try {
      // A quiet cluster sends nothing for minutes: the stream may stay silent until the server ends it.
      res = await this.open('GET', path, undefined, '', signal, timeoutSeconds * 1000 + this.callTimeoutMs);
    } catch (error) {
      if (!signal.aborted) this.onError('watch');
      throw error;
    }
    if (res.statusCode === 410) {
      res.resume();
      throw new WatchExpired();
    }
    if (res.statusCode !== 200) {
      res.resume();
      this.onError('watch');
      throw new KubeApiError(res.statusCode ?? 0, 'watch', 'watch refused');
    }
    let rv = resourceVersion;
    let pending = '';
    try {
      for await (const chunk of res) {
        pending += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (!line) continue;
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          const event = JSON.parse(line) as { type: string; object: any };
          if (event.type === 'ERROR') {
            if (event.object?.code === 410) throw new WatchExpired();
            this.onError('watch');
            throw new KubeApiError(event.object?.code ?? 0, 'watch', event.object?.message ?? 'watch error');
          }
          rv = String(event.object.metadata.resourceVersion);
          if (event.type === 'BOOKMARK') continue;
          onEvent({ type: event.type as WatchEvent['type'], deployment: deploymentView(event.object) });
        }
      }
    } catch (error) {
      if (signal.aborted) return rv;
      if (!(error instanceof WatchExpired) && !(error instanceof KubeApiError)) this.onError('watch');
      throw error;
    }
    return rv;
  }

  async getDeployment(namespace: string, name: string): Promise<DeploymentView> {
    return deploymentView(await this.call('get', 'GET', `/apis/apps/v1/namespaces/${enc(namespace)}/deployments/${enc(name)}`));
  }

  /**
   * Sets `spec.replicas` through the scale subresource. With `resourceVersion` the API server
   * applies it only if the Deployment is still at that version, and answers 409 otherwise
   * ({@link KubeApiError} with status 409). Returns the new resourceVersion.
   */
  async scale(namespace: string, name: string, replicas: number, resourceVersion?: string): Promise<string> {
    const body = { ...(resourceVersion ? { metadata: { resourceVersion } } : {}), spec: { replicas } };
    const scale = await this.call<{ metadata: { resourceVersion: string } }>('scale', 'PATCH', `/apis/apps/v1/namespaces/${enc(namespace)}/deployments/${enc(name)}/scale`, body);
    return String(scale.metadata.resourceVersion);
  }

  /** Sets one annotation (merge patch, no precondition: the newest activity always wins). */
  async annotate(namespace: string, name: string, key: string, value: string): Promise<DeploymentView> {
    return deploymentView(await this.call('annotate', 'PATCH', `/apis/apps/v1/namespaces/${enc(namespace)}/deployments/${enc(name)}`, { metadata: { annotations: { [key]: value } } }));
  }
}
