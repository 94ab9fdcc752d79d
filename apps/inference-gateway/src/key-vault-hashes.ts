/** Key Vault data-plane API version used for list and get. @see https://learn.microsoft.com/rest/api/keyvault/secrets/get-secrets/get-secrets */
export const KEY_VAULT_API_VERSION = '7.4';
/** OAuth scope of the Key Vault data plane. */
export const KEY_VAULT_SCOPE = 'https://vault.azure.net/.default';

/** Key Vault answered 429: wait `retryAfterSeconds` before the next call. */
export class KeyVaultThrottled extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`key vault throttled the gateway (HTTP 429); retrying after ${retryAfterSeconds} s`);
  }
}

/** Options of {@link KeyVaultKeyHashes}. */
export interface KeyVaultKeyHashesOptions {
  /** `https://<name>.vault.azure.net`. */
  readonly vaultUrl: string;
  /** Only secrets named `<secretPrefix><tenant id>` are read. */
  readonly secretPrefix: string;
  /** Gives a bearer token for {@link KEY_VAULT_SCOPE}. */
  readonly credential: { token(scope: string): Promise<string> };
}

/** What one {@link KeyVaultKeyHashes.refresh} read. */
export interface KeyHashesRead {
  /** Accepted digests per tenant id. */
  readonly byTenant: Map<string, Buffer[]>;
  /** HTTP calls made (list pages + GETs). */
  readonly calls: number;
  /** Secrets fetched because they were new or their `updated` attribute changed. */
  readonly fetched: number;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * Reads the SHA-256 of every tenant key from one Key Vault (docs/adr/0019-gateway-a-mil-inquilinos.md):
 * lists the secrets (pages of 25), and GETs only those that are new or whose `updated` attribute
 * changed since the last read. Each value is a JSON list of lower-case hex digests (the new and the
 * previous key during a rotation). A read either completes or throws and changes nothing, so a
 * failure never empties what the gateway accepts.
 */
export class KeyVaultKeyHashes {
  private known = new Map<string, { updated: number; digests: Buffer[] }>();
  private readonly origin: string;

  constructor(private readonly options: KeyVaultKeyHashesOptions) {
    this.origin = new URL(options.vaultUrl).origin;
  }

  async refresh(): Promise<KeyHashesRead> {
    const token = await this.options.credential.token(KEY_VAULT_SCOPE);
    let calls = 0;
    let fetched = 0;
    const get = async (url: string): Promise<unknown> => {
      // The bearer token must only ever go to this vault, whatever a nextLink says.
      if (new URL(url).origin !== this.origin) throw new Error(`key vault: refusing to follow ${url} outside ${this.origin}`);
      calls++;
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
      if (res.status === 429) throw new KeyVaultThrottled(Math.max(1, Number(res.headers.get('retry-after')) || 10));
      if (!res.ok) throw new Error(`key vault: GET ${url.split('?')[0]} answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
      return res.json();
    };
    const next = new Map<string, { updated: number; digests: Buffer[] }>();
    let page: string | null = `${this.origin}/secrets?api-version=${KEY_VAULT_API_VERSION}&maxresults=25`;
    while (page) {
      const body = (await get(page)) as { value?: { id: string; attributes?: { enabled?: boolean; updated?: number } }[]; nextLink?: string | null };
      for (const item of body.value ?? []) {
        const name = item.id.split('/').pop() ?? '';
        if (!name.startsWith(this.options.secretPrefix) || item.attributes?.enabled === false) continue;
        const updated = item.attributes?.updated ?? 0;
        const previous = this.known.get(name);
        if (previous && previous.updated === updated) {
          next.set(name, previous);
          continue;
        }
        const secret = (await get(`${this.origin}/secrets/${name}?api-version=${KEY_VAULT_API_VERSION}`)) as { value?: string };
        fetched++;
        next.set(name, { updated, digests: parseDigests(name, secret.value) });
      }
      page = body.nextLink ?? null;
    }
    this.known = next;
    const byTenant = new Map([...next].map(([name, v]) => [name.slice(this.options.secretPrefix.length), v.digests]));
    return { byTenant, calls, fetched };
  }
}

/** A JSON list of hex SHA-256 digests; anything else gives the tenant no key (and is logged by the caller as missing). */
function parseDigests(name: string, value: string | undefined): Buffer[] {
  try {
    const list = JSON.parse(value ?? '') as unknown;
    if (!Array.isArray(list)) return [];
    return list.filter((h): h is string => typeof h === 'string' && HEX_SHA256.test(h)).map((h) => Buffer.from(h, 'hex'));
  } catch {
    console.warn(`inference-gateway: key vault secret ${name} is not a JSON list of hex SHA-256 digests; that tenant gets 401 until it is`);
    return [];
  }
}
