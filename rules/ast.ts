/**
 * The parsed form of a Suricata rule: what `rules/parse.ts` produces from text and what the detection
 * compiler (`engine/detect/compile.ts`) turns into typed-array matchers. Plain data, fully resolved:
 * variables are substituted, address/port negations and groups are folded into sorted inclusive
 * ranges, `content` strings are bytes, sticky-buffer and legacy-modifier placement is settled (every
 * match sits in the block of the buffer it inspects), and every value is range-checked. Positions point
 * at the text so later stages can still report `file:line:col: reason`.
 *
 * Never used on the hot path.
 *
 * @example
 * ```ts
 * import type { Rule } from "./ast.ts";
 * function describe(r: Rule): string {
 *   return `${r.action} ${r.gid}:${r.sid}:${r.rev} ${r.msg} (${r.blocks.length} buffer blocks)`;
 * }
 * ```
 */

/** Where something is in a rules file (1-based line and column). */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export type RuleAction = "alert" | "drop" | "reject" | "rejectsrc" | "rejectdst" | "rejectboth" | "pass";

/** An inclusive IPv4 range (host-order uint32) or IPv6 range (four big-endian uint32 words each). */
export type AddrRange =
  | { v: 4; lo: number; hi: number }
  | { v: 6; lo: [number, number, number, number]; hi: [number, number, number, number] };

/** An address expression with negations and groups folded: `any`, or a sorted, merged range list. */
export interface AddrSet {
  any: boolean;
  ranges: AddrRange[];
}

/** A port expression folded the same way: `any`, or sorted merged inclusive ranges. */
export interface PortSet {
  any: boolean;
  ranges: Array<[number, number]>;
}

export interface RuleHeader {
  action: RuleAction;
  /** IP protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6, 132 sctp …), or -1 for `ip` / app protocols over any. */
  ipProto: number;
  /** ALPROTO_* from engine/applayer/proto.ts when the header names an app protocol (`http`, `tls` …), else 0. */
  appProto: number;
  /** `tcp-pkt` / `tcp-stream`: restricts payload inspection (like `flow:no_stream` / `only_stream`). */
  pktOnly: boolean;
  streamOnly: boolean;
  /** `icmp` matches ICMPv4 and ICMPv6 in Suricata; true when the header said `icmp`. */
  anyIcmp: boolean;
  src: AddrSet;
  srcPorts: PortSet;
  /** `<>`: the rule also matches with source and destination swapped. */
  bidirectional: boolean;
  /**
   * `=>` (Suricata 8 transactional rule): one rule matches a whole transaction, request and response;
   * its buffer blocks may inspect either direction (see `BufferBlock.direction` for buffers that exist
   * in both). Source/destination are the client/server of the transaction. Never set with `bidirectional`.
   */
  transactional: boolean;
  dst: AddrSet;
  dstPorts: PortSet;
}

/** A value that is either a number or the name of a `byte_extract` / `byte_math` variable. */
export type NumOrVar = { num: number } | { var: string };

export interface ContentMatch {
  kind: "content";
  pos: SourcePos;
  bytes: Uint8Array;
  negated: boolean;
  nocase: boolean;
  /** Absolute modifiers (undefined when absent). */
  offset?: NumOrVar;
  depth?: NumOrVar;
  /** Relative modifiers: relative to the end of the previous content/pcre/byte_* match in the block. */
  distance?: NumOrVar;
  within?: NumOrVar;
  startsWith: boolean;
  endsWith: boolean;
  /** `fast_pattern` given; `fastPatternOnly` for `fast_pattern:only`; `fastPatternChop` for `fast_pattern:off,len`. */
  fastPattern: boolean;
  fastPatternOnly: boolean;
  fastPatternChop?: { offset: number; length: number };
  rawbytes: boolean;
}

export interface PcreMatch {
  kind: "pcre";
  pos: SourcePos;
  /** The pattern between the slashes, unescaped as Suricata does (`\/` → `/`), and the modifier letters. */
  pattern: string;
  /** Regex flags: i s m x A (anchored) E (dollar end only) G (ungreedy). */
  caseless: boolean;
  dotAll: boolean;
  multiline: boolean;
  extended: boolean;
  anchored: boolean;
  dollarEndOnly: boolean;
  ungreedy: boolean;
  /** R: relative to the previous match. */
  relative: boolean;
  negated: boolean;
  /** O: overrides the match limits (no step budget beyond the global one). */
  overrideLimits: boolean;
  /** `pcre:"/(?P<pkt_name>...)/"`-style captures into variables, by capture group (1-based). */
  captures: Array<{ group: number; name: string; scope: "pkt" | "flow" }>;
}

export type ByteEndian = "big" | "little" | "dce";
export type ByteString = "hex" | "dec" | "oct" | null;

export interface ByteTestMatch {
  kind: "byte_test";
  pos: SourcePos;
  count: number; // bytes to convert (0-8, or up to 23 for string); 0 when `countVar` is set
  /**
   * The byte count is this byte_extract/byte_math variable (`byte_test:len,=,1,0;`). Suricata checks
   * it when the rule runs: a value over 8 (23 with `string`) makes the keyword not match.
   */
  countVar?: string;
  op: "<" | ">" | "=" | "!" | "&" | "^" | "<=" | ">=";
  negated: boolean; // `!` before the operator (e.g. `!=`)
  value: NumOrVar;
  offset: NumOrVar;
  relative: boolean;
  endian: ByteEndian;
  string: ByteString;
  bitmask?: number;
}

export interface ByteJumpMatch {
  kind: "byte_jump";
  pos: SourcePos;
  /** Bytes to read (0-8, or up to 23 for string); 0 reads nothing (value 0: only post_offset moves). 0 when `countVar` is set. */
  count: number;
  /** The byte count is this variable (`byte_jump:len,0,relative;`); over 8 (23 with string) at run time: no match. */
  countVar?: string;
  offset: NumOrVar;
  relative: boolean;
  multiplier: number;
  endian: ByteEndian;
  string: ByteString;
  align: boolean;
  fromBeginning: boolean;
  fromEnd: boolean;
  postOffset: number;
  bitmask?: number;
}

export interface ByteExtractMatch {
  kind: "byte_extract";
  pos: SourcePos;
  count: number;
  offset: number;
  name: string;
  relative: boolean;
  multiplier: number;
  endian: ByteEndian;
  string: ByteString;
  align: number; // 0, 2 or 4
  bitmask?: number;
}

export interface ByteMathMatch {
  kind: "byte_math";
  pos: SourcePos;
  count: number; // 1-10; 0 when `countVar` is set
  /** `bytes <var>`: the byte count is this variable; outside 1-10 at run time: no match. */
  countVar?: string;
  offset: NumOrVar;
  oper: "+" | "-" | "*" | "/" | "<<" | ">>";
  rvalue: NumOrVar;
  result: string;
  relative: boolean;
  endian: ByteEndian;
  string: ByteString;
  bitmask?: number;
}

export interface IsDataAtMatch {
  kind: "isdataat";
  pos: SourcePos;
  size: NumOrVar;
  relative: boolean;
  negated: boolean;
  rawbytes: boolean;
}

/** A numeric comparison as Suricata's integer keywords take it: `5`, `<5`, `>5`, `<=5`, `>=5`, `!5`, `1-5` (exclusive), `1<>5`. */
export interface NumCmp {
  op: "=" | "<" | ">" | "<=" | ">=" | "!=" | "range";
  a: number;
  b: number; // upper bound for "range" (exclusive both ends, as Suricata)
}

export interface BsizeMatch {
  kind: "bsize";
  pos: SourcePos;
  cmp: NumCmp;
}

/** `base64_decode` (decode part of the buffer); the following `base64_data` block inspects the result. */
export interface Base64DecodeMatch {
  kind: "base64_decode";
  pos: SourcePos;
  bytes: number; // 0: to the end
  offset: number;
  relative: boolean;
}

export type BlockMatch =
  | ContentMatch
  | PcreMatch
  | ByteTestMatch
  | ByteJumpMatch
  | ByteExtractMatch
  | ByteMathMatch
  | IsDataAtMatch
  | BsizeMatch
  | Base64DecodeMatch;

export type Transform =
  | "url_decode"
  | "strip_whitespace"
  | "compress_whitespace"
  | "dotprefix"
  | "to_lowercase"
  | "to_uppercase"
  | "to_md5"
  | "to_sha1"
  | "to_sha256"
  | "header_lowercase"
  | "strip_pseudo_headers"
  | "url_decode_uni"
  | { pcrexform: string }
  | { xor: Uint8Array };

/**
 * The matches that inspect one buffer, in rule order. A rule's payload keywords before any sticky buffer
 * form a block with `buffer` BUF_PAYLOAD (packet payload or raw stream, see `RuleFlow`); `http.uri;`
 * opens a block for BUF_HTTP_URI, and a legacy modifier (`content:"x"; http_uri;`) moves that content
 * into (or opens) the BUF_HTTP_URI block. Two blocks may name the same buffer (Suricata treats each
 * sticky-buffer occurrence separately); relative matches are relative within their block only.
 */
export interface BufferBlock {
  buffer: number; // BUF_* from engine/detect/buffers.ts
  pos: SourcePos;
  /**
   * `file.data:to_client;` (Suricata 8): which direction's instance of a two-way buffer this block
   * inspects. In a transactional (`=>`) rule it picks the side of the transaction; in other rules the
   * parser also folds it into `Rule.flow` (like `flow:to_client`).
   */
  direction?: "to_server" | "to_client";
  transforms: Transform[];
  matches: BlockMatch[];
}

export interface RuleFlow {
  toServer: boolean; // to_server / from_client
  toClient: boolean; // to_client / from_server
  established: boolean;
  notEstablished: boolean;
  stateless: boolean;
  onlyStream: boolean;
  noStream: boolean;
  onlyFrag: boolean;
  noFrag: boolean;
}

export interface FlowbitsOp {
  pos: SourcePos;
  op: "set" | "unset" | "toggle" | "isset" | "isnotset" | "noalert";
  /** One name, or several for `isset a|b` / `isnotset a|b` (any of them): `names.length > 1` with `anyOf`. */
  names: string[];
  anyOf: boolean;
}

export interface FlowintOp {
  pos: SourcePos;
  name: string;
  op: "=" | "+" | "-" | "==" | "!=" | "<" | ">" | "<=" | ">=" | "isset" | "notset" | "isnotset";
  value?: NumOrVar;
}

export interface XbitsOp {
  pos: SourcePos;
  op: "set" | "unset" | "toggle" | "isset" | "isnotset" | "noalert";
  name: string;
  track: "ip_src" | "ip_dst" | "ip_pair" | "tx";
  expireSec?: number;
}

/** `threshold` / `detection_filter` on the rule, or an entry of threshold.config. */
export interface Threshold {
  pos: SourcePos;
  kind: "limit" | "threshold" | "both" | "detection_filter" | "rate_filter";
  track: "by_src" | "by_dst" | "by_rule" | "by_both" | "by_flow";
  count: number;
  seconds: number;
  /** detection_filter's `unique_on src_port|dst_port` (Suricata 8). */
  uniqueOn?: "src_port" | "dst_port";
}

/** One `app-layer-protocol` test (see `PacketTests.appLayerProtocol`). */
export interface AppLayerProtocolTest {
  negated: boolean;
  proto: number;
  mode?: "direction" | "final" | "original" | "either" | "to_server" | "to_client";
}

/** Keywords tested on the packet itself (not on a buffer). Each present one must hold. */
export interface PacketTests {
  dsize?: NumCmp;
  ttl?: NumCmp;
  itype?: NumCmp;
  icode?: NumCmp;
  icmpId?: number;
  icmpSeq?: number;
  ipProto?: { negated: boolean; cmp: NumCmp };
  ack?: number;
  seq?: number;
  window?: { negated: boolean; value: number };
  id?: number;
  tos?: { negated: boolean; value: number };
  /** `flags` / `tcp.flags`: `mode` "" exact, "+" all of, "*" any of, "!" none of; `ignore` masked out first. */
  tcpFlags?: { mode: "" | "+" | "*" | "!"; flags: number; ignore: number };
  /** `fragbits`: R(reserved)=0x8000-style bits M=0x2000 D=0x4000 R=0x8000, same modes as flags. */
  fragbits?: { mode: "" | "+" | "*" | "!"; bits: number };
  fragoffset?: { negated: boolean; cmp: NumCmp };
  sameip?: boolean;
  /** `stream_size:server|client|both|either,<op>,<n>`. */
  streamSize?: { side: "server" | "client" | "both" | "either"; cmp: NumCmp };
  /** Further `stream_size` tests of the same rule (each must hold, like `streamSize`). */
  streamSizeMore?: Array<{ side: "server" | "client" | "both" | "either"; cmp: NumCmp }>;
  /**
   * `app-layer-protocol:[!]name[,mode]` (ALPROTO_*; `failed` is ALPROTO_FAILED). `mode` says which detected
   * protocol is compared (Suricata): absent/"direction" the one of this packet's direction, "final" the
   * flow's final one, "original" the one before a protocol change (e.g. HTTP/1 upgraded to HTTP/2),
   * "either" either direction's, "to_server"/"to_client" that direction's.
   */
  appLayerProtocol?: AppLayerProtocolTest;
  /** Further `app-layer-protocol` tests of the same rule (each must hold), e.g. `!http` and `!tls`. */
  appLayerProtocolMore?: AppLayerProtocolTest[];
  /**
   * `app-layer-event:<proto>.<event>` names (e.g. `http.request_field_missing_colon`, or a general
   * `applayer_*` event): each must have been raised on the flow/transaction. They are Suricata's names,
   * which are the names app-layer parsers give `defineAnomaly` (engine/anomaly.ts).
   */
  appLayerEvents?: string[];
  /** `urilen` (on http.uri, or http.uri.raw with `,raw`). */
  urilen?: { cmp: NumCmp; raw: boolean };
  /** `dcerpc.iface:<uuid>[,<op><version>][,any_frag]` and `dcerpc.opnum:<list>`. */
  dcerpcIface?: { uuid: Uint8Array; version?: NumCmp; anyFrag: boolean };
  dcerpcOpnum?: Array<[number, number]>;
  /** `ssl_version` / `tls.version`: accepted versions (0x0300 ssl3 … 0x0304 tls1.3); negated for `!`. */
  tlsVersion?: { negated: boolean; versions: number[] };
  /**
   * `ssl_state:client_hello|!server_hello,...`: the TLS handshake message being inspected (Suricata's
   * current record state). Bits: 1 client_hello, 2 server_hello, 4 client_keyx, 8 server_keyx,
   * 16 unknown. Matches when any bit of `anyOf` is set (or `anyOf` is 0) and no bit of `noneOf` is.
   */
  sslState?: { anyOf: number; noneOf: number };
  /** `http.stat_code` as a number test is a content block; this is for `tls.cert_expired` etc.: not needed yet. */
}

/** `tag:session|host,<count>,<packets|seconds|bytes>[,src|dst]`. */
export interface TagSpec {
  scope: "session" | "host";
  count: number;
  metric: "packets" | "seconds" | "bytes";
  direction?: "src" | "dst";
}

export interface Rule {
  pos: SourcePos;
  /** The rule's full text (one logical line, continuation backslashes removed). */
  text: string;
  header: RuleHeader;
  gid: number; // default 1
  sid: number;
  rev: number; // default 0
  msg: string;
  classtype: string | null;
  /** From classtype (classification.config defaults) or `priority`; 3 when neither. */
  priority: number;
  /** Category text for EVE `alert.category` (the classtype's description), "" without classtype. */
  category: string;
  /** `metadata: key value, key value` → { key: [values...] } (keys lower-case as written). */
  metadata: Record<string, string[]>;
  references: Array<{ system: string; id: string }>;
  target: "src_ip" | "dest_ip" | null;
  flow: RuleFlow | null;
  packet: PacketTests;
  blocks: BufferBlock[];
  flowbits: FlowbitsOp[];
  flowints: FlowintOp[];
  xbits: XbitsOp[];
  threshold: Threshold | null;
  detectionFilter: Threshold | null;
  noalert: boolean;
  /** `tag:session|host,<count>,<packets|seconds|bytes>`. */
  tag: TagSpec | null;
  /** Further `tag` keywords of the same rule (Suricata applies each), in rule order after `tag`. */
  tagMore?: TagSpec[];
  /** The `alert` keyword (Suricata 7+): alert even when the action does not imply it (`pass` … `alert;`). */
  forceAlert?: boolean;
  /** Suricata's `prefilter` keyword: use this (non-content) keyword as the rule's prefilter. */
  prefilter: boolean;
}

/** A problem with one rule: where and what. */
export interface RuleProblem {
  pos: SourcePos;
  /** Short stable reason class for summaries (e.g. "unknown keyword", "unsupported keyword: lua"). */
  reason: string;
  /** The full message, e.g. `unknown keyword "htp.uri" (did you mean "http.uri"?)`. */
  message: string;
}
