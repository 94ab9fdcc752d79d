import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A secret of a {@link FakeKeyVault}. */
interface FakeSecret {
  value: string;
  updated: number;
  enabled: boolean;
}

/**
 * FAKE Key Vault and Entra ID token endpoint, for tests (no emulator of either exists, and tests
 * cannot reach Azure). Implements only the subset the gateway uses: the client-credentials token
 * request with a federated client assertion, `GET /secrets` paginated by `maxresults` with an
 * absolute `nextLink`, `GET /secrets/{name}`, bearer-token checks, and HTTP 429 with `Retry-After`.
 * @see https://learn.microsoft.com/rest/api/keyvault/secrets/get-secrets/get-secrets
 */
export class FakeKeyVault {
  readonly secrets = new Map<string, FakeSecret>();
  /** Every request, as `METHOD path` (query dropped). */
  readonly calls: string[] = [];
  /** The next N data-plane requests get 429 with `Retry-After: retryAfterSeconds`. */
  throttleNext = 0;
  retryAfterSeconds = 1;
  /** What the token endpoint accepts as client assertion. */
  expectedAssertion = 'projected-service-account-token';
  private readonly accessToken = 'fake-access-token';
  private server?: Server;
  private clock = 1_700_000_000;

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Creates or updates a secret (bumping its `updated` attribute, as Key Vault does on a new version). */
  set(name: string, value: string): void {
    this.secrets.set(name, { value, updated: ++this.clock, enabled: true });
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      this.calls.push(`${req.method} ${url.pathname}`);
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'POST' && /^\/[^/]+\/oauth2\/v2\.0\/token$/.test(url.pathname)) {
        let raw = '';
        req.on('data', (c: Buffer) => (raw += c.toString()));
        req.on('end', () => {
          const form = new URLSearchParams(raw);
          const ok = form.get('grant_type') === 'client_credentials' && form.get('client_assertion') === this.expectedAssertion && form.get('scope') === 'https://vault.azure.net/.default';
          if (ok) send(200, { token_type: 'Bearer', expires_in: 3599, access_token: this.accessToken });
          else send(401, { error: 'invalid_client', error_description: 'AADSTS700211: no matching federated identity record found' });
        });
        return;
      }
      if (req.headers.authorization !== `Bearer ${this.accessToken}`) return send(401, { error: { code: 'Unauthorized' } });
      if (this.throttleNext > 0) {
        this.throttleNext--;
        return send(429, { error: { code: 'Throttled' } }, { 'retry-after': String(this.retryAfterSeconds) });
      }
      if (req.method === 'GET' && url.pathname === '/secrets') {
        const names = [...this.secrets.keys()].sort();
        const size = Math.min(25, Number(url.searchParams.get('maxresults') ?? 25));
        const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
        const value = names.slice(skip, skip + size).map((name) => {
          const s = this.secrets.get(name)!;
          return { id: `${this.url}/secrets/${name}`, attributes: { enabled: s.enabled, created: s.updated, updated: s.updated } };
        });
        const nextLink = skip + size < names.length ? `${this.url}/secrets?api-version=7.4&maxresults=${size}&$skiptoken=${skip + size}` : null;
        return send(200, { value, nextLink });
      }
      const m = /^\/secrets\/([^/]+)$/.exec(url.pathname);
      const secret = m && this.secrets.get(m[1]!);
      if (req.method === 'GET' && secret) return send(200, { value: secret.value, id: `${this.url}/secrets/${m[1]}/v1`, attributes: { enabled: secret.enabled, updated: secret.updated } });
      send(404, { error: { code: 'SecretNotFound' } });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}
