import { request } from 'node:http';

/**
 * One call to OpenWebUI's HTTP API, as the e2e tests make it: JSON body (POST when there is one),
 * optional bearer token. `json` is the parsed body, or the raw text when it is not JSON;
 * `setCookies` the response's Set-Cookie headers, one per cookie. `host` sends that `Host` header
 * (through a proxy that routes by it, such as the tenant activator; `fetch` cannot set `Host`, so
 * such a call goes through `node:http`).
 */
export async function openWebUIApi(
  base: string,
  path: string,
  opts: { token?: string; body?: unknown; method?: string; host?: string } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies, read by the fields named at each use
): Promise<{ status: number; json: any; text: string; setCookies: string[] }> {
  const method = opts.method ?? (opts.body ? 'POST' : 'GET');
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) };
  const body = opts.body ? JSON.stringify(opts.body) : undefined;
  const { status, text, setCookies } = opts.host
    ? await viaHost(`${base}${path}`, method, { ...headers, host: opts.host }, body)
    : await fetch(`${base}${path}`, { method, headers, body }).then(async (res) => ({ status: res.status, text: await res.text(), setCookies: res.headers.getSetCookie() }));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status, json, text, setCookies };
}

function viaHost(url: string, method: string, headers: Record<string, string>, body: string | undefined): Promise<{ status: number; text: string; setCookies: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), setCookies: res.headers['set-cookie'] ?? [] }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
