import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TENANT_KEY_VAULT_SECRETS } from '@panal/tenant-config';

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/**
 * Tenant keys, read from `<keysDir>/<tenant id>/inference-gateway-key` (mounted from each tenant's
 * Key Vault by the Secrets Store CSI driver, which rewrites the file on rotation). Only SHA-256
 * digests are kept in memory, compared in constant time.
 */
export class KeyRing {
  private digests = new Map<string, Buffer>();

  constructor(
    private readonly keysDir: string,
    private readonly tenantIds: readonly string[],
  ) {
    this.reload();
  }

  /** Re-reads every key file; a missing or empty file disables that tenant until it appears. */
  reload(): { loaded: number; missing: string[] } {
    const next = new Map<string, Buffer>();
    const missing: string[] = [];
    for (const id of this.tenantIds) {
      const file = join(this.keysDir, id, TENANT_KEY_VAULT_SECRETS.inferenceGatewayKey);
      const value = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
      if (value.length < 16) missing.push(id);
      else next.set(id, digest(value));
    }
    this.digests = next;
    return { loaded: next.size, missing };
  }

  /** The tenant a bearer key belongs to, or `undefined`. */
  tenantFor(key: string): string | undefined {
    const d = digest(key);
    let match: string | undefined;
    for (const [id, known] of this.digests) if (timingSafeEqual(d, known)) match = id;
    return match;
  }
}
