/**
 * PPP as it appears inside PPTP's enhanced GRE (version 1) and PPPoE sessions: an optional 0xff 0x03
 * address/control pair, a 1- or 2-byte protocol number, then IPv4 (0x0021) or IPv6 (0x0057). Control
 * protocols (LCP, IPCP, CHAP...) and compressed payloads are left undecoded (no anomaly: they are normal).
 *
 * Hot path: allocates nothing, never throws; reads only inside [off, end).
 *
 * @example
 * ```ts
 * import { decodePpp } from "./ppp.ts";
 * // decodePpp(ctx, p, greHeaderEnd, end);
 * ```
 */
import { A_PPP_PKT_TOO_SMALL } from "../anomaly.ts";
import type { Packet } from "../packet.ts";
import { invalid } from "./context.ts";
import type { DecodeContext } from "./context.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";

export const PPP_IPV4 = 0x0021;
export const PPP_IPV6 = 0x0057;

/** Decodes a PPP frame (address/control optional, protocol field possibly compressed to one byte). */
export function decodePpp(ctx: DecodeContext, p: Packet, off: number, end: number): void {
  const buf = p.buf;
  let o = off;
  if (end - o >= 2 && buf[o] === 0xff && buf[o + 1] === 0x03) o += 2;
  if (o >= end) {
    invalid(ctx, p, A_PPP_PKT_TOO_SMALL);
    return;
  }
  let proto = buf[o];
  if ((proto & 1) === 1) {
    o += 1; // protocol-field compression: odd first byte is the whole protocol
  } else {
    if (end - o < 2) {
      invalid(ctx, p, A_PPP_PKT_TOO_SMALL);
      return;
    }
    proto = (proto << 8) | buf[o + 1];
    o += 2;
  }
  decodePppProto(ctx, p, proto, o, end);
}

/** Decodes what follows a PPP protocol number already read. */
export function decodePppProto(ctx: DecodeContext, p: Packet, proto: number, off: number, end: number): void {
  if (proto === PPP_IPV4) decodeIpv4(ctx, p, off, end);
  else if (proto === PPP_IPV6) decodeIpv6(ctx, p, off, end);
}
