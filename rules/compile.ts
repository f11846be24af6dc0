/**
 * Turns parsed rules (`rules/ast.ts`) into the engine's compiled signatures and rule set
 * (`engine/detect/`): typed address and port ranges, byte-variable slots, compiled regexes, the fast
 * pattern each rule is prefiltered on (Suricata's choice when the rule does not name one), and
 * Suricata's evaluation order. A rule the engine cannot evaluate is reported as a problem at its
 * position and left out; it never half-loads.
 *
 * Cold path: allocates freely.
 *
 * @example
 * ```ts
 * import { compileRules } from "./compile.ts";
 * // const { ruleSet, problems } = compileRules(parseRules(text, "local.rules").rules, { compileRegex });
 * ```
 */
import type { AddrSet, BlockMatch, BufferBlock, NumCmp, NumOrVar, PortSet, Rule, RuleProblem, Threshold } from "./ast.ts";
import {
  BUF_BASE64_DATA,
  BUF_HTTP_URI,
  BUF_HTTP_URI_RAW,
  BUF_ICMPV6_HDR,
  BUF_IPV4_HDR,
  BUF_PAYLOAD,
  BUF_STREAM,
} from "../engine/detect/buffers.ts";
import { type PatternScanner, RuleSet, type ScannerFactory, type ScannerPattern } from "../engine/detect/ruleset.ts";
import {
  ACT_ALERT,
  ACT_DROP,
  ACT_PASS,
  ACT_REJECT,
  BIT_ISNOTSET,
  BIT_ISSET,
  BIT_SET,
  BIT_TOGGLE,
  BIT_UNSET,
  Block,
  BlockOp,
  type ByteRegex,
  CMP_EQ,
  CMP_GE,
  CMP_GT,
  CMP_LE,
  CMP_LT,
  CMP_NE,
  CMP_RANGE,
  FL_ESTABLISHED,
  FL_NO_FRAG,
  FL_NO_STREAM,
  FL_NOT_ESTABLISHED,
  FL_ONLY_FRAG,
  FL_ONLY_STREAM,
  FL_STATELESS,
  FL_TOCLIENT,
  FL_TOSERVER,
  FlowbitOp,
  FlowintOp,
  XbitOp,
  INT_ADD,
  INT_ASSIGN,
  INT_CMP,
  INT_ISSET,
  INT_NOTSET,
  INT_SUB,
  OP_BASE64_DECODE,
  OP_BSIZE,
  OP_BYTE_EXTRACT,
  OP_BYTE_JUMP,
  OP_BYTE_MATH,
  OP_BYTE_TEST,
  OP_CONTENT,
  OP_ISDATAAT,
  OP_PCRE,
  OP_URILEN,
  Signature,
  TH_BOTH,
  TH_DETECTION_FILTER,
  TH_LIMIT,
  TH_THRESHOLD,
  ThresholdSpec,
  TRACK_BOTH,
  TRACK_DST,
  TRACK_FLOW,
  TRACK_RULE,
  TRACK_SRC,
  XF_COMPRESS_WHITESPACE,
  XF_DOTPREFIX,
  XF_HEADER_LOWERCASE,
  XF_PCREXFORM,
  XF_STRIP_PSEUDO_HEADERS,
  XF_STRIP_WHITESPACE,
  XF_TO_LOWERCASE,
  XF_TO_MD5,
  XF_TO_SHA1,
  XF_TO_SHA256,
  XF_TO_UPPERCASE,
  XF_URL_DECODE,
  XF_URL_DECODE_UNI,
  XF_XOR,
} from "../engine/detect/signature.ts";

export interface RegexFlagsInput {
  /** Record capture groups (pcrexform uses group 1). */
  captures?: boolean;
  caseless: boolean;
  dotAll: boolean;
  multiline: boolean;
  extended: boolean;
  anchored: boolean;
  dollarEndOnly: boolean;
  ungreedy: boolean;
}

export interface CompileOptions {
  /** Compiles a PCRE pattern to the engine's byte regex; throws an Error with a message on failure. */
  compileRegex: (pattern: string, flags: RegexFlagsInput) => ByteRegex;
  /** Builds the prefilter matcher (default: engine/detect/ruleset NaiveScanner). */
  scanner?: ScannerFactory;
  generation?: number;
}

export interface CompileResult {
  ruleSet: RuleSet;
  problems: RuleProblem[];
}

class CompileError extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

const ACTIONS: Record<string, number> = {
  alert: ACT_ALERT,
  drop: ACT_DROP,
  reject: ACT_REJECT,
  rejectsrc: ACT_REJECT,
  rejectdst: ACT_REJECT,
  rejectboth: ACT_REJECT,
  pass: ACT_PASS,
};

function cmpCode(c: NumCmp): number {
  switch (c.op) {
    case "=":
      return CMP_EQ;
    case "<":
      return CMP_LT;
    case ">":
      return CMP_GT;
    case "<=":
      return CMP_LE;
    case ">=":
      return CMP_GE;
    case "!=":
      return CMP_NE;
    default:
      return CMP_RANGE;
  }
}

function addrArrays(set: AddrSet): { v4: Uint32Array; v6: Uint32Array } {
  const v4: number[] = [];
  const v6: number[] = [];
  for (const r of set.ranges) {
    if (r.v === 4) v4.push(r.lo >>> 0, r.hi >>> 0);
    else v6.push(...r.lo.map((w) => w >>> 0), ...r.hi.map((w) => w >>> 0));
  }
  return { v4: Uint32Array.from(v4), v6: Uint32Array.from(v6) };
}

function portArray(set: PortSet): Uint16Array {
  return Uint16Array.from(set.ranges.flat());
}

/** A NumOrVar into (number, var index). */
function numVar(v: NumOrVar | undefined, vars: Map<string, number>, what: string): [number, number] {
  if (v === undefined) return [0, -1];
  if ("num" in v) return [v.num, -1];
  const idx = vars.get(v.var);
  if (idx === undefined) throw new CompileError("unknown byte variable", `${what} uses "${v.var}", which no earlier byte_extract/byte_math sets`);
  return [0, idx];
}

const BT_OPS: Record<string, number> = { "<": 0, ">": 1, "=": 2, "&": 3, "^": 4, "<=": 5, ">=": 6, "!": 2 };
const BM_OPS: Record<string, number> = { "+": 0, "-": 1, "*": 2, "/": 3, "<<": 4, ">>": 5 };
const STRING_BASE: Record<string, number> = { hex: 16, dec: 10, oct: 8 };

function transformCode(t: BufferBlock["transforms"][number], blk: Block, opts: CompileOptions): number {
  if (typeof t === "string") {
    switch (t) {
      case "url_decode":
        return XF_URL_DECODE;
      case "url_decode_uni":
        return XF_URL_DECODE_UNI;
      case "strip_whitespace":
        return XF_STRIP_WHITESPACE;
      case "compress_whitespace":
        return XF_COMPRESS_WHITESPACE;
      case "dotprefix":
        return XF_DOTPREFIX;
      case "to_lowercase":
        return XF_TO_LOWERCASE;
      case "to_uppercase":
        return XF_TO_UPPERCASE;
      case "header_lowercase":
        return XF_HEADER_LOWERCASE;
      case "strip_pseudo_headers":
        return XF_STRIP_PSEUDO_HEADERS;
      case "to_md5":
        return XF_TO_MD5;
      case "to_sha1":
        return XF_TO_SHA1;
      case "to_sha256":
        return XF_TO_SHA256;
    }
    throw new CompileError(`unsupported transform: ${t}`, `transform "${t}" is not supported`);
  }
  if ("xor" in t) {
    blk.xorKey = t.xor;
    return XF_XOR;
  }
  blk.xformRegex = compileRegexChecked(t.pcrexform, opts, {
    caseless: false,
    dotAll: false,
    multiline: false,
    extended: false,
    anchored: false,
    dollarEndOnly: false,
    ungreedy: false,
    captures: true,
  });
  return XF_PCREXFORM;
}

function compileRegexChecked(pattern: string, opts: CompileOptions, flags: RegexFlagsInput): ByteRegex {
  try {
    return opts.compileRegex(pattern, flags);
  } catch (e) {
    throw new CompileError("pcre does not compile", `pcre /${pattern}/: ${(e as Error).message}`);
  }
}

function lower(b: Uint8Array): Uint8Array {
  return b.map((c) => (c >= 65 && c <= 90 ? c + 32 : c));
}

function compileOps(matches: BlockMatch[], vars: Map<string, number>, opts: CompileOptions): BlockOp[] {
  const ops: BlockOp[] = [];
  for (const m of matches) {
    let op: BlockOp;
    switch (m.kind) {
      case "content": {
        op = new BlockOp(OP_CONTENT);
        op.pattern = m.nocase ? lower(m.bytes) : m.bytes;
        op.nocase = m.nocase;
        op.negated = m.negated;
        op.hasDistance = m.distance !== undefined;
        op.hasWithin = m.within !== undefined;
        op.relative = op.hasDistance || op.hasWithin;
        [op.offset, op.offsetVar] = numVar(m.offset, vars, "offset");
        [op.depth, op.depthVar] = numVar(m.depth, vars, "depth");
        [op.distance, op.distanceVar] = numVar(m.distance, vars, "distance");
        [op.within, op.withinVar] = numVar(m.within, vars, "within");
        // depth counts from offset: the search window is [offset, offset + depth) (Suricata)
        if (op.depthVar < 0 && op.offsetVar < 0 && op.depth !== 0 && !op.relative) op.depth += op.offset;
        op.startsWith = m.startsWith;
        op.endsWith = m.endsWith;
        if (m.startsWith) {
          op.depth = m.bytes.length + op.offset;
          op.depthVar = -1;
        }
        break;
      }
      case "pcre": {
        op = new BlockOp(OP_PCRE);
        op.regex = compileRegexChecked(m.pattern, opts, {
          caseless: m.caseless,
          dotAll: m.dotAll,
          multiline: m.multiline,
          extended: m.extended,
          anchored: m.anchored,
          dollarEndOnly: m.dollarEndOnly,
          ungreedy: m.ungreedy,
        });
        op.relative = m.relative;
        op.negated = m.negated;
        if (m.captures.length > 0) {
          throw new CompileError("unsupported keyword: pcre capture", "pcre captures into variables are not supported");
        }
        break;
      }
      case "byte_test": {
        op = new BlockOp(OP_BYTE_TEST);
        op.count = m.count;
        [, op.countVar] = numVar(m.countVar === undefined ? undefined : { var: m.countVar }, vars, "byte_test count");
        op.op = BT_OPS[m.op];
        op.negated = m.negated || m.op === "!";
        [op.value, op.valueVar] = numVar(m.value, vars, "byte_test value");
        [op.offset, op.offsetVar] = numVar(m.offset, vars, "byte_test offset");
        op.relative = m.relative;
        op.bigEndian = m.endian !== "little";
        op.dce = m.endian === "dce";
        op.stringBase = m.string === null ? 0 : STRING_BASE[m.string];
        op.bitmask = m.bitmask ?? 0;
        break;
      }
      case "byte_jump": {
        op = new BlockOp(OP_BYTE_JUMP);
        op.count = m.count;
        [, op.countVar] = numVar(m.countVar === undefined ? undefined : { var: m.countVar }, vars, "byte_jump count");
        [op.offset, op.offsetVar] = numVar(m.offset, vars, "byte_jump offset");
        op.relative = m.relative;
        op.multiplier = m.multiplier;
        op.bigEndian = m.endian !== "little";
        op.dce = m.endian === "dce";
        op.stringBase = m.string === null ? 0 : STRING_BASE[m.string];
        op.align = m.align ? 4 : 0;
        op.fromBeginning = m.fromBeginning;
        op.fromEnd = m.fromEnd;
        op.postOffset = m.postOffset;
        op.bitmask = m.bitmask ?? 0;
        break;
      }
      case "byte_extract": {
        op = new BlockOp(OP_BYTE_EXTRACT);
        op.count = m.count;
        op.offset = m.offset;
        op.relative = m.relative;
        op.multiplier = m.multiplier;
        op.bigEndian = m.endian !== "little";
        op.dce = m.endian === "dce";
        op.stringBase = m.string === null ? 0 : STRING_BASE[m.string];
        op.align = m.align;
        op.bitmask = m.bitmask ?? 0;
        if (!vars.has(m.name)) vars.set(m.name, vars.size);
        op.resultVar = vars.get(m.name) as number;
        break;
      }
      case "byte_math": {
        op = new BlockOp(OP_BYTE_MATH);
        op.count = m.count;
        [, op.countVar] = numVar(m.countVar === undefined ? undefined : { var: m.countVar }, vars, "byte_math count");
        [op.offset, op.offsetVar] = numVar(m.offset, vars, "byte_math offset");
        op.op = BM_OPS[m.oper];
        [op.value, op.valueVar] = numVar(m.rvalue, vars, "byte_math rvalue");
        op.relative = m.relative;
        op.bigEndian = m.endian !== "little";
        op.dce = m.endian === "dce";
        op.stringBase = m.string === null ? 0 : STRING_BASE[m.string];
        op.bitmask = m.bitmask ?? 0;
        if (!vars.has(m.result)) vars.set(m.result, vars.size);
        op.resultVar = vars.get(m.result) as number;
        break;
      }
      case "isdataat": {
        op = new BlockOp(OP_ISDATAAT);
        [op.value, op.valueVar] = numVar(m.size, vars, "isdataat");
        op.relative = m.relative;
        op.negated = m.negated;
        op.raw = m.rawbytes;
        break;
      }
      case "bsize": {
        op = new BlockOp(OP_BSIZE);
        op.cmpOp = cmpCode(m.cmp);
        op.cmpA = m.cmp.a;
        op.cmpB = m.cmp.b;
        break;
      }
      case "base64_decode": {
        op = new BlockOp(OP_BASE64_DECODE);
        op.count = m.bytes;
        op.offset = m.offset;
        op.relative = m.relative;
        break;
      }
    }
    ops.push(op);
  }
  for (let i = 0; i + 1 < ops.length; i++) {
    const next = ops[i + 1];
    ops[i].withinNext = next.kind === OP_CONTENT && next.hasWithin;
    ops[i].relativeNext = next.relative;
  }
  if (vars.size > 16) throw new CompileError("too many byte variables", "more than 16 byte_extract/byte_math variables");
  return ops;
}

/** A rule's or threshold.config's threshold in the engine's form. */
export function thresholdSpec(t: Threshold): ThresholdSpec {
  const type = t.kind === "limit"
    ? TH_LIMIT
    : t.kind === "threshold"
    ? TH_THRESHOLD
    : t.kind === "both"
    ? TH_BOTH
    : TH_DETECTION_FILTER;
  const track = t.track === "by_src"
    ? TRACK_SRC
    : t.track === "by_dst"
    ? TRACK_DST
    : t.track === "by_both"
    ? TRACK_BOTH
    : t.track === "by_flow"
    ? TRACK_FLOW
    : TRACK_RULE;
  const s = new ThresholdSpec(type, track, t.count, t.seconds * 1e6);
  s.uniqueOn = t.uniqueOn === "src_port" ? 1 : t.uniqueOn === "dst_port" ? 2 : 0;
  return s;
}

/** flowbits / xbits operation names to the engine's codes. */
function bitOp(op: "set" | "unset" | "toggle" | "isset" | "isnotset"): number {
  switch (op) {
    case "set":
      return BIT_SET;
    case "unset":
      return BIT_UNSET;
    case "toggle":
      return BIT_TOGGLE;
    case "isset":
      return BIT_ISSET;
    default:
      return BIT_ISNOTSET;
  }
}

/** Interns names to dense ids. */
class Names {
  readonly list: string[] = [];
  private readonly map = new Map<string, number>();
  id(name: string): number {
    let i = this.map.get(name);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(name);
      this.map.set(name, i);
    }
    return i;
  }
}

interface FastPatternChoice {
  buffer: number;
  bytes: Uint8Array;
  nocase: boolean;
}

/** Suricata's fast-pattern choice: the one marked, else the longest positive content (app buffers win ties). */
function chooseFastPattern(rule: Rule): FastPatternChoice | null {
  let best: FastPatternChoice | null = null;
  let bestScore = -1;
  for (const b of rule.blocks) {
    if (b.transforms.length > 0 || b.buffer === BUF_BASE64_DATA) continue;
    for (const m of b.matches) {
      if (m.kind !== "content" || m.negated) continue;
      let bytes = m.bytes;
      if (m.fastPatternChop) bytes = bytes.subarray(m.fastPatternChop.offset, m.fastPatternChop.offset + m.fastPatternChop.length);
      const choice = { buffer: b.buffer === BUF_STREAM ? BUF_PAYLOAD : b.buffer, bytes: m.nocase ? lower(bytes) : bytes, nocase: m.nocase };
      if (m.fastPattern) return choice;
      const score = bytes.length * 2 + (b.buffer !== BUF_PAYLOAD ? 1 : 0);
      if (score > bestScore) {
        bestScore = score;
        best = choice;
      }
    }
  }
  return best;
}

function flowbitOrder(r: Rule): number {
  const sets = r.flowbits.some((f) => f.op === "set" || f.op === "unset" || f.op === "toggle");
  const reads = r.flowbits.some((f) => f.op === "isset" || f.op === "isnotset");
  if (sets && !reads) return 0;
  if (sets && reads) return 1;
  if (!sets && !reads) return 2;
  return 3;
}

function compileOne(
  r: Rule,
  idx: number,
  opts: CompileOptions,
  names: { flowbits: Names; flowints: Names; xbits: Names },
): Signature {
  const action = ACTIONS[r.header.action];
  const s = new Signature(idx, r.gid, r.sid, r.rev, action, r.msg);
  s.priority = r.priority;
  s.category = r.category;
  s.noalert = r.noalert || r.flowbits.some((f) => f.op === "noalert") || r.xbits.some((x) => x.op === "noalert");
  s.text = r.text;
  s.where = `${r.pos.file}:${r.pos.line}:${r.pos.col}`;
  if (Object.keys(r.metadata).length > 0) s.metadataJson = JSON.stringify(r.metadata);
  const h = r.header;
  s.ipProto = h.ipProto;
  s.anyIcmp = h.anyIcmp;
  s.appProto = h.appProto;
  s.srcAny = h.src.any;
  s.dstAny = h.dst.any;
  ({ v4: s.src4, v6: s.src6 } = addrArrays(h.src));
  ({ v4: s.dst4, v6: s.dst6 } = addrArrays(h.dst));
  s.srcPortsAny = h.srcPorts.any;
  s.dstPortsAny = h.dstPorts.any;
  s.srcPorts = portArray(h.srcPorts);
  s.dstPorts = portArray(h.dstPorts);
  s.bidirectional = h.bidirectional;
  s.transactional = h.transactional;
  s.forceAlert = r.forceAlert === true;
  let ff = 0;
  if (r.flow) {
    const f = r.flow;
    if (f.toServer) ff |= FL_TOSERVER;
    if (f.toClient) ff |= FL_TOCLIENT;
    if (f.established) ff |= FL_ESTABLISHED;
    if (f.notEstablished) ff |= FL_NOT_ESTABLISHED;
    if (f.stateless) ff |= FL_STATELESS;
    if (f.onlyStream) ff |= FL_ONLY_STREAM;
    if (f.noStream) ff |= FL_NO_STREAM;
    if (f.onlyFrag) ff |= FL_ONLY_FRAG;
    if (f.noFrag) ff |= FL_NO_FRAG;
  }
  if (h.pktOnly) ff |= FL_NO_STREAM;
  if (h.streamOnly) ff |= FL_ONLY_STREAM;
  s.flowFlags = ff;

  const pt = r.packet;
  if (pt.dsize) [s.dsizeOp, s.dsizeA, s.dsizeB] = [cmpCode(pt.dsize), pt.dsize.a, pt.dsize.b];
  if (pt.ttl) [s.ttlOp, s.ttlA, s.ttlB] = [cmpCode(pt.ttl), pt.ttl.a, pt.ttl.b];
  if (pt.itype) [s.itypeOp, s.itypeA, s.itypeB] = [cmpCode(pt.itype), pt.itype.a, pt.itype.b];
  if (pt.icode) [s.icodeOp, s.icodeA, s.icodeB] = [cmpCode(pt.icode), pt.icode.a, pt.icode.b];
  if (pt.icmpId !== undefined) s.icmpId = pt.icmpId;
  if (pt.icmpSeq !== undefined) s.icmpSeq = pt.icmpSeq;
  if (pt.ipProto) {
    [s.ipProtoOp, s.ipProtoA, s.ipProtoB] = [cmpCode(pt.ipProto.cmp), pt.ipProto.cmp.a, pt.ipProto.cmp.b];
    s.ipProtoNeg = pt.ipProto.negated;
  }
  if (pt.ack !== undefined) s.ack = pt.ack;
  if (pt.seq !== undefined) s.seq = pt.seq;
  if (pt.window) [s.window, s.windowNeg] = [pt.window.value, pt.window.negated];
  if (pt.id !== undefined) s.ipId = pt.id;
  if (pt.tos) [s.tos, s.tosNeg] = [pt.tos.value, pt.tos.negated];
  if (pt.tcpFlags) {
    s.tcpFlagsMode = ["", "+", "*", "!"].indexOf(pt.tcpFlags.mode);
    s.tcpFlags = pt.tcpFlags.flags;
    s.tcpFlagsIgnore = pt.tcpFlags.ignore;
  }
  if (pt.fragbits) {
    s.fragbitsMode = ["", "+", "*", "!"].indexOf(pt.fragbits.mode);
    s.fragbits = pt.fragbits.bits;
  }
  if (pt.fragoffset) {
    [s.fragoffOp, s.fragoffA, s.fragoffB] = [cmpCode(pt.fragoffset.cmp), pt.fragoffset.cmp.a, pt.fragoffset.cmp.b];
    s.fragoffNeg = pt.fragoffset.negated;
  }
  if (pt.sameip !== undefined) s.sameip = pt.sameip ? 1 : 0;
  if (pt.streamSize) {
    s.streamSizeSide = ["server", "client", "both", "either"].indexOf(pt.streamSize.side);
    s.streamSizeOp = cmpCode(pt.streamSize.cmp);
    s.streamSizeA = pt.streamSize.cmp.a;
    s.streamSizeB = pt.streamSize.cmp.b;
  }
  if (pt.streamSizeMore && pt.streamSizeMore.length > 0) {
    throw new CompileError("unsupported keyword: stream_size (several)", "more than one stream_size in a rule is not supported");
  }
  if (pt.sslState) {
    s.sslStateAny = pt.sslState.anyOf;
    s.sslStateNone = pt.sslState.noneOf;
  }
  if (pt.appLayerProtocol) {
    const tests = [pt.appLayerProtocol, ...(pt.appLayerProtocolMore ?? [])];
    // "original" compares the protocol first detected (before an upgrade such as HTTP/1 → HTTP/2);
    // every other mode the flow's protocol now (Tsugi keeps one protocol for both directions)
    s.alpOriginal = Uint8Array.from(tests.map((t) => (t.mode === "original" ? 1 : 0)));
    s.alpTests = Int32Array.from(tests.map((t) => t.proto));
    s.alpNegs = Uint8Array.from(tests.map((t) => (t.negated ? 1 : 0)));
    s.alpProto = pt.appLayerProtocol.proto;
    s.alpNeg = pt.appLayerProtocol.negated;
  }
  if (pt.appLayerEvents && pt.appLayerEvents.length > 0) {
    s.events = Int32Array.from(pt.appLayerEvents.map((name) => {
      const code = anomalyCode(name);
      if (code < 0) throw new CompileError("unknown app-layer event", `app-layer-event "${name}" is not an event Tsugi's parsers raise`);
      return code;
    }));
  }
  if (pt.dcerpcIface) {
    s.dceIface = pt.dcerpcIface.uuid;
    if (pt.dcerpcIface.version) {
      const v = pt.dcerpcIface.version;
      [s.dceIfaceVerOp, s.dceIfaceVerA, s.dceIfaceVerB] = [cmpCode(v), v.a, v.b];
    }
  }
  if (pt.dcerpcOpnum) s.dceOpnums = Int32Array.from(pt.dcerpcOpnum.flat());
  if (pt.tlsVersion) {
    s.tlsVersions = Int32Array.from(pt.tlsVersion.versions);
    s.tlsVersionNeg = pt.tlsVersion.negated;
  }

  // buffer blocks
  const vars = new Map<string, number>();
  const blocks: Block[] = [];
  for (const b of r.blocks) {
    const ops = compileOps(b.matches, vars, opts);
    if (b.buffer === BUF_BASE64_DATA) {
      const prev = blocks.length > 0 ? blocks[blocks.length - 1] : null;
      if (prev === null || !prev.ops.some((o) => o.kind === OP_BASE64_DECODE)) {
        throw new CompileError("base64_data without base64_decode", "base64_data must follow a base64_decode in the same buffer");
      }
      prev.base64Ops = ops;
      continue;
    }
    const blk = new Block(b.buffer === BUF_STREAM ? BUF_PAYLOAD : b.buffer, new Int32Array(0), ops);
    blk.transforms = Int32Array.from(b.transforms.map((t) => transformCode(t, blk, opts)));
    for (const t of blk.transforms) {
      if (t === XF_TO_MD5 || t === XF_TO_SHA1 || t === XF_TO_SHA256) {
        throw new CompileError("unsupported transform: hash", "to_md5/to_sha1/to_sha256 are not supported yet");
      }
    }
    blocks.push(blk);
  }
  if (pt.urilen) {
    const op = new BlockOp(OP_URILEN);
    op.cmpOp = cmpCode(pt.urilen.cmp);
    op.cmpA = pt.urilen.cmp.a;
    op.cmpB = pt.urilen.cmp.b;
    blocks.push(new Block(pt.urilen.raw ? BUF_HTTP_URI_RAW : BUF_HTTP_URI, new Int32Array(0), [op]));
  }
  s.blocks = blocks;
  s.varCount = vars.size;
  s.isTx = blocks.some((b) => b.buffer !== BUF_PAYLOAD && !(b.buffer >= BUF_IPV4_HDR && b.buffer <= BUF_ICMPV6_HDR)) || s.dceIface !== null || s.dceOpnums !== null ||
    s.tlsVersions !== null || s.sslStateAny >= 0;

  for (const f of r.flowbits) {
    if (f.op === "noalert") continue;
    s.flowbits.push(new FlowbitOp(bitOp(f.op), Int32Array.from(f.names.map((n) => names.flowbits.id(n))), f.anyOf));
  }
  for (const f of r.flowints) {
    const id = names.flowints.id(f.name);
    let op: FlowintOp;
    switch (f.op) {
      case "=":
        op = new FlowintOp(INT_ASSIGN, id);
        break;
      case "+":
        op = new FlowintOp(INT_ADD, id);
        break;
      case "-":
        op = new FlowintOp(INT_SUB, id);
        break;
      case "isset":
        op = new FlowintOp(INT_ISSET, id);
        break;
      case "notset":
      case "isnotset":
        op = new FlowintOp(INT_NOTSET, id);
        break;
      default:
        op = new FlowintOp(INT_CMP, id);
        op.cmpOp = cmpCode({ op: f.op === "==" ? "=" : f.op, a: 0, b: 0 });
    }
    if (f.value !== undefined) {
      if ("num" in f.value) op.value = f.value.num;
      else op.valueVar = names.flowints.id(f.value.var);
    }
    s.flowints.push(op);
  }
  for (const x of r.xbits) {
    if (x.op === "noalert") continue;
    if (x.track === "tx") throw new CompileError("unsupported keyword: xbits track tx", "xbits with track tx are not supported");
    const op = bitOp(x.op);
    const track = x.track === "ip_src" ? 0 : x.track === "ip_dst" ? 1 : 2;
    // Suricata's default expiry for xbits without `expire` is 30 s (host bits)
    s.xbits.push(new XbitOp(op, names.xbits.id(x.name), track, (x.expireSec ?? 30) * 1e6));
  }
  if (r.threshold) s.threshold = thresholdSpec(r.threshold);
  if (r.detectionFilter) s.detectionFilter = thresholdSpec(r.detectionFilter);
  if (r.tag) {
    if (r.tag.metric === "packets") s.tagPackets = r.tag.count;
    else if (r.tag.metric === "seconds") s.tagSeconds = r.tag.count;
    else s.tagBytes = r.tag.count;
    s.tagHost = r.tag.scope === "host";
  }
  const fp = chooseFastPattern(r);
  if (fp !== null) {
    s.fpBuffer = fp.buffer;
    s.fpPattern = fp.bytes;
    s.fpNocase = fp.nocase;
  }
  return s;
}

/** Compiles parsed rules into a rule set; rules that cannot be compiled become problems. */
export function compileRules(rules: Rule[], opts: CompileOptions): CompileResult {
  const problems: RuleProblem[] = [];
  const ordered = rules
    .map((r, i) => ({ r, i }))
    .sort((a, b) =>
      ACTIONS[a.r.header.action] - ACTIONS[b.r.header.action] || flowbitOrder(a.r) - flowbitOrder(b.r) ||
      a.r.priority - b.r.priority || a.i - b.i
    );
  const names = { flowbits: new Names(), flowints: new Names(), xbits: new Names() };
  const sigs: Signature[] = [];
  for (const { r } of ordered) {
    try {
      sigs.push(compileOne(r, sigs.length, opts, names));
    } catch (e) {
      if (e instanceof CompileError) problems.push({ pos: r.pos, reason: e.reason, message: e.message });
      else throw e;
    }
  }
  const factory: ScannerFactory = opts.scanner ?? ((p: ScannerPattern[]): PatternScanner => naive(p));
  const ruleSet = new RuleSet(sigs, opts.generation ?? 1, factory, {
    flowbits: names.flowbits.list,
    flowints: names.flowints.list,
    xbits: names.xbits.list,
  });
  return { ruleSet, problems };
}

import { NaiveScanner } from "../engine/detect/ruleset.ts";
import { ANOMALIES } from "../engine/anomaly.ts";
import "../engine/applayer/registry.ts"; // every parser's events are defined (defineAnomaly) before names are looked up

function anomalyCode(name: string): number {
  for (let i = 0; i < ANOMALIES.length; i++) if (ANOMALIES[i].event === name) return i;
  return -1;
}
function naive(p: ScannerPattern[]): PatternScanner {
  return new NaiveScanner(p);
}
