import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { contentSha256, tenantActivatorConfigSchema } from '@panal/tenant-config';
import { startActivator } from './activator';
import { kubeAccess, KubernetesClient } from './kubernetes';

/**
 * Entry point: `tenant-activator --config /etc/tenant-activator/activator.json [--host H] [--port P]
 * [--metrics-port P] [--kube-api-url URL --kube-token-file F [--kube-ca-file F]]`.
 * Without `--kube-api-url` (or KUBE_API_URL) it uses the in-cluster service account. On SIGTERM it
 * reports not-ready, stops accepting and lets in-flight requests finish (at most `--drain-seconds`).
 * The file is read again every 5 s: a changed tenant table is applied without a restart (an invalid
 * one is logged and counted, and the last good one stays); ports and timer periods apply at the next start.
 */
const { values } = parseArgs({
  options: {
    config: { type: 'string', default: '/etc/tenant-activator/activator.json' },
    host: { type: 'string' },
    port: { type: 'string' },
    'metrics-port': { type: 'string' },
    'kube-api-url': { type: 'string', default: process.env.KUBE_API_URL },
    'kube-token-file': { type: 'string', default: process.env.KUBE_TOKEN_FILE },
    'kube-ca-file': { type: 'string', default: process.env.KUBE_CA_FILE },
    'drain-seconds': { type: 'string', default: '25' },
    // Tests only: the length of one idle "minute", so a sleep fits in a test run.
    'test-minute-ms': { type: 'string' },
  },
  strict: true,
});
const content = readFileSync(values.config!, 'utf8');
const parsed = tenantActivatorConfigSchema.safeParse(JSON.parse(content));
if (!parsed.success) {
  console.error(`tenant-activator: ${values.config} is not a valid activator configuration:`);
  for (const issue of parsed.error.issues) console.error(`  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  process.exit(1);
}
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const kube = new KubernetesClient(kubeAccess({ apiUrl: values['kube-api-url'], tokenFile: values['kube-token-file'], caFile: values['kube-ca-file'] }));
const activator = await startActivator(parsed.data, kube, {
  host: values.host,
  port: num(values.port),
  metricsPort: num(values['metrics-port']),
  drainMs: Number(values['drain-seconds']) * 1000,
  minuteMs: num(values['test-minute-ms']),
  // The tenant table and the other live settings follow the mounted ConfigMap without a restart.
  configFile: values.config,
  configSha256: contentSha256(content),
});
console.log(`tenant-activator: ${parsed.data.tenants.length} tenants; proxy ${activator.url}, metrics ${activator.metricsUrl}`);
process.once('SIGTERM', () => {
  activator.close().then(() => process.exit(0));
});
