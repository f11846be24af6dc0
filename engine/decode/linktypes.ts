/**
 * Link layers other than Ethernet: Linux cooked captures (SLL v1 and v2), raw IP (the version nibble
 * decides), BSD null/loopback (a 4-byte address family, host-endian for DLT_NULL, accepted in either byte
 * order as Suricata does; network order for DLT_LOOP) and Cisco HDLC.
 *
 * Hot path: allocates nothing, never throws; reads only inside [off, end).
 *
 * @example
 * ```ts
 * import { decodeSll } from "./linktypes.ts";
 * // decodeSll(ctx, p, p.off, p.off + p.len);
 * ```
 */
import {
  A_IPRAW_INVALID_IPV,
  A_NULL_PKT_TOO_SMALL,
  A_NULL_UNSUPPORTED_TYPE,
  A_PKT_TOO_SMALL,
  A_SLL_PKT_TOO_SMALL,
} from "../anomaly.ts";
import { ETH_IPV4, ETH_IPV6 } from "../packet.ts";
import type { Packet } from "../packet.ts";
import { invalid, u16, u32 } from "./context.ts";
import type { DecodeContext } from "./context.ts";
import { decodeEtherType } from "./ethernet.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";

/** LINKTYPE_C_HDLC: Cisco HDLC, address, control, then an EtherType. */
export const LINK_CHDLC = 104;

const AF_INET = 2;
const AF_INET6_BSD = 24;
const AF_INET6_FREEBSD = 28;
const AF_INET6_DARWIN = 30;

/** Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes, protocol. */
export function decodeSll(ctx: DecodeContext, p: Packet, off: number, end: number): void {
  if (end - off < 16) {
    invalid(ctx, p, A_SLL_PKT_TOO_SMALL);
    return;
  }
  if (u16(p.buf, off + 2) === 1 && u16(p.buf, off + 4) === 6) p.macSrcOff = off + 6;
  decodeEtherType(ctx, p, u16(p.buf, off + 14), off + 16, end, false);
}

/** Linux cooked v2: protocol, reserved, interface index, ARPHRD, packet type, address length, 8 address bytes. */
export function decodeSll2(ctx: DecodeContext, p: Packet, off: number, end: number): void {
  if (end - off < 20) {
    invalid(ctx, p, A_SLL_PKT_TOO_SMALL);
    return;
  }
  if (u16(p.buf, off + 8) === 1 && p.buf[off + 11] === 6) p.macSrcOff = off + 12;
  decodeEtherType(ctx, p, u16(p.buf, off), off + 20, end, false);
}

/** Raw IP: the first nibble says IPv4 or IPv6. */
export function decodeRaw(ctx: DecodeContext, p: Packet, off: number, end: number): void {
  if (end - off < 1) {
    invalid(ctx, p, A_PKT_TOO_SMALL);
    return;
  }
  const v = p.buf[off] >>> 4;
  if (v === 4) {
    p.etherType = ETH_IPV4;
    decodeIpv4(ctx, p, off, end);
  } else if (v === 6) {
    p.etherType = ETH_IPV6;
    decodeIpv6(ctx, p, off, end);
  } else {
    invalid(ctx, p, A_IPRAW_INVALID_IPV);
  }
}

/** DLT_NULL (`bigEndian` false: host order, either accepted) and DLT_LOOP (`bigEndian` true). */
export function decodeNull(ctx: DecodeContext, p: Packet, off: number, end: number, bigEndian: boolean): void {
  if (end - off < 4) {
    invalid(ctx, p, A_NULL_PKT_TOO_SMALL);
    return;
  }
  const b = p.buf;
  let family = u32(b, off);
  if (!bigEndian) {
    const le = (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
    // a family is a small number: whichever byte order yields one is the writer's
    family = le <= 0xffff ? le : family;
  }
  switch (family) {
    case AF_INET:
      p.etherType = ETH_IPV4;
      decodeIpv4(ctx, p, off + 4, end);
      return;
    case AF_INET6_BSD:
    case AF_INET6_FREEBSD:
    case AF_INET6_DARWIN:
      p.etherType = ETH_IPV6;
      decodeIpv6(ctx, p, off + 4, end);
      return;
    default:
      invalid(ctx, p, A_NULL_UNSUPPORTED_TYPE);
  }
}

/** Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, EtherType. */
export function decodeChdlc(ctx: DecodeContext, p: Packet, off: number, end: number): void {
  if (end - off < 4) {
    invalid(ctx, p, A_PKT_TOO_SMALL);
    return;
  }
  decodeEtherType(ctx, p, u16(p.buf, off + 2), off + 4, end, false);
}
