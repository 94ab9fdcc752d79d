import { connect, type Socket } from 'node:net';

/** A RESP2 reply as this client exposes it: Redis errors become thrown `RedisReplyError`s. */
export type RespValue = string | number | null | RespValue[];

export class RedisReplyError extends Error {}

/**
 * The few Redis commands the gateway needs (PING, EVAL, EVALSHA, INCRBY), spoken over RESP2 on one
 * connection with pipelined, in-order replies. Written here instead of depending on ioredis because the
 * gateway has no runtime dependencies and uses three commands (ADR 0019).
 */
export class RespClient {
  private buffer = Buffer.alloc(0);
  private readonly pending: { resolve: (v: RespValue) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  private closed = false;
  private readonly closeListeners: ((error?: Error) => void)[] = [];

  private constructor(
    private readonly socket: Socket,
    private readonly commandTimeoutMs: number,
  ) {
    socket.on('data', (chunk) => this.onData(chunk));
    let lastError: Error | undefined;
    const failAll = (error: Error) => {
      for (const waiter of this.pending.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.reject(error);
      }
    };
    socket.on('error', (error) => {
      lastError = error;
      failAll(error);
    });
    socket.on('close', () => {
      this.closed = true;
      failAll(new Error('redis connection closed'));
      for (const listener of this.closeListeners.splice(0)) listener(lastError);
    });
  }

  /**
   * Opens one connection. A command without a reply after `commandTimeoutMs` destroys it: replies are
   * matched by order, so a lost one would shift every later reply onto the wrong caller.
   */
  static connect(host: string, port: number, timeoutMs = 2_000, commandTimeoutMs = 1_000): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => { socket.destroy(); reject(new Error(`redis ${host}:${port}: connect timeout after ${timeoutMs} ms`)); }, timeoutMs);
      socket.once('connect', () => { clearTimeout(timer); socket.setNoDelay(true); resolve(new RespClient(socket, commandTimeoutMs)); });
      socket.once('error', (error) => { clearTimeout(timer); reject(error); });
    });
  }

  /** True once the connection is gone; commands then fail at once. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Calls `listener` once when the connection closes, with the socket error if there was one. */
  onClose(listener: (error?: Error) => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  command(...args: (string | number)[]): Promise<RespValue> {
    if (this.closed) return Promise.reject(new Error('redis connection closed'));
    const parts = args.map((arg) => Buffer.from(String(arg)));
    const frame = Buffer.concat([Buffer.from(`*${parts.length}\r\n`), ...parts.flatMap((p) => [Buffer.from(`$${p.length}\r\n`), p, Buffer.from('\r\n')])]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.socket.destroy(new Error(`redis: no reply within ${this.commandTimeoutMs} ms`)), this.commandTimeoutMs);
      timer.unref();
      this.pending.push({ resolve, reject, timer });
      this.socket.write(frame);
    });
  }

  close(): void {
    this.socket.end();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const parsed = parseReply(this.buffer, 0);
      if (!parsed) return;
      this.buffer = this.buffer.subarray(parsed.end);
      const waiter = this.pending.shift();
      if (!waiter) continue;
      clearTimeout(waiter.timer);
      if (parsed.value instanceof RedisReplyError) waiter.reject(parsed.value);
      else waiter.resolve(parsed.value);
    }
  }
}

type Parsed = { value: RespValue | RedisReplyError; end: number } | undefined;

/** Parses one reply starting at `at`; undefined when the buffer does not hold a whole reply yet. */
function parseReply(buf: Buffer, at: number): Parsed {
  const lineEnd = buf.indexOf('\r\n', at);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[at]!);
  const line = buf.toString('utf8', at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+': return { value: line, end: next };
    case '-': return { value: new RedisReplyError(line), end: next };
    case ':': return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buf.length < next + length + 2) return undefined;
      return { value: buf.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let cursor = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, cursor);
        if (!item) return undefined;
        if (item.value instanceof RedisReplyError) throw item.value;
        items.push(item.value);
        cursor = item.end;
      }
      return { value: items, end: cursor };
    }
    default: throw new Error(`redis: unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}
