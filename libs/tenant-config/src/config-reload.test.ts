import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  contentSha256,
  INFERENCE_GATEWAY_LIVE_KEYS,
  INFERENCE_GATEWAY_START_ONLY_KEYS,
  TENANT_ACTIVATOR_LIVE_KEYS,
  TENANT_ACTIVATOR_START_ONLY_KEYS,
  watchConfigFile,
  type ConfigReloadFailure,
} from './config-reload';
import { inferenceGatewayConfigSchema } from './inference-gateway-config';
import { tenantActivatorConfigSchema } from './tenant-activator-config';

describe('start-only and live settings', () => {
  it('classify every top-level field of both configurations exactly once', () => {
    const classified = (a: readonly string[], b: readonly string[]) => [...a, ...b].sort();
    expect(classified(TENANT_ACTIVATOR_START_ONLY_KEYS, TENANT_ACTIVATOR_LIVE_KEYS)).toEqual(Object.keys(tenantActivatorConfigSchema.shape).sort());
    expect(classified(INFERENCE_GATEWAY_START_ONLY_KEYS, INFERENCE_GATEWAY_LIVE_KEYS)).toEqual(Object.keys(inferenceGatewayConfigSchema.shape).sort());
  });
});

describe('watchConfigFile', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const setup = (initial: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'config-reload-'));
    dirs.push(dir);
    const path = join(dir, 'c.json');
    writeFileSync(path, initial);
    const applied: number[] = [];
    const failures: ConfigReloadFailure[] = [];
    const logs: string[] = [];
    const watch = watchConfigFile({
      path,
      schema: z.strictObject({ n: z.number() }),
      loadedSha256: contentSha256(initial),
      intervalMs: 3_600_000,
      apply: (c) => {
        if (c.n < 0) throw new Error('negative');
        applied.push(c.n);
      },
      onFailure: (reason) => failures.push(reason),
      log: (line) => logs.push(line),
    });
    return { path, dir, applied, failures, logs, watch };
  };

  it('applies a changed valid file once, and never the bytes it started with', async () => {
    const { path, applied, watch } = setup('{"n":1}');
    await watch.check();
    expect(applied).toEqual([]);
    writeFileSync(path, '{"n":2}');
    await watch.check();
    await watch.check();
    expect(applied).toEqual([2]);
    watch.stop();
  });

  it('keeps the last good configuration on a bad file, counts every check, logs once per bad content', async () => {
    const { path, dir, applied, failures, logs, watch } = setup('{"n":1}');
    writeFileSync(path, '{"n":');
    await watch.check();
    await watch.check();
    writeFileSync(path, '{"n":"x"}');
    await watch.check();
    writeFileSync(path, '{"n":-1}');
    await watch.check();
    rmSync(path);
    await watch.check();
    expect(applied).toEqual([]);
    expect(failures).toEqual(['invalid', 'invalid', 'invalid', 'invalid', 'unreadable']);
    expect(logs).toHaveLength(4);
    expect(logs[0]).toContain('not JSON');
    expect(logs[1]).toContain('n: ');
    expect(logs[2]).toContain('refused: negative');
    expect(logs[3]).toContain('unreadable (ENOENT)');
    writeFileSync(join(dir, 'c.json'), '{"n":3}');
    await watch.check();
    expect(applied).toEqual([3]);
    watch.stop();
  });
});
