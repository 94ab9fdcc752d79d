/**
 * `make stack`: brings the local platform up for the example tenants (see platform.ts), prints the
 * URL and the admin login of each tenant, and keeps it running until Ctrl-C (or `make stack-down`).
 *
 *   tsx tools/real-stack/src/cli.ts up [--tenants a,b] [--replicas N]
 *   tsx tools/real-stack/src/cli.ts down
 *
 * The state file (`$PANAL_STACK_DIR/stack.json`, default `.out/real-stack/`, never committed, mode
 * 0600 because it holds the generated passwords) lets `down` find the running process.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './model-store';
import { startLocalPlatform, type LocalPlatform } from './platform';

const STATE_DIR = resolve(process.env.PANAL_STACK_DIR ?? join(REPO_ROOT, '.out/real-stack'));
const STATE_FILE = join(STATE_DIR, 'stack.json');
const USAGE = 'usage: cli.ts up [--tenants <id,id>] [--replicas <n>] | down';

interface StackState {
  readonly pid: number;
  readonly gateway: string;
  readonly tenants: readonly { id: string; tier: string; url: string; email: string; password: string }[];
}

function formatReady(platform: LocalPlatform, seconds: number): string {
  const rows = platform.tenants.map((t) => [t.id, t.tier, t.url, t.login.email, t.login.password]);
  const header = ['tenant', 'tier', 'url', 'email', 'password'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [
    `real-stack: up in ${seconds.toFixed(0)} s. Open a tenant's URL in a browser, sign in with its login and chat:`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `inference gateway: ${platform.gateway.url} (metrics ${platform.gateway.metricsUrl}/metrics)`,
    `OpenTelemetry Collector metrics: ${platform.tenants.map((t) => `${t.id} ${t.collector.prometheusUrl}`).join(', ')}`,
    `models: ${Object.entries(platform.modelServers).map(([m, s]) => `${m} ${s!.url}`).join(', ')} (generated tiny models: answers are random tokens)`,
    `state: ${STATE_FILE}. Stop with Ctrl-C or \`make stack-down\`.`,
  ].join('\n');
}

async function up(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { tenants: { type: 'string' }, replicas: { type: 'string' } } });
  if (existsSync(STATE_FILE)) {
    const old = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as StackState;
    if (isAlive(old.pid)) throw new Error(`a real stack is already running (pid ${old.pid}, ${STATE_FILE}): stop it with \`make stack-down\``);
  }
  const started = Date.now();
  // Ctrl-C while starting: stop after the current step, and stop what was started.
  const starting = new AbortController();
  const abortStart = () => {
    console.log('real-stack: interrupted, stopping what was started after the current step');
    starting.abort();
  };
  process.once('SIGINT', abortStart);
  process.once('SIGTERM', abortStart);
  const platform = await startLocalPlatform({
    tenants: values.tenants?.split(',').map((t) => t.trim()).filter(Boolean),
    replicas: values.replicas === undefined ? undefined : Number(values.replicas),
    log: (l) => console.log(`real-stack: ${l}`),
    signal: starting.signal,
  });
  process.off('SIGINT', abortStart);
  process.off('SIGTERM', abortStart);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`real-stack: ${signal}, stopping every process`);
    await platform.stop();
    rmSync(STATE_FILE, { force: true });
    console.log('real-stack: stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  mkdirSync(STATE_DIR, { recursive: true });
  const state: StackState = {
    pid: process.pid,
    gateway: platform.gateway.url,
    tenants: platform.tenants.map((t) => ({ id: t.id, tier: t.tier, url: t.url, email: t.login.email, password: t.login.password })),
  };
  writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(STATE_FILE, 0o600);
  console.log(formatReady(platform, (Date.now() - started) / 1000));
  // Keeps the event loop alive until a signal arrives.
  setInterval(() => undefined, 1 << 30);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function down(): Promise<void> {
  if (!existsSync(STATE_FILE)) {
    console.log(`real-stack: nothing running (no ${STATE_FILE})`);
    return;
  }
  const { pid } = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as StackState;
  if (!isAlive(pid)) {
    rmSync(STATE_FILE, { force: true });
    console.log(`real-stack: process ${pid} is gone; removed the stale ${STATE_FILE}`);
    return;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 60_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  if (isAlive(pid)) throw new Error(`process ${pid} still runs 60 s after SIGTERM`);
  console.log('real-stack: stopped');
}

const [command, ...rest] = process.argv.slice(2);
const run = command === 'up' ? up(rest) : command === 'down' ? down() : Promise.reject(new Error(USAGE));
run.catch((err: Error) => {
  console.error(`real-stack: ${err.message}`);
  process.exit(1);
});
