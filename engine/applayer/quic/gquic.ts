/**
 * Google QUIC's client hello (the CHLO handshake message, a tag/value map): finds it in a packet's
 * cleartext (gQUIC up to Q046 sends it unencrypted in stream 1; Q050 inside its Initial-protected
 * payload) and reads the tags rules and application identification want — `SNI`, `UAID` (user agent),
 * `VER` — and the tag list for the CYU fingerprint (`46,PAD-SNI-VER-…`, as Suricata's `quic.cyu.string`).
 *
 * Never allocates after construction and never throws: every offset is checked against the packet; a
 * CHLO cut short by the packet end keeps only the values that are whole (`truncated` says so).
 *
 * @example
 * ```ts
 * import { ChloReader } from "./gquic.ts";
 * const r = new ChloReader();
 * const bytes = new Uint8Array(0); // a packet's cleartext
 * if (r.read(bytes, 0, bytes.length) && r.sniLen > 0) {
 *   // bytes[r.sniOff … r.sniOff + r.sniLen) is the server name
 * }
 * ```
 */

/** Tags as little-endian u32 (how they sit on the wire, read as numbers). */
function tag(s: string): number {
  let v = 0;
  for (let i = 3; i >= 0; i--) v = v * 256 + (i < s.length ? s.charCodeAt(i) : 0);
  return v >>> 0;
}

const TAG_CHLO = tag("CHLO");
const TAG_SNI = tag("SNI");
const TAG_UAID = tag("UAID");
/** Most tags a CHLO may declare (real ones have 20–40). */
const MAX_TAGS = 128;
/** How far into a packet's cleartext a CHLO is looked for (headers and frame headers come first). */
const SEARCH_WINDOW = 256;

function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

export class ChloReader {
  /** Where the tag table starts (8 bytes per tag: tag, end offset) and how many tags it has. */
  tagsOff = 0;
  tagCount = 0;
  /** SNI and UAID values in the packet (length 0 when absent or cut off). */
  sniOff = 0;
  sniLen = 0;
  uaOff = 0;
  uaLen = 0;
  /** The CHLO declared more value bytes than the packet holds. */
  truncated = false;

  /**
   * Looks for a CHLO in `b[from, end)` (within the first SEARCH_WINDOW bytes) and reads it. Returns
   * false when there is none or its tag table is malformed.
   */
  read(b: Uint8Array, from: number, end: number): boolean {
    if (end > b.length) end = b.length;
    this.sniLen = 0;
    this.uaLen = 0;
    this.tagCount = 0;
    this.truncated = false;
    let last = from + SEARCH_WINDOW;
    if (last > end - 8) last = end - 8;
    for (let p = from; p <= last; p++) {
      if (b[p] !== 0x43 || le32(b, p) !== TAG_CHLO) continue;
      if (this.parse(b, p, end)) return true;
    }
    return false;
  }

  private parse(b: Uint8Array, p: number, end: number): boolean {
    const n = b[p + 4] | (b[p + 5] << 8);
    if (n === 0 || n > MAX_TAGS) return false;
    const tags = p + 8;
    if (tags + n * 8 > end) return false;
    const values = tags + n * 8;
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const e = le32(b, tags + i * 8 + 4);
      if (e < prev) return false; // end offsets never go back
      prev = e;
    }
    this.tagsOff = tags;
    this.tagCount = n;
    prev = 0;
    for (let i = 0; i < n; i++) {
      const t = le32(b, tags + i * 8);
      const e = le32(b, tags + i * 8 + 4);
      const vs = values + prev;
      const ve = values + e;
      prev = e;
      if (ve > end) {
        this.truncated = true;
        break;
      }
      if (t === TAG_SNI) {
        this.sniOff = vs;
        this.sniLen = ve - vs;
      } else if (t === TAG_UAID) {
        this.uaOff = vs;
        this.uaLen = ve - vs;
      }
    }
    return true;
  }

  /** The `k`-th tag of the last CHLO read, as a little-endian u32 (its 4 characters, NUL-padded). */
  tagAt(b: Uint8Array, k: number): number {
    return le32(b, this.tagsOff + k * 8);
  }
}
