/**
 * Dispatch on the IP protocol number (IPv4 protocol field or IPv6 final next header): transport layers,
 * ICMP, and the IP-carried tunnels (GRE, IP-in-IP, IPv6-in-IP). `partial` is true for a first fragment or
 * a truncated datagram: headers are decoded as far as they go without truncation anomalies, and no
 * tunnel is peeled (the inner packet is incomplete).
 *
 * Hot path: allocates nothing, never throws.
 *
 * @example
 * ```ts
 * import { decodeIpPayload } from "./ipproto.ts";
 * // decodeIpPayload(ctx, p, p.proto, p.l4Off, l4End, false);
 * ```
 */
import { A_IPV4_WITH_ICMPV6, A_IPV6_WITH_ICMPV4 } from "../anomaly.ts";
import {
  IPPROTO_GRE,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_IPIP,
  IPPROTO_IPV6,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
} from "../packet.ts";
import type { Packet } from "../packet.ts";
import { raise } from "./context.ts";
import type { DecodeContext } from "./context.ts";
import { decodeIcmpv4 } from "./icmp.ts";
import { decodeIcmpv6 } from "./icmpv6.ts";
import { decodeSctp } from "./sctp.ts";
import { decodeTcp } from "./tcp.ts";
import { decodeGre, decodeIpInIp } from "./tunnel.ts";
import { decodeUdp } from "./udp.ts";

export function decodeIpPayload(
  ctx: DecodeContext,
  p: Packet,
  proto: number,
  off: number,
  end: number,
  partial: boolean,
): void {
  switch (proto) {
    case IPPROTO_TCP:
      decodeTcp(ctx, p, off, end, partial);
      return;
    case IPPROTO_UDP:
      decodeUdp(ctx, p, off, end, partial);
      return;
    case IPPROTO_ICMP:
      if (p.ipVersion === 4) decodeIcmpv4(ctx, p, off, end, partial);
      else raise(ctx, p, A_IPV6_WITH_ICMPV4);
      return;
    case IPPROTO_ICMPV6:
      if (p.ipVersion === 6) decodeIcmpv6(ctx, p, off, end, partial);
      else raise(ctx, p, A_IPV4_WITH_ICMPV6);
      return;
    case IPPROTO_SCTP:
      decodeSctp(ctx, p, off, end, partial);
      return;
    case IPPROTO_GRE:
      if (!partial) decodeGre(ctx, p, off, end);
      return;
    case IPPROTO_IPIP:
    case IPPROTO_IPV6:
      if (!partial) decodeIpInIp(ctx, p, proto, off, end);
      return;
    default:
      return;
  }
}
