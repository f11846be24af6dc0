/**
 * Base64 and quoted-printable decoding into caller-owned byte arrays, for MIME bodies (SMTP) and for
 * detection's `base64_decode` keyword.
 *
 * Three base64 modes: `B64_STRICT` (RFC 4648: any byte outside the alphabet, or data after padding, is
 * an error), `B64_RELAX` (Suricata's `base64_decode`: whitespace is skipped, decoding stops at the
 * first other invalid byte or at padding, what was decoded so far is kept) and `B64_RFC2045` (MIME:
 * every byte outside the alphabet is ignored, padding ends the data). A `Base64State` carries an
 * incomplete quantum between calls so MIME lines of any length decode as one stream.
 *
 * Never allocates and never throws: output beyond `dstCap` is dropped (the return value says how
 * much was written), bad input is reported through the return value or the state's counters.
 *
 * @example
 * ```ts
 * import { base64Decode, B64_RELAX } from "./base64.ts";
 * const src = new TextEncoder().encode("aGVs bG8=");
 * const dst = new Uint8Array(16);
 * const n = base64Decode(src, 0, src.length, dst, 0, dst.length, B64_RELAX); // 5: "hello"
 * ```
 */

export const B64_STRICT = 0;
export const B64_RELAX = 1;
export const B64_RFC2045 = 2;

const INVALID = 255;
const PAD = 254;
const SPACE = 253;

/** Byte → 6-bit value; INVALID / PAD / SPACE markers for the rest. */
const DEC = new Uint8Array(256).fill(INVALID);
{
  const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let i = 0; i < 64; i++) DEC[alpha.charCodeAt(i)] = i;
  DEC[0x3d] = PAD;
  DEC[0x20] = SPACE;
  DEC[0x09] = SPACE;
  DEC[0x0d] = SPACE;
  DEC[0x0a] = SPACE;
}

/** An incomplete quantum carried between calls (one per decoding stream). */
export class Base64State {
  /** Bits not yet written (up to 18). */
  acc = 0;
  /** Number of 6-bit groups in `acc` (0..3). */
  groups = 0;
  /** Padding or (strict) an invalid byte was seen: later input is ignored until `reset`. */
  ended = false;
  /** Bytes outside the alphabet seen since `reset` (RFC 2045 mode counts them, MIME raises an event). */
  invalid = 0;

  reset(): void {
    this.acc = 0;
    this.groups = 0;
    this.ended = false;
    this.invalid = 0;
  }
}

/**
 * Decodes base64 from `src[off, off+len)` into `dst` at `dstOff`, writing at most `dstCap` bytes.
 * Returns bytes written, or -1 in `B64_STRICT` mode when the input is not valid RFC 4648 base64.
 * A trailing partial quantum (2 or 3 characters) yields the whole bytes it holds.
 */
export function base64Decode(
  src: Uint8Array,
  off: number,
  len: number,
  dst: Uint8Array,
  dstOff: number,
  dstCap: number,
  mode: number,
): number {
  let acc = 0;
  let groups = 0;
  let w = 0;
  const end = off + len;
  let padded = false;
  for (let i = off; i < end; i++) {
    const v = DEC[src[i]];
    if (v < 64) {
      if (padded) {
        if (mode === B64_STRICT) return -1;
        break;
      }
      acc = (acc << 6) | v;
      if (++groups === 4) {
        if (w < dstCap) dst[dstOff + w++] = acc >>> 16;
        if (w < dstCap) dst[dstOff + w++] = (acc >>> 8) & 0xff;
        if (w < dstCap) dst[dstOff + w++] = acc & 0xff;
        acc = 0;
        groups = 0;
      }
    } else if (v === PAD) {
      if (mode === B64_STRICT) {
        // padding only completes a quantum of 2 or 3 characters
        if (!padded && groups < 2) return -1;
        padded = true;
        continue;
      }
      break;
    } else if (v === SPACE) {
      if (mode === B64_STRICT) return -1;
    } else {
      if (mode === B64_STRICT) return -1;
      if (mode === B64_RELAX) break;
      // RFC 2045: ignore
    }
  }
  if (mode === B64_STRICT && groups !== 0 && !padded && groups === 1) return -1;
  return w + flushPartial(acc, groups, dst, dstOff + w, dstCap - w);
}

function flushPartial(acc: number, groups: number, dst: Uint8Array, dstOff: number, cap: number): number {
  if (groups === 2) {
    if (cap < 1) return 0;
    dst[dstOff] = (acc >>> 4) & 0xff;
    return 1;
  }
  if (groups === 3) {
    let w = 0;
    if (cap > w) dst[dstOff + w++] = (acc >>> 10) & 0xff;
    if (cap > w) dst[dstOff + w++] = (acc >>> 2) & 0xff;
    return w;
  }
  return 0;
}

/**
 * Streaming RFC 2045 decode: continues `st` with `src[off, off+len)`; bytes outside the alphabet are
 * skipped (and counted in `st.invalid`, whitespace excepted), padding ends the stream. Returns bytes written.
 */
export function base64DecodeStream(
  st: Base64State,
  src: Uint8Array,
  off: number,
  len: number,
  dst: Uint8Array,
  dstOff: number,
  dstCap: number,
): number {
  if (st.ended) return 0;
  let acc = st.acc;
  let groups = st.groups;
  let w = 0;
  const end = off + len;
  for (let i = off; i < end; i++) {
    const v = DEC[src[i]];
    if (v < 64) {
      acc = (acc << 6) | v;
      if (++groups === 4) {
        if (w < dstCap) dst[dstOff + w++] = acc >>> 16;
        if (w < dstCap) dst[dstOff + w++] = (acc >>> 8) & 0xff;
        if (w < dstCap) dst[dstOff + w++] = acc & 0xff;
        acc = 0;
        groups = 0;
      }
    } else if (v === PAD) {
      w += flushPartial(acc, groups, dst, dstOff + w, dstCap - w);
      acc = 0;
      groups = 0;
      st.ended = true;
      break;
    } else if (v !== SPACE) {
      st.invalid++;
    }
  }
  st.acc = acc;
  st.groups = groups;
  return w;
}

/** Ends a stream: writes what a trailing partial quantum holds. Returns bytes written. */
export function base64StreamEnd(st: Base64State, dst: Uint8Array, dstOff: number, dstCap: number): number {
  const w = st.ended ? 0 : flushPartial(st.acc, st.groups, dst, dstOff, dstCap);
  st.acc = 0;
  st.groups = 0;
  return w;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Counts quoted-printable decoding problems over a stream. */
export class QpState {
  /** Invalid `=` escapes seen since `reset`. */
  invalid = 0;
  reset(): void {
    this.invalid = 0;
  }
}

/**
 * Decodes one quoted-printable line (without its CRLF) into `dst`. `=XX` becomes the byte, a final `=`
 * is a soft line break (nothing appended), otherwise CRLF is appended (unless `partial`: the line was
 * split because it was too long and continues in the next call). Trailing whitespace is dropped as
 * RFC 2045 says. Invalid escapes are copied as they are and counted in `st.invalid`.
 * Returns bytes written.
 */
export function qpDecodeLine(
  src: Uint8Array,
  off: number,
  len: number,
  dst: Uint8Array,
  dstOff: number,
  dstCap: number,
  partial: boolean,
  st: QpState,
): number {
  let end = off + len;
  if (!partial) while (end > off && (src[end - 1] === 0x20 || src[end - 1] === 0x09)) end--;
  let w = 0;
  let soft = false;
  let i = off;
  while (i < end && w < dstCap) {
    const c = src[i];
    if (c !== 0x3d) {
      dst[dstOff + w++] = c;
      i++;
      continue;
    }
    if (i + 1 === end) {
      soft = true;
      i++;
      break;
    }
    const h = i + 2 < end ? hexVal(src[i + 1]) : -1;
    const l = h >= 0 ? hexVal(src[i + 2]) : -1;
    if (h >= 0 && l >= 0) {
      dst[dstOff + w++] = (h << 4) | l;
      i += 3;
    } else {
      st.invalid++;
      dst[dstOff + w++] = c;
      i++;
    }
  }
  if (!soft && !partial) {
    if (w < dstCap) dst[dstOff + w++] = 0x0d;
    if (w < dstCap) dst[dstOff + w++] = 0x0a;
  }
  return w;
}
