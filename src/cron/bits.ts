// Bit-mask helpers for the compiled fields. A field of up to 32 values is one
// int32 (bit v = value v); seconds and minutes use two (lo: 0-31, hi: 32-59).

/** The smallest set bit at or above `v`, or -1. */
export function nextBit(mask: number, v: number): number {
  if (v > 31) return -1;
  const m = mask & (-1 << v);
  return m === 0 ? -1 : 31 - Math.clz32(m & -m);
}

/** The largest set bit at or below `v`, or -1. */
export function prevBit(mask: number, v: number): number {
  if (v < 0) return -1;
  const m = v >= 31 ? mask : mask & (-1 >>> (31 - v));
  return m === 0 ? -1 : 31 - Math.clz32(m);
}

export function nextBit60(lo: number, hi: number, v: number): number {
  if (v < 32) {
    const r = nextBit(lo, v);
    if (r >= 0) return r;
    return hi === 0 ? -1 : 32 + nextBit(hi, 0);
  }
  const r = nextBit(hi, v - 32);
  return r < 0 ? -1 : 32 + r;
}

export function prevBit60(lo: number, hi: number, v: number): number {
  if (v >= 32) {
    const r = prevBit(hi, v - 32);
    if (r >= 0) return 32 + r;
    return prevBit(lo, 31);
  }
  return prevBit(lo, v);
}

export function popcount(x: number): number {
  let n = x - ((x >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (((n + (n >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
