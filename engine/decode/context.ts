/**
 * What every layer decoder shares while one packet is decoded: the decoder's settings (ports looked up in
 * flat tables), its counters, and the one way an anomaly is recorded. Built once by `Decoder`; layer
 * functions receive it instead of importing the class, so layers stay plain functions.
 *
 * Never allocates after construction; `raise` never throws (extra anomalies are counted, not kept).
 *
 * @example
 * ```ts
 * import { DecodeContext, raise } from "./context.ts";
 * import { Packet } from "../packet.ts";
 * import { A_PKT_TOO_SMALL } from "../anomaly.ts";
 * const ctx = new DecodeContext({ vxlanPorts: [4789], teredo: true, teredoPorts: [3544], maxTunnelDepth: 4 });
 * const p = new Packet();
 * raise(ctx, p, A_PKT_TOO_SMALL);
 * ```
 */
import type { DecodeConfig } from "../config.ts";
import { MAX_PACKET_ANOMALIES } from "../packet.ts";
import type { Packet } from "../packet.ts";

/** The counters `Decoder.stats` exposes. */
export class DecodeStats {
  packets = 0;
  ipv4 = 0;
  ipv6 = 0;
  tcp = 0;
  udp = 0;
  icmp = 0;
  icmpv6 = 0;
  arp = 0;
  sctp = 0;
  gre = 0;
  tunnels = 0;
  /** Anomalies raised (every one, including those past MAX_PACKET_ANOMALIES). */
  anomalies = 0;
  fragments = 0;
  /** Packets whose decode stopped at a malformed layer (decodeOk = 0). */
  invalid = 0;
  /** Packets per link type: ethernet, sll (v1 and v2), raw (all raw variants), null/loop, unknown. */
  linkEthernet = 0;
  linkSll = 0;
  linkRaw = 0;
  linkNull = 0;
  linkUnknown = 0;
}

export class DecodeContext {
  readonly stats = new DecodeStats();
  /** 1 at index `port` when UDP to that destination port is VXLAN. */
  readonly vxlanPort = new Uint8Array(65536);
  /** 1 at index `port` when UDP from or to that port may be Teredo. */
  readonly teredoPort = new Uint8Array(65536);
  maxTunnelDepth: number;
  validateChecksums = false;

  constructor(cfg: DecodeConfig) {
    for (const port of cfg.vxlanPorts) {
      if (Number.isInteger(port) && port >= 0 && port < 65536) this.vxlanPort[port] = 1;
    }
    if (cfg.teredo) {
      for (const port of cfg.teredoPorts) {
        if (Number.isInteger(port) && port >= 0 && port < 65536) this.teredoPort[port] = 1;
      }
    }
    this.maxTunnelDepth = cfg.maxTunnelDepth > 0 ? Math.floor(cfg.maxTunnelDepth) : 0;
  }
}

/** Records an anomaly on the packet (kept while there is room) and counts it. */
export function raise(ctx: DecodeContext, p: Packet, code: number): void {
  ctx.stats.anomalies++;
  if (p.anomalyCount < MAX_PACKET_ANOMALIES) p.anomalies[p.anomalyCount++] = code;
}

/** Records an anomaly and marks the packet as not decodable past the current layer. */
export function invalid(ctx: DecodeContext, p: Packet, code: number): void {
  raise(ctx, p, code);
  p.decodeOk = 0;
}

/** Big-endian 16-bit read; the caller has checked `off + 2 <= end`. */
export function u16(b: Uint8Array, off: number): number {
  return (b[off] << 8) | b[off + 1];
}

/** Big-endian 32-bit read as an unsigned number; the caller has checked `off + 4 <= end`. */
export function u32(b: Uint8Array, off: number): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}
