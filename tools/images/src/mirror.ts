import { execFileSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CERT_MANAGER_IMAGES } from '@panal/k8s-constructs';
import { imageDigestsSchema, loadEnvironment, mirroredImages, type MirroredImage } from '@panal/tenant-config';
import { stringify } from 'yaml';

/** File of an environment folder where the mirror records digests (read by loadEnvironment). */
export const IMAGE_DIGESTS_FILE = 'image-digests.yaml';

/** Options of {@link mirrorImages}. */
export interface MirrorOptions {
  /** Environment folder (`environments/<env>`). */
  readonly envDir: string;
  /** Repository root (file names in errors). */
  readonly repoRoot: string;
  /** The crane binary (tools/images/ensure.sh). */
  readonly crane: string;
  /**
   * Registry host rewrites, e.g. `{ 'ghcr.io': '127.0.0.1:5001' }`: the tests point upstream hosts and
   * the ACR at local registries. Production uses the real hosts.
   * @default none
   */
  readonly hostMap?: Readonly<Record<string, string>>;
  /**
   * Talk plain HTTP to the registries (local test registries only).
   * @default false
   */
  readonly insecure?: boolean;
}

/** What one run did, per image. */
export interface MirrorReport {
  readonly image: MirroredImage;
  readonly digest: string;
  /** `copied`: the ACR did not have this digest under the tag; `present`: it already had it. */
  readonly action: 'copied' | 'present';
}

/** A mirror that would change an image's content: refused, nothing written. */
export class MirrorRefused extends Error {}

/**
 * Mirrors every upstream image the environment needs into its ACR, by digest, and records the
 * digests in `image-digests.yaml` (sorted, so the file is deterministic):
 *
 * 1. resolve each upstream tag to the digest it names now;
 * 2. if the lock already records a different digest for that tag, refuse: the upstream tag moved, and
 *    new content must come in as a new tag through a reviewed change, never silently;
 * 3. copy `upstream@digest` to `acr/repository:tag` (every platform of an index) unless the ACR already
 *    serves that digest under the tag, then check that it does.
 *
 * All images are resolved before anything is copied or written, so a refusal changes nothing.
 * @see https://github.com/google/go-containerregistry/blob/main/cmd/crane/doc/crane_copy.md
 */
export function mirrorImages(options: MirrorOptions): MirrorReport[] {
  const { environment, imageDigests } = loadEnvironment(options.envDir, options.repoRoot);
  const images = mirroredImages(unpinned(environment.images), [CERT_MANAGER_IMAGES]);
  const crane = (args: string[]) => execFileSync(options.crane, [...args, ...(options.insecure ? ['--insecure'] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const at = (ref: string) => rewriteHost(ref, options.hostMap ?? {});

  const resolved = images.map((image) => ({ image, digest: crane(['digest', at(image.source)]) }));
  const moved = resolved.filter(({ image, digest }) => imageDigests[image.target] && imageDigests[image.target] !== digest);
  if (moved.length > 0) {
    throw new MirrorRefused(
      moved.map(({ image, digest }) => `${image.source} (${image.usedBy}) now names ${digest}, but ${IMAGE_DIGESTS_FILE} records ${imageDigests[image.target]} for ${image.target}: the upstream tag moved; pin a new tag instead`).join('\n'),
    );
  }

  const report = resolved.map(({ image, digest }): MirrorReport => {
    const targetDigest = tryCrane(crane, ['digest', at(image.target)]);
    if (targetDigest === digest) return { image, digest, action: 'present' };
    const source = `${at(image.source).replace(/:[^:/]+$/, '')}@${digest}`;
    crane(['copy', source, at(image.target)]);
    const copied = crane(['digest', at(image.target)]);
    if (copied !== digest) throw new Error(`${image.target}: copied ${source} but the registry serves ${copied}`);
    return { image, digest, action: 'copied' };
  });

  writeDigests(join(options.envDir, IMAGE_DIGESTS_FILE), Object.fromEntries(report.map((r) => [r.image.target, r.digest])));
  return report;
}

/** The environment's images without digests: the mirror works from tags. */
function unpinned<T extends Record<string, string>>(images: T): T {
  return Object.fromEntries(Object.entries(images).map(([k, v]) => [k, v.replace(/@sha256:[a-f0-9]{64}$/, '')])) as T;
}

function rewriteHost(ref: string, hostMap: Readonly<Record<string, string>>): string {
  const [host, ...rest] = ref.split('/');
  return [hostMap[host!] ?? host, ...rest].join('/');
}

function tryCrane(crane: (args: string[]) => string, args: string[]): string | undefined {
  try {
    return crane(args);
  } catch {
    return undefined;
  }
}

/** Writes the lock atomically, with only the images mirrored now (an image the environment dropped drops out). */
function writeDigests(file: string, digests: Record<string, string>): void {
  const sorted = Object.fromEntries(Object.entries(digests).sort(([a], [b]) => a.localeCompare(b)));
  imageDigestsSchema.parse({ digests: sorted });
  const header = '# Written by `make mirror-images` (tools/images): digest of each mirrored image as the platform ACR\n# serves it. The synthesis pins every listed image to its digest. Do not edit by hand.\n';
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, header + stringify({ digests: sorted }));
  renameSync(tmp, file);
}
