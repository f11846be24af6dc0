/**
 * ARP and RARP over Ethernet carrying IPv4 (the only kind the firewall and isolation rules look at):
 * opcode and the sender/target protocol addresses. Other hardware/protocol pairs keep only the opcode.
 *
 * Hot path: allocates nothing, never throws; reads only inside [off, end).
 *
 * @example
 * ```ts
 * import { decodeArp } from "./arp.ts";
 * // decodeArp(ctx, p, ethPayloadOff, end); p.arpOp === 1 for a request
 * ```
 */
import { A_ARP_PKT_TOO_SMALL } from "../anomaly.ts";
import type { Packet } from "../packet.ts";
import { invalid, u16, u32 } from "./context.ts";
import type { DecodeContext } from "./context.ts";

/** Fixed ARP header: hardware type, protocol type, sizes, opcode. */
const ARP_FIXED = 8;
/** Ethernet/IPv4 ARP body: 8 fixed bytes + 2 * (6 + 4). */
const ARP_ETH_IPV4 = 28;

export function decodeArp(ctx: DecodeContext, p: Packet, off: number, end: number): void {
  ctx.stats.arp++;
  const buf = p.buf;
  if (end - off < ARP_FIXED) {
    invalid(ctx, p, A_ARP_PKT_TOO_SMALL);
    return;
  }
  const htype = u16(buf, off);
  const ptype = u16(buf, off + 2);
  const hlen = buf[off + 4];
  const plen = buf[off + 5];
  p.arpOp = u16(buf, off + 6);
  if (htype !== 1 || ptype !== 0x0800 || hlen !== 6 || plen !== 4) return;
  if (end - off < ARP_ETH_IPV4) {
    invalid(ctx, p, A_ARP_PKT_TOO_SMALL);
    return;
  }
  p.arpSpa = u32(buf, off + 14);
  p.arpTpa = u32(buf, off + 24);
}
