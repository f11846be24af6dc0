/**
 * IPv6: the fixed header, then the extension header chain (hop-by-hop, routing, fragment, destination
 * options, AH, ESP, No Next Header, and Mobility/HIP/Shim6 which share the generic layout) the way
 * Suricata's decode-ipv6.c walks it, then the upper layer. p.proto ends as the final next header and
 * p.l4Off just after the last extension header. A non-first fragment stops after its fragment header.
 *
 * Hot path: allocates nothing, never throws; reads only inside [off, end).
 *
 * @example
 * ```ts
 * import { decodeIpv6 } from "./ipv6.ts";
 * // decodeIpv6(ctx, p, ethPayloadOff, end); then p.src (4 words), p.proto, p.l4Off ...
 * ```
 */
import {
  A_IPV6_DATA_AFTER_NONE_HEADER,
  A_IPV6_EXTHDR_DUPL_AH,
  A_IPV6_EXTHDR_DUPL_DH,
  A_IPV6_EXTHDR_DUPL_FH,
  A_IPV6_EXTHDR_DUPL_HH,
  A_IPV6_EXTHDR_DUPL_RH,
  A_IPV6_EXTHDR_INVALID_OPTLEN,
  A_IPV6_EXTHDR_USELESS_FH,
  A_IPV6_FRAG_INVALID_LENGTH,
  A_IPV6_HOPOPTS_NOT_FIRST,
  A_IPV6_PKT_TOO_SMALL,
  A_IPV6_RH_TYPE_0,
  A_IPV6_TRUNC_EXTHDR,
  A_IPV6_TRUNC_PKT,
  A_IPV6_UNKNOWN_NEXT_HEADER,
  A_IPV6_WRONG_IP_VER,
  A_IPV6_ZERO_LEN_PADN,
} from "../anomaly.ts";
import {
  IPPROTO_AH,
  IPPROTO_DSTOPTS,
  IPPROTO_ESP,
  IPPROTO_FRAGMENT,
  IPPROTO_GRE,
  IPPROTO_HOPOPTS,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_IPIP,
  IPPROTO_IPV6,
  IPPROTO_NONE,
  IPPROTO_ROUTING,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
} from "../packet.ts";
import type { Packet } from "../packet.ts";
import { invalid, raise, u16, u32 } from "./context.ts";
import type { DecodeContext } from "./context.ts";
import { decodeIpPayload } from "./ipproto.ts";

/** Mobility header, HIP and Shim6: extension headers with the generic (len + 1) * 8 layout. */
export const IPPROTO_MH = 135;
export const IPPROTO_HIP = 139;
export const IPPROTO_SHIM6 = 140;

const OPT_PAD1 = 0;
const OPT_PADN = 1;
const OPT_RTRALERT = 5;
const OPT_JUMBO = 0xc2;
const OPT_HAO = 0xc9;

/** Decodes the IPv6 packet at buf[off, end) into p, then its extension headers and payload. */
export function decodeIpv6(ctx: DecodeContext, p: Packet, off: number, end: number): void {
  const buf = p.buf;
  const avail = end - off;
  if (avail < 40) {
    invalid(ctx, p, A_IPV6_PKT_TOO_SMALL);
    return;
  }
  if (buf[off] >>> 4 !== 6) {
    invalid(ctx, p, A_IPV6_WRONG_IP_VER);
    return;
  }
  ctx.stats.ipv6++;
  const ipLen = u16(buf, off + 4) + 40;
  p.ipVersion = 6;
  p.l3Off = off;
  p.ipLen = ipLen;
  p.tos = ((buf[off] & 0x0f) << 4) | (buf[off + 1] >>> 4);
  p.ttl = buf[off + 7];
  p.ipFlags = 0;
  p.ipId = 0;
  p.fragOffset = 0;
  p.moreFragments = 0;
  p.isFragment = 0;
  for (let i = 0; i < 4; i++) {
    p.src[i] = u32(buf, off + 8 + i * 4);
    p.dst[i] = u32(buf, off + 24 + i * 4);
  }
  let truncated = false;
  if (avail < ipLen) {
    raise(ctx, p, A_IPV6_TRUNC_PKT);
    truncated = true;
  }
  const e = truncated ? end : off + ipLen;
  let nh = buf[off + 6];
  let nhOff = off + 6;
  let o = off + 40;
  let hh = false;
  let rh = false;
  let fh = false;
  let ah = false;
  let dh = 0;
  let partial = truncated;
  for (;;) {
    // stop at anything that is not an extension header
    if (
      nh !== IPPROTO_HOPOPTS && nh !== IPPROTO_ROUTING && nh !== IPPROTO_FRAGMENT &&
      nh !== IPPROTO_DSTOPTS && nh !== IPPROTO_AH && nh !== IPPROTO_MH && nh !== IPPROTO_HIP &&
      nh !== IPPROTO_SHIM6
    ) break;
    if (e - o < 2) {
      finish(p, nh, o, e);
      invalid(ctx, p, A_IPV6_TRUNC_EXTHDR);
      return;
    }
    const hlen = nh === IPPROTO_FRAGMENT ? 8 : nh === IPPROTO_AH ? (buf[o + 1] + 2) * 4 : (buf[o + 1] + 1) * 8;
    if (hlen > e - o) {
      finish(p, nh, o, e);
      invalid(ctx, p, A_IPV6_TRUNC_EXTHDR);
      return;
    }
    switch (nh) {
      case IPPROTO_HOPOPTS:
        if (o !== off + 40) raise(ctx, p, A_IPV6_HOPOPTS_NOT_FIRST);
        if (hh) raise(ctx, p, A_IPV6_EXTHDR_DUPL_HH);
        hh = true;
        walkOptions(ctx, p, o + 2, o + hlen);
        break;
      case IPPROTO_DSTOPTS:
        if (dh >= 2) raise(ctx, p, A_IPV6_EXTHDR_DUPL_DH);
        dh++;
        walkOptions(ctx, p, o + 2, o + hlen);
        break;
      case IPPROTO_ROUTING:
        if (rh) raise(ctx, p, A_IPV6_EXTHDR_DUPL_RH);
        rh = true;
        if (buf[o + 2] === 0) raise(ctx, p, A_IPV6_RH_TYPE_0);
        break;
      case IPPROTO_AH:
        if (ah) raise(ctx, p, A_IPV6_EXTHDR_DUPL_AH);
        ah = true;
        break;
      case IPPROTO_FRAGMENT: {
        if (fh) {
          raise(ctx, p, A_IPV6_EXTHDR_DUPL_FH);
          break;
        }
        fh = true;
        const fo = u16(buf, o + 2);
        p.fragOffset = fo & 0xfff8;
        p.moreFragments = fo & 1;
        p.ipId = u32(buf, o + 4);
        p.fragNextHdrOff = nhOff;
        p.fragPayloadOff = o + 8;
        if (p.fragOffset === 0 && p.moreFragments === 0) {
          raise(ctx, p, A_IPV6_EXTHDR_USELESS_FH); // an atomic fragment: decode on as if absent
          break;
        }
        p.isFragment = 1;
        ctx.stats.fragments++;
        if (p.moreFragments === 1 && (e - (o + 8)) % 8 !== 0) raise(ctx, p, A_IPV6_FRAG_INVALID_LENGTH);
        if (p.fragOffset > 0) {
          finish(p, buf[o], o + 8, e);
          p.payloadOff = p.l4Off;
          return;
        }
        partial = true;
        break;
      }
      default: // MH, HIP, Shim6: skipped by length
        break;
    }
    nhOff = o;
    nh = buf[o];
    o += hlen;
  }
  finish(p, nh, o, e);
  p.payloadOff = o;
  switch (nh) {
    case IPPROTO_ESP:
      return; // opaque
    case IPPROTO_NONE:
      if (o < e) raise(ctx, p, A_IPV6_DATA_AFTER_NONE_HEADER);
      return;
    case IPPROTO_TCP:
    case IPPROTO_UDP:
    case IPPROTO_ICMPV6:
    case IPPROTO_SCTP:
    case IPPROTO_GRE:
    case IPPROTO_IPIP:
    case IPPROTO_IPV6:
    case IPPROTO_ICMP:
      break;
    default:
      raise(ctx, p, A_IPV6_UNKNOWN_NEXT_HEADER);
      return;
  }
  decodeIpPayload(ctx, p, nh, o, e, partial);
}

/** Records where the upper layer starts. */
function finish(p: Packet, nh: number, l4Off: number, end: number): void {
  p.proto = nh;
  p.l4Off = l4Off;
  p.l4Len = end > l4Off ? end - l4Off : 0;
  p.ipHdrLen = l4Off - p.l3Off;
}

/** Walks the TLV options of a hop-by-hop or destination options header body in buf[off, end). */
function walkOptions(ctx: DecodeContext, p: Packet, off: number, end: number): void {
  const buf = p.buf;
  let o = off;
  while (o < end) {
    const t = buf[o];
    if (t === OPT_PAD1) {
      o++;
      continue;
    }
    if (end - o < 2) {
      raise(ctx, p, A_IPV6_EXTHDR_INVALID_OPTLEN);
      return;
    }
    const ol = buf[o + 1];
    if (ol > end - o - 2) {
      raise(ctx, p, A_IPV6_EXTHDR_INVALID_OPTLEN);
      return;
    }
    if (t === OPT_PADN) {
      if (ol === 0) raise(ctx, p, A_IPV6_ZERO_LEN_PADN);
    } else if (t === OPT_RTRALERT) {
      if (ol !== 2) raise(ctx, p, A_IPV6_EXTHDR_INVALID_OPTLEN);
    } else if (t === OPT_JUMBO) {
      if (ol !== 4) raise(ctx, p, A_IPV6_EXTHDR_INVALID_OPTLEN);
    } else if (t === OPT_HAO) {
      if (ol !== 16) raise(ctx, p, A_IPV6_EXTHDR_INVALID_OPTLEN);
    }
    o += 2 + ol;
  }
}
