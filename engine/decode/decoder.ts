/**
 * The packet decoder's entry point: picks the link layer from p.linkType and decodes every layer into the
 * reused `Packet` view (L2, IP with options and extension headers, TCP/UDP/SCTP/ICMP/ICMPv6, tunnels),
 * raising Suricata-named anomalies for malformed input; optionally verifies checksums.
 *
 * Hot path: `decode` allocates nothing and never throws, whatever the bytes; it reads only inside
 * p.buf[p.off, p.off + p.len).
 *
 * @example
 * ```ts
 * import { Decoder } from "./decoder.ts";
 * import { Packet, LINK_ETHERNET } from "../packet.ts";
 * import { defaultEngineConfig } from "../config.ts";
 * const d = new Decoder(defaultEngineConfig().decode);
 * const p = new Packet();
 * const frame = new Uint8Array(60);
 * p.reset(frame, 0, frame.length);
 * p.linkType = LINK_ETHERNET;
 * d.decode(p);
 * console.log(p.ipVersion, p.decodeOk);
 * ```
 */
import { A_UNSUPPORTED_LINKTYPE } from "../anomaly.ts";
import type { DecodeConfig } from "../config.ts";
import {
  CSUM_BAD,
  CSUM_OK,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  LINK_ETHERNET,
  LINK_IPV4,
  LINK_IPV6,
  LINK_LOOP,
  LINK_NULL,
  LINK_RAW,
  LINK_RAW_ALT12,
  LINK_RAW_ALT14,
  LINK_SLL,
  LINK_SLL2,
} from "../packet.ts";
import type { Packet } from "../packet.ts";
import { l4ChecksumOk } from "./checksum.ts";
import { DecodeContext, invalid } from "./context.ts";
import type { DecodeStats } from "./context.ts";
import { decodeEthernet } from "./ethernet.ts";
import { decodeChdlc, decodeNull, decodeRaw, decodeSll, decodeSll2, LINK_CHDLC } from "./linktypes.ts";

export class Decoder {
  private readonly ctx: DecodeContext;
  /** Counters since construction (see DecodeStats). */
  readonly stats: DecodeStats;

  constructor(cfg: DecodeConfig) {
    this.ctx = new DecodeContext(cfg);
    this.stats = this.ctx.stats;
  }

  /**
   * When true, IPv4 header, TCP, UDP, ICMP and ICMPv6 checksums are verified and p.ipCsum / p.l4Csum set
   * to CSUM_OK / CSUM_BAD (no anomaly is raised: the engine counts checksum failures). When false they
   * stay CSUM_UNCHECKED. Layer-4 checksums are verified only for complete, unfragmented segments; the
   * outer UDP checksum of VXLAN/Teredo is not verified.
   */
  get validateChecksums(): boolean {
    return this.ctx.validateChecksums;
  }
  set validateChecksums(v: boolean) {
    this.ctx.validateChecksums = v;
  }

  /** Decodes p.buf[p.off, p.off + p.len) into p (p.reset and p.linkType already set by the caller). */
  decode(p: Packet): void {
    const ctx = this.ctx;
    const st = ctx.stats;
    st.packets++;
    let off = p.off;
    let end = p.off + p.len;
    // never trust the caller's bounds beyond the buffer
    if (off < 0) off = 0;
    if (end > p.buf.length) end = p.buf.length;
    if (end < off) end = off;
    switch (p.linkType) {
      case LINK_ETHERNET:
        st.linkEthernet++;
        decodeEthernet(ctx, p, off, end, false);
        break;
      case LINK_SLL:
        st.linkSll++;
        decodeSll(ctx, p, off, end);
        break;
      case LINK_SLL2:
        st.linkSll++;
        decodeSll2(ctx, p, off, end);
        break;
      case LINK_RAW:
      case LINK_RAW_ALT12:
      case LINK_RAW_ALT14:
      case LINK_IPV4:
      case LINK_IPV6:
        st.linkRaw++;
        decodeRaw(ctx, p, off, end);
        break;
      case LINK_NULL:
        st.linkNull++;
        decodeNull(ctx, p, off, end, false);
        break;
      case LINK_LOOP:
        st.linkNull++;
        decodeNull(ctx, p, off, end, true);
        break;
      case LINK_CHDLC:
        st.linkEthernet++;
        decodeChdlc(ctx, p, off, end);
        break;
      default:
        st.linkUnknown++;
        invalid(ctx, p, A_UNSUPPORTED_LINKTYPE);
        break;
    }
    if (p.decodeOk === 0) st.invalid++;
    else if (ctx.validateChecksums) checkL4(p);
  }
}

/** Verifies the final layer-4 checksum when the whole segment is present and not a fragment. */
function checkL4(p: Packet): void {
  const proto = p.proto;
  if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP && proto !== IPPROTO_ICMP && proto !== IPPROTO_ICMPV6) return;
  if (p.isFragment === 1 || p.ipVersion === 0) return;
  if (proto === IPPROTO_TCP && p.tcpHdrLen === 0) return; // header not decoded
  if (p.icmpType < 0 && (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6)) return;
  // the IP length says how long layer 4 should be; a capture cut short cannot be verified
  if (p.l4Len !== p.ipLen - p.ipHdrLen) return;
  p.l4Csum = l4ChecksumOk(p) ? CSUM_OK : CSUM_BAD;
}
