/**
 * Anomaly codes: what a decoder, the defragmenter, the flow table or the stream engine saw that was
 * wrong with a packet. Each code is an index into `ANOMALIES`; EVE `anomaly` records name the event
 * the way Suricata does (`decoder.ipv4.trunc_pkt`), so tools that read Suricata's anomalies read ours.
 *
 * Codes are plain numbers so the hot path records them without allocating.
 *
 * @example
 * ```ts
 * import { A_IPV4_TRUNC_PKT, anomalyName } from "./anomaly.ts";
 * console.log(anomalyName(A_IPV4_TRUNC_PKT)); // "decoder.ipv4.trunc_pkt"
 * ```
 */

/** The anomaly's family, as EVE's `anomaly.type` says it. */
export type AnomalyType = "decode" | "stream" | "applayer";

interface AnomalyDef {
  readonly event: string;
  readonly type: AnomalyType;
}

const defs: AnomalyDef[] = [];
function def(event: string, type: AnomalyType = "decode"): number {
  defs.push({ event, type });
  return defs.length - 1;
}

/**
 * Registers an anomaly defined outside this file (app-layer parsers keep their events beside them:
 * `export const A_HTTP_INVALID_REQUEST_CHUNK_LEN = defineAnomaly("http.invalid_request_chunk_len", "applayer")`).
 * Call only at module load; a name already defined returns its existing code.
 */
export function defineAnomaly(event: string, type: AnomalyType): number {
  for (let i = 0; i < defs.length; i++) if (defs[i].event === event) return i;
  return def(event, type);
}

// Link layer
export const A_PKT_TOO_SMALL = def("decoder.ethernet.pkt_too_small");
export const A_VLAN_HEADER_TOO_SMALL = def("decoder.vlan.header_too_small");
export const A_VLAN_TOO_MANY_LAYERS = def("decoder.vlan.too_many_layers");
export const A_SLL_PKT_TOO_SMALL = def("decoder.sll.pkt_too_small");
export const A_NULL_PKT_TOO_SMALL = def("decoder.null.pkt_too_small");
export const A_NULL_UNSUPPORTED_TYPE = def("decoder.null.unsupported_type");
export const A_UNSUPPORTED_LINKTYPE = def("decoder.unsupported_linktype");
export const A_ARP_PKT_TOO_SMALL = def("decoder.arp.pkt_too_small");
export const A_IPRAW_INVALID_IPV = def("decoder.ipraw.invalid_ip_version");
// IPv4
export const A_IPV4_PKT_TOO_SMALL = def("decoder.ipv4.pkt_too_small");
export const A_IPV4_HLEN_TOO_SMALL = def("decoder.ipv4.hlen_too_small");
export const A_IPV4_IPLEN_SMALLER_THAN_HLEN = def("decoder.ipv4.iplen_smaller_than_hlen");
export const A_IPV4_TRUNC_PKT = def("decoder.ipv4.trunc_pkt");
export const A_IPV4_OPT_INVALID = def("decoder.ipv4.opt_invalid");
export const A_IPV4_OPT_INVALID_LEN = def("decoder.ipv4.opt_invalid_len");
export const A_IPV4_OPT_MALFORMED = def("decoder.ipv4.opt_malformed");
export const A_IPV4_OPT_DUPLICATE = def("decoder.ipv4.opt_duplicate");
export const A_IPV4_OPT_UNKNOWN = def("decoder.ipv4.opt_unknown");
export const A_IPV4_WRONG_IP_VER = def("decoder.ipv4.wrong_ip_version");
export const A_IPV4_CSUM_INVALID = def("decoder.ipv4.csum_invalid");
export const A_IPV4_FRAG_PKT_TOO_LARGE = def("decoder.ipv4.frag_pkt_too_large");
export const A_IPV4_FRAG_OVERLAP = def("decoder.ipv4.frag_overlap");
export const A_IPV4_FRAG_IGNORED = def("decoder.ipv4.frag_ignored");
export const A_IPV4_IN_IPV6_PKT_TOO_SMALL = def("decoder.ipv6.ipv4_in_ipv6_too_small");
export const A_IPV4_IN_IPV6_WRONG_IP_VER = def("decoder.ipv6.ipv4_in_ipv6_wrong_version");
// IPv6
export const A_IPV6_PKT_TOO_SMALL = def("decoder.ipv6.pkt_too_small");
export const A_IPV6_TRUNC_PKT = def("decoder.ipv6.trunc_pkt");
export const A_IPV6_TRUNC_EXTHDR = def("decoder.ipv6.trunc_exthdr");
export const A_IPV6_EXTHDR_DUPL_FH = def("decoder.ipv6.exthdr_dupl_fh");
export const A_IPV6_EXTHDR_DUPL_RH = def("decoder.ipv6.exthdr_dupl_rh");
export const A_IPV6_EXTHDR_DUPL_HH = def("decoder.ipv6.exthdr_dupl_hh");
export const A_IPV6_EXTHDR_DUPL_DH = def("decoder.ipv6.exthdr_dupl_dh");
export const A_IPV6_EXTHDR_DUPL_AH = def("decoder.ipv6.exthdr_dupl_ah");
export const A_IPV6_EXTHDR_INVALID_OPTLEN = def("decoder.ipv6.exthdr_invalid_optlen");
export const A_IPV6_HOPOPTS_NOT_FIRST = def("decoder.ipv6.hopopts_not_first");
export const A_IPV6_WRONG_IP_VER = def("decoder.ipv6.wrong_ip_version");
export const A_IPV6_FRAG_PKT_TOO_LARGE = def("decoder.ipv6.frag_pkt_too_large");
export const A_IPV6_FRAG_OVERLAP = def("decoder.ipv6.frag_overlap");
export const A_IPV6_FRAG_INVALID_LENGTH = def("decoder.ipv6.frag_invalid_length");
export const A_IPV6_FRAG_IGNORED = def("decoder.ipv6.frag_ignored");
export const A_IPV6_IN_IPV6_PKT_TOO_SMALL = def("decoder.ipv6.ipv6_in_ipv6_too_small");
export const A_IPV6_IN_IPV6_WRONG_IP_VER = def("decoder.ipv6.ipv6_in_ipv6_wrong_version");
export const A_IPV6_UNKNOWN_NEXT_HEADER = def("decoder.ipv6.unknown_next_header");
// Layer 4
export const A_TCP_PKT_TOO_SMALL = def("decoder.tcp.pkt_too_small");
export const A_TCP_HLEN_TOO_SMALL = def("decoder.tcp.hlen_too_small");
export const A_TCP_INVALID_OPTLEN = def("decoder.tcp.invalid_optlen");
export const A_TCP_OPT_INVALID_LEN = def("decoder.tcp.opt_invalid_len");
export const A_TCP_OPT_DUPLICATE = def("decoder.tcp.opt_duplicate");
export const A_TCP_CSUM_INVALID = def("decoder.tcp.csum_invalid");
export const A_UDP_PKT_TOO_SMALL = def("decoder.udp.pkt_too_small");
export const A_UDP_HLEN_TOO_SMALL = def("decoder.udp.hlen_too_small");
export const A_UDP_HLEN_INVALID = def("decoder.udp.hlen_invalid");
export const A_UDP_LEN_INVALID = def("decoder.udp.len_invalid");
export const A_UDP_CSUM_INVALID = def("decoder.udp.csum_invalid");
export const A_ICMPV4_PKT_TOO_SMALL = def("decoder.icmpv4.pkt_too_small");
export const A_ICMPV4_UNKNOWN_TYPE = def("decoder.icmpv4.unknown_type");
export const A_ICMPV4_UNKNOWN_CODE = def("decoder.icmpv4.unknown_code");
export const A_ICMPV4_IPV4_TRUNC_PKT = def("decoder.icmpv4.ipv4_trunc_pkt");
export const A_ICMPV4_IPV4_UNKNOWN_VER = def("decoder.icmpv4.ipv4_unknown_ver");
export const A_ICMPV4_CSUM_INVALID = def("decoder.icmpv4.csum_invalid");
export const A_ICMPV6_PKT_TOO_SMALL = def("decoder.icmpv6.pkt_too_small");
export const A_ICMPV6_UNKNOWN_TYPE = def("decoder.icmpv6.unknown_type");
export const A_ICMPV6_UNKNOWN_CODE = def("decoder.icmpv6.unknown_code");
export const A_ICMPV6_IPV6_TRUNC_PKT = def("decoder.icmpv6.ipv6_trunc_pkt");
export const A_ICMPV6_IPV6_UNKNOWN_VER = def("decoder.icmpv6.ipv6_unknown_version");
export const A_ICMPV6_CSUM_INVALID = def("decoder.icmpv6.csum_invalid");
// Tunnels
export const A_GRE_PKT_TOO_SMALL = def("decoder.gre.pkt_too_small");
export const A_GRE_WRONG_VERSION = def("decoder.gre.wrong_version");
export const A_GRE_VERSION0_RECUR = def("decoder.gre.version0_recur");
export const A_GRE_VERSION0_FLAGS = def("decoder.gre.version0_flags");
export const A_GRE_VERSION0_HDR_TOO_BIG = def("decoder.gre.version0_hdr_too_big");
export const A_GRE_VERSION1_HDR_TOO_BIG = def("decoder.gre.version1_hdr_too_big");
export const A_VXLAN_UNKNOWN_PAYLOAD_TYPE = def("decoder.vxlan.unknown_payload_type");
export const A_TEREDO_PKT_TOO_SMALL = def("decoder.teredo.pkt_too_small");
export const A_TOO_MANY_LAYERS = def("decoder.too_many_layers");
export const A_PPP_PKT_TOO_SMALL = def("decoder.ppp.pkt_too_small");
export const A_PPPOE_PKT_TOO_SMALL = def("decoder.pppoe.pkt_too_small");
export const A_GRE_VERSION0_MALFORMED_SRE_HDR = def("decoder.gre.version0_malformed_sre_hdr");
export const A_GRE_VERSION1_CHKSUM = def("decoder.gre.version1_chksum");
export const A_GRE_VERSION1_ROUTE = def("decoder.gre.version1_route");
export const A_GRE_VERSION1_SSR = def("decoder.gre.version1_ssr");
export const A_GRE_VERSION1_RECUR = def("decoder.gre.version1_recur");
export const A_GRE_VERSION1_FLAGS = def("decoder.gre.version1_flags");
export const A_GRE_VERSION1_WRONG_PROTOCOL = def("decoder.gre.version1_wrong_protocol");
export const A_GRE_VERSION1_NO_KEY = def("decoder.gre.version1_no_key");
export const A_IPV4_OPT_PAD_REQUIRED = def("decoder.ipv4.opt_pad_required");
export const A_IPV4_OPT_EOL_REQUIRED = def("decoder.ipv4.opt_eol_required");
export const A_IPV4_WITH_ICMPV6 = def("decoder.ipv4.icmpv6");
export const A_IPV6_WITH_ICMPV4 = def("decoder.ipv6.icmpv4");
export const A_IPV6_EXTHDR_USELESS_FH = def("decoder.ipv6.exthdr_useless_fh");
export const A_IPV6_RH_TYPE_0 = def("decoder.ipv6.rh_type_0");
export const A_IPV6_ZERO_LEN_PADN = def("decoder.ipv6.zero_len_padn");
export const A_IPV6_DATA_AFTER_NONE_HEADER = def("decoder.ipv6.data_after_none_header");
export const A_SCTP_PKT_TOO_SMALL = def("decoder.sctp.pkt_too_small");
export const A_ICMPV6_MLD_INVALID_HL = def("decoder.icmpv6.mld_message_with_invalid_hl");
// Flow and stream
export const A_FLOW_MEMCAP = def("flow.memcap", "stream");
export const A_STREAM_PKT_INVALID_ACK = def("stream.pkt_invalid_ack", "stream");
export const A_STREAM_3WHS_SYN_RESEND_DIFF_SEQ = def("stream.3whs_syn_resend_diff_seq_on_syn_recv", "stream");
export const A_STREAM_PKT_BROKEN_ACK = def("stream.pkt_broken_ack", "stream");
export const A_STREAM_RST_INVALID = def("stream.rst_invalid", "stream");
export const A_STREAM_PKT_RETRANSMISSION = def("stream.pkt_retransmission", "stream");
export const A_STREAM_SHUTDOWN_SYN_RESEND = def("stream.shutdown_syn_resend", "stream");
export const A_STREAM_3WHS_SYNACK_WITH_WRONG_ACK = def("stream.3whs_synack_with_wrong_ack", "stream");
export const A_STREAM_3WHS_WRONG_SEQ_WRONG_ACK = def("stream.3whs_wrong_seq_wrong_ack", "stream");
export const A_DEFRAG_MEMCAP = def("defrag.memcap", "decode");
export const A_DEFRAG_TIMEOUT = def("defrag.timeout", "decode");

/** Every anomaly, indexed by code. */
export const ANOMALIES: readonly AnomalyDef[] = defs;

/** Suricata's name for an anomaly code, e.g. "decoder.ipv4.trunc_pkt". */
export function anomalyName(code: number): string {
  const d = defs[code];
  return d === undefined ? "unknown" : d.event;
}

/** EVE `anomaly.type` for a code. */
export function anomalyType(code: number): AnomalyType {
  const d = defs[code];
  return d === undefined ? "decode" : d.type;
}
