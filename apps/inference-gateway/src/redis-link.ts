import { RespClient } from './redis-resp.ts';

/** Options of {@link RedisLink}. */
export interface RedisLinkOptions {
  readonly host: string;
  readonly port: number;
  /** Pause before reconnecting after a failed or lost connection, in ms. @default 1000 */
  readonly retryMs?: number;
  /** Budget for one command's reply before the connection is dropped, in ms. @default 500 */
  readonly commandTimeoutMs?: number;
  /** Called with `true` when a connection opens and `false` (and why) when one fails or drops. */
  readonly onState?: (connected: boolean, reason?: string) => void;
}

/**
 * One connection to the shared-limits Redis, reopened in the background whenever it fails: requests
 * never wait for a connection, they use the current one or, without one, the local fallback.
 */
export class RedisLink {
  private client?: RespClient;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: RedisLinkOptions) {}

  /** Tries to connect once (resolves either way) and keeps retrying in the background. */
  async start(): Promise<void> {
    await this.connect();
  }

  /** The open connection, or `undefined` while there is none. */
  current(): RespClient | undefined {
    return this.client && !this.client.isClosed ? this.client : undefined;
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.client?.close();
    this.client = undefined;
  }

  private async connect(): Promise<void> {
    const { host, port } = this.options;
    try {
      const client = await RespClient.connect(host, port, 2_000, this.options.commandTimeoutMs ?? 500);
      if (this.stopped) return client.close();
      this.client = client;
      this.options.onState?.(true);
      client.onClose((error) => {
        if (this.client === client) this.client = undefined;
        if (this.stopped) return;
        this.options.onState?.(false, `connection to ${host}:${port} lost${error ? `: ${error.message}` : ''}`);
        this.retry();
      });
    } catch (error) {
      this.options.onState?.(false, `cannot connect to ${host}:${port}: ${(error as Error).message}`);
      this.retry();
    }
  }

  private retry(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.connect(), this.options.retryMs ?? 1_000);
    this.timer.unref();
  }
}
