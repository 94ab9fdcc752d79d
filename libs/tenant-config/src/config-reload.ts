import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import type { InferenceGatewayConfig } from './inference-gateway-config';
import type { TenantActivatorConfig } from './tenant-activator-config';

/**
 * Which fields of each shared app's configuration are bound at start (ports, intervals, clients
 * built once) and which it reloads live from its mounted ConfigMap. Only the start-only ones feed the
 * pod template's `panal.io/config-sha256`: a tenant onboarding changes only live fields, so it rolls
 * no shared pod; a change to a start-only field still does (docs/adr/0022, Enmienda 2026-12-04).
 * Every top-level key is in exactly one list (tenant-config's tests check it against the schemas).
 */
export const TENANT_ACTIVATOR_START_ONLY_KEYS = [
  'version',
  // The servers listen once.
  'listenPort',
  'metricsPort',
  // The intervals of the sleep pass and the activity timer are set once.
  'sleepCheckSeconds',
  'activityWriteSeconds',
] as const satisfies readonly (keyof TenantActivatorConfig)[];

/** Read on every request, wake or pass: safe to swap while running. */
export const TENANT_ACTIVATOR_LIVE_KEYS = ['holdSeconds', 'wakeTimeoutSeconds', 'backgroundPathPrefixes', 'tenants'] as const satisfies readonly (keyof TenantActivatorConfig)[];

export const INFERENCE_GATEWAY_START_ONLY_KEYS = [
  'version',
  'listenPort',
  'metricsPort',
  // The key source (folder or Key Vault client, its refresh period) is built once.
  'keysDir',
  'keyVault',
  // The Redis link of the shared limits is opened once.
  'sharedLimits',
] as const satisfies readonly (keyof InferenceGatewayConfig)[];

/** Read on every request (routes, retries, tenant keys' owners, allowlists, limits): safe to swap while running. */
export const INFERENCE_GATEWAY_LIVE_KEYS = ['upstream', 'models', 'tenants'] as const satisfies readonly (keyof InferenceGatewayConfig)[];

function pick<T extends object, K extends keyof T>(config: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (config[k] !== undefined) out[k] = config[k];
  return out;
}

/** The activator fields a running replica cannot change: what its pod template hash covers. */
export const tenantActivatorStartOnlySettings = (config: TenantActivatorConfig) => pick(config, TENANT_ACTIVATOR_START_ONLY_KEYS);

/** The gateway fields a running replica cannot change: what its pod template hash covers. */
export const inferenceGatewayStartOnlySettings = (config: InferenceGatewayConfig) => pick(config, INFERENCE_GATEWAY_START_ONLY_KEYS);

/** SHA-256 (hex) of the start-only settings, for the pod template annotation `panal.io/config-sha256`. */
export function startOnlySettingsSha256(settings: object): string {
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex');
}

/** The start-only fields that differ between two configurations (the running one and a reloaded one). */
export function changedStartOnlyKeys<T extends object>(keys: readonly (keyof T)[], running: T, next: T): string[] {
  return keys.filter((k) => JSON.stringify(running[k]) !== JSON.stringify(next[k])).map(String);
}

/** SHA-256 (hex) of a configuration file's bytes. */
export const contentSha256 = (content: string | Buffer): string => createHash('sha256').update(content).digest('hex');

/** Why a reload was not applied: the file could not be read, or its content was refused (not JSON, schema, or the app's own checks). */
export type ConfigReloadFailure = 'unreadable' | 'invalid';

/** Options of {@link watchConfigFile}. */
export interface WatchConfigFileOptions<T> {
  /** The file, as mounted (`/etc/<app>/<file>.json`: a symlink into `..data/`). */
  readonly path: string;
  /** Parses and validates the content. */
  readonly schema: z.ZodType<T>;
  /** SHA-256 of the content the app started with: the same bytes are not applied again. */
  readonly loadedSha256: string;
  /** Pause between reads, in ms. */
  readonly intervalMs: number;
  /** Swaps the app's state to a valid new configuration; throws to refuse it (counted as `invalid`, the old state stays). */
  readonly apply: (config: T, sha256: string) => void;
  /** Called on every failed check (for the failures counter); `message` is one line. */
  readonly onFailure: (reason: ConfigReloadFailure, message: string) => void;
  /** Called once per distinct failure (same reason and content), for the log line. */
  readonly log: (line: string) => void;
}

/** A running {@link watchConfigFile}. */
export interface ConfigFileWatch {
  /** Reads the file now (tests, and the timer). Never throws. */
  check(): Promise<void>;
  stop(): void;
}

/**
 * Reloads a configuration from its mounted ConfigMap file by reading the whole file every
 * `intervalMs` and comparing the SHA-256 of its bytes with what is loaded.
 *
 * Polling, not `fs.watch`: the kubelet updates a mounted ConfigMap by writing a new timestamped
 * folder and swapping the `..data` symlink, so the file the app opened never changes; inotify on the
 * file sees nothing, on the folder it depends on the symlink swap reaching the watcher, and Node's
 * `fs.watch` documents itself as unreliable across platforms and on network and overlay file systems.
 * Reading the path again follows the current symlink, costs one read of a few hundred KB every few
 * seconds, and cannot miss an update. The kubelet itself takes up to its sync period plus its cache
 * TTL (about a minute) to write the update, so a few seconds more is nothing.
 * @see https://kubernetes.io/docs/concepts/configuration/configmap/#mounted-configmaps-are-updated-automatically
 * @see https://nodejs.org/api/fs.html#caveats
 *
 * A file that cannot be read, is not JSON, fails `schema` or is refused by `apply` changes nothing:
 * the last good configuration keeps serving, every check counts a failure, and one line is logged per
 * distinct bad content.
 */
export function watchConfigFile<T>(options: WatchConfigFileOptions<T>): ConfigFileWatch {
  let loaded = options.loadedSha256;
  let lastLogged = '';
  let running: Promise<void> | undefined;
  let stopped = false;
  const fail = (reason: ConfigReloadFailure, message: string, key: string) => {
    options.onFailure(reason, message);
    if (key !== lastLogged) options.log(`${options.path}: not reloaded, ${message}; the last good configuration stays in use`);
    lastLogged = key;
  };
  const once = async () => {
    let content: string;
    try {
      content = await readFile(options.path, 'utf8');
    } catch (error) {
      fail('unreadable', `unreadable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, `unreadable:${(error as NodeJS.ErrnoException).code ?? ''}`);
      return;
    }
    const sha = contentSha256(content);
    if (stopped) return;
    if (sha === loaded) {
      lastLogged = '';
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch (error) {
      fail('invalid', `not JSON (${(error as Error).message})`, sha);
      return;
    }
    const parsed = options.schema.safeParse(json);
    if (!parsed.success) {
      fail('invalid', `invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, sha);
      return;
    }
    try {
      options.apply(parsed.data, sha);
    } catch (error) {
      fail('invalid', `refused: ${(error as Error).message}`, sha);
      return;
    }
    loaded = sha;
    lastLogged = '';
  };
  const check = () => {
    running ??= once().finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void check(), options.intervalMs);
  timer.unref();
  return {
    check,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
