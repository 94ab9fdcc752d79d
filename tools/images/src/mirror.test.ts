import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CERT_MANAGER_IMAGES } from '@panal/k8s-constructs';
import { loadEnvironment, mirroredImages } from '@panal/tenant-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_DIGESTS_FILE, mirrorImages, MirrorRefused } from './mirror.ts';

/**
 * The mirror against two real OCI registries (crane's own registry server, built from the Go module
 * proxy): one holds the "upstream" images under every upstream host, the other plays the platform
 * ACR. The images are real (one small layer each, pushed with crane); only the hosts are local.
 */
const repoRoot = resolve(import.meta.dirname, '../../..');
/** The lock as the synthesis reads it. */
const readDigests = (envDir: string) => loadEnvironment(envDir, repoRoot).imageDigests;
const servers: ChildProcess[] = [];
let crane: string;
let upstream: string;
let acr: string;
let envDir: string;
let hostMap: Record<string, string>;

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? ok(addr.port) : fail(new Error('no port'))));
    });
  });
}

/** Starts `crane registry serve` on a free loopback port and waits until it answers. */
async function startRegistry(): Promise<string> {
  const port = await freePort();
  const child = spawn(crane, ['registry', 'serve', '--address', `127.0.0.1:${port}`], { stdio: 'ignore' });
  servers.push(child);
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      if (res.status === 200) return `127.0.0.1:${port}`;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`crane registry serve did not answer on 127.0.0.1:${port}`);
}

/** Pushes a one-layer image whose content is `text` to `ref`; returns its digest. */
function pushImage(ref: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'panal-image-'));
  writeFileSync(join(dir, 'content.txt'), text);
  execFileSync('tar', ['-C', dir, '-cf', join(dir, 'layer.tar'), 'content.txt']);
  execFileSync(crane, ['append', '--insecure', '-f', join(dir, 'layer.tar'), '-t', ref], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
  return execFileSync(crane, ['digest', '--insecure', ref], { encoding: 'utf8' }).trim();
}

const local = (ref: string) => {
  const [host, ...rest] = ref.split('/');
  return [hostMap[host!] ?? host, ...rest].join('/');
};

beforeAll(async () => {
  crane = execFileSync('bash', [join(repoRoot, 'tools/images/ensure.sh')], { encoding: 'utf8' }).trim().split('\n').pop()!;
  upstream = await startRegistry();
  acr = await startRegistry();
  const work = mkdtempSync(join(tmpdir(), 'panal-mirror-'));
  envDir = join(work, 'environments/example');
  cpSync(join(repoRoot, 'environments/example'), envDir, { recursive: true });
  const { environment } = loadEnvironment(envDir, work);
  const acrHost = environment.images.openWebUI.split('/')[0]!;
  hostMap = { 'ghcr.io': upstream, 'docker.io': upstream, 'nvcr.io': upstream, 'quay.io': upstream, [acrHost]: acr };
  for (const image of mirroredImages(environment.images, [CERT_MANAGER_IMAGES])) pushImage(local(image.source), `upstream content of ${image.source}`);
}, 5 * 60_000);

afterAll(() => {
  for (const s of servers) s.kill();
});

describe('mirror of upstream images into the platform registry', () => {
  it('copies every upstream image by digest and records the digests the registry serves', () => {
    const report = mirrorImages({ envDir, repoRoot, crane, hostMap, insecure: true });
    const { environment } = loadEnvironment(envDir, repoRoot);
    const expected = mirroredImages(environment.images, [CERT_MANAGER_IMAGES]);
    expect(report.map((r) => r.image.target)).toEqual(expected.map((i) => i.target));
    expect(report.every((r) => r.action === 'copied')).toBe(true);
    const digests = readDigests(envDir);
    for (const r of report) {
      const upstreamDigest = execFileSync(crane, ['digest', '--insecure', local(r.image.source)], { encoding: 'utf8' }).trim();
      const acrDigest = execFileSync(crane, ['digest', '--insecure', local(r.image.target)], { encoding: 'utf8' }).trim();
      expect([digests[r.image.target], acrDigest]).toEqual([upstreamDigest, upstreamDigest]);
    }
    // Images built by the platform pipeline are not mirrored.
    expect(Object.keys(digests).some((ref) => ref.includes('panal/inference-gateway'))).toBe(false);
  });

  it('pins the environment images to the recorded digests when the environment is loaded', () => {
    const { environment } = loadEnvironment(envDir, repoRoot);
    const digests = readDigests(envDir);
    expect(environment.images.redis).toBe(`pnlexacr.azurecr.io/library/redis:7.4.6-alpine@${digests['pnlexacr.azurecr.io/library/redis:7.4.6-alpine']}`);
    expect(environment.images.inferenceGateway).toBe('pnlexacr.azurecr.io/panal/inference-gateway:0.1.0');
  });

  it('copies nothing the second time and writes the same file', () => {
    const before = readFileSync(join(envDir, IMAGE_DIGESTS_FILE), 'utf8');
    const report = mirrorImages({ envDir, repoRoot, crane, hostMap, insecure: true });
    expect(report.every((r) => r.action === 'present')).toBe(true);
    expect(readFileSync(join(envDir, IMAGE_DIGESTS_FILE), 'utf8')).toBe(before);
  });

  it('refuses, changing nothing, when an upstream tag now names different content', () => {
    const before = readFileSync(join(envDir, IMAGE_DIGESTS_FILE), 'utf8');
    const redis = 'docker.io/library/redis:7.4.6-alpine';
    const moved = pushImage(local(redis), 'the tag was re-pushed upstream');
    expect(() => mirrorImages({ envDir, repoRoot, crane, hostMap, insecure: true })).toThrow(MirrorRefused);
    expect(() => mirrorImages({ envDir, repoRoot, crane, hostMap, insecure: true })).toThrow(`${redis} (images.redis) now names ${moved}`);
    expect(readFileSync(join(envDir, IMAGE_DIGESTS_FILE), 'utf8')).toBe(before);
    const acrDigest = execFileSync(crane, ['digest', '--insecure', local('pnlexacr.azurecr.io/library/redis:7.4.6-alpine')], { encoding: 'utf8' }).trim();
    expect(acrDigest).not.toBe(moved);
  });
});
