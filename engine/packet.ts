/**
 * The decoded view of one packet. One `Packet` is allocated when an engine starts and every packet is
 * decoded into it again: fields are plain numbers and preallocated typed arrays, never objects made per
 * packet. Nothing here may allocate after construction.
 *
 * Addresses are kept as four big-endian 32-bit words: an IPv4 address sits in word 0 (words 1..3 are 0),
 * an IPv6 address uses all four. `ipVersion` says which.
 *
 * @example
 * ```ts
 * import { Packet } from "./packet.ts";
 * const p = new Packet();
 * p.reset(new Uint8Array(60), 0, 60);
 * console.log(p.ipVersion); // 0 until a decoder fills it
 * ```
 */

/** Link types as pcap numbers them (LINKTYPE_*), the values `Packet.linkType` and `PacketMeta.linkType` take. */
export const LINK_NULL = 0; // BSD loopback, host-endian 4-byte address family
export const LINK_ETHERNET = 1;
export const LINK_RAW = 101; // raw IPv4/IPv6, version from the first nibble
export const LINK_LOOP = 108; // OpenBSD loopback, network-endian address family
export const LINK_SLL = 113; // Linux cooked v1
export const LINK_SLL2 = 276; // Linux cooked v2
export const LINK_IPV4 = 228;
export const LINK_IPV6 = 229;
/** DLT_RAW as some systems write it (12 on most BSDs, 14 on OpenBSD). */
export const LINK_RAW_ALT12 = 12;
export const LINK_RAW_ALT14 = 14;

/** EtherTypes the decoder and the firewall's `frame:` name. */
export const ETH_IPV4 = 0x0800;
export const ETH_ARP = 0x0806;
export const ETH_REVARP = 0x8035;
export const ETH_VLAN = 0x8100;
export const ETH_QINQ = 0x88a8;
export const ETH_QINQ_OLD = 0x9100;
export const ETH_IPV6 = 0x86dd;

/** IP protocol numbers. */
export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_SCTP = 132;

/** TCP flag bits as they sit in byte 13 of the TCP header (plus the NS bit of byte 12 at 0x100). */
export const TH_FIN = 0x01;
export const TH_SYN = 0x02;
export const TH_RST = 0x04;
export const TH_PUSH = 0x08;
export const TH_ACK = 0x10;
export const TH_URG = 0x20;
export const TH_ECE = 0x40;
export const TH_CWR = 0x80;

/** Tunnel kinds recorded in `Packet.tunnelType` (0: not tunnelled). */
export const TUNNEL_NONE = 0;
export const TUNNEL_GRE = 1;
export const TUNNEL_IPIP = 2; // IPv4 in IPv4
export const TUNNEL_6IN4 = 3; // IPv6 in IPv4
export const TUNNEL_4IN6 = 4; // IPv4 in IPv6
export const TUNNEL_6IN6 = 5; // IPv6 in IPv6
export const TUNNEL_VXLAN = 6;
export const TUNNEL_TEREDO = 7;
export const TUNNEL_NAMES: readonly string[] = ["", "GRE", "IPIP", "IPv6-in-IPv4", "IPv4-in-IPv6", "IPv6-in-IPv6", "VXLAN", "Teredo"];

/** Outer length fields a packet remembers (two per tunnel layer: IP and UDP). */
export const MAX_OUTER_LENGTHS = 8;
/** Kinds of outer length fields: IPv4 total length (+ header checksum), IPv6 payload length, UDP length. */
export const OUTER_LEN_IPV4 = 1;
export const OUTER_LEN_IPV6 = 2;
export const OUTER_LEN_UDP = 3;

/** How many anomalies one packet records; further ones are counted but not kept. */
export const MAX_PACKET_ANOMALIES = 8;

/** Checksum state of a header: not checked, checked and good, checked and bad. */
export const CSUM_UNCHECKED = 0;
export const CSUM_OK = 1;
export const CSUM_BAD = 2;

/**
 * What the caller knows about a packet besides its bytes. Reused by the caller; the engine copies what
 * it needs and keeps no reference.
 */
export class PacketMeta {
  /** Capture time in microseconds since the Unix epoch (an integer, exact in a float64). */
  tsUs = 0;
  /** The packet's link type (LINK_*). */
  linkType = LINK_ETHERNET;
  /** Length on the wire; may exceed the captured length. 0 means "same as captured". */
  wireLen = 0;
  /** 1-based packet number in a capture file (EVE `pcap_cnt`); 0 on a live datapath. */
  pcapCnt = 0;
  /** Index of the interface the packet came in on, into the engine's interface-name table; -1 unknown. */
  ifIndex = -1;
  /**
   * Direction known from the datapath: 0 unknown (offline: home_net decides), 1 inbound, 2 outbound.
   */
  direction = 0;
}

export const DIR_UNKNOWN = 0;
export const DIR_IN = 1;
export const DIR_OUT = 2;

/** The reused decoded view. Decoders in `engine/decode/` fill it; everything downstream reads it. */
export class Packet {
  // -- the bytes and what came with them
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the first captured byte in `buf`. */
  off = 0;
  /** Captured length. */
  len = 0;
  wireLen = 0;
  tsUs = 0;
  pcapCnt = 0;
  ifIndex = -1;
  datapathDirection = DIR_UNKNOWN;
  linkType = LINK_ETHERNET;

  // -- layer 2
  /** Offsets of the destination and source MAC addresses in `buf`, -1 when the link has none. */
  macDstOff = -1;
  macSrcOff = -1;
  /** The EtherType of the payload after any VLAN tags (0 when the link type carries IP directly). */
  etherType = 0;
  vlanCount = 0;
  vlan0 = 0;
  vlan1 = 0;
  /** ARP/RARP: opcode, sender and target IPv4 addresses (0 when not ARP). */
  arpOp = 0;
  arpSpa = 0;
  arpTpa = 0;

  // -- layer 3 (the innermost IP header once tunnels are peeled)
  /** 0 when the packet has no IP layer, else 4 or 6. */
  ipVersion = 0;
  l3Off = 0;
  /** Bytes from the start of the IP header to the start of layer 4 (IPv6: including extension headers). */
  ipHdrLen = 0;
  /** The IP length field: IPv4 total length, IPv6 payload length + 40. */
  ipLen = 0;
  ttl = 0;
  tos = 0;
  /** IPv4 identification or the IPv6 fragment header's identification. */
  ipId = 0;
  /** IPv4 flags (DF=2, MF=1, reserved=4), 0 for IPv6. */
  ipFlags = 0;
  /** Fragment offset in bytes. */
  fragOffset = 0;
  moreFragments = 0;
  /** 1 when this packet is a fragment (offset > 0 or more fragments follow). */
  isFragment = 0;
  /** For an IPv6 fragment: offset of the fragment header's payload (the fragmentable part). */
  fragPayloadOff = 0;
  /** For an IPv6 fragment: offset of the Next Header byte that names the fragment header (for rebuilding). */
  fragNextHdrOff = 0;
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  /** The layer 4 protocol after IPv6 extension headers (IPPROTO_*), 0 when none. */
  proto = 0;
  ipCsum = CSUM_UNCHECKED;

  // -- layer 4
  l4Off = 0;
  /** Bytes of layer 4 present (header + payload, bounded by the IP length and the capture). */
  l4Len = 0;
  srcPort = 0;
  dstPort = 0;
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpWin = 0;
  tcpUrp = 0;
  tcpHdrLen = 0;
  /** TCP options seen on this packet: MSS (0 absent), window scale (-1 absent), SACK-permitted, SACK blocks. */
  tcpMss = 0;
  tcpWscale = -1;
  tcpSackPerm = 0;
  tcpSackBlocks = 0;
  /** 1 when a timestamp option is present, and its values. */
  tcpHasTs = 0;
  tcpTsVal = 0;
  tcpTsEcr = 0;
  icmpType = -1;
  icmpCode = -1;
  icmpId = 0;
  icmpSeq = 0;
  /** 1 when an ICMP error carries an embedded IP header (the outer header stays in the fields above). */
  icmpHasInner = 0;
  l4Csum = CSUM_UNCHECKED;
  payloadOff = 0;
  payloadLen = 0;

  // -- tunnel (the outermost tunnel; inner fields above describe the innermost packet)
  tunnelType = TUNNEL_NONE;
  tunnelDepth = 0;
  outerIpVersion = 0;
  readonly outerSrc = new Uint32Array(4);
  readonly outerDst = new Uint32Array(4);
  outerProto = 0;
  outerSrcPort = 0;
  outerDstPort = 0;

  /**
   * Length fields of the outer headers peeled off so far (tunnels): their offsets in `buf` and kinds
   * (OUTER_LEN_*). The defragmenter corrects them when it rebuilds a tunnelled datagram, so the whole
   * frame it hands back decodes as one.
   */
  outerLenCount = 0;
  readonly outerLenOff = new Int32Array(MAX_OUTER_LENGTHS);
  readonly outerLenKind = new Uint8Array(MAX_OUTER_LENGTHS);

  // -- anomalies raised while decoding this packet (codes from anomaly.ts)
  anomalyCount = 0;
  readonly anomalies = new Uint16Array(MAX_PACKET_ANOMALIES);
  /** 0 when decoding stopped at a malformed layer: fields past that layer are not valid. */
  decodeOk = 1;

  /** Clears every field for a new packet. Called once per packet by the engine; allocates nothing. */
  reset(buf: Uint8Array, off: number, len: number): void {
    this.buf = buf;
    this.off = off;
    this.len = len;
    this.wireLen = len;
    this.macDstOff = -1;
    this.macSrcOff = -1;
    this.etherType = 0;
    this.vlanCount = 0;
    this.vlan0 = 0;
    this.vlan1 = 0;
    this.arpOp = 0;
    this.arpSpa = 0;
    this.arpTpa = 0;
    this.clearIp();
    this.ipCsum = CSUM_UNCHECKED;
    this.tunnelType = TUNNEL_NONE;
    this.tunnelDepth = 0;
    this.outerIpVersion = 0;
    this.outerSrc[0] = 0;
    this.outerSrc[1] = 0;
    this.outerSrc[2] = 0;
    this.outerSrc[3] = 0;
    this.outerDst[0] = 0;
    this.outerDst[1] = 0;
    this.outerDst[2] = 0;
    this.outerDst[3] = 0;
    this.outerProto = 0;
    this.outerSrcPort = 0;
    this.outerDstPort = 0;
    this.outerLenCount = 0;
    this.anomalyCount = 0;
    this.decodeOk = 1;
  }

  /**
   * Clears the layer 3 and 4 fields (not the IPv4 header checksum verdict). `reset` uses it, and so does
   * the tunnel decoder before it decodes an inner packet into the same view.
   */
  clearIp(): void {
    this.ipVersion = 0;
    this.l3Off = 0;
    this.ipHdrLen = 0;
    this.ipLen = 0;
    this.ttl = 0;
    this.tos = 0;
    this.ipId = 0;
    this.ipFlags = 0;
    this.fragOffset = 0;
    this.moreFragments = 0;
    this.isFragment = 0;
    this.fragPayloadOff = 0;
    this.fragNextHdrOff = 0;
    this.src[0] = 0;
    this.src[1] = 0;
    this.src[2] = 0;
    this.src[3] = 0;
    this.dst[0] = 0;
    this.dst[1] = 0;
    this.dst[2] = 0;
    this.dst[3] = 0;
    this.proto = 0;
    this.l4Off = 0;
    this.l4Len = 0;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpFlags = 0;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpWin = 0;
    this.tcpUrp = 0;
    this.tcpHdrLen = 0;
    this.tcpMss = 0;
    this.tcpWscale = -1;
    this.tcpSackPerm = 0;
    this.tcpSackBlocks = 0;
    this.tcpHasTs = 0;
    this.tcpTsVal = 0;
    this.tcpTsEcr = 0;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.icmpId = 0;
    this.icmpSeq = 0;
    this.icmpHasInner = 0;
    this.l4Csum = CSUM_UNCHECKED;
    this.payloadOff = 0;
    this.payloadLen = 0;
  }

  /** True when the packet has TCP or UDP ports. */
  hasPorts(): boolean {
    return this.proto === IPPROTO_TCP || this.proto === IPPROTO_UDP || this.proto === IPPROTO_SCTP;
  }
}
