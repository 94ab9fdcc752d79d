/**
 * Prints figures, asserts nothing: the proxy overhead of the activator (p50/p99 of a small GET
 * through it minus straight to the upstream, keep-alive, one at a time) and the time to first byte
 * of a request that wakes a dormant tenant when the "pods" take `READY_MS` to be ready. The
 * Kubernetes API is the in-memory stand-in of the tests, so the wake figure is the activator's own
 * cost on top of READY_MS, not a production cold start.
 *   tsx apps/tenant-activator/scripts/bench-activator.ts [requests]
 */
import { Agent, request } from 'node:http';
import { LAST_ACTIVITY_ANNOTATION, tenantActivatorConfigSchema } from '@panal/tenant-config';
import { startActivator } from '../src/activator';
import { KubernetesClient } from '../src/kubernetes';
import { FakeKubeApi } from '../src/testing/fake-kube-api';
import { FakeOpenWebUI, testConfig } from '../src/testing/harness';

const N = Number(process.argv[2] ?? 2000);
const READY_MS = 500;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

const timed = (url: string, host: string) =>
  new Promise<number>((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(`${url}/echo`, { headers: { host }, agent }, (res) => {
      res.once('data', () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
      res.resume();
    });
    req.on('error', reject);
    req.end();
  });
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const webui = await new FakeOpenWebUI().start();
const kube = await new FakeKubeApi().start();
kube.addDeployment('tenant-acme', 'open-webui', 2, 2, { [LAST_ACTIVITY_ANNOTATION]: new Date().toISOString() });
kube.addDeployment('tenant-acme', 'redis', 1, 1);
const config = tenantActivatorConfigSchema.parse(testConfig(webui.url, { activityWriteSeconds: 60 }));
const activator = await startActivator(config, new KubernetesClient({ apiUrl: kube.url, token: () => kube.token }), { host: '127.0.0.1', port: 0, metricsPort: 0 });
while (!(await fetch(`${activator.metricsUrl}/readyz`)).ok) await new Promise((r) => setTimeout(r, 20));

const direct: number[] = [];
const proxied: number[] = [];
for (let i = 0; i < 200; i++) await timed(activator.url, 'acme.panal.example'); // warm-up
for (let i = 0; i < N; i++) {
  direct.push(await timed(webui.url, 'acme.panal.example'));
  proxied.push(await timed(activator.url, 'acme.panal.example'));
}
console.log(`requests: ${N} each way, sequential, keep-alive`);
console.log(`direct   p50 ${pct(direct, 50).toFixed(3)} ms  p99 ${pct(direct, 99).toFixed(3)} ms`);
console.log(`proxied  p50 ${pct(proxied, 50).toFixed(3)} ms  p99 ${pct(proxied, 99).toFixed(3)} ms`);
console.log(`overhead p50 ${(pct(proxied, 50) - pct(direct, 50)).toFixed(3)} ms  p99 ${(pct(proxied, 99) - pct(direct, 99)).toFixed(3)} ms`);

kube.readyAfterMs = READY_MS;
kube.addDeployment('tenant-acme', 'open-webui', 0, 0, { [LAST_ACTIVITY_ANNOTATION]: '2020-01-01T00:00:00Z' });
kube.addDeployment('tenant-acme', 'redis', 0, 0);
await new Promise((r) => setTimeout(r, 100));
const wakeTtfb = await timed(activator.url, 'acme.panal.example');
console.log(`wake: time to first byte ${wakeTtfb.toFixed(1)} ms with pods ready ${READY_MS} ms after the scale (activator's share ${(wakeTtfb - READY_MS).toFixed(1)} ms)`);

agent.destroy();
await activator.close();
await kube.stop();
await webui.stop();
