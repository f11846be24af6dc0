/**
 * Ethernet II frames with 802.1Q / 802.1ad (QinQ) tags, and the EtherType dispatch every link layer and
 * tunnel that carries an EtherType (SLL, GRE, VXLAN) shares. Up to two VLAN ids are recorded (vlan0 the
 * outer); deeper stacks raise `decoder.vlan.too_many_layers` and are still decoded.
 *
 * Hot path: allocates nothing, never throws; reads only inside [off, end).
 *
 * @example
 * ```ts
 * import { decodeEthernet } from "./ethernet.ts";
 * // decodeEthernet(ctx, p, p.off, p.off + p.len);  // fills macs, vlans, etherType and the layers above
 * ```
 */
import {
  A_PKT_TOO_SMALL,
  A_PPPOE_PKT_TOO_SMALL,
  A_VLAN_HEADER_TOO_SMALL,
  A_VLAN_TOO_MANY_LAYERS,
} from "../anomaly.ts";
import { ETH_ARP, ETH_IPV4, ETH_IPV6, ETH_QINQ, ETH_QINQ_OLD, ETH_REVARP, ETH_VLAN } from "../packet.ts";
import type { Packet } from "../packet.ts";
import { decodeArp } from "./arp.ts";
import { invalid, raise, u16 } from "./context.ts";
import type { DecodeContext } from "./context.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";
import { decodePppProto } from "./ppp.ts";

/** PPPoE session stage (RFC 2516): 6-byte header, then a PPP protocol number. */
export const ETH_PPPOE_SESSION = 0x8864;
export const ETH_MPLS_UNICAST = 0x8847;
export const ETH_MPLS_MULTICAST = 0x8848;
/** Most 802.1Q tags one frame may carry before `decoder.vlan.too_many_layers`. */
const MAX_VLAN_LAYERS = 2;
/** Most MPLS labels walked before giving up on the stack. */
const MAX_MPLS_LABELS = 16;

/** Decodes an Ethernet II frame at buf[off, end). `inner` is true for a frame inside a tunnel (its L2 is not recorded). */
export function decodeEthernet(ctx: DecodeContext, p: Packet, off: number, end: number, inner: boolean): void {
  if (end - off < 14) {
    invalid(ctx, p, A_PKT_TOO_SMALL);
    return;
  }
  if (!inner) {
    p.macDstOff = off;
    p.macSrcOff = off + 6;
  }
  decodeEtherType(ctx, p, u16(p.buf, off + 12), off + 14, end, inner);
}

/**
 * Decodes the payload of EtherType `type` at buf[off, end): VLAN tags first, then IPv4, IPv6, ARP/RARP,
 * PPPoE session and MPLS. Unknown EtherTypes are recorded in p.etherType and left alone (not anomalies:
 * the firewall may still match them by frame type).
 */
export function decodeEtherType(
  ctx: DecodeContext,
  p: Packet,
  type: number,
  off: number,
  end: number,
  inner: boolean,
): void {
  const buf = p.buf;
  let t = type;
  let o = off;
  let tags = 0;
  while (t === ETH_VLAN || t === ETH_QINQ || t === ETH_QINQ_OLD) {
    if (end - o < 4) {
      p.etherType = t;
      invalid(ctx, p, A_VLAN_HEADER_TOO_SMALL);
      return;
    }
    tags++;
    if (tags === MAX_VLAN_LAYERS + 1) raise(ctx, p, A_VLAN_TOO_MANY_LAYERS);
    if (!inner && tags <= MAX_VLAN_LAYERS) {
      const id = u16(buf, o) & 0x0fff;
      if (p.vlanCount === 0) p.vlan0 = id;
      else p.vlan1 = id;
      p.vlanCount++;
    }
    t = u16(buf, o + 2);
    o += 4;
  }
  p.etherType = t;
  switch (t) {
    case ETH_IPV4:
      decodeIpv4(ctx, p, o, end);
      return;
    case ETH_IPV6:
      decodeIpv6(ctx, p, o, end);
      return;
    case ETH_ARP:
    case ETH_REVARP:
      decodeArp(ctx, p, o, end);
      return;
    case ETH_PPPOE_SESSION:
      if (end - o < 8) {
        invalid(ctx, p, A_PPPOE_PKT_TOO_SMALL);
        return;
      }
      // version/type, code, session id, length, then the PPP protocol number
      decodePppProto(ctx, p, u16(buf, o + 6), o + 8, end);
      return;
    case ETH_MPLS_UNICAST:
    case ETH_MPLS_MULTICAST:
      decodeMpls(ctx, p, o, end);
      return;
    default:
      return;
  }
}

/** Walks an MPLS label stack to the bottom-of-stack label and decodes the IP packet after it (by its version nibble). */
function decodeMpls(ctx: DecodeContext, p: Packet, off: number, end: number): void {
  let o = off;
  for (let i = 0; i < MAX_MPLS_LABELS; i++) {
    if (end - o < 4) return;
    const bottom = p.buf[o + 2] & 1;
    o += 4;
    if (bottom === 1) {
      if (o >= end) return;
      const v = p.buf[o] >>> 4;
      if (v === 4) decodeIpv4(ctx, p, o, end);
      else if (v === 6) decodeIpv6(ctx, p, o, end);
      return;
    }
  }
}
