/**
 * Compiled signatures: what one rule checks, in the form detection evaluates without allocating.
 * Built once by the rule compiler (`rules/compile.ts`, cold); read per packet and per transaction by
 * `detector.ts` and `inspect.ts`. Objects here are created at compile time only.
 *
 * @example
 * ```ts
 * import { Signature, ACT_ALERT } from "./signature.ts";
 * const s = new Signature(0, 1, 1000, 1, ACT_ALERT, "test rule");
 * console.log(s.sid, s.isTx); // 1000 false
 * ```
 */

/** Actions, in Suricata's default action order (pass first). */
export const ACT_PASS = 0;
export const ACT_DROP = 1;
export const ACT_REJECT = 2;
export const ACT_ALERT = 3;

/** Block match kinds. */
export const OP_CONTENT = 1;
export const OP_PCRE = 2;
export const OP_BYTE_TEST = 3;
export const OP_BYTE_JUMP = 4;
export const OP_BYTE_EXTRACT = 5;
export const OP_BYTE_MATH = 6;
export const OP_ISDATAAT = 7;
export const OP_BSIZE = 8;
export const OP_BASE64_DECODE = 9;
export const OP_URILEN = 10;

/** Numeric comparisons (NumCmp in rules/ast.ts). */
export const CMP_EQ = 0;
export const CMP_LT = 1;
export const CMP_GT = 2;
export const CMP_LE = 3;
export const CMP_GE = 4;
export const CMP_NE = 5;
export const CMP_RANGE = 6; // a < x < b

export function cmpNum(op: number, a: number, b: number, x: number): boolean {
  switch (op) {
    case CMP_EQ:
      return x === a;
    case CMP_LT:
      return x < a;
    case CMP_GT:
      return x > a;
    case CMP_LE:
      return x <= a;
    case CMP_GE:
      return x >= a;
    case CMP_NE:
      return x !== a;
    default:
      return x > a && x < b;
  }
}

/** The regex engine as detection uses it (engine/detect/regex/). */
export interface ByteRegex {
  exec(buf: Uint8Array, start: number, end: number): boolean;
  readonly matchStart: number;
  readonly matchEnd: number;
  /** Capture groups (index 0 the whole match), when the regex was compiled with captures. */
  readonly groupStart?: Int32Array;
  readonly groupEnd?: Int32Array;
}

/** One keyword of a buffer block. Fields unused by a kind keep their defaults. */
export class BlockOp {
  kind: number;
  /** Content bytes (lower-cased when nocase) / base64 or unused. */
  pattern: Uint8Array = new Uint8Array(0);
  nocase = false;
  negated = false;
  relative = false; // distance/within given, or R / relative flag
  hasDistance = false;
  hasWithin = false;
  /** Numbers, or a byte variable index when the matching *Var field is >= 0. */
  offset = 0;
  offsetVar = -1;
  depth = 0;
  depthVar = -1;
  distance = 0;
  distanceVar = -1;
  within = 0;
  withinVar = -1;
  startsWith = false;
  endsWith = false;
  /** Set at compile time: the next op in the block is relative with `within` (retry on failure). */
  withinNext = false;
  /** The next op is relative at all (pcre retry). */
  relativeNext = false;
  // pcre
  regex: ByteRegex | null = null;
  // byte_* / isdataat / bsize / urilen
  count = 0; // bytes to read
  countVar = -1;
  op = 0; // comparison or math operator code
  value = 0;
  valueVar = -1;
  bigEndian = true;
  dce = false;
  stringBase = 0; // 0 binary, 8, 10, 16
  bitmask = 0;
  multiplier = 1;
  align = 0;
  fromBeginning = false;
  fromEnd = false;
  postOffset = 0;
  /** byte_extract / byte_math result variable index. */
  resultVar = -1;
  cmpOp = 0;
  cmpA = 0;
  cmpB = 0;
  /** isdataat rawbytes etc. */
  raw = false;

  constructor(kind: number) {
    this.kind = kind;
  }
}

/** Transform ids applied to a block's buffer before its ops run. */
export const XF_URL_DECODE = 1;
export const XF_STRIP_WHITESPACE = 2;
export const XF_COMPRESS_WHITESPACE = 3;
export const XF_DOTPREFIX = 4;
export const XF_TO_LOWERCASE = 5;
export const XF_TO_UPPERCASE = 6;
export const XF_HEADER_LOWERCASE = 7;
export const XF_STRIP_PSEUDO_HEADERS = 8;
export const XF_URL_DECODE_UNI = 9;
export const XF_XOR = 10;
export const XF_PCREXFORM = 11;
export const XF_TO_MD5 = 12;
export const XF_TO_SHA1 = 13;
export const XF_TO_SHA256 = 14;

export class Block {
  buffer: number;
  transforms: Int32Array;
  /** For XF_XOR the key; for XF_PCREXFORM the regex (first capture group becomes the buffer). */
  xorKey: Uint8Array | null = null;
  xformRegex: ByteRegex | null = null;
  ops: BlockOp[];
  /** base64_data ops run on the output of this block's base64_decode. */
  base64Ops: BlockOp[] | null = null;

  constructor(buffer: number, transforms: Int32Array, ops: BlockOp[]) {
    this.buffer = buffer;
    this.transforms = transforms;
    this.ops = ops;
  }
}

/** Flowbit / flowint / xbit operations. */
export const BIT_SET = 1;
export const BIT_UNSET = 2;
export const BIT_TOGGLE = 3;
export const BIT_ISSET = 4;
export const BIT_ISNOTSET = 5;

export const INT_ASSIGN = 1;
export const INT_ADD = 2;
export const INT_SUB = 3;
export const INT_ISSET = 4;
export const INT_NOTSET = 5;
export const INT_CMP = 6; // with cmpOp

export class FlowbitOp {
  op: number;
  /** Bit ids; with several, `anyOf` says | (any) or & (all). */
  bits: Int32Array;
  anyOf: boolean;
  constructor(op: number, bits: Int32Array, anyOf: boolean) {
    this.op = op;
    this.bits = bits;
    this.anyOf = anyOf;
  }
}

export class FlowintOp {
  op: number;
  id: number;
  cmpOp = 0;
  value = 0;
  valueVar = -1; // another flowint id, or -1
  constructor(op: number, id: number) {
    this.op = op;
    this.id = id;
  }
}

export class XbitOp {
  op: number;
  bit: number;
  track: number; // 0 ip_src, 1 ip_dst, 2 ip_pair
  expireUs: number;
  constructor(op: number, bit: number, track: number, expireUs: number) {
    this.op = op;
    this.bit = bit;
    this.track = track;
    this.expireUs = expireUs;
  }
}

/**
 * Traffic a signature is silenced for (a policy exception or a threshold.config `suppress`): every
 * given part must match the packet. An excepted match neither alerts nor blocks.
 */
export class RuleException {
  /** Address ranges the source must be in (v4 pairs, v6 8-word pairs); null: any source. */
  src4: Uint32Array | null = null;
  src6: Uint32Array | null = null;
  dst4: Uint32Array | null = null;
  dst6: Uint32Array | null = null;
  /** Either address in these ranges (threshold.config `track by_either`); null: not used. */
  either4: Uint32Array | null = null;
  either6: Uint32Array | null = null;
  /** Either port in these ranges (pairs); null: any port. */
  ports: Uint16Array | null = null;
}

export const TH_LIMIT = 1;
export const TH_THRESHOLD = 2;
export const TH_BOTH = 3;
export const TH_DETECTION_FILTER = 4;
export const TRACK_SRC = 0;
export const TRACK_DST = 1;
export const TRACK_RULE = 2;
export const TRACK_BOTH = 3;
export const TRACK_FLOW = 4;

export class ThresholdSpec {
  type: number;
  track: number;
  count: number;
  secondsUs: number;
  /** detection_filter unique_on: 0 none, 1 src port, 2 dst port. */
  uniqueOn = 0;
  constructor(type: number, track: number, count: number, secondsUs: number) {
    this.type = type;
    this.track = track;
    this.count = count;
    this.secondsUs = secondsUs;
  }
}

/** Flow keyword bits. */
export const FL_TOSERVER = 1;
export const FL_TOCLIENT = 2;
export const FL_ESTABLISHED = 4;
export const FL_NOT_ESTABLISHED = 8;
export const FL_STATELESS = 16;
export const FL_ONLY_STREAM = 32;
export const FL_NO_STREAM = 64;
export const FL_ONLY_FRAG = 128;
export const FL_NO_FRAG = 256;

export class Signature {
  /** Index in the rule set (events carry it). */
  readonly idx: number;
  readonly gid: number;
  readonly sid: number;
  readonly rev: number;
  action: number;
  readonly msg: string;
  /** Suricata's alert severity (the priority). */
  priority = 3;
  category = "";
  /** EVE `alert.metadata` JSON text, precomputed ("" when the rule has none). */
  metadataJson = "";
  noalert = false;
  /** Only alerts, even in prevent mode (policy `ips.detect_only`). */
  detectOnly = false;
  /** The rule's text and origin, for messages. */
  text = "";
  where = "";

  // header
  ipProto = -1;
  anyIcmp = false;
  appProto = 0;
  srcAny = true;
  dstAny = true;
  /** IPv4 ranges: [lo0, hi0, lo1, hi1 ...]; IPv6 ranges: 8 words each (lo then hi, big-endian words). */
  src4: Uint32Array = new Uint32Array(0);
  src6: Uint32Array = new Uint32Array(0);
  dst4: Uint32Array = new Uint32Array(0);
  dst6: Uint32Array = new Uint32Array(0);
  srcPortsAny = true;
  dstPortsAny = true;
  srcPorts: Uint16Array = new Uint16Array(0);
  dstPorts: Uint16Array = new Uint16Array(0);
  bidirectional = false;
  /** `=>`: addresses are the transaction's client and server, whichever way the packet goes. */
  transactional = false;
  /** The `alert` keyword: alert even for `pass`. */
  forceAlert = false;

  flowFlags = 0;
  // packet tests: presence bits and values
  dsizeOp = -1;
  dsizeA = 0;
  dsizeB = 0;
  ttlOp = -1;
  ttlA = 0;
  ttlB = 0;
  itypeOp = -1;
  itypeA = 0;
  itypeB = 0;
  icodeOp = -1;
  icodeA = 0;
  icodeB = 0;
  icmpId = -1;
  icmpSeq = -1;
  ipProtoOp = -1;
  ipProtoA = 0;
  ipProtoB = 0;
  ipProtoNeg = false;
  ack = -1;
  seq = -1;
  window = -1;
  windowNeg = false;
  ipId = -1;
  tos = -1;
  tosNeg = false;
  tcpFlagsMode = -1; // 0 exact, 1 all-of (+), 2 any-of (*), 3 none-of (!)
  tcpFlags = 0;
  tcpFlagsIgnore = 0;
  fragbitsMode = -1;
  fragbits = 0;
  fragoffOp = -1;
  fragoffA = 0;
  fragoffB = 0;
  fragoffNeg = false;
  sameip = -1; // 1 sameip, 0 not sameip
  streamSizeSide = -1; // 0 server, 1 client, 2 both, 3 either
  streamSizeOp = 0;
  streamSizeA = 0;
  streamSizeB = 0;
  alpNeg = false;
  alpProto = -1; // app-layer-protocol keyword (the first test; all are in alpTests)
  alpTests: Int32Array | null = null;
  alpNegs: Uint8Array | null = null;
  /** Per test: 1 when it compares the flow's original protocol (`,original`). */
  alpOriginal: Uint8Array | null = null;
  /** Nothing but app-layer-protocol tests (set by the rule set): matches when detection completes. */
  pdOnly = false;
  /** app-layer-event: anomaly codes that must have been raised on this packet. */
  events: Int32Array | null = null;
  dceIface: Uint8Array | null = null;
  dceIfaceVerOp = -1;
  dceIfaceVerA = 0;
  dceIfaceVerB = 0;
  dceOpnums: Int32Array | null = null; // ranges lo,hi
  tlsVersions: Int32Array | null = null;
  tlsVersionNeg = false;
  /** ssl_state: any of these bits (0: no requirement) and none of those. -1: no ssl_state. */
  sslStateAny = -1;
  sslStateNone = 0;

  blocks: Block[] = [];
  /** True when any block inspects an app-layer buffer: the signature runs per transaction. */
  isTx = false;
  /** Transaction direction the signature is inspected in: 0 to server, 1 to client, 2 both. */
  txDir = 2;
  /** Some block inspects a body that grows while the transaction lasts (file.data, http bodies). */
  bodyBuffer = false;
  /** Byte variables (byte_extract / byte_math) this signature uses. */
  varCount = 0;

  flowbits: FlowbitOp[] = [];
  flowints: FlowintOp[] = [];
  xbits: XbitOp[] = [];
  threshold: ThresholdSpec | null = null;
  detectionFilter: ThresholdSpec | null = null;
  /** Policy exceptions and suppressions; null: none. */
  exceptions: RuleException[] | null = null;
  /** `flowbits:noalert` / `noalert`. */
  /** Tag session packets after a match (count of packets, 0: none). */
  tagPackets = 0;
  tagSeconds = 0;
  tagBytes = 0;
  tagHost = false;

  /** The prefilter: buffer id and pattern (already lower-cased when nocase); null: always a candidate. */
  fpBuffer = -1;
  fpPattern: Uint8Array | null = null;
  fpNocase = false;

  constructor(idx: number, gid: number, sid: number, rev: number, action: number, msg: string) {
    this.idx = idx;
    this.gid = gid;
    this.sid = sid;
    this.rev = rev;
    this.action = action;
    this.msg = msg;
  }
}
