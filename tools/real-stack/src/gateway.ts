/**
 * The inference gateway of this repository, started with its rendered configuration
 * (`dist/manifests/cluster-addons/inference-gateway/configmap-inference-gateway.yaml`), on loopback.
 * Local replacements: tenant keys are files in a local stand-in directory instead of the hashes the
 * gateway reads from its Key Vault in the cluster, limits are counted in memory instead of in the
 * gateway's in-cluster Redis (one replica here), and each model Service URL maps to a local model
 * server (or to a closed port when none runs for it).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { inferenceGatewayConfigSchema, MODEL_CATALOGUE, modelServiceUrl, TENANT_KEY_VAULT_SECRETS, type InferenceGatewayConfig, type ModelId } from '@panal/tenant-config';
import { startGateway, type RunningGateway } from '../../../apps/inference-gateway/src/server';
import { REPO_ROOT } from './model-store';

export const GATEWAY_MANIFESTS_DIR = join(REPO_ROOT, 'dist/manifests/cluster-addons/inference-gateway');

/** Nobody listens on the discard port: a model without a local server fails fast, as a Service without endpoints. */
const CLOSED_UPSTREAM = 'http://127.0.0.1:9';

/** The gateway configuration as rendered (schema-checked, the same parser the gateway uses). */
export async function renderedGatewayConfig(): Promise<InferenceGatewayConfig> {
  const cm = parse(await readFile(join(GATEWAY_MANIFESTS_DIR, 'configmap-inference-gateway.yaml'), 'utf8'));
  return inferenceGatewayConfigSchema.parse(JSON.parse(cm.data['gateway.json']));
}

/** Options of {@link startRenderedGateway}. */
export interface RenderedGatewayOptions {
  /** Scratch directory; the key files go to `<root>/gateway-keys/<tenant>/`. */
  readonly root: string;
  /** Each tenant's key, as its Key Vault would hold it. Tenants without one get a random key nobody knows. */
  readonly keys: Readonly<Record<string, string>>;
  /** Local base URL of each model's server; models not named here map to a closed port. */
  readonly modelServers: Readonly<Partial<Record<ModelId, string>>>;
  /** Random value for the keys of tenants not in `keys`. */
  readonly randomKey: () => string;
}

/**
 * Writes each rendered tenant's key file (`<tenant>/inference-gateway-key`, the secret name its Key
 * Vault holds) and starts the gateway with the rendered configuration, upstreams mapped to the local
 * model servers.
 */
export async function startRenderedGateway(opts: RenderedGatewayOptions): Promise<{ gateway: RunningGateway; config: InferenceGatewayConfig }> {
  const rendered = await renderedGatewayConfig();
  const keysDir = join(opts.root, 'gateway-keys');
  for (const t of rendered.tenants) {
    await mkdir(join(keysDir, t.id), { recursive: true });
    await writeFile(join(keysDir, t.id, TENANT_KEY_VAULT_SECRETS.inferenceGatewayKey), `${opts.keys[t.id] ?? opts.randomKey()}\n`);
  }
  const byServiceUrl = new Map(Object.entries(opts.modelServers).map(([model, url]) => [modelServiceUrl(MODEL_CATALOGUE[model as ModelId]), url!]));
  const models = Object.fromEntries(
    Object.entries(rendered.models).map(([id, m]) => [id, { ...m, upstreams: m.upstreams.map((u) => byServiceUrl.get(u) ?? CLOSED_UPSTREAM) }]),
  ) as InferenceGatewayConfig['models'];
  const local: InferenceGatewayConfig = { ...rendered, keysDir, models };
  delete local.keyVault;
  delete local.sharedLimits;
  const gateway = await startGateway(local, { host: '127.0.0.1', port: 0, metricsPort: 0 });
  return { gateway, config: rendered };
}
