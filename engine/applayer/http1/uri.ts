/**
 * HTTP request-target normalisation for `http.uri`, following libhtp's IDS personality (Suricata's
 * default): the path is percent-decoded (`%XX`) and `%uXXXX`-decoded (a code point above 0xFF maps
 * to its ASCII best fit for full-width forms, else `?`), backslashes become `/`, repeated `/` are
 * compressed and `.` / `..` segments removed (RFC 3986 5.2.4); the query is percent-decoded, `+` left
 * alone; an absolute-form target (`http://host:port/p`) is reduced to its path and query, the host is
 * reported. A `%25` decoding to `%` that is followed by a valid escape is reported as double encoding.
 *
 * Never allocates: writes into a caller's array, reports through fields of the reused normaliser.
 *
 * @example
 * ```ts
 * import { UriNormalizer } from "./uri.ts";
 * const n = new UriNormalizer();
 * const raw = new TextEncoder().encode("/a/%2e%2e/b//c?x=%41+1");
 * const out = new Uint8Array(64);
 * const len = n.normalize(raw, 0, raw.length, out, 0, out.length); // "/b/c?x=A+1"
 * ```
 */

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

export class UriNormalizer {
  /** After `normalize`: a `%25` decoded to `%` that starts another valid escape. */
  doubleEncoded = false;
  /** After `normalize`: the target was absolute-form; the host is `[hostStart, hostStart+hostLen)` of the input. */
  absolute = false;
  hostStart = 0;
  hostLen = 0;

  /**
   * Normalises `src[off .. off+len)` into `dst[dOff ..)` (at most `cap` bytes) and returns the number
   * of bytes written.
   */
  normalize(src: Uint8Array, off: number, len: number, dst: Uint8Array, dOff: number, cap: number): number {
    this.doubleEncoded = false;
    this.absolute = false;
    this.hostStart = 0;
    this.hostLen = 0;
    let s = off;
    const end = off + len;
    // Absolute form: scheme "://" authority.
    let i = s;
    while (i < end) {
      const c = src[i] | 0x20;
      if (!((c >= 0x61 && c <= 0x7a) || (i > s && ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)))) break;
      i++;
    }
    if (i > s && i + 2 < end && src[i] === 0x3a && src[i + 1] === 0x2f && src[i + 2] === 0x2f) {
      this.absolute = true;
      let a = i + 3;
      let h = a;
      let he = a;
      while (he < end && src[he] !== 0x2f && src[he] !== 0x3f && src[he] !== 0x23) {
        if (src[he] === 0x40) h = he + 1; // userinfo@
        he++;
      }
      a = h;
      this.hostStart = a;
      this.hostLen = he - a;
      s = he;
    }
    const lim = dOff + cap;
    let w = dOff;
    // Path: decode into dst.
    let q = s;
    while (q < end && src[q] !== 0x3f) q++;
    w = this.decode(src, s, q, dst, w, lim, true);
    const pathEnd = w;
    const pathLen = removeDotSegments(dst, dOff, pathEnd);
    w = dOff + pathLen;
    // Query (with its "?"): percent-decoded, nothing else.
    if (q < end && w < lim) {
      dst[w++] = 0x3f;
      w = this.decode(src, q + 1, end, dst, w, lim, false);
    }
    return w - dOff;
  }

  /** Percent / %u decoding of `src[s..e)` to `dst[w..lim)`; in the path, `\` becomes `/`. Returns the new `w`. */
  private decode(src: Uint8Array, s: number, e: number, dst: Uint8Array, w: number, lim: number, path: boolean): number {
    let i = s;
    while (i < e && w < lim) {
      let c = src[i];
      if (c === 0x25) {
        if (i + 2 < e && hexVal(src[i + 1]) >= 0 && hexVal(src[i + 2]) >= 0) {
          c = (hexVal(src[i + 1]) << 4) | hexVal(src[i + 2]);
          i += 3;
          if (c === 0x25 && this.startsEscape(src, i, e)) this.doubleEncoded = true;
        } else if (i + 5 < e && (src[i + 1] | 0x20) === 0x75 && hexVal(src[i + 2]) >= 0 && hexVal(src[i + 3]) >= 0 &&
          hexVal(src[i + 4]) >= 0 && hexVal(src[i + 5]) >= 0) {
          const cp = (hexVal(src[i + 2]) << 12) | (hexVal(src[i + 3]) << 8) | (hexVal(src[i + 4]) << 4) | hexVal(src[i + 5]);
          c = cp < 0x100 ? cp : cp >= 0xff01 && cp <= 0xff5e ? cp - 0xfee0 : 0x3f;
          i += 6;
          if (c === 0x25 && this.startsEscape(src, i, e)) this.doubleEncoded = true;
        } else {
          i++; // invalid escape: the '%' is kept (libhtp's "preserve percent")
        }
      } else i++;
      if (path && c === 0x5c) c = 0x2f;
      dst[w++] = c;
    }
    return w;
  }

  private startsEscape(src: Uint8Array, i: number, e: number): boolean {
    if (i + 1 < e && hexVal(src[i]) >= 0 && hexVal(src[i + 1]) >= 0) return true;
    return i + 4 < e && (src[i] | 0x20) === 0x75 && hexVal(src[i + 1]) >= 0 && hexVal(src[i + 2]) >= 0 &&
      hexVal(src[i + 3]) >= 0 && hexVal(src[i + 4]) >= 0;
  }
}

/**
 * In place over `b[start .. end)`: compresses `//`, removes `.` and `..` segments (a `..` at the root
 * stays at the root). A path not starting with `/` is left alone. Returns the new length.
 */
export function removeDotSegments(b: Uint8Array, start: number, end: number): number {
  if (end <= start || b[start] !== 0x2f) return end - start;
  let w = start;
  let r = start;
  while (r < end) {
    // b[r] is '/': the segment is (r, e).
    let e = r + 1;
    while (e < end && b[e] !== 0x2f) e++;
    const n = e - r - 1;
    const last = e >= end;
    if (n === 0 || (n === 1 && b[r + 1] === 0x2e)) {
      if (last) b[w++] = 0x2f;
    } else if (n === 2 && b[r + 1] === 0x2e && b[r + 2] === 0x2e) {
      while (w > start && b[w - 1] !== 0x2f) w--;
      if (w > start) w--;
      if (last) b[w++] = 0x2f;
    } else {
      for (let k = r; k < e; k++) b[w++] = b[k];
    }
    r = e;
  }
  if (w === start) b[w++] = 0x2f;
  return w - start;
}
