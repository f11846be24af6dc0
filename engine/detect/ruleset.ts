/**
 * A compiled rule set: the signatures in evaluation order (Suricata's: pass, drop, reject, alert; flowbit
 * setters before readers; then priority) and the prefilter groups over their fast patterns. Built by
 * `rules/compile.ts` (cold) and swapped into a `Detector` in one assignment.
 *
 * @example
 * ```ts
 * import { RuleSet } from "./ruleset.ts";
 * const rs = new RuleSet([], 1);
 * console.log(rs.signatures.length); // 0
 * ```
 */
import { BUF_COUNT, BUF_FILE_DATA, BUF_HTTP_REQUEST_BODY, BUF_HTTP_RESPONSE_BODY, BUF_PAYLOAD, BUF_STREAM, BUFFER_DIR } from "./buffers.ts";
import { ALPROTO_COUNT, alprotoMatches } from "../applayer/proto.ts";
import { findBytes } from "./inspect.ts";
import {
  BIT_ISNOTSET,
  BIT_ISSET,
  type Block,
  FL_NO_STREAM,
  FL_TOCLIENT,
  FL_TOSERVER,
  OP_BASE64_DECODE,
  OP_BSIZE,
  OP_BYTE_EXTRACT,
  OP_BYTE_MATH,
  OP_BYTE_TEST,
  OP_CONTENT,
  OP_ISDATAAT,
  OP_URILEN,
  type Signature,
} from "./signature.ts";

/** Most raw-stream history the packet prefilter rescans for signatures that read past their fast pattern. */
export const MAX_STREAM_LOOKBACK = 1024;

/** Index of the positive content op of `b` holding the signature's fast pattern, or -1. */
function fastPatternOp(s: Signature, b: Block): number {
  const fp = s.fpPattern;
  if (fp === null) return -1;
  for (let i = 0; i < b.ops.length; i++) {
    const op = b.ops[i];
    if (op.kind !== OP_CONTENT || op.negated || op.nocase !== s.fpNocase || op.pattern.length < fp.length) continue;
    if (findBytes(op.pattern, 0, op.pattern.length, fp, false) >= 0) return i;
  }
  return -1;
}

/**
 * How many bytes past the end of its fast pattern a packet signature can inspect on the raw stream
 * (content ends, byte_* reads, isdataat positions of the keywords after it), capped at
 * `MAX_STREAM_LOOKBACK`: a pattern that ended that far before a packet's new bytes may still complete
 * a match with them, so the prefilter rescans that much history. Unbounded reaches (pcre, byte_jump,
 * a relative content without `within`/`depth`, keywords at absolute positions, transforms) get the cap.
 */
export function streamLookback(s: Signature): number {
  if (s.fpPattern === null || s.fpBuffer !== BUF_PAYLOAD || s.isTx || (s.flowFlags & FL_NO_STREAM) !== 0) return 0;
  const CAP = MAX_STREAM_LOOKBACK;
  let reach = 0;
  for (const b of s.blocks) {
    if (b.buffer !== BUF_PAYLOAD && b.buffer !== BUF_STREAM) continue;
    const fi = fastPatternOp(s, b);
    if (b.transforms.length > 0) return CAP;
    // bytes past the fast pattern's end where the inspection pointer may be; -1 once unknown
    let pos = fi < 0 ? -1 : b.ops[fi].pattern.length - s.fpPattern.length;
    if (pos > reach) reach = pos;
    // the relative chain that leads to the fast pattern lies before it
    let chain = fi;
    while (chain > 0 && b.ops[chain].relative) chain--;
    for (let i = 0; i < b.ops.length; i++) {
      if (i === fi) continue;
      const op = b.ops[i];
      const k = op.kind;
      // whole-buffer tests and negations add nothing to a match's reach (see ContentInspector.reach)
      if (k === OP_BSIZE || k === OP_URILEN || k === OP_BASE64_DECODE || op.negated) continue;
      if (i >= chain && i < fi) continue;
      // anything else not relative to a known position may look anywhere in the window
      if (!op.relative || pos < 0 || op.offsetVar >= 0 || op.countVar >= 0) return CAP;
      if (k === OP_CONTENT) {
        if (op.distanceVar >= 0 || op.withinVar >= 0 || op.depthVar >= 0) return CAP;
        let end = -1;
        if (op.hasWithin) end = pos + op.distance + op.within;
        if (op.depth !== 0 && (end < 0 || pos + op.depth < end)) end = pos + op.depth;
        if (end < 0) return CAP;
        pos = end;
      } else if (k === OP_BYTE_TEST || k === OP_BYTE_MATH || k === OP_BYTE_EXTRACT) {
        const end = pos + op.offset + op.count;
        if (end > reach) reach = end;
        if (k === OP_BYTE_EXTRACT) pos = end;
      } else if (k === OP_ISDATAAT) {
        if (op.valueVar >= 0) return CAP;
        if (pos + op.value > reach) reach = pos + op.value;
      } else {
        return CAP; // pcre, byte_jump: the end depends on the data
      }
      if (pos > reach) reach = pos;
      if (reach >= CAP) return CAP;
    }
  }
  return reach > CAP ? CAP : reach < 0 ? 0 : reach;
}

/**
 * Suricata's IP-only signatures: nothing but addresses (and `flowbits:set`, thresholds, metadata) —
 * no payload, no ports, no flow keyword, no packet tests. They are looked at once per direction of a
 * flow, through an address index, instead of on every packet.
 */
export function isIpOnly(s: Signature): boolean {
  if (s.blocks.length > 0 || s.isTx || !s.srcPortsAny || !s.dstPortsAny || s.flowFlags !== 0 || s.xbits.length > 0) return false;
  for (let i = 0; i < s.flowbits.length; i++) {
    const op = s.flowbits[i].op;
    if (op === BIT_ISSET || op === BIT_ISNOTSET) return false;
  }
  return s.dsizeOp < 0 && s.ttlOp < 0 && s.itypeOp < 0 && s.icodeOp < 0 && s.tcpFlagsMode < 0 && s.flowints.length === 0 &&
    s.alpProto < 0 && s.appProto === 0 && s.ipProtoOp < 0 && s.ack < 0 && s.seq < 0 && s.icmpId < 0 && s.icmpSeq < 0 &&
    s.fragbitsMode < 0 && s.ipId < 0 && s.tos < 0 && s.window < 0 && s.sameip < 0 && s.streamSizeSide < 0 && s.fragoffOp < 0;
}

/** IPv4 address → signatures whose set contains it: elementary intervals from sorted boundaries. */
export class AddressIndex {
  /** Interval i covers [bounds[i], bounds[i+1]) (the last one to 2^32); its signatures are sigs[start[i] .. start[i+1]). */
  readonly bounds: Float64Array;
  readonly start: Int32Array;
  readonly sigs: Int32Array;

  constructor(entries: Array<{ sig: number; ranges: Uint32Array }>) {
    const points = new Set<number>();
    for (const e of entries) {
      for (let i = 0; i < e.ranges.length; i += 2) {
        points.add(e.ranges[i]);
        points.add(e.ranges[i + 1] + 1);
      }
    }
    const bounds = [...points].filter((x) => x <= 0xffffffff).sort((a, b) => a - b);
    const lists: number[][] = bounds.map(() => []);
    for (const e of entries) {
      for (let i = 0; i < e.ranges.length; i += 2) {
        const lo = e.ranges[i];
        const hi = e.ranges[i + 1];
        let k = lowerBound(bounds, lo);
        for (; k < bounds.length && bounds[k] <= hi; k++) {
          const l = lists[k];
          if (l[l.length - 1] !== e.sig) l.push(e.sig);
        }
      }
    }
    this.bounds = Float64Array.from(bounds);
    const start = [0];
    const flat: number[] = [];
    for (const l of lists) {
      flat.push(...l.sort((a, b) => a - b));
      start.push(flat.length);
    }
    this.start = Int32Array.from(start);
    this.sigs = Int32Array.from(flat);
  }
}

function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class IpOnlyIndex {
  /** No address restriction usable for IPv4 lookup (both sides any). */
  readonly always: Int32Array;
  /** Signatures with IPv6 ranges (checked in full for IPv6 packets). */
  readonly v6: Int32Array;
  readonly byDst: AddressIndex;
  readonly bySrc: AddressIndex;

  constructor(sigs: Signature[]) {
    const always: number[] = [];
    const v6: number[] = [];
    const dst: Array<{ sig: number; ranges: Uint32Array }> = [];
    const src: Array<{ sig: number; ranges: Uint32Array }> = [];
    for (const s of sigs) {
      if (s.src6.length > 0 || s.dst6.length > 0 || (s.srcAny && s.dstAny)) v6.push(s.idx);
      if (s.srcAny && s.dstAny) {
        always.push(s.idx);
        continue;
      }
      // index on the restricted side; a bidirectional rule can match either way round
      const useDst = !s.dstAny;
      const ranges = useDst ? s.dst4 : s.src4;
      (useDst ? dst : src).push({ sig: s.idx, ranges });
      if (s.bidirectional) (useDst ? src : dst).push({ sig: s.idx, ranges });
    }
    this.always = Int32Array.from(always);
    this.v6 = Int32Array.from(v6);
    this.byDst = new AddressIndex(dst);
    this.bySrc = new AddressIndex(src);
  }
}

/** What the prefilter needs from a multi-pattern matcher (engine/detect/mpm/ provides the fast one). */
export interface PatternScanner {
  /** Writes the distinct ids of patterns found in buf[start,end) into `out`; returns how many. */
  scan(buf: Uint8Array, start: number, end: number, out: Int32Array): number;
  /** Set when `out` filled up during the last scan (the caller must treat every pattern as found). */
  overflow: boolean;
}

export interface ScannerPattern {
  bytes: Uint8Array; // lower-cased when nocase
  nocase: boolean;
}

export type ScannerFactory = (patterns: ScannerPattern[]) => PatternScanner;

/** A scanner that tries every pattern (for tiny sets and tests). */
export class NaiveScanner implements PatternScanner {
  overflow = false;
  private readonly pats: ScannerPattern[];
  constructor(patterns: ScannerPattern[]) {
    this.pats = patterns;
  }
  scan(buf: Uint8Array, start: number, end: number, out: Int32Array): number {
    let n = 0;
    this.overflow = false;
    for (let i = 0; i < this.pats.length; i++) {
      const p = this.pats[i];
      if (findBytes(buf, start, end, p.bytes, p.nocase) >= 0) {
        if (n >= out.length) {
          this.overflow = true;
          return n;
        }
        out[n++] = i;
      }
    }
    return n;
  }
}

/** Signatures sharing one prefilter: a scanner over their fast patterns plus those without one. */
export class PrefilterGroup {
  /** Pattern id → signature index. */
  readonly patternSig: Int32Array;
  readonly scanner: PatternScanner | null;
  /** Signatures without a fast pattern in this group's buffer: always candidates. */
  readonly always: Int32Array;
  /** Raw-stream history to rescan before the new bytes: the largest `streamLookback` of the group. */
  readonly lookback: number;

  constructor(sigsWithPattern: Signature[], always: Signature[], factory: ScannerFactory) {
    this.patternSig = Int32Array.from(sigsWithPattern.map((s) => s.idx));
    this.scanner = sigsWithPattern.length === 0
      ? null
      : factory(sigsWithPattern.map((s) => ({ bytes: s.fpPattern as Uint8Array, nocase: s.fpNocase })));
    this.always = Int32Array.from(always.map((s) => s.idx).sort((a, b) => a - b));
    this.lookback = sigsWithPattern.reduce((m, s) => Math.max(m, streamLookback(s)), 0);
  }
}

/** Ports given their own prefilter group (per protocol and direction): the most used, up to this many. */
const MAX_PORT_GROUPS = 12;
/** A port set wider than this counts as "any" for grouping. */
const WIDE_PORT_SET = 1024;

/**
 * Packet signatures of one protocol group and direction, split by the flow's server port (destination
 * port to server, source port to client) as Suricata's signature group heads are: a port named by many
 * signatures gets a group of its own (its signatures plus those for any port); every other port uses
 * the group of all signatures. Header checks still run on every candidate, so grouping only narrows.
 */
export class PortGroups {
  /** Server port → index into `groups`, or -1 for `all`. */
  readonly byPort: Int8Array;
  readonly groups: PrefilterGroup[];
  readonly all: PrefilterGroup;

  constructor(sigs: Signature[], dir: number, ports: boolean, factory: ScannerFactory) {
    const build = (list: Signature[]): PrefilterGroup => {
      const withPat = list.filter((s) => s.fpPattern !== null && s.fpBuffer === BUF_PAYLOAD);
      const always = list.filter((s) => !(s.fpPattern !== null && s.fpBuffer === BUF_PAYLOAD));
      return new PrefilterGroup(withPat, always, factory);
    };
    this.byPort = new Int8Array(65536).fill(-1);
    this.groups = [];
    this.all = build(sigs);
    if (!ports) return;
    const serverPorts = (s: Signature): Uint16Array | null => {
      const anyP = dir === 0 ? s.dstPortsAny : s.srcPortsAny;
      if (anyP) return null;
      const r = dir === 0 ? s.dstPorts : s.srcPorts;
      let n = 0;
      for (let i = 0; i < r.length; i += 2) n += r[i + 1] - r[i] + 1;
      return n > WIDE_PORT_SET ? null : r;
    };
    const anyPort: Signature[] = [];
    const specific: Array<{ s: Signature; r: Uint16Array }> = [];
    const count = new Int32Array(65536);
    for (const s of sigs) {
      const r = serverPorts(s);
      if (r === null) anyPort.push(s);
      else {
        specific.push({ s, r });
        for (let i = 0; i < r.length; i += 2) for (let p = r[i]; p <= r[i + 1]; p++) count[p]++;
      }
    }
    const top = [...count.keys()].filter((p) => count[p] > 0).sort((a, b) => count[b] - count[a] || a - b).slice(0, MAX_PORT_GROUPS);
    for (const port of top) {
      const list = anyPort.concat(specific.filter(({ r }) => {
        for (let i = 0; i < r.length; i += 2) if (port >= r[i] && port <= r[i + 1]) return true;
        return false;
      }).map(({ s }) => s));
      this.byPort[port] = this.groups.length;
      this.groups.push(build(list));
    }
  }

  /** The group for a packet whose server port is `port`. */
  group(port: number): PrefilterGroup {
    const g = this.byPort[port];
    return g < 0 ? this.all : this.groups[g];
  }
}

/**
 * The buffer a fast pattern is looked for in. HTTP bodies are the same bytes as `file.data` of their
 * direction, so their patterns join the file.data prefilter and the body is scanned once; the candidates
 * are then verified on the buffer the signature names.
 */
export function prefilterBuffer(buffer: number): number {
  return buffer === BUF_HTTP_REQUEST_BODY || buffer === BUF_HTTP_RESPONSE_BODY ? BUF_FILE_DATA : buffer;
}

/** Packet-rule groups by IP protocol. */
export const PG_TCP = 0;
export const PG_UDP = 1;
export const PG_ICMP = 2;
export const PG_OTHER = 3;

export class RuleSet {
  readonly signatures: Signature[];
  readonly generation: number;
  /** Packet (non-transaction) signatures by protocol group and direction (index 2 * PG_* + dir), then server port. */
  readonly packetGroups: PortGroups[];
  /** Transaction signatures prefiltered per direction and buffer (index dir * BUF_COUNT + BUF_*). */
  readonly txGroups: Array<PrefilterGroup | null>;
  /** Transaction signatures without a fast pattern, by the app protocol their header names (0: any). */
  readonly txAlwaysByProto: Int32Array[];
  /** IP-only signatures, by address. */
  readonly ipOnly: IpOnlyIndex;
  /** Longest fast pattern: how much stream history the prefilter rescans so patterns can straddle packets. */
  readonly maxPatternLength: number;
  /** `streamLookback` of each signature (by index): > 0 when a raw-stream match may need later segments. */
  readonly streamLookback: Int32Array;
  /** Interned names, for messages. */
  readonly flowbitNames: string[];
  readonly flowintNames: string[];
  readonly xbitNames: string[];
  /** Whether any signature runs per app-layer transaction. */
  readonly hasTx: boolean;

  constructor(
    signatures: Signature[],
    generation: number,
    factory: ScannerFactory = (p) => new NaiveScanner(p),
    names: { flowbits: string[]; flowints: string[]; xbits: string[] } = { flowbits: [], flowints: [], xbits: [] },
  ) {
    this.signatures = signatures;
    this.generation = generation;
    this.flowbitNames = names.flowbits;
    this.flowintNames = names.flowints;
    this.xbitNames = names.xbits;
    const protoOf = (s: Signature, g: number): boolean => {
      if (s.ipProto < 0) return true;
      if (g === PG_TCP) return s.ipProto === 6;
      if (g === PG_UDP) return s.ipProto === 17;
      if (g === PG_ICMP) return s.ipProto === 1 || s.ipProto === 58 || s.anyIcmp;
      return s.ipProto !== 6 && s.ipProto !== 17 && s.ipProto !== 1 && s.ipProto !== 58;
    };
    for (const s of signatures) {
      // a transaction is inspected per direction; buffers that exist on one side only fix the signature's side
      // (request and response buffers together: when the response is there, as Suricata)
      let toServer = (s.flowFlags & FL_TOSERVER) !== 0;
      let toClient = (s.flowFlags & FL_TOCLIENT) !== 0;
      if (!toServer && !toClient) {
        for (const b of s.blocks) {
          if (BUFFER_DIR[b.buffer] === 0) toServer = true;
          else if (BUFFER_DIR[b.buffer] === 1) toClient = true;
        }
      }
      s.txDir = toClient ? 1 : toServer ? 0 : 2;
      s.bodyBuffer = s.blocks.some((b) => b.buffer === BUF_FILE_DATA || b.buffer === BUF_HTTP_REQUEST_BODY || b.buffer === BUF_HTTP_RESPONSE_BODY);
    }
    for (const s of signatures) {
      if (s.alpTests === null) continue;
      s.alpProto = -1; // hide the app-layer-protocol test from the IP-only check below
      s.pdOnly = isIpOnly(s) && s.srcPortsAny && s.dstPortsAny;
      s.alpProto = s.alpTests[0];
    }
    const ipOnly = signatures.filter((s) => isIpOnly(s));
    const ipOnlySet = new Set(ipOnly);
    this.ipOnly = new IpOnlyIndex(ipOnly);
    this.maxPatternLength = signatures.reduce((m, s) => Math.max(m, s.fpPattern === null ? 0 : s.fpPattern.length), 0);
    this.streamLookback = Int32Array.from(signatures.map((s) => streamLookback(s)));
    this.packetGroups = [];
    for (let g = 0; g < 4; g++) {
      const sigs = signatures.filter((s) => !s.isTx && !ipOnlySet.has(s) && protoOf(s, g));
      for (let dir = 0; dir < 2; dir++) {
        const inDir = sigs.filter((s) => (s.flowFlags & (dir === 0 ? FL_TOCLIENT : FL_TOSERVER)) === 0);
        this.packetGroups.push(new PortGroups(inDir, dir, g === PG_TCP || g === PG_UDP, factory));
      }
    }
    this.txGroups = [];
    const tx = signatures.filter((s) => s.isTx);
    for (let dir = 0; dir < 2; dir++) {
      for (let b = 0; b < BUF_COUNT; b++) {
        const withPat = tx.filter((s) => s.fpPattern !== null && prefilterBuffer(s.fpBuffer) === b && (s.txDir === 2 || s.txDir === dir));
        this.txGroups.push(withPat.length === 0 ? null : new PrefilterGroup(withPat, [], factory));
      }
    }
    this.txAlwaysByProto = [];
    for (let a = 0; a < ALPROTO_COUNT; a++) {
      // http names HTTP/1 and covers HTTP/2 (and dcerpc covers SMB) in rule headers
      this.txAlwaysByProto.push(
        Int32Array.from(tx.filter((s) => s.fpPattern === null && (a === 0 ? s.appProto === 0 : s.appProto !== 0 && alprotoMatches(s.appProto, a))).map((s) => s.idx)),
      );
    }
    this.hasTx = tx.length > 0;
  }
}
