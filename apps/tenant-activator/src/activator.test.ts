import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contentSha256, LAST_ACTIVITY_ANNOTATION, tenantActivatorConfigSchema, type TenantActivatorConfig } from '@panal/tenant-config';
import { hostKey, startActivator, type ActivatorOptions, type RunningActivator } from './activator';
import { KubernetesClient } from './kubernetes';
import { FakeKubeApi } from './testing/fake-kube-api';
import { FakeOpenWebUI, get, sleep, testConfig, until } from './testing/harness';
import { connectWebSocket } from './testing/websocket';

/** Sample lines whose labels are out of alphabetical order: prom-client keeps the call site's order, and the exposition has always been sorted. */
const unsortedLabelLines = (text: string) =>
  text.split('\n').filter((line) => {
    const names = [.../^\w+\{(.*)\} /.exec(line)?.[1].matchAll(/(\w+)="(?:[^"\\]|\\.)*"/g) ?? []].map((m) => m[1]);
    return names.join() !== [...names].sort().join();
  });

/**
 * The real activator code over real sockets on 127.0.0.1: a real HTTP server stands in for the
 * tenant's OpenWebUI pod, and {@link FakeKubeApi} for the Kubernetes API (its semantics are checked
 * against a real kube-apiserver in tools/sim-aks/src/scenarios/tenant-activator.test.ts).
 */
const NS = 'tenant-acme';
const HOST = 'acme.panal.example';
const OLD = '2020-01-01T00:00:00Z';

describe('tenant activator (Kubernetes API: in-memory stand-in)', () => {
  const webui = new FakeOpenWebUI();
  let kube: FakeKubeApi;
  const running: RunningActivator[] = [];

  const start = async (tweak: Partial<TenantActivatorConfig> = {}, options: ActivatorOptions = {}) => {
    const config = tenantActivatorConfigSchema.parse(testConfig(webui.url, tweak));
    const client = new KubernetesClient({ apiUrl: kube.url, token: () => kube.token });
    const a = await startActivator(config, client, { host: '127.0.0.1', port: 0, metricsPort: 0, watchRetryMs: 50, ...options });
    running.push(a);
    await until('readyz', async () => (await fetch(`${a.metricsUrl}/readyz`)).ok);
    return a;
  };
  const metric = async (a: RunningActivator, series: string) => {
    const text = await (await fetch(`${a.metricsUrl}/metrics`)).text();
    expect(unsortedLabelLines(text)).toEqual([]);
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  };
  const replicas = (name: string) => kube.deployment(NS, name).spec.replicas as number;

  beforeAll(async () => {
    await webui.start();
  });
  beforeEach(async () => {
    kube = await new FakeKubeApi().start();
    webui.requests.length = 0;
    webui.upgrades.length = 0;
  });
  afterEach(async () => {
    webui.releaseSse();
    while (running.length) await running.pop()!.close();
    await kube.stop();
  });
  afterAll(async () => {
    await webui.stop();
  });

  const awake = () => {
    kube.addDeployment(NS, 'open-webui', 2, 2, { [LAST_ACTIVITY_ANNOTATION]: new Date().toISOString() });
    kube.addDeployment(NS, 'redis', 1, 1);
  };
  const dormant = () => {
    kube.addDeployment(NS, 'open-webui', 0, 0, { [LAST_ACTIVITY_ANNOTATION]: OLD });
    kube.addDeployment(NS, 'redis', 0, 0);
  };

  it('routes by Host in lower case without port', () => {
    expect(hostKey('ACME.Panal.Example:443')).toBe('acme.panal.example');
    expect(hostKey('acme.panal.example.')).toBe('acme.panal.example');
    expect(hostKey('[::1]:8080')).toBe('[::1]');
  });

  it('answers 404 to an unknown host without contacting the upstream or the API', async () => {
    awake();
    const a = await start();
    const callsBefore = kube.calls.length;
    const res = await get(a.url, 'evil.example');
    expect(res.status).toBe(404);
    expect(webui.requests).toHaveLength(0);
    expect(kube.calls.length).toBe(callsBefore);
    expect(await metric(a, 'panal_activator_requests_total{code="404",tenant=""}')).toBe(1);
  });

  it('forwards an awake tenant with the original Host, X-Forwarded-* and the request body', async () => {
    awake();
    const a = await start();
    const res = await get(a.url, 'ACME.panal.example:443', '/echo?q=1', { method: 'POST', headers: { 'x-forwarded-for': '203.0.113.7', 'content-type': 'application/json' }, body: '{"hello":"world"}' });
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body);
    expect(seen).toMatchObject({ method: 'POST', url: '/echo?q=1', body: '{"hello":"world"}' });
    expect(seen.headers.host).toBe('ACME.panal.example:443');
    expect(seen.headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    expect(seen.headers['x-forwarded-host']).toBe('ACME.panal.example:443');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(kube.scaleCalls()).toHaveLength(0);
    expect(await metric(a, 'panal_activator_requests_total{code="200",tenant="acme"}')).toBe(1);
  });

  it('streams SSE without buffering: the first event arrives while the upstream is still open', async () => {
    awake();
    const a = await start();
    const first = await new Promise<string>((resolve, reject) => {
      const req = request(`${a.url}/sse`, { headers: { host: HOST, accept: 'text/event-stream' } }, (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream');
        res.once('data', (c: Buffer) => resolve(c.toString('utf8')));
      });
      req.on('error', reject);
      req.end();
    });
    // The upstream has not ended the stream (releaseSse was not called): nothing waited for its end.
    expect(first).toContain('data: first');
    webui.releaseSse();
  });

  it('proxies a websocket upgrade both ways and counts it while open', async () => {
    awake();
    const a = await start();
    const ws = await connectWebSocket(a.url, HOST);
    ws.send('hola');
    expect(await ws.next()).toBe('echo:hola');
    ws.send('x'.repeat(300));
    expect(await ws.next()).toBe(`echo:${'x'.repeat(300)}`);
    expect(webui.upgrades[0].host).toBe(HOST);
    expect(webui.upgrades[0]['x-forwarded-proto']).toBe('https');
    expect(await metric(a, 'panal_activator_open_websockets{tenant="acme"}')).toBe(1);
    ws.close();
    await until('websocket gauge back to 0', async () => (await metric(a, 'panal_activator_open_websockets{tenant="acme"}')) === 0);
    expect(await metric(a, 'panal_activator_requests_total{code="101",tenant="acme"}')).toBe(1);
  });

  it('wakes a dormant tenant: activity first, every workload to wakeReplicas, the request held until ready then forwarded', async () => {
    dormant();
    kube.readyAfterMs = 300;
    const a = await start();
    const started = Date.now();
    const res = await get(a.url, HOST, '/echo');
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(replicas('open-webui')).toBe(2);
    expect(replicas('redis')).toBe(1);
    expect(kube.scaleCalls('open-webui')[0].body.spec).toEqual({ replicas: 2 });
    // The annotation was written before the first scale call, so no replica's sleep pass can undo the wake.
    const firstAnnotate = kube.calls.findIndex((c) => c.method === 'PATCH' && !c.path.endsWith('/scale'));
    const firstScale = kube.calls.findIndex((c) => c.path.endsWith('/scale'));
    expect(firstAnnotate).toBeGreaterThanOrEqual(0);
    expect(firstAnnotate).toBeLessThan(firstScale);
    expect(Date.parse(kube.deployment(NS, 'open-webui').metadata.annotations[LAST_ACTIVITY_ANNOTATION])).toBeGreaterThan(Date.parse(OLD));
    expect(await metric(a, 'panal_activator_wakes_total{result="ready",tenant="acme"}')).toBe(1);
    expect(await metric(a, 'panal_activator_wake_seconds_count')).toBe(1);
    expect(await metric(a, 'panal_activator_held_requests{tenant="acme"}')).toBe(0);
  });

  it('shares one wake among concurrent requests: exactly one scale call per workload', async () => {
    dormant();
    kube.readyAfterMs = 200;
    const a = await start();
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(a.url, HOST)));
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(kube.scaleCalls('open-webui')).toHaveLength(1);
    expect(kube.scaleCalls('redis')).toHaveLength(1);
    expect(await metric(a, 'panal_activator_wakes_total{result="ready",tenant="acme"}')).toBe(1);
  });

  it('never lowers a running count when waking (the HPA owns counts above zero)', async () => {
    kube.addDeployment(NS, 'open-webui', 0, 0, { [LAST_ACTIVITY_ANNOTATION]: OLD });
    kube.addDeployment(NS, 'redis', 3, 3);
    const a = await start();
    expect((await get(a.url, HOST)).status).toBe(200);
    expect(replicas('redis')).toBe(3);
    expect(kube.scaleCalls('redis')).toHaveLength(0);
  });

  it('past holdSeconds answers a browser with the self-reloading page and an API client with 503 JSON, both with Retry-After', async () => {
    dormant();
    kube.readyAfterMs = undefined; // never ready by itself
    const a = await start({ holdSeconds: 1 });
    const [page, api] = await Promise.all([get(a.url, HOST, '/', { headers: { accept: 'text/html,application/xhtml+xml' } }), get(a.url, HOST, '/api/chats', { headers: { accept: 'application/json' } })]);
    expect(page.status).toBe(503);
    expect(page.headers['retry-after']).toBe('5');
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Estamos preparando tu espacio…');
    expect(page.body).toContain('<meta http-equiv="refresh" content="5">');
    expect(page.body).toContain('We are getting your workspace ready');
    expect(api.status).toBe(503);
    expect(api.headers['retry-after']).toBe('5');
    expect(JSON.parse(api.body).error.code).toBe('tenant_starting');
    expect(webui.requests).toHaveLength(0);
    // The wake went on: once ready, the next request is forwarded.
    kube.setReady(NS, 'open-webui', 2);
    expect((await get(a.url, HOST)).status).toBe(200);
  });

  it('counts a wake not ready within wakeTimeoutSeconds as a timeout, and the next request tries again', async () => {
    dormant();
    kube.readyAfterMs = undefined;
    const a = await start({ holdSeconds: 1, wakeTimeoutSeconds: 1 });
    expect((await get(a.url, HOST)).status).toBe(503);
    await until('timeout counted', async () => (await metric(a, 'panal_activator_wakes_total{result="timeout",tenant="acme"}')) === 1);
    const next = get(a.url, HOST);
    await sleep(100);
    kube.setReady(NS, 'open-webui', 2);
    expect((await next).status).toBe(200);
    expect(await metric(a, 'panal_activator_wakes_total{result="ready",tenant="acme"}')).toBe(1);
  });

  it('counts a failed scale as a wake error and a Kubernetes error, and answers 503', async () => {
    dormant();
    kube.failNext.scale = 500;
    const a = await start();
    expect((await get(a.url, HOST)).status).toBe(503);
    expect(await metric(a, 'panal_activator_wakes_total{result="error",tenant="acme"}')).toBe(1);
    expect(await metric(a, 'panal_activator_kubernetes_errors_total{operation="scale"}')).toBe(1);
    // The next request tries again and succeeds.
    expect((await get(a.url, HOST)).status).toBe(200);
  });

  it('writes the activity annotation at most every activityWriteSeconds, and the trailing activity after', async () => {
    awake();
    const a = await start({ activityWriteSeconds: 1 });
    for (let i = 0; i < 10; i++) expect((await get(a.url, HOST)).status).toBe(200);
    expect(kube.annotateCalls()).toHaveLength(1);
    await sleep(1300);
    // No new request: the ticker still records the last one, once.
    expect(kube.annotateCalls()).toHaveLength(2);
    await sleep(1200);
    expect(kube.annotateCalls()).toHaveLength(2);
  });

  it('does not count an open websocket as activity: a tab left open does not keep its tenant awake', async () => {
    awake();
    const a = await start({ activityWriteSeconds: 1 });
    const ws = await connectWebSocket(a.url, HOST);
    const before = kube.annotateCalls().length;
    await sleep(2600);
    expect(kube.annotateCalls().length - before).toBe(0);
    ws.send('still here');
    expect(await ws.next()).toBe('echo:still here');
    ws.close();
  });

  it('forwards socket.io requests to an awake tenant without counting them as activity', async () => {
    awake();
    const a = await start({ activityWriteSeconds: 1 });
    const before = kube.annotateCalls().length;
    for (let i = 0; i < 5; i++) expect((await get(a.url, HOST, '/ws/socket.io/?EIO=4&transport=polling')).status).toBe(200);
    await sleep(1300);
    expect(kube.annotateCalls().length - before).toBe(0);
    expect(webui.requests.filter((r) => r.url.startsWith('/ws/'))).toHaveLength(5);
    // An ordinary request is activity.
    expect((await get(a.url, HOST, '/echo')).status).toBe(200);
    await until('activity recorded', () => kube.annotateCalls().length > before);
  });

  it('answers socket.io reconnects to a sleeping tenant with 503 and Retry-After at once, without waking it', async () => {
    dormant();
    const a = await start();
    const polling = await get(a.url, HOST, '/ws/socket.io/?EIO=4&transport=polling');
    expect(polling.status).toBe(503);
    expect(polling.headers['retry-after']).toBe('5');
    await expect(connectWebSocket(a.url, HOST)).rejects.toThrow();
    expect(kube.scaleCalls()).toHaveLength(0);
    expect(kube.annotateCalls()).toHaveLength(0);
    expect(webui.requests).toHaveLength(0);
    expect(await metric(a, 'panal_activator_wakes_total{result="ready",tenant="acme"}')).toBeUndefined();
  });

  it('puts an idle tenant to sleep, the first Deployment with the resourceVersion it read', async () => {
    kube.addDeployment(NS, 'open-webui', 2, 2, { [LAST_ACTIVITY_ANNOTATION]: OLD });
    kube.addDeployment(NS, 'redis', 1, 1);
    const a = await start({}, { minuteMs: 100 });
    const rv = kube.deployment(NS, 'open-webui').metadata.resourceVersion;
    await a.sleepPass();
    expect(replicas('open-webui')).toBe(0);
    expect(replicas('redis')).toBe(0);
    expect(kube.scaleCalls('open-webui')[0].body).toEqual({ metadata: { resourceVersion: rv }, spec: { replicas: 0 } });
    expect(await metric(a, 'panal_activator_sleeps_total{tenant="acme"}')).toBe(1);
    // Asleep, the next request wakes it again.
    expect((await get(a.url, HOST)).status).toBe(200);
    expect(replicas('open-webui')).toBe(2);
  });

  it('uses the creation time when the annotation is absent', async () => {
    kube.addDeployment(NS, 'open-webui', 2, 2, {}, new Date());
    kube.addDeployment(NS, 'redis', 1, 1);
    // One idle minute is 10 s here: a loaded machine may take more than a second to start the activator.
    const a = await start({}, { minuteMs: 10_000 });
    await a.sleepPass();
    expect(kube.scaleCalls()).toHaveLength(0);
    kube.addDeployment(NS, 'open-webui', 2, 2, {}, new Date(Date.now() - 60_000));
    // The replaced Deployment reaches the activator's cache through the watch: until it has, a pass
    // still sees the fresh one. A pass that never sleeps it (creation time ignored) times out.
    await until('a sleep pass on the Deployment created long ago', async () => {
      await a.sleepPass();
      return replicas('open-webui') === 0;
    });
  });

  it('loses a sleep to a concurrent activity write (409 on the resourceVersion): the tenant stays awake', async () => {
    kube.addDeployment(NS, 'open-webui', 2, 2, { [LAST_ACTIVITY_ANNOTATION]: OLD });
    kube.addDeployment(NS, 'redis', 1, 1);
    const a = await start({}, { minuteMs: 100 });
    // Another replica records activity right after this one read the Deployment.
    kube.afterGet = (ns, name) => {
      kube.afterGet = undefined;
      kube.annotate(ns, name, { [LAST_ACTIVITY_ANNOTATION]: new Date().toISOString() });
    };
    await a.sleepPass();
    expect(kube.scaleCalls('open-webui')).toHaveLength(1); // tried, with the old resourceVersion
    expect(replicas('open-webui')).toBe(2);
    expect(replicas('redis')).toBe(1);
    expect(kube.scaleCalls('redis')).toHaveLength(0);
    expect(await metric(a, 'panal_activator_sleeps_total{tenant="acme"}')).toBeUndefined();
    expect(await metric(a, 'panal_activator_sleep_conflicts_total{tenant="acme"}')).toBe(1);
    expect(await metric(a, 'panal_activator_kubernetes_errors_total{operation="scale"}')).toBeUndefined();
  });

  it('puts an idle tenant to sleep although a websocket is open through this replica, and closes it', async () => {
    kube.addDeployment(NS, 'open-webui', 2, 2, { [LAST_ACTIVITY_ANNOTATION]: OLD });
    kube.addDeployment(NS, 'redis', 1, 1);
    const a = await start({ activityWriteSeconds: 3600 }, { minuteMs: 50 });
    const ws = await connectWebSocket(a.url, HOST);
    expect(await metric(a, 'panal_activator_open_websockets{tenant="acme"}')).toBe(1);
    await sleep(120); // idle period (1 "minute" = 50 ms) long past since the last request
    await a.sleepPass();
    expect(replicas('open-webui')).toBe(0);
    expect(replicas('redis')).toBe(0);
    await until('websocket closed by the sleep', async () => (await metric(a, 'panal_activator_open_websockets{tenant="acme"}')) === 0);
    void ws;
  });

  it('does not put a tenant to sleep while a request is in flight', async () => {
    kube.addDeployment(NS, 'open-webui', 2, 2, { [LAST_ACTIVITY_ANNOTATION]: OLD });
    kube.addDeployment(NS, 'redis', 1, 1);
    const a = await start({ activityWriteSeconds: 3600 }, { minuteMs: 50 });
    webui.slowMs = 400;
    const slow = get(a.url, HOST, '/slow');
    await sleep(150);
    await a.sleepPass();
    expect(kube.scaleCalls()).toHaveLength(0);
    expect((await slow).body).toBe('slow done');
  });

  it('never puts to sleep a tenant with dormantAfterIdleMinutes 0', async () => {
    kube.addDeployment(NS, 'open-webui', 2, 2, { [LAST_ACTIVITY_ANNOTATION]: OLD });
    kube.addDeployment(NS, 'redis', 1, 1);
    const config = testConfig(webui.url);
    const a = await start({ tenants: [{ ...config.tenants[0], dormantAfterIdleMinutes: 0 }] }, { minuteMs: 1 });
    await a.sleepPass();
    expect(kube.scaleCalls()).toHaveLength(0);
  });

  it('is not ready until the Deployments were listed, and counts the failed list', async () => {
    awake();
    kube.failNext.list = 500;
    const config = tenantActivatorConfigSchema.parse(testConfig(webui.url));
    const a = await startActivator(config, new KubernetesClient({ apiUrl: kube.url, token: () => kube.token }), { host: '127.0.0.1', port: 0, metricsPort: 0, watchRetryMs: 300 });
    running.push(a);
    expect((await fetch(`${a.metricsUrl}/readyz`)).status).toBe(503);
    expect((await fetch(`${a.metricsUrl}/healthz`)).status).toBe(200);
    await until('ready after the retry', async () => (await fetch(`${a.metricsUrl}/readyz`)).ok);
    expect(await metric(a, 'panal_activator_kubernetes_errors_total{operation="list"}')).toBe(1);
  });

  it('keeps a quiet watch open past the timeout of ordinary calls: no error, no re-list', async () => {
    awake();
    const config = tenantActivatorConfigSchema.parse(testConfig(webui.url));
    const a = await startActivator(config, new KubernetesClient({ apiUrl: kube.url, token: () => kube.token }, 200), { host: '127.0.0.1', port: 0, metricsPort: 0, watchRetryMs: 50 });
    running.push(a);
    await until('readyz', async () => (await fetch(`${a.metricsUrl}/readyz`)).ok);
    const lists = () => kube.calls.filter((c) => c.method === 'GET' && c.path.includes('/deployments?') && !c.path.includes('watch=1')).length;
    const before = lists();
    await sleep(900); // 4.5 × the call timeout, no event on the watches
    expect(await metric(a, 'panal_activator_kubernetes_errors_total{operation="watch"}')).toBeUndefined();
    expect(lists()).toBe(before);
  });

  it('reads the token on every call (it rotates)', async () => {
    awake();
    let token = 'stale';
    const config = tenantActivatorConfigSchema.parse(testConfig(webui.url));
    const a = await startActivator(config, new KubernetesClient({ apiUrl: kube.url, token: () => token }), { host: '127.0.0.1', port: 0, metricsPort: 0, watchRetryMs: 50 });
    running.push(a);
    await sleep(200);
    expect((await fetch(`${a.metricsUrl}/readyz`)).status).toBe(503);
    token = kube.token;
    await until('ready with the rotated token', async () => (await fetch(`${a.metricsUrl}/readyz`)).ok);
  });

  it('on close lets an in-flight request finish and reports not ready', async () => {
    awake();
    const a = await start({}, { drainMs: 5000 });
    running.pop();
    webui.slowMs = 400;
    const slow = get(a.url, HOST, '/slow');
    await sleep(100);
    const closing = a.close();
    await sleep(20);
    expect((await fetch(`${a.metricsUrl}/readyz`)).status).toBe(503);
    expect((await slow).body).toBe('slow done');
    await closing;
    await expect(get(a.url, HOST)).rejects.toThrow();
  });
  describe('live reload of the mounted configuration', () => {
    let dir: string;
    let file: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'activator-config-'));
      file = join(dir, 'activator.json');
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const write = (config: unknown) => {
      const text = `${JSON.stringify(config, null, 2)}\n`;
      writeFileSync(file, text);
      return contentSha256(text);
    };
    const beta = (upstream: string): TenantActivatorConfig['tenants'][number] => ({
      id: 'beta',
      namespace: 'tenant-beta',
      hostnames: ['beta.panal.example'],
      upstream,
      dormantAfterIdleMinutes: 1,
      workloads: [
        { deployment: 'open-webui', wakeReplicas: 2 },
        { deployment: 'redis', wakeReplicas: 1 },
      ],
    });
    const startFromFile = async () => {
      const config = tenantActivatorConfigSchema.parse(testConfig(webui.url));
      const sha = write(config);
      return { config, sha, a: await start({}, { configFile: file, configSha256: sha, configPollMs: 50 }) };
    };
    const info = async (a: RunningActivator) => (await (await fetch(`${a.metricsUrl}/metrics`)).text()).split('\n').filter((l) => l.startsWith('panal_activator_config_info{'));

    it('routes a tenant added to its file without a restart, and an open websocket of another tenant stays open', async () => {
      awake();
      kube.addDeployment('tenant-beta', 'open-webui', 2, 2, { [LAST_ACTIVITY_ANNOTATION]: new Date().toISOString() });
      kube.addDeployment('tenant-beta', 'redis', 1, 1);
      const { config, sha, a } = await startFromFile();
      expect(await info(a)).toEqual([`panal_activator_config_info{sha256="${sha}"} 1`]);
      const ws = await connectWebSocket(a.url, HOST);
      ws.send('before');
      expect(await ws.next()).toBe('echo:before');
      let closed = false;
      ws.socket.once('close', () => (closed = true));
      expect((await get(a.url, 'beta.panal.example')).status).toBe(404);

      const next = write({ ...config, tenants: [...config.tenants, beta(webui.url)] });
      await until('beta routed', async () => (await get(a.url, 'beta.panal.example')).status === 200);
      expect(JSON.parse((await get(a.url, 'beta.panal.example')).body).headers.host).toBe('beta.panal.example');
      // Its Deployments were listed again on the reload: it is known awake, nothing was scaled.
      expect(kube.scaleCalls()).toEqual([]);
      ws.send('after');
      expect(await ws.next()).toBe('echo:after');
      expect(closed).toBe(false);
      expect(await metric(a, 'panal_activator_open_websockets{tenant="acme"}')).toBe(1);
      expect(await info(a)).toEqual([`panal_activator_config_info{sha256="${next}"} 1`]);
      expect(await metric(a, 'panal_activator_config_reload_failures_total{reason="invalid"}')).toBeUndefined();
      expect((await fetch(`${a.metricsUrl}/readyz`)).status).toBe(200);
      ws.close();
    });

    it('keeps serving the last good table from an invalid file, counting the failure, and drops a removed tenant', async () => {
      awake();
      const { config, sha, a } = await startFromFile();
      // Schema: a hostname-less tenant. Then the app's own check: a hostname claimed twice.
      write({ ...config, tenants: [...config.tenants, { ...beta(webui.url), hostnames: [] }] });
      await until('an invalid-file failure', async () => ((await metric(a, 'panal_activator_config_reload_failures_total{reason="invalid"}')) ?? 0) >= 1);
      write({ ...config, tenants: [...config.tenants, { ...beta(webui.url), hostnames: [HOST] }] });
      const counted = (await metric(a, 'panal_activator_config_reload_failures_total{reason="invalid"}'))!;
      await until('the refused file counted too', async () => (await metric(a, 'panal_activator_config_reload_failures_total{reason="invalid"}'))! > counted);
      expect((await get(a.url, HOST)).status).toBe(200);
      expect((await get(a.url, 'beta.panal.example')).status).toBe(404);
      expect(await info(a)).toEqual([`panal_activator_config_info{sha256="${sha}"} 1`]);
      rmSync(file);
      await until('an unreadable-file failure', async () => ((await metric(a, 'panal_activator_config_reload_failures_total{reason="unreadable"}')) ?? 0) >= 1);
      expect((await get(a.url, HOST)).status).toBe(200);

      write({ ...config, tenants: [beta(webui.url)] });
      await until('acme no longer routed', async () => (await get(a.url, HOST)).status === 404);
    });
  });
});
