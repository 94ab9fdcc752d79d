/**
 * The inference gateway of this repository, started with its rendered configuration
 * (`dist/manifests/cluster-addons/inference-gateway/configmap-inference-gateway.yaml`), on loopback.
 * Two local replacements only: the tenant key files its SecretProviderClasses would mount come from
 * a local Key Vault stand-in directory, and each model Service URL maps to a local model server
 * (or to a closed port when none runs for it).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { inferenceGatewayConfigSchema, MODEL_CATALOGUE, modelServiceUrl, type InferenceGatewayConfig, type ModelId } from '@panal/tenant-config';
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
 * Writes the key files each tenant's rendered SecretProviderClass names (object alias or name) and
 * starts the gateway with the rendered configuration, upstreams mapped to the local model servers.
 */
export async function startRenderedGateway(opts: RenderedGatewayOptions): Promise<{ gateway: RunningGateway; config: InferenceGatewayConfig }> {
  const rendered = await renderedGatewayConfig();
  const keysDir = join(opts.root, 'gateway-keys');
  for (const t of rendered.tenants) {
    const spc = parse(await readFile(join(GATEWAY_MANIFESTS_DIR, `secretproviderclass-tenant-key-${t.id}.yaml`), 'utf8'));
    await mkdir(join(keysDir, t.id), { recursive: true });
    for (const o of parse(spc.spec.parameters.objects).array.map((x: string) => parse(x))) {
      await writeFile(join(keysDir, t.id, o.objectAlias ?? o.objectName), `${opts.keys[t.id] ?? opts.randomKey()}\n`);
    }
  }
  const byServiceUrl = new Map(Object.entries(opts.modelServers).map(([model, url]) => [modelServiceUrl(MODEL_CATALOGUE[model as ModelId]), url!]));
  const models = Object.fromEntries(
    Object.entries(rendered.models).map(([id, m]) => [id, { ...m, upstreams: m.upstreams.map((u) => byServiceUrl.get(u) ?? CLOSED_UPSTREAM) }]),
  ) as InferenceGatewayConfig['models'];
  const gateway = await startGateway({ ...rendered, keysDir, models }, { host: '127.0.0.1', port: 0, metricsPort: 0 });
  return { gateway, config: rendered };
}
