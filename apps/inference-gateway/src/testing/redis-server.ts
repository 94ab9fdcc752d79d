import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RespClient } from '../redis-resp.ts';

/** Debian's redis-server: the tests and the bench run the real one, never a fake. */
export const REDIS_SERVER = '/usr/bin/redis-server';

/** A free TCP port on 127.0.0.1 (nothing listens on it once returned). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** A throwaway redis-server on a free loopback port, without persistence. */
export class RedisServer {
  private proc?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'gw-redis-'));

  private constructor(readonly port: number) {}

  /** Installs redis-server from Debian if missing (scripts/install-redis.sh) and starts one. */
  static async start(): Promise<RedisServer> {
    if (!existsSync(REDIS_SERVER)) execFileSync('bash', [resolve(import.meta.dirname, '../../scripts/install-redis.sh')], { stdio: 'inherit' });
    const server = new RedisServer(await freePort());
    await server.resume();
    return server;
  }

  /** Starts (again) on the same port; does nothing while it runs. */
  async resume(): Promise<void> {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) return;
    this.proc = spawn(REDIS_SERVER, ['--bind', '127.0.0.1', '--port', String(this.port), '--save', '', '--appendonly', 'no', '--dir', this.dir], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      try {
        (await RespClient.connect('127.0.0.1', this.port)).close();
        return;
      } catch (error) {
        if (i > 50) throw new Error(`redis-server did not accept connections on ${this.port} within 5 s: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Kills the server (connections drop at once) and waits for it to exit. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }

  /** Deletes every key. */
  async flush(): Promise<void> {
    const client = await RespClient.connect('127.0.0.1', this.port);
    await client.command('FLUSHALL');
    client.close();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
