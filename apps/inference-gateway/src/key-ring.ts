import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TENANT_KEY_VAULT_SECRETS } from '@panal/tenant-config';

/** SHA-256 of a key, as the gateway and Terraform's `sha256()` compute it (over its UTF-8 bytes). */
export const keyDigest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/**
 * The accepted keys of each tenant, held only as SHA-256 digests (several per tenant during a
 * rotation). A presented key is hashed and compared with every digest in constant time, so the
 * time taken says nothing about which tenant, or how much of a digest, matched.
 */
export class KeyRing {
  private digests: [string, Buffer][] = [];
  /** The last digests read, for every tenant the source had: a reload that adds a tenant uses them at once. */
  private lastRead: ReadonlyMap<string, readonly Buffer[]> = new Map();

  constructor(private tenantIds: readonly string[]) {}

  /**
   * Changes the configured tenants (a reloaded configuration) and applies the last digests read to
   * them: a removed tenant's keys stop working now, an added one's work now if its digest was read.
   */
  setTenants(tenantIds: readonly string[]): { loaded: number; missing: string[] } {
    this.tenantIds = [...tenantIds];
    return this.replace(this.lastRead);
  }

  /** Replaces every digest; tenants not configured are ignored, configured ones without a digest are `missing`. */
  replace(byTenant: ReadonlyMap<string, readonly Buffer[]>): { loaded: number; missing: string[] } {
    this.lastRead = byTenant;
    const next: [string, Buffer][] = [];
    const missing: string[] = [];
    for (const id of this.tenantIds) {
      const digests = (byTenant.get(id) ?? []).filter((d) => d.length === 32);
      if (digests.length === 0) missing.push(id);
      for (const d of digests) next.push([id, d]);
    }
    this.digests = next;
    return { loaded: this.tenantIds.length - missing.length, missing };
  }

  /** The tenant a bearer key belongs to, or `undefined`. */
  tenantFor(key: string): string | undefined {
    const d = keyDigest(key);
    let match: string | undefined;
    for (const [id, known] of this.digests) if (timingSafeEqual(d, known)) match = id;
    return match;
  }
}

/**
 * Local runs and tests: each tenant's key from `<keysDir>/<tenant id>/inference-gateway-key`. A
 * missing file or one shorter than 16 characters gives that tenant no key.
 */
export function readKeyFiles(keysDir: string, tenantIds: readonly string[]): Map<string, Buffer[]> {
  const out = new Map<string, Buffer[]>();
  for (const id of tenantIds) {
    const file = join(keysDir, id, TENANT_KEY_VAULT_SECRETS.inferenceGatewayKey);
    const value = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    if (value.length >= 16) out.set(id, [keyDigest(value)]);
  }
  return out;
}
