import { request, type IncomingMessage } from 'node:http';

/** A connection-level failure before the upstream sent its response headers. */
export class UpstreamUnavailable extends Error {
  constructor(
    readonly reason: 'connect_refused' | 'connect_timeout' | 'reset_before_first_byte' | 'busy',
    message: string,
  ) {
    super(message);
  }
}

/** Classifies a socket error raised before the response started. */
function reasonOf(err: NodeJS.ErrnoException): UpstreamUnavailable['reason'] {
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'EHOSTUNREACH') return 'connect_refused';
  return 'reset_before_first_byte';
}

/**
 * Sends one POST/GET to an upstream and resolves once its status line and headers arrived (the
 * first byte). Rejects with {@link UpstreamUnavailable} on any failure before that point, which is
 * the only kind the gateway retries: after the first byte a retry could duplicate output.
 * A 503 answer (Ollama under load, or a pod not ready behind a Service) counts as `busy`.
 */
export function openUpstream(
  baseUrl: string,
  path: string,
  method: string,
  body: Buffer | undefined,
  connectTimeoutMs: number,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolveResponse, reject) => {
    const url = new URL(path, baseUrl);
    const req = request(url, {
      method,
      headers: { 'content-type': 'application/json', ...(body ? { 'content-length': body.length } : {}) },
      signal,
    });
    const connectTimer = setTimeout(() => {
      req.destroy(new UpstreamUnavailable('connect_timeout', `no connection to ${url.host} within ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    req.on('socket', (socket) => {
      if (!socket.connecting) clearTimeout(connectTimer);
      else socket.once('connect', () => clearTimeout(connectTimer));
    });
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      if (res.statusCode === 503) {
        res.resume();
        reject(new UpstreamUnavailable('busy', `${url.host} answered 503`));
        return;
      }
      resolveResponse(res);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (err instanceof UpstreamUnavailable) reject(err);
      else if (signal.aborted) reject(err);
      else reject(new UpstreamUnavailable(reasonOf(err), `${url.host}: ${err.code ?? err.message}`));
    });
    req.end(body);
  });
}
