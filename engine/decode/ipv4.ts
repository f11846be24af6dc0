/**
 * IPv4: header checks, options (validated the way Suricata's decode-ipv4.c does), fragment fields, then
 * the payload by protocol. Layer 4 covers min(total length, captured) - header length, so Ethernet padding
 * is ignored. Non-first fragments get no layer-4 decode; first fragments decode the L4 header quietly.
 *
 * Hot path: allocates nothing, never throws; reads only inside [off, end).
 *
 * @example
 * ```ts
 * import { decodeIpv4 } from "./ipv4.ts";
 * // decodeIpv4(ctx, p, ethPayloadOff, end); then p.src[0], p.proto, p.l4Off ...
 * ```
 */
import {
  A_IPV4_HLEN_TOO_SMALL,
  A_IPV4_IPLEN_SMALLER_THAN_HLEN,
  A_IPV4_OPT_DUPLICATE,
  A_IPV4_OPT_EOL_REQUIRED,
  A_IPV4_OPT_INVALID,
  A_IPV4_OPT_INVALID_LEN,
  A_IPV4_OPT_MALFORMED,
  A_IPV4_OPT_PAD_REQUIRED,
  A_IPV4_PKT_TOO_SMALL,
  A_IPV4_TRUNC_PKT,
  A_IPV4_WRONG_IP_VER,
} from "../anomaly.ts";
import { CSUM_BAD, CSUM_OK, CSUM_UNCHECKED } from "../packet.ts";
import type { Packet } from "../packet.ts";
import { ipv4HeaderChecksumOk } from "./checksum.ts";
import { invalid, raise, u16, u32 } from "./context.ts";
import type { DecodeContext } from "./context.ts";
import { decodeIpPayload } from "./ipproto.ts";

export const IPV4_OPT_EOL = 0;
export const IPV4_OPT_NOP = 1;
export const IPV4_OPT_RR = 7;
export const IPV4_OPT_QS = 25;
export const IPV4_OPT_TS = 68;
export const IPV4_OPT_SEC = 130;
export const IPV4_OPT_LSRR = 131;
export const IPV4_OPT_ESEC = 133;
export const IPV4_OPT_CIPSO = 134;
export const IPV4_OPT_SID = 136;
export const IPV4_OPT_SSRR = 137;
export const IPV4_OPT_RTRALT = 148;

/** Decodes the IPv4 packet at buf[off, end) into p, then its payload. */
export function decodeIpv4(ctx: DecodeContext, p: Packet, off: number, end: number): void {
  const buf = p.buf;
  const avail = end - off;
  if (avail < 20) {
    invalid(ctx, p, A_IPV4_PKT_TOO_SMALL);
    return;
  }
  if (buf[off] >>> 4 !== 4) {
    invalid(ctx, p, A_IPV4_WRONG_IP_VER);
    return;
  }
  ctx.stats.ipv4++;
  const hlen = (buf[off] & 0x0f) * 4;
  let ipLen = u16(buf, off + 2);
  p.ipVersion = 4;
  p.l3Off = off;
  p.ipHdrLen = hlen;
  p.ipLen = ipLen;
  p.tos = buf[off + 1];
  p.ipId = u16(buf, off + 4);
  const fo = u16(buf, off + 6);
  p.ipFlags = fo >>> 13;
  p.fragOffset = (fo & 0x1fff) * 8;
  p.moreFragments = p.ipFlags & 1;
  p.isFragment = p.moreFragments === 1 || p.fragOffset > 0 ? 1 : 0;
  p.ttl = buf[off + 8];
  p.proto = buf[off + 9];
  p.src[0] = u32(buf, off + 12);
  p.dst[0] = u32(buf, off + 16);
  p.src[1] = p.src[2] = p.src[3] = 0;
  p.dst[1] = p.dst[2] = p.dst[3] = 0;
  if (hlen < 20) {
    invalid(ctx, p, A_IPV4_HLEN_TOO_SMALL);
    return;
  }
  if (ipLen < hlen) {
    if (ipLen !== 0 || p.tunnelDepth !== 0) {
      invalid(ctx, p, A_IPV4_IPLEN_SMALLER_THAN_HLEN);
      return;
    }
    // total length 0: a segment captured before TCP segmentation offload split it; the capture is the
    // datagram (Wireshark does the same). Still an anomaly, as Suricata reports it.
    raise(ctx, p, A_IPV4_IPLEN_SMALLER_THAN_HLEN);
    ipLen = avail;
    p.ipLen = avail;
  }
  let truncated = false;
  if (avail < ipLen) {
    raise(ctx, p, A_IPV4_TRUNC_PKT);
    truncated = true;
  }
  if (avail < hlen) {
    p.decodeOk = 0; // the header itself is cut short: nothing above it is usable
    return;
  }
  if (ctx.validateChecksums) {
    if (!ipv4HeaderChecksumOk(buf, off, hlen)) p.ipCsum = CSUM_BAD;
    else if (p.ipCsum === CSUM_UNCHECKED) p.ipCsum = CSUM_OK;
  }
  if (hlen > 20) decodeIpv4Options(ctx, p, off + 20, off + hlen);
  const l4End = truncated ? end : off + ipLen;
  p.l4Off = off + hlen;
  p.l4Len = l4End - p.l4Off;
  p.payloadOff = p.l4Off;
  if (p.isFragment === 1) {
    ctx.stats.fragments++;
    if (p.fragOffset > 0) return; // the rest is the defragmenter's business
  }
  decodeIpPayload(ctx, p, p.proto, p.l4Off, l4End, p.isFragment === 1 || truncated);
}

/**
 * Walks the options in buf[off, end) as decode-ipv4.c does: EOL ends the list, NOP is one byte, every
 * other option needs a length within the rest; known options are validated, duplicates and unknown
 * kinds are reported. A malformed length stops the walk (the options after it cannot be located).
 */
export function decodeIpv4Options(ctx: DecodeContext, p: Packet, off: number, end: number): void {
  const buf = p.buf;
  if ((end - off) % 8 !== 0) raise(ctx, p, A_IPV4_OPT_PAD_REQUIRED);
  // one bit per validated option kind seen, for duplicate detection
  let seen = 0;
  let o = off;
  while (o < end) {
    const type = buf[o];
    if (type === IPV4_OPT_EOL) return;
    if (type === IPV4_OPT_NOP) {
      o++;
      continue;
    }
    const rest = end - o;
    if (rest < 2) {
      raise(ctx, p, A_IPV4_OPT_EOL_REQUIRED);
      return;
    }
    const len = buf[o + 1];
    if (len > rest || len < 2) {
      raise(ctx, p, A_IPV4_OPT_INVALID_LEN);
      return;
    }
    let bit = 0;
    let ok = true;
    switch (type) {
      case IPV4_OPT_TS:
        bit = 1;
        ok = validTimestamp(ctx, p, o, len);
        break;
      case IPV4_OPT_RR:
        bit = 2;
        ok = validRoute(ctx, p, o, len);
        break;
      case IPV4_OPT_LSRR:
        bit = 4;
        ok = validRoute(ctx, p, o, len);
        break;
      case IPV4_OPT_SSRR:
        bit = 8;
        ok = validRoute(ctx, p, o, len);
        break;
      case IPV4_OPT_QS:
        bit = 16;
        ok = validLen(ctx, p, len >= 8);
        break;
      case IPV4_OPT_SEC:
        bit = 32;
        ok = validLen(ctx, p, len >= 3);
        break;
      case IPV4_OPT_ESEC:
        bit = 64;
        ok = validLen(ctx, p, len >= 3);
        break;
      case IPV4_OPT_SID:
        bit = 128;
        ok = validLen(ctx, p, len === 4);
        break;
      case IPV4_OPT_RTRALT:
        bit = 256;
        ok = validLen(ctx, p, len === 4);
        break;
      case IPV4_OPT_CIPSO:
        bit = 512;
        ok = validCipso(ctx, p, o, len);
        break;
      default:
        raise(ctx, p, A_IPV4_OPT_INVALID);
        break;
    }
    if (bit !== 0) {
      if ((seen & bit) !== 0) raise(ctx, p, A_IPV4_OPT_DUPLICATE);
      else if (ok) seen |= bit;
    }
    o += len;
  }
}

function validLen(ctx: DecodeContext, p: Packet, ok: boolean): boolean {
  if (!ok) raise(ctx, p, A_IPV4_OPT_INVALID_LEN);
  return ok;
}

/** RR, LSRR, SSRR: the pointer is 1-based, at least 4, a multiple of 4 and at most len + 1. */
function validRoute(ctx: DecodeContext, p: Packet, o: number, len: number): boolean {
  if (len < 3) return validLen(ctx, p, false);
  const ptr = p.buf[o + 2];
  if (ptr < 4 || ptr % 4 !== 0 || ptr > len + 1) {
    raise(ctx, p, A_IPV4_OPT_MALFORMED);
    return false;
  }
  return true;
}

/** Timestamp: pointer >= 5, records of 4 or 8 bytes (by flag) and the pointer within the option. */
function validTimestamp(ctx: DecodeContext, p: Packet, o: number, len: number): boolean {
  if (len < 5) return validLen(ctx, p, false);
  const ptr = p.buf[o + 2];
  const flag = p.buf[o + 3] & 0x0f;
  const rec = flag === 1 || flag === 3 ? 8 : 4;
  if (ptr < 5 || (ptr - 5) % rec !== 0 || ptr > len + 1) {
    raise(ctx, p, A_IPV4_OPT_MALFORMED);
    return false;
  }
  return true;
}

/** CIPSO (FIPS 188 draft): DOI non-zero, then well-formed tags filling the option. */
function validCipso(ctx: DecodeContext, p: Packet, o: number, len: number): boolean {
  if (len < 10) return validLen(ctx, p, false);
  const buf = p.buf;
  if (u32(buf, o + 2) === 0) {
    raise(ctx, p, A_IPV4_OPT_MALFORMED);
    return false;
  }
  let t = o + 6;
  let rest = len - 6;
  while (rest > 0) {
    if (rest < 2) break;
    const ttype = buf[t];
    const tlen = buf[t + 1];
    if (tlen < 2 || tlen > rest) break;
    if (ttype === 1 || ttype === 2 || ttype === 5) {
      if (tlen < 4 || buf[t + 2] !== 0) break; // alignment octet must be zero
    } else if (ttype !== 6 && ttype !== 7) {
      break;
    }
    t += tlen;
    rest -= tlen;
  }
  if (rest !== 0) {
    raise(ctx, p, A_IPV4_OPT_MALFORMED);
    return false;
  }
  return true;
}
