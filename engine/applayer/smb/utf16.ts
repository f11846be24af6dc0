/**
 * UTF-16LE → UTF-8 conversion into a caller's buffer, as Suricata turns SMB's Unicode names into the
 * bytes `smb.share` / `smb.named_pipe` inspect (lossy: an unpaired surrogate becomes U+FFFD).
 * Must never allocate: it writes into `out` and returns the length written (truncated at `max`,
 * never mid-character).
 *
 * @example
 * ```ts
 * import { utf16leToUtf8 } from "./utf16.ts";
 * const out = new Uint8Array(16);
 * const n = utf16leToUtf8(new Uint8Array([0x49, 0, 0x50, 0, 0x43, 0, 0x24, 0]), 0, 8, out, 0, 16); // "IPC$", 4
 * ```
 */

/**
 * Converts `len` bytes of UTF-16LE at `off` (stopping at a NUL code unit) to UTF-8 at `out[at]`,
 * writing at most `max` bytes. Returns the number of bytes written.
 */
export function utf16leToUtf8(b: Uint8Array, off: number, len: number, out: Uint8Array, at: number, max: number): number {
  let w = 0;
  const end = off + (len & ~1);
  for (let p = off; p < end; p += 2) {
    let c = b[p] | (b[p + 1] << 8);
    if (c === 0) break;
    if (c >= 0xd800 && c <= 0xdbff && p + 3 < end) {
      const d = b[p + 2] | (b[p + 3] << 8);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        p += 2;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) {
      if (w + 1 > max) break;
      out[at + w++] = c;
    } else if (c < 0x800) {
      if (w + 2 > max) break;
      out[at + w++] = 0xc0 | (c >> 6);
      out[at + w++] = 0x80 | (c & 0x3f);
    } else if (c < 0x10000) {
      if (w + 3 > max) break;
      out[at + w++] = 0xe0 | (c >> 12);
      out[at + w++] = 0x80 | ((c >> 6) & 0x3f);
      out[at + w++] = 0x80 | (c & 0x3f);
    } else {
      if (w + 4 > max) break;
      out[at + w++] = 0xf0 | (c >> 18);
      out[at + w++] = 0x80 | ((c >> 12) & 0x3f);
      out[at + w++] = 0x80 | ((c >> 6) & 0x3f);
      out[at + w++] = 0x80 | (c & 0x3f);
    }
  }
  return w;
}

/** Copies an 8-bit string (stopping at NUL) of at most `len` bytes; returns the bytes written (≤ `max`). */
export function copyAsciiz(b: Uint8Array, off: number, len: number, out: Uint8Array, at: number, max: number): number {
  let w = 0;
  for (let p = off; p < off + len && w < max; p++) {
    if (b[p] === 0) break;
    out[at + w++] = b[p];
  }
  return w;
}
