import { describe, expect, it } from 'vitest';
import { deriveInferenceGatewayConfig, inferenceGatewayConfigSchema } from './inference-gateway-config';
import { MODEL_CATALOGUE } from './models';
import type { Tenant } from './tenant';
import { MODEL_IDS, TIER_PROFILES, TIERS, type Tier } from './tiers';

const tenant = (id: string, tier: Tier, state: Tenant['state'] = 'active'): Tenant => ({
  id,
  displayName: id,
  tier,
  namespace: `tenant-${id}`,
  hostnames: [`${id}.example.com`],
  sso: { issuerUrl: 'https://login.example.com', clientId: 'c', providerName: 'Entra ID' },
  openWebUIReplicas: TIER_PROFILES[tier].defaultOpenWebUIReplicas,
  dormantAfterIdleMinutes: TIER_PROFILES[tier].defaultDormantAfterIdleMinutes,
  quota: TIER_PROFILES[tier].defaultQuota,
  models: TIER_PROFILES[tier].models,
  state,
  sourceFile: `apps/tenants/tenants/${id}/tenant.yaml`,
});

describe('deriveInferenceGatewayConfig', () => {
  const config = deriveInferenceGatewayConfig({
    tenants: [tenant('zeta', 'premium'), tenant('alpha', 'standard'), tenant('new', 'premium', 'provisioning'), tenant('paused', 'standard', 'suspended')],
    listenPort: 8080,
    premiumColdStartBudgetSeconds: 600,
  });

  it('lists only active tenants, sorted, with their tier allowlist and limits', () => {
    expect(config.tenants).toEqual([
      { id: 'alpha', tier: 'standard', models: ['llama3:8b', 'mistral:7b'], ...TIER_PROFILES.standard.gateway },
      { id: 'zeta', tier: 'premium', models: ['llama3:8b', 'mistral:7b', 'llama3:70b'], ...TIER_PROFILES.premium.gateway },
    ]);
  });

  it('routes every catalogued model, with a cold-start budget only for the premium pool', () => {
    expect(Object.keys(config.models).sort()).toEqual([...MODEL_IDS].sort());
    for (const id of MODEL_IDS) expect(config.models[id]!.coldStartBudgetSeconds).toBe(MODEL_CATALOGUE[id].pool === 'premium' ? 600 : 0);
  });

  it('is valid against the schema the gateway loads it with', () => {
    expect(inferenceGatewayConfigSchema.parse(JSON.parse(JSON.stringify(config)))).toEqual(config);
  });

  it('has no shared limits unless given, and carries them when given', () => {
    expect(config.sharedLimits).toBeUndefined();
    const sharedLimits = { redisHost: 'inference-gateway-redis.inference-gateway.svc.cluster.local', redisPort: 6379, fallbackReplicas: 3 };
    const shared = deriveInferenceGatewayConfig({ tenants: [tenant('alpha', 'standard')], listenPort: 8080, premiumColdStartBudgetSeconds: 600, sharedLimits });
    expect(inferenceGatewayConfigSchema.parse(JSON.parse(JSON.stringify(shared))).sharedLimits).toEqual(sharedLimits);
    expect(inferenceGatewayConfigSchema.safeParse({ ...shared, sharedLimits: { ...sharedLimits, fallbackReplicas: 0 } }).success).toBe(false);
  });

  it('reads keys from files by default, from the Key Vault of key hashes when given, and refuses neither', () => {
    expect(config.keysDir).toBe('/var/run/panal/tenant-keys');
    const keyVault = { vaultUrl: 'https://kv-pnlex-gwkeys.vault.azure.net', secretPrefix: 'gateway-key-sha256-', refreshSeconds: 60 };
    const inCluster = deriveInferenceGatewayConfig({ tenants: [tenant('alpha', 'standard')], listenPort: 8080, premiumColdStartBudgetSeconds: 600, keyVault });
    expect([inCluster.keyVault, inCluster.keysDir]).toEqual([keyVault, undefined]);
    const neither: Record<string, unknown> = { ...config };
    delete neither.keysDir;
    const refused = inferenceGatewayConfigSchema.safeParse(neither);
    expect(refused.success).toBe(false);
    expect(refused.error!.issues[0]!.message).toBe('set keyVault (in the cluster) or keysDir (local runs): without either no tenant key is known');
  });

  it('fails to parse a file with an unknown model or field', () => {
    const bad = { ...config, tenants: [{ ...config.tenants[0]!, models: ['gpt-4'] }] };
    expect(inferenceGatewayConfigSchema.safeParse(bad).success).toBe(false);
    expect(inferenceGatewayConfigSchema.safeParse({ ...config, extra: true }).success).toBe(false);
  });
});

describe('tier gateway limits', () => {
  it('give premium at least what standard gets, and never let standard call the 70B model', () => {
    const { standard, premium } = TIER_PROFILES;
    expect(TIERS).toEqual(['standard', 'premium']);
    expect(standard.models).not.toContain('llama3:70b');
    for (const k of ['requestsPerMinute', 'tokensPerMinute', 'monthlyTokenBudget'] as const) {
      expect(standard.gateway[k]).toBeGreaterThan(0);
      expect(premium.gateway[k]).toBeGreaterThanOrEqual(standard.gateway[k]);
    }
  });
});
