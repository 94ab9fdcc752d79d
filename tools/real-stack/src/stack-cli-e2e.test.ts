import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWebUIApi as api } from './openwebui-api';
import { REPO_ROOT } from './model-store';
import { renderedTenantIds } from './platform';

/**
 * What a newcomer does: `make stack` (this CLI), then open a printed URL in a browser, sign in with
 * the printed login and chat. The browser is Debian's Chromium driven by playwright-core; every
 * process behind the page is real (OpenWebUI, the inference gateway, Ollama, PostgreSQL, Redis).
 */

const CLI = join(REPO_ROOT, 'tools/real-stack/src/cli.ts');
const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx');
// The flags a headless Chromium needs on a machine without outbound network (each background
// service would otherwise retry Google's hosts) and as root (no user-namespace sandbox).
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface PrintedTenant {
  readonly id: string;
  readonly tier: string;
  readonly url: string;
  readonly email: string;
  readonly password: string;
}

/** Reads the table the CLI prints for people: `<tenant> <tier> <url> <email> <password>`. */
function parsePrinted(out: string): { tenants: PrintedTenant[]; gatewayMetrics: string; collectors: Record<string, string> } {
  const tenants = [...out.matchAll(/^([a-z0-9-]+)\s+(standard|premium)\s+(http:\/\/127\.0\.0\.1:\d+)\s+(\S+@\S+)\s+(\S+)$/gm)].map((m) => ({ id: m[1]!, tier: m[2]!, url: m[3]!, email: m[4]!, password: m[5]! }));
  const gatewayMetrics = /^inference gateway: \S+ \(metrics (\S+)\)$/m.exec(out)?.[1] ?? '';
  const collectorLine = /^OpenTelemetry Collector metrics: (.*)$/m.exec(out)?.[1] ?? '';
  const collectors = Object.fromEntries([...collectorLine.matchAll(/([a-z0-9-]+) (http:\/\/127\.0\.0\.1:\d+\/metrics)/g)].map((m) => [m[1]!, m[2]!]));
  return { tenants, gatewayMetrics, collectors };
}


async function signIn(t: PrintedTenant): Promise<string> {
  const res = await api(t.url, '/api/v1/auths/signin', { body: { email: t.email, password: t.password } });
  expect(res.status, res.text).toBe(200);
  return res.json.token as string;
}

/** The sum of one tenant's (and optionally one model's) token counters on the gateway's /metrics. */
async function gatewayTokens(metricsUrl: string, tenant: string, model?: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  let sum = 0;
  for (const m of text.matchAll(/^panal_gateway_tokens_total\{([^}]*)\} (\d+)$/gm)) {
    if (m[1]!.includes(`tenant="${tenant}"`) && (!model || m[1]!.includes(`model="${model}"`))) sum += Number(m[2]);
  }
  return sum;
}

describe('make stack: the local platform a newcomer opens in a browser', () => {
  let cli: ChildProcess;
  let out = '';
  let exited: Promise<number | null>;
  let printed: ReturnType<typeof parsePrinted>;
  let browser: Browser | undefined;
  const stateDir = mkdtempSync(join(tmpdir(), 'panal-stack-cli-'));
  const byTier = (tier: string) => printed.tenants.find((t) => t.tier === tier)!;

  beforeAll(async () => {
    const chromiumPath = execFileSync('bash', [join(REPO_ROOT, 'tools/real-stack/install/chromium.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    cli = spawn(TSX, [CLI, 'up'], { cwd: REPO_ROOT, env: { ...process.env, PANAL_STACK_DIR: stateDir }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    exited = new Promise((r) => cli.once('exit', (code) => r(code)));
    cli.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    cli.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((ready, fail) => {
      const check = setInterval(() => {
        if (/^real-stack: up in /m.test(out)) {
          clearInterval(check);
          ready();
        } else if (cli.exitCode !== null) {
          clearInterval(check);
          fail(new Error(`make stack exited with ${cli.exitCode} before it was up:\n${out}`));
        }
      }, 500);
    });
    printed = parsePrinted(out);
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    if (cli && cli.exitCode === null) {
      process.kill(-cli.pid!, 'SIGINT');
      await exited;
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('prints a URL and an admin login for every example tenant', async () => {
    expect(printed.tenants.map((t) => t.id)).toEqual(await renderedTenantIds());
    expect(printed.gatewayMetrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(Object.keys(printed.collectors)).toEqual(printed.tenants.map((t) => t.id));
    for (const t of printed.tenants) await signIn(t);
  });

  it('signs in through the page, chats in the browser, and the answer comes from the model server through the gateway', async () => {
    const t = byTier('standard');
    const tokensBefore = await gatewayTokens(printed.gatewayMetrics, t.id);
    const page = await browser!.newPage();
    await page.goto(`${t.url}/auth`);
    await page.fill('#email', t.email);
    await page.fill('#password', t.password);
    await page.click('button:has-text("Sign in")');
    await page.waitForURL((u) => !u.pathname.startsWith('/auth'), { timeout: 60_000 });
    // First sign-in of a release shows its release notes; a person closes them.
    await page.locator('button:has-text("Okay, Let\'s Go!")').click({ timeout: 15_000 }).catch(() => undefined);
    await page.click('#chat-input');
    await page.keyboard.type('hello there model');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/c\/[0-9a-f-]+$/, { timeout: 60_000 });
    const chatId = page.url().split('/c/')[1]!;
    const token = await signIn(t);
    // The chat as OpenWebUI stored it (in the tenant's PostgreSQL): wait until the answer is complete.
    let assistant: { content?: string; error?: unknown; done?: boolean; model?: string } | undefined;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const chat = await api(t.url, `/api/v1/chats/${chatId}`, { token });
      const messages = Object.values(chat.json?.chat?.history?.messages ?? {}) as (typeof assistant & { role: string })[];
      assistant = messages.find((m) => m?.role === 'assistant');
      if (assistant?.done || assistant?.error) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(assistant?.error, JSON.stringify(assistant)).toBeUndefined();
    expect(assistant?.done).toBe(true);
    expect(assistant?.content?.trim().length).toBeGreaterThan(0);
    // What the person sees is that answer, not an error box.
    const shown = (await page.locator('#response-content-container').last().innerText()).trim();
    expect(shown.length).toBeGreaterThan(0);
    expect(shown).not.toMatch(/does not support tools/);
    expect(await gatewayTokens(printed.gatewayMetrics, t.id)).toBeGreaterThan(tokensBefore);
    await page.close();
    // OpenWebUI's own metrics of that session reached the tenant's collector (OTLP/HTTP) and carry its tenant label.
    let exported = '';
    for (const until = Date.now() + 90_000; Date.now() < until; await new Promise((r) => setTimeout(r, 2000))) {
      exported = await (await fetch(printed.collectors[t.id]!)).text();
      if (new RegExp(`^webui_users_total\\{[^}]*tenant="${t.id}"[^}]*\\} 1$`, 'm').test(exported)) break;
    }
    expect(exported).toMatch(new RegExp(`^webui_users_total\\{[^}]*tenant="${t.id}"[^}]*\\} 1$`, 'm'));
  });

  it('gives the premium tenant llama3:70b, answered by the 70B model server, and refuses it to a standard tenant', async () => {
    const premium = byTier('premium');
    const standard = byTier('standard');
    const premiumToken = await signIn(premium);
    const standardToken = await signIn(standard);
    const models = async (t: PrintedTenant, token: string) => ((await api(t.url, '/api/models', { token })).json.data as { id: string }[]).map((m) => m.id);
    expect(await models(premium, premiumToken)).toContain('llama3:70b');
    expect(await models(standard, standardToken)).not.toContain('llama3:70b');

    const before = await gatewayTokens(printed.gatewayMetrics, premium.id, 'llama3:70b');
    const chat = { model: 'llama3:70b', stream: false, messages: [{ role: 'user', content: 'hello large model' }] };
    const answered = await api(premium.url, '/api/chat/completions', { token: premiumToken, body: chat });
    expect(answered.status, answered.text).toBe(200);
    expect(answered.json.choices[0].message.role).toBe('assistant');
    expect(await gatewayTokens(printed.gatewayMetrics, premium.id, 'llama3:70b')).toBeGreaterThan(before);

    const refused = await api(standard.url, '/api/chat/completions', { token: standardToken, body: chat });
    expect(refused.status).not.toBe(200);
    expect(await gatewayTokens(printed.gatewayMetrics, standard.id, 'llama3:70b')).toBe(0);
  });

  it('stops every process on Ctrl-C and removes its state file', async () => {
    process.kill(-cli.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(join(stateDir, 'stack.json'))).toBe(false);
    for (const t of printed.tenants) await expect(fetch(`${t.url}/health`)).rejects.toThrow();
    await expect(fetch(printed.gatewayMetrics)).rejects.toThrow();
  });
});
