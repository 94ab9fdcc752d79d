import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { inferenceGatewayConfigSchema } from '@panal/tenant-config';
import { startGateway } from './server';

/**
 * Entry point: `inference-gateway --config /etc/inference-gateway/gateway.json [--host H] [--port P] [--metrics-port P]`.
 * On SIGTERM it reports not-ready, stops accepting and lets in-flight answers finish.
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
const parsed = inferenceGatewayConfigSchema.safeParse(JSON.parse(readFileSync(values.config!, 'utf8')));
if (!parsed.success) {
  console.error(`inference-gateway: ${values.config} is not a valid gateway configuration:`);
  for (const issue of parsed.error.issues) console.error(`  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  process.exit(1);
}
const gateway = await startGateway(parsed.data, {
  host: values.host,
  port: values.port === undefined ? undefined : Number(values.port),
  metricsPort: values['metrics-port'] === undefined ? undefined : Number(values['metrics-port']),
});
console.log(`inference-gateway: ${parsed.data.tenants.length} tenants, ${Object.keys(parsed.data.models).length} models; api ${gateway.url}, metrics ${gateway.metricsUrl}`);
process.once('SIGTERM', () => {
  gateway.close().then(() => process.exit(0));
});
