/**
 * UDP: ports, the length field checked against the IP payload the way Suricata's decode-udp.c does, the
 * payload, and the UDP-carried tunnels (VXLAN on the configured destination ports, Teredo on the
 * configured ports) when the datagram is complete.
 *
 * Hot path: allocates nothing, never throws; reads only inside [off, end).
 *
 * @example
 * ```ts
 * import { decodeUdp } from "./udp.ts";
 * // decodeUdp(ctx, p, p.l4Off, l4End, false); then p.srcPort, p.payloadOff, p.payloadLen
 * ```
 */
import { A_UDP_HLEN_INVALID, A_UDP_HLEN_TOO_SMALL, A_UDP_LEN_INVALID, A_UDP_PKT_TOO_SMALL } from "../anomaly.ts";
import type { Packet } from "../packet.ts";
import { invalid, raise, u16 } from "./context.ts";
import type { DecodeContext } from "./context.ts";
import { decodeTeredo, decodeVxlan } from "./tunnel.ts";

/** Decodes the UDP datagram at buf[off, end). `partial`: a first fragment or truncated datagram. */
export function decodeUdp(ctx: DecodeContext, p: Packet, off: number, end: number, partial: boolean): void {
  const buf = p.buf;
  const avail = end - off;
  if (avail < 8) {
    if (avail >= 4) {
      p.srcPort = u16(buf, off);
      p.dstPort = u16(buf, off + 2);
    }
    if (!partial) invalid(ctx, p, A_UDP_HLEN_TOO_SMALL);
    // no whole header: nothing above IP is usable (a first fragment is judged again once reassembled)
    if (p.isFragment !== 1) p.decodeOk = 0;
    return;
  }
  ctx.stats.udp++;
  const sport = u16(buf, off);
  const dport = u16(buf, off + 2);
  const ulen = u16(buf, off + 4);
  p.srcPort = sport;
  p.dstPort = dport;
  p.payloadOff = off + 8;
  if (ulen < 8) {
    invalid(ctx, p, A_UDP_LEN_INVALID);
    return;
  }
  if (ulen > avail) {
    p.payloadLen = avail - 8;
    if (!partial) invalid(ctx, p, A_UDP_PKT_TOO_SMALL);
    return;
  }
  if (ulen < avail) raise(ctx, p, A_UDP_HLEN_INVALID); // bytes after the datagram inside the IP payload
  p.payloadLen = ulen - 8;
  if (partial) return;
  const payEnd = off + ulen;
  if (ctx.vxlanPort[dport] === 1 && decodeVxlan(ctx, p, off + 8, payEnd)) return;
  if ((ctx.teredoPort[dport] === 1 || ctx.teredoPort[sport] === 1) && decodeTeredo(ctx, p, off + 8, payEnd)) return;
}
