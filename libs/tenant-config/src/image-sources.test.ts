import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error';
import { environmentSchema } from './environment-schema';
import { mirroredImages, parseImageRef, pinImages } from './image-sources';
import { loadEnvironment } from './load-environment';

const repoRoot = resolve(import.meta.dirname, '../../..');
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

describe('image sources and digests', () => {
  const { environment } = loadEnvironment(join(repoRoot, 'environments/example'), repoRoot);

  it('mirrors each upstream image from its public registry under the same repository path and tag', () => {
    const redis = mirroredImages(environment.images).find((i) => i.usedBy === 'images.redis');
    expect(redis).toEqual({ usedBy: 'images.redis', source: 'docker.io/library/redis:7.4.6-alpine', target: 'pnlexacr.azurecr.io/library/redis:7.4.6-alpine' });
    expect(mirroredImages(environment.images).map((i) => i.usedBy)).not.toContain('images.inferenceGateway');
  });

  it('pins only the images the lock lists, and fails on a pin that contradicts the lock', () => {
    const pinned = pinImages(environment.images, { 'pnlexacr.azurecr.io/library/redis:7.4.6-alpine': D1 });
    expect(pinned.redis).toBe(`pnlexacr.azurecr.io/library/redis:7.4.6-alpine@${D1}`);
    expect(pinned.ollama).toBe(environment.images.ollama);
    expect(() => pinImages({ ...environment.images, redis: `pnlexacr.azurecr.io/library/redis:7.4.6-alpine@${D2}` }, { 'pnlexacr.azurecr.io/library/redis:7.4.6-alpine': D1 })).toThrow(
      `images.redis pins ${D2} but image-digests.yaml records ${D1}`,
    );
  });

  it('accepts tag@digest in the environment and still refuses latest', () => {
    const images = { ...environment.images, redis: `pnlexacr.azurecr.io/library/redis:7.4.6-alpine@${D1}` };
    expect(environmentSchema.safeParse({ ...environment, images }).success).toBe(true);
    expect(environmentSchema.safeParse({ ...environment, images: { ...images, redis: `pnlexacr.azurecr.io/library/redis:latest@${D1}` } }).success).toBe(false);
    expect(parseImageRef(`a.io/b/c:1@${D1}`)).toEqual({ registry: 'a.io', repository: 'b/c', tag: '1', digest: D1 });
  });

  it('reports a malformed lock with its file and field, like any other environment file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'panal-env-'));
    cpSync(join(repoRoot, 'environments/example'), dir, { recursive: true });
    writeFileSync(join(dir, 'image-digests.yaml'), 'digests:\n  pnlexacr.azurecr.io/library/redis:7.4.6-alpine: not-a-digest\n');
    try {
      loadEnvironment(dir, dir);
      expect.unreachable('loadEnvironment should fail');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([expect.objectContaining({ file: 'image-digests.yaml', rule: 'must be a sha256 digest' })]);
    }
  });
});
