/**
 * ICMPv6: type and code checks (errors 1..4, echo, MLD, neighbour discovery 133..137 and the other
 * assigned informational types), echo id/sequence, and for errors a check of the embedded IPv6 header
 * (the outer header stays in the packet fields; `icmpHasInner` says an embedded header is present).
 *
 * Hot path: allocates nothing, never throws; reads only inside [off, end).
 *
 * @example
 * ```ts
 * import { decodeIcmpv6 } from "./icmpv6.ts";
 * // decodeIcmpv6(ctx, p, p.l4Off, l4End, false); then p.icmpType, p.icmpCode ...
 * ```
 */
import {
  A_ICMPV6_IPV6_TRUNC_PKT,
  A_ICMPV6_IPV6_UNKNOWN_VER,
  A_ICMPV6_MLD_INVALID_HL,
  A_ICMPV6_PKT_TOO_SMALL,
  A_ICMPV6_UNKNOWN_CODE,
  A_ICMPV6_UNKNOWN_TYPE,
} from "../anomaly.ts";
import type { Packet } from "../packet.ts";
import { raise, u16 } from "./context.ts";
import type { DecodeContext } from "./context.ts";
import { readIcmpHeader } from "./icmp.ts";

export const ICMP6_DST_UNREACH = 1;
export const ICMP6_PACKET_TOO_BIG = 2;
export const ICMP6_TIME_EXCEEDED = 3;
export const ICMP6_PARAM_PROB = 4;
export const ICMP6_ECHO_REQUEST = 128;
export const ICMP6_ECHO_REPLY = 129;
export const MLD_LISTENER_QUERY = 130;
export const MLD_LISTENER_REPORT = 131;
export const MLD_LISTENER_REDUCTION = 132;
export const ND_ROUTER_SOLICIT = 133;
export const ND_ROUTER_ADVERT = 134;
export const ND_NEIGHBOR_SOLICIT = 135;
export const ND_NEIGHBOR_ADVERT = 136;
export const ND_REDIRECT = 137;
export const MLD_V2_LISTENER_REPORT = 143;

export function decodeIcmpv6(ctx: DecodeContext, p: Packet, off: number, end: number, partial: boolean): void {
  if (!readIcmpHeader(ctx, p, off, end, partial, A_ICMPV6_PKT_TOO_SMALL)) return;
  ctx.stats.icmpv6++;
  const buf = p.buf;
  const avail = end - off;
  const type = p.icmpType;
  const code = p.icmpCode;
  let maxCode = 0;
  let error = false;
  switch (type) {
    case ICMP6_DST_UNREACH:
      maxCode = 7;
      error = true;
      break;
    case ICMP6_PACKET_TOO_BIG:
      error = true;
      break;
    case ICMP6_TIME_EXCEEDED:
      maxCode = 1;
      error = true;
      break;
    case ICMP6_PARAM_PROB:
      maxCode = 10; // RFC 4443 codes 0..2, later RFCs (7112, 8883) up to 10
      error = true;
      break;
    case ICMP6_ECHO_REQUEST:
    case ICMP6_ECHO_REPLY:
      p.icmpId = u16(buf, off + 4);
      p.icmpSeq = u16(buf, off + 6);
      break;
    case MLD_LISTENER_QUERY:
    case MLD_LISTENER_REPORT:
    case MLD_LISTENER_REDUCTION:
    case MLD_V2_LISTENER_REPORT:
      if (p.ttl !== 1) raise(ctx, p, A_ICMPV6_MLD_INVALID_HL);
      break;
    case 138: // router renumbering: codes 0, 1, 255
      maxCode = 255;
      break;
    case 139: // node information query / reply: codes 0..2
    case 140:
      maxCode = 2;
      break;
    default:
      // other assigned informational types (141..161) and private experimentation (100, 101, 200, 201)
      if (type >= ND_ROUTER_SOLICIT && type <= ND_REDIRECT) break;
      if (type >= 141 && type <= 161) {
        maxCode = 255; // several of these use the code as a subtype
        break;
      }
      if (type === 100 || type === 101 || type === 200 || type === 201) {
        maxCode = 255;
        break;
      }
      raise(ctx, p, A_ICMPV6_UNKNOWN_TYPE);
      return;
  }
  if (code > maxCode) {
    raise(ctx, p, A_ICMPV6_UNKNOWN_CODE);
    return;
  }
  if (!error || partial) return;
  if (avail - 8 < 40) {
    raise(ctx, p, A_ICMPV6_IPV6_TRUNC_PKT);
    return;
  }
  if (buf[off + 8] >>> 4 !== 6) {
    raise(ctx, p, A_ICMPV6_IPV6_UNKNOWN_VER);
    return;
  }
  p.icmpHasInner = 1;
}
