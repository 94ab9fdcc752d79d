/** A parsed IPv4 CIDR: first address and size, as integers. */
interface Range {
  readonly start: number;
  readonly size: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; `undefined` when it is not a canonical IPv4 CIDR (host bits must be zero). */
export function parseCidr(cidr: string): Range | undefined {
  const m = CIDR.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const start = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return start % size === 0 ? { start, size } : undefined;
}

/** Whether `inner` lies entirely inside `outer` (both valid CIDRs). */
export function cidrContains(outer: string, inner: string): boolean {
  const a = parseCidr(outer);
  const b = parseCidr(inner);
  return !!a && !!b && b.start >= a.start && b.start + b.size <= a.start + a.size;
}

/** Whether two valid CIDRs share any address. */
export function cidrsOverlap(x: string, y: string): boolean {
  const a = parseCidr(x);
  const b = parseCidr(y);
  return !!a && !!b && a.start < b.start + b.size && b.start < a.start + a.size;
}
