import { createHash, randomBytes } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Just enough RFC 6455 for the tests: the opening handshake (`Sec-WebSocket-Accept`) and single,
 * unfragmented text frames shorter than 64 KiB, masked from the client as the RFC requires.
 */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const acceptKey = (key: string) => createHash('sha1').update(key + GUID).digest('base64');

export function encodeText(text: string, mask: boolean): Buffer {
  const payload = Buffer.from(text, 'utf8');
  if (payload.length >= 65536) throw new Error('test frames are < 64 KiB');
  const header = payload.length < 126 ? Buffer.from([0x81, (mask ? 0x80 : 0) | payload.length]) : Buffer.from([0x81, (mask ? 0x80 : 0) | 126, payload.length >> 8, payload.length & 0xff]);
  if (!mask) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  return Buffer.concat([header, key, Buffer.from(payload.map((b, i) => b ^ key[i % 4]))]);
}

/** Reads text frames off a socket, calling `onText` for each complete one. */
export function readFrames(socket: Duplex, onText: (text: string) => void, initial: Buffer = Buffer.alloc(0)): void {
  let buf = initial;
  const drain = () => {
    for (;;) {
      if (buf.length < 2) return;
      const masked = (buf[1] & 0x80) !== 0;
      let len = buf[1] & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        offset = 4;
      }
      const maskKey = masked ? buf.subarray(offset, offset + 4) : undefined;
      if (masked) offset += 4;
      if (buf.length < offset + len) return;
      const payload = Buffer.from(buf.subarray(offset, offset + len));
      if (maskKey) for (let i = 0; i < payload.length; i++) payload[i] ^= maskKey[i % 4];
      buf = buf.subarray(offset + len);
      onText(payload.toString('utf8'));
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    drain();
  });
  drain();
}

/**
 * The upgrade handler of a websocket echo server (what OpenWebUI's socket.io endpoint stands for):
 * answers the handshake and sends every text frame back prefixed with `echo:`. Records the request
 * headers it saw.
 */
export function echoUpgradeHandler(seen: IncomingMessage['headers'][]) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    seen.push(req.headers);
    const key = String(req.headers['sec-websocket-key'] ?? '');
    socket.write(['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(key)}`, '', ''].join('\r\n'));
    readFrames(socket, (text) => socket.write(encodeText(`echo:${text}`, false)), head);
    socket.on('error', () => socket.destroy());
  };
}

/** A websocket client connection of the tests. */
export interface TestWebSocket {
  readonly socket: Socket;
  send(text: string): void;
  /** The next text frame. */
  next(): Promise<string>;
  close(): void;
}

/** Opens a websocket to `url` with `Host: host`; rejects unless the answer is a valid 101. */
export function connectWebSocket(url: string, host: string, path = '/ws/socket.io/?EIO=4&transport=websocket'): Promise<TestWebSocket> {
  const key = randomBytes(16).toString('base64');
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers: { host, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': key } });
    req.on('response', (res) => reject(Object.assign(new Error(`no upgrade: HTTP ${res.statusCode}`), { status: res.statusCode })));
    req.on('error', reject);
    req.on('upgrade', (res, socket: Socket, head: Buffer) => {
      if (res.headers['sec-websocket-accept'] !== acceptKey(key)) return reject(new Error('bad Sec-WebSocket-Accept'));
      const queue: string[] = [];
      const waiting: ((t: string) => void)[] = [];
      readFrames(socket, (text) => (waiting.length ? waiting.shift()!(text) : queue.push(text)), head);
      resolve({
        socket,
        send: (text) => socket.write(encodeText(text, true)),
        next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiting.push(r))),
        close: () => socket.destroy(),
      });
    });
    req.end();
  });
}
