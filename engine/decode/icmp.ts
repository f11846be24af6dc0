/**
 * ICMPv4: type and code checked against the types Suricata's decode-icmpv4.c knows, echo-style id and
 * sequence (echo, timestamp, information, address mask), and for errors (unreachable, source quench,
 * redirect, time exceeded, parameter problem) a check of the embedded IPv4 header. The outer header stays
 * in the packet fields; `icmpHasInner` says an embedded header is present and plausible.
 *
 * Hot path: allocates nothing, never throws; reads only inside [off, end).
 *
 * @example
 * ```ts
 * import { decodeIcmpv4 } from "./icmp.ts";
 * // decodeIcmpv4(ctx, p, p.l4Off, l4End, false); then p.icmpType, p.icmpCode, p.icmpId ...
 * ```
 */
import {
  A_ICMPV4_IPV4_TRUNC_PKT,
  A_ICMPV4_IPV4_UNKNOWN_VER,
  A_ICMPV4_PKT_TOO_SMALL,
  A_ICMPV4_UNKNOWN_CODE,
  A_ICMPV4_UNKNOWN_TYPE,
} from "../anomaly.ts";
import type { Packet } from "../packet.ts";
import { invalid, raise, u16 } from "./context.ts";
import type { DecodeContext } from "./context.ts";

export const ICMP_ECHOREPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_SOURCE_QUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO = 8;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_PARAMETERPROB = 12;
export const ICMP_TIMESTAMP = 13;
export const ICMP_TIMESTAMPREPLY = 14;
export const ICMP_INFO_REQUEST = 15;
export const ICMP_INFO_REPLY = 16;
export const ICMP_ADDRESS = 17;
export const ICMP_ADDRESSREPLY = 18;

/**
 * The 8-byte header ICMP and ICMPv6 share: type, code, and the payload after it. False (and the
 * `tooSmall` anomaly unless the datagram is a first fragment or truncated) when it is not all there.
 */
export function readIcmpHeader(ctx: DecodeContext, p: Packet, off: number, end: number, partial: boolean, tooSmall: number): boolean {
  const buf = p.buf;
  const avail = end - off;
  if (avail >= 2) {
    p.icmpType = buf[off];
    p.icmpCode = buf[off + 1];
  }
  if (avail < 8) {
    if (!partial) invalid(ctx, p, tooSmall);
    return false;
  }
  p.payloadOff = off + 8;
  p.payloadLen = avail - 8;
  return true;
}

export function decodeIcmpv4(ctx: DecodeContext, p: Packet, off: number, end: number, partial: boolean): void {
  if (!readIcmpHeader(ctx, p, off, end, partial, A_ICMPV4_PKT_TOO_SMALL)) return;
  ctx.stats.icmp++;
  const buf = p.buf;
  const avail = end - off;
  const type = p.icmpType;
  const code = p.icmpCode;
  let maxCode = 0;
  let error = false;
  switch (type) {
    case ICMP_ECHOREPLY:
    case ICMP_ECHO:
    case ICMP_TIMESTAMP:
    case ICMP_TIMESTAMPREPLY:
    case ICMP_INFO_REQUEST:
    case ICMP_INFO_REPLY:
    case ICMP_ADDRESS:
    case ICMP_ADDRESSREPLY:
      p.icmpId = u16(buf, off + 4);
      p.icmpSeq = u16(buf, off + 6);
      break;
    case ICMP_DEST_UNREACH:
      maxCode = 15;
      error = true;
      break;
    case ICMP_SOURCE_QUENCH:
      error = true;
      break;
    case ICMP_REDIRECT:
      maxCode = 3;
      error = true;
      break;
    case ICMP_TIME_EXCEEDED:
      maxCode = 1;
      error = true;
      break;
    case ICMP_PARAMETERPROB:
      maxCode = 2;
      error = true;
      break;
    default:
      raise(ctx, p, A_ICMPV4_UNKNOWN_TYPE);
      return;
  }
  if (code > maxCode) {
    raise(ctx, p, A_ICMPV4_UNKNOWN_CODE);
    return;
  }
  if (!error || avail <= 8 || partial) return;
  // the embedded datagram: at least a full IPv4 header of version 4
  if (avail - 8 < 20) {
    raise(ctx, p, A_ICMPV4_IPV4_TRUNC_PKT);
    return;
  }
  if (buf[off + 8] >>> 4 !== 4) {
    raise(ctx, p, A_ICMPV4_IPV4_UNKNOWN_VER);
    return;
  }
  p.icmpHasInner = 1;
}
