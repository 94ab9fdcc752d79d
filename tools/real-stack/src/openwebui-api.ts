/**
 * One call to OpenWebUI's HTTP API, as the e2e tests make it: JSON body (POST when there is one),
 * optional bearer token. `json` is the parsed body, or the raw text when it is not JSON;
 * `setCookies` the response's Set-Cookie headers, one per cookie.
 */
export async function openWebUIApi(
  base: string,
  path: string,
  opts: { token?: string; body?: unknown; method?: string } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies, read by the fields named at each use
): Promise<{ status: number; json: any; text: string; setCookies: string[] }> {
  const res = await fetch(`${base}${path}`, {
    method: opts.method ?? (opts.body ? 'POST' : 'GET'),
    headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    body: opts.body ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, text, setCookies: res.headers.getSetCookie() };
}
