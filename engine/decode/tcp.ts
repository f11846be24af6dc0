/**
 * TCP: ports, sequence numbers, flags (with ECE, CWR and NS at 0x100), window, urgent pointer and the
 * options the stream engine needs (MSS, window scale, SACK-permitted, SACK, timestamps), validated the
 * way Suricata's decode-tcp.c does.
 *
 * Hot path: allocates nothing, never throws; reads only inside [off, end).
 *
 * @example
 * ```ts
 * import { decodeTcp } from "./tcp.ts";
 * // decodeTcp(ctx, p, p.l4Off, l4End, false); then p.srcPort, p.tcpFlags, p.payloadOff ...
 * ```
 */
import {
  A_TCP_HLEN_TOO_SMALL,
  A_TCP_OPT_DUPLICATE,
  A_TCP_OPT_INVALID_LEN,
  A_TCP_PKT_TOO_SMALL,
} from "../anomaly.ts";
import type { Packet } from "../packet.ts";
import { invalid, raise, u16, u32 } from "./context.ts";
import type { DecodeContext } from "./context.ts";

export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WS = 3;
export const TCPOPT_SACKOK = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TS = 8;
export const TCPOPT_MD5 = 19;
export const TCPOPT_AO = 29;
export const TCPOPT_TFO = 34;

/** Decodes the TCP segment at buf[off, end). `partial`: a first fragment or truncated datagram (no truncation anomalies). */
export function decodeTcp(ctx: DecodeContext, p: Packet, off: number, end: number, partial: boolean): void {
  const buf = p.buf;
  const avail = end - off;
  if (avail < 20) {
    if (avail >= 4) {
      p.srcPort = u16(buf, off);
      p.dstPort = u16(buf, off + 2);
    }
    if (!partial) invalid(ctx, p, A_TCP_PKT_TOO_SMALL);
    // Without a whole header there are no flags to judge: nothing above IP is usable. A first fragment
    // this short (RFC 1858's tiny fragment) is still a fragment: it goes to reassembly and the whole
    // datagram is judged then.
    if (p.isFragment !== 1) p.decodeOk = 0;
    return;
  }
  ctx.stats.tcp++;
  p.srcPort = u16(buf, off);
  p.dstPort = u16(buf, off + 2);
  p.tcpSeq = u32(buf, off + 4);
  p.tcpAck = u32(buf, off + 8);
  const hlen = (buf[off + 12] >>> 4) * 4;
  p.tcpFlags = buf[off + 13] | ((buf[off + 12] & 1) << 8);
  p.tcpWin = u16(buf, off + 14);
  p.tcpUrp = u16(buf, off + 18);
  p.tcpHdrLen = hlen;
  if (hlen < 20) {
    invalid(ctx, p, A_TCP_HLEN_TOO_SMALL);
    return;
  }
  if (hlen > avail) {
    if (!partial) invalid(ctx, p, A_TCP_HLEN_TOO_SMALL);
    return;
  }
  if (hlen > 20) decodeTcpOptions(ctx, p, off + 20, off + hlen);
  p.payloadOff = off + hlen;
  p.payloadLen = avail - hlen;
}

/** Walks the options in buf[off, end); a bad length stops the walk (decode-tcp.c does the same). */
export function decodeTcpOptions(ctx: DecodeContext, p: Packet, off: number, end: number): void {
  const buf = p.buf;
  let o = off;
  let seen = 0; // bit per option kind already recorded: 1 MSS, 2 WS, 4 SACKOK, 8 SACK, 16 TS
  while (o < end) {
    const type = buf[o];
    if (type === TCPOPT_EOL) return;
    if (type === TCPOPT_NOP) {
      o++;
      continue;
    }
    if (end - o < 2) return;
    const len = buf[o + 1];
    if (len < 2 || len > end - o) {
      raise(ctx, p, A_TCP_OPT_INVALID_LEN);
      return;
    }
    switch (type) {
      case TCPOPT_MSS:
        if (len !== 4) raise(ctx, p, A_TCP_OPT_INVALID_LEN);
        else if ((seen & 1) !== 0) raise(ctx, p, A_TCP_OPT_DUPLICATE);
        else {
          seen |= 1;
          p.tcpMss = u16(buf, o + 2);
        }
        break;
      case TCPOPT_WS:
        if (len !== 3) raise(ctx, p, A_TCP_OPT_INVALID_LEN);
        else if ((seen & 2) !== 0) raise(ctx, p, A_TCP_OPT_DUPLICATE);
        else {
          seen |= 2;
          p.tcpWscale = buf[o + 2];
        }
        break;
      case TCPOPT_SACKOK:
        if (len !== 2) raise(ctx, p, A_TCP_OPT_INVALID_LEN);
        else if ((seen & 4) !== 0) raise(ctx, p, A_TCP_OPT_DUPLICATE);
        else {
          seen |= 4;
          p.tcpSackPerm = 1;
        }
        break;
      case TCPOPT_SACK:
        if (len < 10 || len > 34 || (len - 2) % 8 !== 0) raise(ctx, p, A_TCP_OPT_INVALID_LEN);
        else if ((seen & 8) !== 0) raise(ctx, p, A_TCP_OPT_DUPLICATE);
        else {
          seen |= 8;
          p.tcpSackBlocks = (len - 2) >>> 3;
        }
        break;
      case TCPOPT_TS:
        if (len !== 10) raise(ctx, p, A_TCP_OPT_INVALID_LEN);
        else if ((seen & 16) !== 0) raise(ctx, p, A_TCP_OPT_DUPLICATE);
        else {
          seen |= 16;
          p.tcpHasTs = 1;
          p.tcpTsVal = u32(buf, o + 2);
          p.tcpTsEcr = u32(buf, o + 6);
        }
        break;
      case TCPOPT_MD5:
        if (len !== 18) raise(ctx, p, A_TCP_OPT_INVALID_LEN);
        break;
      case TCPOPT_AO:
        if (len < 4) raise(ctx, p, A_TCP_OPT_INVALID_LEN);
        break;
      case TCPOPT_TFO:
        // fast open cookie request (2) or a cookie of 4..16 bytes, even length (RFC 7413)
        if (len !== 2 && (len < 6 || len > 18 || len % 2 !== 0)) raise(ctx, p, A_TCP_OPT_INVALID_LEN);
        break;
      default:
        break;
    }
    o += len;
  }
}
