/**
 * Tunnels peeled so the inner traffic is inspected like any other: GRE (version 0 with checksum, key,
 * sequence and routing; version 1 = PPTP enhanced GRE carrying PPP; ERSPAN type II), IPv4/IPv6 in
 * IPv4/IPv6, VXLAN and Teredo, following Suricata's decode-gre.c, decode-vxlan.c and decode-teredo.c.
 * The outermost tunnel is recorded (tunnelType, outer addresses, protocol and UDP ports); every peeled
 * layer counts in tunnelDepth; past cfg.maxTunnelDepth the packet raises `decoder.too_many_layers`.
 * After peeling, the inner packet's layer 3/4 fields replace the outer ones; layer 2 stays the outer.
 *
 * Hot path: allocates nothing, never throws; reads only inside [off, end).
 *
 * @example
 * ```ts
 * import { decodeGre } from "./tunnel.ts";
 * // from the IPv4 decoder: decodeGre(ctx, p, p.l4Off, l4End); p.tunnelType === TUNNEL_GRE
 * ```
 */
import {
  A_GRE_PKT_TOO_SMALL,
  A_GRE_VERSION0_FLAGS,
  A_GRE_VERSION0_HDR_TOO_BIG,
  A_GRE_VERSION0_MALFORMED_SRE_HDR,
  A_GRE_VERSION0_RECUR,
  A_GRE_VERSION1_CHKSUM,
  A_GRE_VERSION1_FLAGS,
  A_GRE_VERSION1_HDR_TOO_BIG,
  A_GRE_VERSION1_NO_KEY,
  A_GRE_VERSION1_RECUR,
  A_GRE_VERSION1_ROUTE,
  A_GRE_VERSION1_SSR,
  A_GRE_VERSION1_WRONG_PROTOCOL,
  A_GRE_WRONG_VERSION,
  A_IPV4_IN_IPV6_PKT_TOO_SMALL,
  A_IPV4_IN_IPV6_WRONG_IP_VER,
  A_IPV6_IN_IPV6_PKT_TOO_SMALL,
  A_IPV6_IN_IPV6_WRONG_IP_VER,
  A_TOO_MANY_LAYERS,
  A_VXLAN_UNKNOWN_PAYLOAD_TYPE,
} from "../anomaly.ts";
import {
  MAX_OUTER_LENGTHS,
  OUTER_LEN_IPV4,
  OUTER_LEN_IPV6,
  OUTER_LEN_UDP,
  ETH_ARP,
  ETH_IPV4,
  ETH_IPV6,
  ETH_QINQ,
  ETH_QINQ_OLD,
  ETH_VLAN,
  IPPROTO_IPIP,
  IPPROTO_UDP,
  TUNNEL_4IN6,
  TUNNEL_6IN4,
  TUNNEL_6IN6,
  TUNNEL_GRE,
  TUNNEL_IPIP,
  TUNNEL_TEREDO,
  TUNNEL_VXLAN,
} from "../packet.ts";
import type { Packet } from "../packet.ts";
import { invalid, raise, u16 } from "./context.ts";
import type { DecodeContext } from "./context.ts";
import { decodeEthernet, decodeEtherType } from "./ethernet.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";
import { decodePppProto, PPP_IPV4, PPP_IPV6 } from "./ppp.ts";

export const GRE_PROTO_TEB = 0x6558; // transparent Ethernet bridging
export const GRE_PROTO_PPP = 0x880b;
export const GRE_PROTO_ERSPAN2 = 0x88be;

const GRE_C = 0x8000;
const GRE_R = 0x4000;
const GRE_K = 0x2000;
const GRE_S = 0x1000;
const GRE_SSR = 0x0800;
const GRE_RECUR = 0x0700;
const GRE_A = 0x0080;
const GRE_FLAGS = 0x0078;
const GRE_MAX_SRE = 32;

/**
 * Starts a tunnel layer: records the outer header the first time, counts the layer and clears the layer
 * 3/4 fields for the inner decode. Returns false (after raising too_many_layers) when the configured depth
 * is reached; the packet then keeps the outer fields.
 */
export function enterTunnel(ctx: DecodeContext, p: Packet, type: number): boolean {
  if (p.tunnelDepth >= ctx.maxTunnelDepth) {
    invalid(ctx, p, A_TOO_MANY_LAYERS);
    return false;
  }
  if (p.tunnelDepth === 0) {
    p.tunnelType = type;
    p.outerIpVersion = p.ipVersion;
    for (let i = 0; i < 4; i++) {
      p.outerSrc[i] = p.src[i];
      p.outerDst[i] = p.dst[i];
    }
    p.outerProto = p.proto;
    if (p.proto === IPPROTO_UDP) {
      p.outerSrcPort = p.srcPort;
      p.outerDstPort = p.dstPort;
    }
  }
  // Remember the outer length fields: a reassembled inner datagram makes them wrong (see Defragmenter).
  const n = p.outerLenCount;
  if (n + 2 <= MAX_OUTER_LENGTHS && (p.ipVersion === 4 || p.ipVersion === 6)) {
    p.outerLenOff[n] = p.l3Off;
    p.outerLenKind[n] = p.ipVersion === 4 ? OUTER_LEN_IPV4 : OUTER_LEN_IPV6;
    p.outerLenCount = n + 1;
    if (p.proto === IPPROTO_UDP) {
      p.outerLenOff[n + 1] = p.l4Off;
      p.outerLenKind[n + 1] = OUTER_LEN_UDP;
      p.outerLenCount = n + 2;
    }
  }
  p.tunnelDepth++;
  ctx.stats.tunnels++;
  // The inner packet's fields replace the outer ones (the IPv4 checksum verdict is kept: worst wins).
  p.clearIp();
  return true;
}


/** GRE at buf[off, end) (the IP payload of protocol 47). */
export function decodeGre(ctx: DecodeContext, p: Packet, off: number, end: number): void {
  const buf = p.buf;
  const avail = end - off;
  if (avail < 4) {
    invalid(ctx, p, A_GRE_PKT_TOO_SMALL);
    return;
  }
  ctx.stats.gre++;
  const flags = u16(buf, off);
  const proto = u16(buf, off + 2);
  let hlen = 4;
  switch (flags & 7) {
    case 0: {
      if ((flags & GRE_RECUR) !== 0) return raise(ctx, p, A_GRE_VERSION0_RECUR);
      if ((flags & GRE_FLAGS) !== 0) return raise(ctx, p, A_GRE_VERSION0_FLAGS);
      if ((flags & GRE_K) !== 0) hlen += 4;
      if ((flags & GRE_S) !== 0) hlen += 4;
      if ((flags & (GRE_C | GRE_R)) !== 0) hlen += 4;
      if (hlen > avail) return invalid(ctx, p, A_GRE_VERSION0_HDR_TOO_BIG);
      if ((flags & GRE_R) !== 0) {
        // source route entries: address family, offset, length; ends with family 0 and length 0
        let n = 0;
        for (;;) {
          if (hlen + 4 > avail || ++n > GRE_MAX_SRE) return invalid(ctx, p, A_GRE_VERSION0_MALFORMED_SRE_HDR);
          const af = u16(buf, off + hlen);
          const sreLen = buf[off + hlen + 3];
          hlen += 4;
          if (af === 0 && sreLen === 0) break;
          hlen += sreLen;
          if (hlen > avail) return invalid(ctx, p, A_GRE_VERSION0_MALFORMED_SRE_HDR);
        }
      }
      break;
    }
    case 1: {
      if ((flags & GRE_C) !== 0) return raise(ctx, p, A_GRE_VERSION1_CHKSUM);
      if ((flags & GRE_R) !== 0) return raise(ctx, p, A_GRE_VERSION1_ROUTE);
      if ((flags & GRE_SSR) !== 0) return raise(ctx, p, A_GRE_VERSION1_SSR);
      if ((flags & GRE_RECUR) !== 0) return raise(ctx, p, A_GRE_VERSION1_RECUR);
      if ((flags & GRE_FLAGS) !== 0) return raise(ctx, p, A_GRE_VERSION1_FLAGS);
      if (proto !== GRE_PROTO_PPP) return raise(ctx, p, A_GRE_VERSION1_WRONG_PROTOCOL);
      if ((flags & GRE_K) === 0) return raise(ctx, p, A_GRE_VERSION1_NO_KEY);
      hlen += 4;
      if ((flags & GRE_S) !== 0) hlen += 4;
      if ((flags & GRE_A) !== 0) hlen += 4;
      if (hlen > avail) return invalid(ctx, p, A_GRE_VERSION1_HDR_TOO_BIG);
      break;
    }
    default:
      return invalid(ctx, p, A_GRE_WRONG_VERSION);
  }
  const inner = off + hlen;
  switch (proto) {
    case ETH_IPV4:
      if (enterTunnel(ctx, p, TUNNEL_GRE)) decodeIpv4(ctx, p, inner, end);
      return;
    case ETH_IPV6:
      if (enterTunnel(ctx, p, TUNNEL_GRE)) decodeIpv6(ctx, p, inner, end);
      return;
    case GRE_PROTO_TEB:
      if (enterTunnel(ctx, p, TUNNEL_GRE)) decodeEthernet(ctx, p, inner, end, true);
      return;
    case ETH_VLAN:
    case ETH_QINQ:
    case ETH_QINQ_OLD:
      if (enterTunnel(ctx, p, TUNNEL_GRE)) decodeEtherType(ctx, p, proto, inner, end, true);
      return;
    case GRE_PROTO_ERSPAN2:
      // ERSPAN type II: 8-byte header (version 1 in the top nibble), then the mirrored Ethernet frame
      if (end - inner >= 8 && buf[inner] >>> 4 === 1 && enterTunnel(ctx, p, TUNNEL_GRE)) {
        decodeEthernet(ctx, p, inner + 8, end, true);
      }
      return;
    case GRE_PROTO_PPP:
      decodeGrePpp(ctx, p, inner, end);
      return;
    default:
      return;
  }
}

/** PPP inside GRE: peeled only when it carries IPv4 or IPv6 (LCP, CCP, compressed data stay GRE). */
function decodeGrePpp(ctx: DecodeContext, p: Packet, off: number, end: number): void {
  const buf = p.buf;
  let o = off;
  if (end - o >= 2 && buf[o] === 0xff && buf[o + 1] === 0x03) o += 2;
  if (o >= end) return;
  let proto = buf[o];
  if ((proto & 1) === 1) {
    o += 1;
  } else {
    if (end - o < 2) return;
    proto = (proto << 8) | buf[o + 1];
    o += 2;
  }
  if (proto !== PPP_IPV4 && proto !== PPP_IPV6) return;
  if (enterTunnel(ctx, p, TUNNEL_GRE)) decodePppProto(ctx, p, proto, o, end);
}

/** IPv4 (protocol 4) or IPv6 (41) carried directly in the IP packet already in p. */
export function decodeIpInIp(ctx: DecodeContext, p: Packet, proto: number, off: number, end: number): void {
  const buf = p.buf;
  const v4inner = proto === IPPROTO_IPIP;
  if (p.ipVersion === 6) {
    // decode-ipv6.c checks the inner version before spawning the tunnel
    if (end - off < (v4inner ? 20 : 40)) {
      return raise(ctx, p, v4inner ? A_IPV4_IN_IPV6_PKT_TOO_SMALL : A_IPV6_IN_IPV6_PKT_TOO_SMALL);
    }
    if (buf[off] >>> 4 !== (v4inner ? 4 : 6)) {
      return raise(ctx, p, v4inner ? A_IPV4_IN_IPV6_WRONG_IP_VER : A_IPV6_IN_IPV6_WRONG_IP_VER);
    }
    if (!enterTunnel(ctx, p, v4inner ? TUNNEL_4IN6 : TUNNEL_6IN6)) return;
  } else if (!enterTunnel(ctx, p, v4inner ? TUNNEL_IPIP : TUNNEL_6IN4)) {
    return;
  }
  if (v4inner) decodeIpv4(ctx, p, off, end);
  else decodeIpv6(ctx, p, off, end);
}

/** VXLAN at the UDP payload buf[off, end). Returns false when the bytes are not VXLAN (the packet stays UDP). */
export function decodeVxlan(ctx: DecodeContext, p: Packet, off: number, end: number): boolean {
  const buf = p.buf;
  if (end - off < 8 + 14) return false;
  if ((buf[off] & 0x08) === 0 || buf[off + 7] !== 0) return false; // I flag set, reserved byte zero
  if (!enterTunnel(ctx, p, TUNNEL_VXLAN)) return true;
  decodeEthernet(ctx, p, off + 8, end, true);
  const t = p.etherType;
  if (t !== ETH_IPV4 && t !== ETH_IPV6 && t !== ETH_ARP && t !== ETH_VLAN && t !== ETH_QINQ) {
    raise(ctx, p, A_VXLAN_UNKNOWN_PAYLOAD_TYPE);
  }
  return true;
}

/**
 * Teredo (RFC 4380) at the UDP payload buf[off, end): optional authentication and origin indication
 * headers, then an IPv6 packet whose payload length accounts exactly for the rest of the datagram (as
 * decode-teredo.c requires). Returns false when the bytes are not that (the packet stays UDP).
 */
export function decodeTeredo(ctx: DecodeContext, p: Packet, off: number, end: number): boolean {
  const buf = p.buf;
  let o = off;
  if (end - o < 40) return false;
  if (buf[o] === 0 && buf[o + 1] === 1) {
    // authentication: id length, auth length, client id, auth value, 8-byte nonce, confirmation byte
    const hl = 4 + buf[o + 2] + buf[o + 3] + 8 + 1;
    if (end - o < hl + 40) return false;
    o += hl;
  }
  if (buf[o] === 0) {
    if (buf[o + 1] !== 0 || end - o < 8 + 40) return false;
    o += 8; // origin indication
  }
  if (buf[o] >>> 4 !== 6) return false;
  if (buf[o + 7] === 0) return false; // hop limit 0: most likely not Teredo at all
  const plen = u16(buf, o + 4);
  if (buf[o + 6] === 0 && plen < 8) return false;
  if (o + 40 + plen !== end) return false;
  if (!enterTunnel(ctx, p, TUNNEL_TEREDO)) return true;
  decodeIpv6(ctx, p, o, end);
  return true;
}
