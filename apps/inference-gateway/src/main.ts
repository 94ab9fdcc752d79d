import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { contentSha256, inferenceGatewayConfigSchema } from '@panal/tenant-config';
import { startGateway } from './server';

/**
 * Entry point: `inference-gateway --config /etc/inference-gateway/gateway.json [--host H] [--port P] [--metrics-port P]`.
 * On SIGTERM it reports not-ready, stops accepting and lets in-flight answers finish. The file is read
 * again every 5 s: changed tenants, limits, allowlists and routes are applied without a restart (an
 * invalid file is logged and counted, and the last good one stays); ports, the key source and the
 * Redis of the shared limits apply at the next start.
 */
const { values } = parseArgs({
  options: {
    config: { type: 'string', default: '/etc/inference-gateway/gateway.json' },
    host: { type: 'string' },
    port: { type: 'string' },
    'metrics-port': { type: 'string' },
  },
  strict: true,
});
const content = readFileSync(values.config!, 'utf8');
const parsed = inferenceGatewayConfigSchema.safeParse(JSON.parse(content));
if (!parsed.success) {
  console.error(`inference-gateway: ${values.config} is not a valid gateway configuration:`);
  for (const issue of parsed.error.issues) console.error(`  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  process.exit(1);
}
const gateway = await startGateway(parsed.data, {
  host: values.host,
  port: values.port === undefined ? undefined : Number(values.port),
  metricsPort: values['metrics-port'] === undefined ? undefined : Number(values['metrics-port']),
  // Tenants, their limits and allowlists, routes and upstream settings follow the mounted ConfigMap without a restart.
  configFile: values.config,
  configSha256: contentSha256(content),
});
console.log(`inference-gateway: ${parsed.data.tenants.length} tenants, ${Object.keys(parsed.data.models).length} models; api ${gateway.url}, metrics ${gateway.metricsUrl}`);
process.once('SIGTERM', () => {
  gateway.close().then(() => process.exit(0));
});
