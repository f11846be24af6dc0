/**
 * SCTP common header: the ports (the firewall and flow table key on them) and the payload after the
 * 12-byte common header. Chunks are not walked.
 *
 * Hot path: allocates nothing, never throws; reads only inside [off, end).
 *
 * @example
 * ```ts
 * import { decodeSctp } from "./sctp.ts";
 * // decodeSctp(ctx, p, p.l4Off, l4End, false); then p.srcPort, p.dstPort
 * ```
 */
import { A_SCTP_PKT_TOO_SMALL } from "../anomaly.ts";
import type { Packet } from "../packet.ts";
import { invalid, u16 } from "./context.ts";
import type { DecodeContext } from "./context.ts";

export function decodeSctp(ctx: DecodeContext, p: Packet, off: number, end: number, partial: boolean): void {
  const avail = end - off;
  if (avail < 12) {
    if (avail >= 4) {
      p.srcPort = u16(p.buf, off);
      p.dstPort = u16(p.buf, off + 2);
    }
    if (!partial) invalid(ctx, p, A_SCTP_PKT_TOO_SMALL);
    return;
  }
  ctx.stats.sctp++;
  p.srcPort = u16(p.buf, off);
  p.dstPort = u16(p.buf, off + 2);
  p.payloadOff = off + 12;
  p.payloadLen = avail - 12;
}
