import { z } from 'zod';
import type { Environment } from './environment-schema';

/** Key of an image in `environments/<env>/environment.yaml` `images`. */
export type ImageKey = keyof Environment['images'];

/**
 * Where each platform image comes from. Nodes pull only from the platform's ACR; an `upstream`
 * image is mirrored there by digest (`make mirror-images`, tools/images) under the same repository
 * path, a `built` one is built by the platform's image pipeline from the named Dockerfile.
 */
export const IMAGE_SOURCES: Readonly<Record<ImageKey, { readonly upstreamHost: string } | { readonly builtFrom: string }>> = {
  openWebUI: { upstreamHost: 'ghcr.io' },
  reloader: { upstreamHost: 'ghcr.io' },
  redis: { upstreamHost: 'docker.io' },
  ollama: { upstreamHost: 'docker.io' },
  nvidiaDevicePlugin: { upstreamHost: 'nvcr.io' },
  dcgmExporter: { upstreamHost: 'nvcr.io' },
  otelCollector: { upstreamHost: 'docker.io' },
  inferenceGateway: { builtFrom: 'apps/inference-gateway/Dockerfile' },
  tenantActivator: { builtFrom: 'apps/tenant-activator/Dockerfile' },
  dbBootstrap: { builtFrom: 'apps/cluster-addons/images/db-bootstrap/Dockerfile' },
  // No Dockerfile in this repository yet (an azcopy image): the image pipeline has to provide it.
  modelSeeder: { builtFrom: '(not in this repository)' },
};

/** An image reference split into its parts: `<registry>/<repository>:<tag>[@<digest>]`. */
export interface ImageRef {
  readonly registry: string;
  readonly repository: string;
  readonly tag: string;
  readonly digest?: string;
}

/** Splits `registry/repository:tag[@sha256:…]`. @throws Error when the reference has no tag */
export function parseImageRef(ref: string): ImageRef {
  const m = /^([^/]+)\/([^:@]+):([A-Za-z0-9._-]+)(?:@(sha256:[a-f0-9]{64}))?$/.exec(ref);
  if (!m) throw new Error(`image must be registry/repository:tag[@sha256:<digest>], but "${ref}" was provided`);
  return { registry: m[1]!, repository: m[2]!, tag: m[3]!, digest: m[4] };
}

/**
 * Registry host of the platform's images: all of them come from the one private ACR.
 * @throws Error when the environment's images name more than one registry
 */
export function platformRegistry(images: Environment['images']): string {
  const hosts = new Set(Object.values(images).map((image) => parseImageRef(image).registry));
  if (hosts.size !== 1) throw new Error(`images must all come from one registry, but ${[...hosts].sort().join(', ')} were provided`);
  return [...hosts][0]!;
}

/** `registry/repository:tag`, without digest: the key of the digest lock. */
export const taggedRef = (r: ImageRef): string => `${r.registry}/${r.repository}:${r.tag}`;

/** One image to mirror: from `source` (upstream, by tag) to `target` (the platform ACR, same path and tag). */
export interface MirroredImage {
  /** Who uses it: an `images` key of the environment or a chart image. */
  readonly usedBy: string;
  readonly source: string;
  readonly target: string;
}

/**
 * Images of third-party charts the platform installs with its registry (cert-manager: `imageRegistry`
 * is the ACR, same `jetstack/…` paths and chart version as tag). Kept next to the chart pins.
 */
export interface ChartImages {
  readonly usedBy: string;
  readonly upstreamHost: string;
  readonly repositories: readonly string[];
  readonly tag: string;
}

/** Every upstream image the environment needs in its ACR, sorted by target. */
export function mirroredImages(images: Environment['images'], chartImages: readonly ChartImages[] = []): MirroredImage[] {
  const out: MirroredImage[] = [];
  for (const [key, source] of Object.entries(IMAGE_SOURCES) as [ImageKey, (typeof IMAGE_SOURCES)[ImageKey]][]) {
    if (!('upstreamHost' in source)) continue;
    const ref = parseImageRef(images[key]);
    out.push({ usedBy: `images.${key}`, source: `${source.upstreamHost}/${ref.repository}:${ref.tag}`, target: taggedRef(ref) });
  }
  const registry = platformRegistry(images);
  for (const chart of chartImages) {
    for (const repository of chart.repositories) out.push({ usedBy: chart.usedBy, source: `${chart.upstreamHost}/${repository}:${chart.tag}`, target: `${registry}/${repository}:${chart.tag}` });
  }
  return out.sort((a, b) => a.target.localeCompare(b.target));
}

/**
 * Schema of `environments/<env>/image-digests.yaml`: the digest of every mirrored image as the ACR
 * serves it, written by `make mirror-images` (like `tenant-identities.yaml`, by the pipeline, never
 * by hand). The synthesis pins each listed image to its digest.
 */
export const imageDigestsSchema = z.strictObject({
  digests: z.record(
    z.string().regex(/^[^/\s]+\/[^:@\s]+:[A-Za-z0-9._-]+$/, { message: 'must be a registry/repository:tag reference' }),
    z.string().regex(/^sha256:[a-f0-9]{64}$/, { message: 'must be a sha256 digest' }),
  ),
});

/** Image digests by `registry/repository:tag`. */
export type ImageDigests = z.output<typeof imageDigestsSchema>;

/** The environment's images with the digest of each one the lock lists (`repo:tag@sha256:…`). */
export function pinImages(images: Environment['images'], digests: ImageDigests['digests']): Environment['images'] {
  return Object.fromEntries(
    Object.entries(images).map(([key, value]) => {
      const ref = parseImageRef(value);
      const digest = digests[taggedRef(ref)];
      if (ref.digest && digest && ref.digest !== digest) throw new Error(`images.${key} pins ${ref.digest} but image-digests.yaml records ${digest} for ${taggedRef(ref)}`);
      return [key, digest && !ref.digest ? `${value}@${digest}` : value];
    }),
  ) as Environment['images'];
}
