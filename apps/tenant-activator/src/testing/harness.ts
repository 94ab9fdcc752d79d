import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TenantActivatorConfig } from '@panal/tenant-config';
import { echoUpgradeHandler } from './websocket';

/**
 * A stand-in for one tenant's OpenWebUI pod, over real HTTP on 127.0.0.1: `/echo` answers with
 * what it received (method, path, headers, body), `/sse` streams one event and holds the stream
 * open until `releaseSse()`, `/slow` answers after `slowMs`, and upgrades are a websocket echo.
 */
export class FakeOpenWebUI {
  readonly requests: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
  readonly upgrades: IncomingHttpHeaders[] = [];
  slowMs = 500;
  /** Upgraded sockets leave the server's connection tracking; closed by {@link stop}. */
  private readonly upgraded = new Set<Duplex>();
  private server?: Server;
  private sseWaiters: (() => void)[] = [];

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  releaseSse(): void {
    for (const w of this.sseWaiters.splice(0)) w();
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/sse') {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          res.write('data: first\n\n');
          this.sseWaiters.push(() => res.end('data: last\n\n'));
          return;
        }
        if (req.url === '/slow') {
          setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('slow done'), this.slowMs);
          return;
        }
        const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }).end(body);
      });
    });
    const echo = echoUpgradeHandler(this.upgrades);
    this.server.on('upgrade', (req, socket, head) => {
      this.upgraded.add(socket);
      socket.on('close', () => this.upgraded.delete(socket));
      socket.on('end', () => socket.end());
      echo(req, socket, head);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.upgraded) s.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}

/** An activator configuration with test-sized numbers. */
export function testConfig(upstream: string, tweak: Partial<TenantActivatorConfig> = {}, tenants?: TenantActivatorConfig['tenants']): TenantActivatorConfig {
  return {
    version: 1,
    listenPort: 8080,
    metricsPort: 9090,
    holdSeconds: 5,
    wakeTimeoutSeconds: 10,
    sleepCheckSeconds: 3600,
    activityWriteSeconds: 1,
    backgroundPathPrefixes: ['/ws/'],
    tenants: tenants ?? [
      {
        id: 'acme',
        namespace: 'tenant-acme',
        hostnames: ['acme.panal.example'],
        upstream,
        dormantAfterIdleMinutes: 1,
        workloads: [
          { deployment: 'open-webui', wakeReplicas: 2 },
          { deployment: 'redis', wakeReplicas: 1 },
        ],
      },
    ],
    ...tweak,
  };
}

/** One HTTP request with an explicit Host; the whole answer. */
export function get(url: string, host: string, path = '/echo', init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: init.method ?? 'GET', headers: { host, ...init.headers } }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms until true, failing after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
