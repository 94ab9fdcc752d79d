import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  deriveInferenceGatewayConfig,
  loadEnvironment,
  loadTenants,
  MODEL_IDS,
  TENANT_KEY_VAULT_SECRETS,
  type InferenceGatewayConfig,
  type ModelId,
} from '@panal/tenant-config';

/** Repository root, from this file. */
export const REPO_ROOT = resolve(import.meta.dirname, '../../../..');

/** The gateway configuration of the example environment, derived exactly as cluster-addons renders it. */
export function exampleGatewayConfig(): InferenceGatewayConfig {
  const { environment, identities } = loadEnvironment(join(REPO_ROOT, 'environments/example'), REPO_ROOT);
  const tenants = loadTenants({ tenantsDir: join(REPO_ROOT, 'apps/tenants/tenants'), repoRoot: REPO_ROOT, identities });
  return deriveInferenceGatewayConfig({ tenants, listenPort: environment.inferenceGateway.port, premiumColdStartBudgetSeconds: 600 });
}

/** The key a test uses for a tenant. */
export const testKey = (tenantId: string) => `test-key-${tenantId}-0123456789abcdef`;

/**
 * Points a configuration at local upstreams and a temporary key folder holding {@link testKey}
 * for every tenant (instead of the Key Vault of key hashes). Returns the config and a cleanup function.
 */
export function localConfig(
  base: InferenceGatewayConfig,
  upstreams: Partial<Record<ModelId, string>>,
  tweak: (c: InferenceGatewayConfig) => InferenceGatewayConfig = (c) => c,
): { config: InferenceGatewayConfig; keysDir: string; cleanup: () => void } {
  const keysDir = mkdtempSync(join(tmpdir(), 'panal-gw-keys-'));
  for (const t of base.tenants) {
    mkdirSync(join(keysDir, t.id));
    writeFileSync(join(keysDir, t.id, TENANT_KEY_VAULT_SECRETS.inferenceGatewayKey), `${testKey(t.id)}\n`);
  }
  const models = Object.fromEntries(
    MODEL_IDS.map((id) => [id, { ...base.models[id]!, upstreams: [upstreams[id] ?? 'http://127.0.0.1:9'] }]),
  ) as InferenceGatewayConfig['models'];
  const local: InferenceGatewayConfig = { ...base, keysDir, models };
  delete local.keyVault; // the key files above stand in for the Key Vault of key hashes
  return { config: tweak(local), keysDir, cleanup: () => rmSync(keysDir, { recursive: true, force: true }) };
}

/** POSTs a chat completion through the gateway. */
export async function chat(baseUrl: string, key: string, model: string, options: { stream?: boolean; content?: string; signal?: AbortSignal } = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: options.stream ?? false, messages: [{ role: 'user', content: options.content ?? 'hello there model' }] }),
    signal: options.signal,
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}
