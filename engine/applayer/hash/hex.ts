/**
 * Hex text into byte buffers, for digests and serial numbers as rules see them ("900150983cd2…",
 * "0A:1B:…", "aa:bb:…"). Never allocates; the caller sizes `out`.
 *
 * @example
 * ```ts
 * import { writeHex } from "./hex.ts";
 * const out = new Uint8Array(8);
 * const n = writeHex(new Uint8Array([0x0a, 0x1b]), 0, 2, out, 0, 0x3a, true); // "0A:1B", n = 5
 * ```
 */

const LOWER = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);
const UPPER = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 65, 66, 67, 68, 69, 70]);

/**
 * Writes `n` bytes of `src` from `srcOff` as hex at `out[outOff]`, separated by the byte `sep` (0: none),
 * upper-case when `upper`. Returns the bytes written; stops at the end of `out`.
 */
export function writeHex(
  src: Uint8Array,
  srcOff: number,
  n: number,
  out: Uint8Array,
  outOff: number,
  sep: number,
  upper: boolean,
): number {
  const digits = upper ? UPPER : LOWER;
  let o = outOff;
  const cap = out.length;
  for (let i = 0; i < n; i++) {
    const need = sep !== 0 && i > 0 ? 3 : 2;
    if (o + need > cap) break;
    if (sep !== 0 && i > 0) out[o++] = sep;
    const b = src[srcOff + i];
    out[o++] = digits[b >>> 4];
    out[o++] = digits[b & 15];
  }
  return o - outOff;
}

/** Writes the 4 lower-case hex digits of a 16-bit value at `out[off]`. */
export function writeHex16(v: number, out: Uint8Array, off: number): void {
  out[off] = LOWER[(v >>> 12) & 15];
  out[off + 1] = LOWER[(v >>> 8) & 15];
  out[off + 2] = LOWER[(v >>> 4) & 15];
  out[off + 3] = LOWER[v & 15];
}
