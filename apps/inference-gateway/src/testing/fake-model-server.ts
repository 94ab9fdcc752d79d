import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Behaviour of a {@link FakeModelServer}; mutable between requests. */
export interface FakeModelBehaviour {
  /** Delay before the response headers, in ms. @default 0 */
  latencyMs: number;
  /** Delay between streamed chunks, in ms. @default 0 */
  chunkDelayMs: number;
  /** Completion tokens per answer (one chunk each when streaming). @default 5 */
  completionTokens: number;
  /** The next N requests get their connection destroyed before any byte is sent. @default 0 */
  dropNext: number;
  /** The next N requests get 503, as Ollama does when its queue is full. @default 0 */
  busyNext: number;
}

/**
 * A small OpenAI-compatible model server (the subset of Ollama's `/v1` API the gateway uses):
 * `POST /v1/chat/completions` streaming (SSE, final usage chunk when `stream_options.include_usage`)
 * or not, with configurable latency and failures. Test double for the model pools; binds 127.0.0.1.
 */
export class FakeModelServer {
  /** Current behaviour; tests change it between requests. */
  readonly behaviour: FakeModelBehaviour;
  /** Requests that reached the handler (including dropped ones), by model. */
  readonly received: string[] = [];
  private server?: Server;
  private port = 0;

  constructor(behaviour: Partial<FakeModelBehaviour> = {}) {
    this.behaviour = { latencyMs: 0, chunkDelayMs: 0, completionTokens: 5, dropNext: 0, busyNext: 0, ...behaviour };
  }

  /** Base URL, valid once started (and stable across stop/start). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts listening; `port` 0 picks a free port, a fixed port re-binds after {@link stop}. */
  async start(port = this.port): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { model?: string; stream?: boolean; stream_options?: { include_usage?: boolean }; messages?: { content?: string }[] };
        const model = body.model ?? '';
        this.received.push(model);
        const b = this.behaviour;
        if (b.dropNext > 0) {
          b.dropNext--;
          req.socket.destroy();
          return;
        }
        if (b.busyNext > 0) {
          b.busyNext--;
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"server busy"}');
          return;
        }
        if (b.latencyMs > 0) await new Promise((r) => setTimeout(r, b.latencyMs));
        const promptTokens = (body.messages ?? []).reduce((n, m) => n + String(m.content ?? '').split(/\s+/).filter(Boolean).length, 0);
        const usage = { prompt_tokens: promptTokens, completion_tokens: b.completionTokens, total_tokens: promptTokens + b.completionTokens };
        const id = `chatcmpl-fake-${this.received.length}`;
        if (!body.stream) {
          const answer = { id, object: 'chat.completion', model, choices: [{ index: 0, message: { role: 'assistant', content: 'tok '.repeat(b.completionTokens).trim() }, finish_reason: 'stop' }], usage };
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        for (let i = 0; i < b.completionTokens; i++) {
          res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content: 'tok ' }, finish_reason: null }] })}\n\n`);
          if (b.chunkDelayMs > 0) await new Promise((r) => setTimeout(r, b.chunkDelayMs));
        }
        res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
        if (body.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', model, choices: [], usage })}\n\n`);
        res.end('data: [DONE]\n\n');
      });
    });
    await new Promise<void>((r, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => r());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening and cuts open connections (a pod going away). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}
