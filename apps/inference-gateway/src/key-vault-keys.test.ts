import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { contentSha256, GATEWAY_KEY_HASH_SECRET_PREFIX, type InferenceGatewayConfig } from '@panal/tenant-config';
import { keyDigest } from './key-ring';
import { KeyVaultKeyHashes, KeyVaultThrottled } from './key-vault-hashes';
import { startGateway, type RunningGateway } from './server';
import { FakeKeyVault } from './testing/fake-key-vault';
import { FakeModelServer } from './testing/fake-model-server';
import { chat, exampleGatewayConfig, localConfig, testKey } from './testing/gateway-harness';
import { WorkloadIdentityCredential } from './workload-identity-credential';

/** What Terraform's sha256() writes: lower-case hex of the SHA-256 of the key's UTF-8 bytes. */
const hashList = (...keys: string[]) => JSON.stringify(keys.map((k) => keyDigest(k).toString('hex')));
const secretName = (tenantId: string) => `${GATEWAY_KEY_HASH_SECRET_PREFIX}${tenantId}`;

/**
 * Tenant keys read as SHA-256 hashes from a Key Vault (docs/adr/0019-gateway-a-mil-inquilinos.md),
 * against a FAKE Key Vault and Entra ID token endpoint (testing/fake-key-vault.ts): the REST subset
 * the gateway uses, with paging and 429. The gateway code, HTTP and hashing are the real ones.
 */
describe('tenant keys from the Key Vault of key hashes', () => {
  const vault = new FakeKeyVault();
  const backend = new FakeModelServer();
  const dir = mkdtempSync(join(tmpdir(), 'gw-kv-'));
  const tokenFile = join(dir, 'azure-identity-token');
  const env = () => ({ AZURE_CLIENT_ID: 'client-id', AZURE_TENANT_ID: 'directory-id', AZURE_FEDERATED_TOKEN_FILE: tokenFile, AZURE_AUTHORITY_HOST: `${vault.url}/` });
  const running: RunningGateway[] = [];
  const cleanups: (() => void)[] = [];

  const start = async (keyReloadMs = 100) => {
    const local = localConfig(exampleGatewayConfig(), { 'llama3:8b': backend.url, 'mistral:7b': backend.url, 'llama3:70b': backend.url }, (c): InferenceGatewayConfig => {
      const inCluster: InferenceGatewayConfig = { ...c, keyVault: { vaultUrl: vault.url, secretPrefix: GATEWAY_KEY_HASH_SECRET_PREFIX, refreshSeconds: 60 } };
      delete inCluster.keysDir; // no key files: only the vault
      return inCluster;
    });
    cleanups.push(local.cleanup);
    const gw = await startGateway(local.config, { host: '127.0.0.1', port: 0, metricsPort: 0, keyReloadMs, env: env() });
    running.push(gw);
    return gw;
  };
  const ready = async (gw: RunningGateway) => (await fetch(`${gw.metricsUrl}/readyz`)).status;

  beforeAll(async () => {
    await vault.start();
    await backend.start(0);
  });
  beforeEach(() => {
    writeFileSync(tokenFile, vault.expectedAssertion);
    vault.secrets.clear();
    vault.calls.length = 0;
    vault.throttleNext = 0;
  });
  afterEach(async () => {
    while (running.length) await running.pop()!.close();
    while (cleanups.length) cleanups.pop()!();
  });
  afterAll(async () => {
    await vault.stop();
    await backend.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists in pages of 25 and GETs only the secrets that are new or changed', async () => {
    // GIVEN 60 tenant hash secrets and 3 unrelated secrets
    for (let i = 0; i < 60; i++) vault.set(secretName(`t${String(i).padStart(3, '0')}`), hashList(`key-${i}-0123456789abcdef`));
    for (const other of ['postgres-admin-password', 'a-secret', 'z-secret']) vault.set(other, 'not for the gateway');
    const source = new KeyVaultKeyHashes({ vaultUrl: vault.url, secretPrefix: GATEWAY_KEY_HASH_SECRET_PREFIX, credential: new WorkloadIdentityCredential(env()) });
    // WHEN it reads twice, then once more after one key changed
    const first = await source.refresh();
    const second = await source.refresh();
    vault.set(secretName('t007'), hashList('rotated-0123456789abcdef', 'key-7-0123456789abcdef'));
    const third = await source.refresh();
    // THEN the first read is 3 list pages + 60 GETs, the second 3 pages only, the third 3 pages + 1 GET
    expect([first.calls, first.fetched]).toEqual([63, 60]);
    expect([second.calls, second.fetched]).toEqual([3, 0]);
    expect([third.calls, third.fetched]).toEqual([4, 1]);
    expect(third.byTenant.size).toBe(60);
    expect(third.byTenant.get('t007')!.map((d) => d.toString('hex'))).toEqual(JSON.parse(hashList('rotated-0123456789abcdef', 'key-7-0123456789abcdef')));
    // AND it never read a secret outside the prefix
    expect(vault.calls.filter((c) => c.startsWith('GET /secrets/') && !c.includes(GATEWAY_KEY_HASH_SECRET_PREFIX))).toEqual([]);
  });

  it('throws KeyVaultThrottled with the Retry-After of a 429 and keeps its last read', async () => {
    vault.set(secretName('acme'), hashList(testKey('acme')));
    const source = new KeyVaultKeyHashes({ vaultUrl: vault.url, secretPrefix: GATEWAY_KEY_HASH_SECRET_PREFIX, credential: new WorkloadIdentityCredential(env()) });
    await source.refresh();
    vault.retryAfterSeconds = 7;
    vault.throttleNext = 1;
    await expect(source.refresh()).rejects.toEqual(new KeyVaultThrottled(7));
    expect((await source.refresh()).fetched).toBe(0); // what it had read is still known
  });

  it('accepts keys whose hash is in the vault, picks up a new tenant and a rotation without a restart', async () => {
    // GIVEN hashes for acme and globex only
    vault.set(secretName('acme'), hashList(testKey('acme')));
    vault.set(secretName('globex'), hashList(testKey('globex')));
    const gw = await start();
    expect(await ready(gw)).toBe(200);
    expect((await chat(gw.url, testKey('acme'), 'llama3:8b')).status).toBe(200);
    expect((await chat(gw.url, testKey('initech'), 'llama3:8b')).status).toBe(401);
    // WHEN initech's hash is written and acme rotates (new and old key both listed)
    vault.set(secretName('initech'), hashList(testKey('initech')));
    vault.set(secretName('acme'), hashList('acme-new-key-0123456789abcdef', testKey('acme')));
    // THEN within a refresh both work, without a restart
    await vi.waitFor(async () => expect((await chat(gw.url, testKey('initech'), 'llama3:8b')).status).toBe(200), { timeout: 3_000, interval: 50 });
    expect((await chat(gw.url, 'acme-new-key-0123456789abcdef', 'llama3:8b')).status).toBe(200);
    expect((await chat(gw.url, testKey('acme'), 'llama3:8b')).status).toBe(200);
    // AND once the overlap ends, the old key is refused
    vault.set(secretName('acme'), hashList('acme-new-key-0123456789abcdef'));
    await vi.waitFor(async () => expect((await chat(gw.url, testKey('acme'), 'llama3:8b')).status).toBe(401), { timeout: 3_000, interval: 50 });
    expect(await (await fetch(`${gw.metricsUrl}/metrics`)).text()).toContain('panal_gateway_tenant_keys_loaded 3');
  });

  it('keeps serving with the last keys while Key Vault throttles, and counts the failures', async () => {
    vault.set(secretName('acme'), hashList(testKey('acme')));
    const gw = await start(50);
    vault.retryAfterSeconds = 1;
    vault.throttleNext = 1_000;
    await vi.waitFor(async () => expect(await (await fetch(`${gw.metricsUrl}/metrics`)).text()).toMatch(/panal_gateway_key_read_failures_total\{reason="throttled"\} [1-9]/), { timeout: 3_000, interval: 50 });
    expect((await chat(gw.url, testKey('acme'), 'llama3:8b')).status).toBe(200);
    // Retry-After (1 s) is honoured over the 50 ms refresh: at most a couple of tries in 1.5 s
    const before = vault.calls.length;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(vault.calls.length - before).toBeLessThanOrEqual(3);
  });

  it('is not ready while no key could be read (wrong federated identity)', async () => {
    writeFileSync(tokenFile, 'a token Entra ID does not trust');
    vault.set(secretName('acme'), hashList(testKey('acme')));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const gw = await start();
    expect(await ready(gw)).toBe(503);
    expect((await chat(gw.url, testKey('acme'), 'llama3:8b')).status).toBe(401);
    expect(warn.mock.calls.some(([m]) => String(m).includes('AADSTS700211'))).toBe(true);
    warn.mockRestore();
  });
  it('reads the vault again when a reloaded configuration adds a tenant: its key works before the next refresh period', async () => {
    // GIVEN a gateway refreshing hashes every 60 s, started from a file without initech
    vault.set(secretName('acme'), hashList(testKey('acme')));
    const local = localConfig(exampleGatewayConfig(), { 'llama3:8b': backend.url, 'mistral:7b': backend.url, 'llama3:70b': backend.url }, (c): InferenceGatewayConfig => {
      const inCluster: InferenceGatewayConfig = { ...c, keyVault: { vaultUrl: vault.url, secretPrefix: GATEWAY_KEY_HASH_SECRET_PREFIX, refreshSeconds: 60 } };
      delete inCluster.keysDir;
      return inCluster;
    });
    cleanups.push(local.cleanup);
    const file = join(dir, 'gateway.json');
    const write = (c: InferenceGatewayConfig) => {
      const text = `${JSON.stringify(c, null, 2)}\n`;
      writeFileSync(file, text);
      return contentSha256(text);
    };
    const without = { ...local.config, tenants: local.config.tenants.filter((t) => t.id !== 'initech') };
    const gw = await startGateway(without, { host: '127.0.0.1', port: 0, metricsPort: 0, env: env(), configFile: file, configSha256: write(without), configPollMs: 50 });
    running.push(gw);
    expect((await chat(gw.url, testKey('acme'), 'llama3:8b')).status).toBe(200);
    // WHEN Terraform writes initech's hash and the ConfigMap gains initech
    vault.set(secretName('initech'), hashList(testKey('initech')));
    write(local.config);
    // THEN initech's key works within seconds, not at the next 60 s refresh
    const deadline = Date.now() + 5000;
    while ((await chat(gw.url, testKey('initech'), 'llama3:70b')).status !== 200) {
      if (Date.now() > deadline) throw new Error('initech never accepted');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await chat(gw.url, testKey('acme'), 'llama3:8b')).status).toBe(200);
  });
});
