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
import { BUF_COUNT, BUF_PAYLOAD } from "./buffers.ts";
import { findBytes } from "./inspect.ts";
import type { Signature } from "./signature.ts";

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

  constructor(sigsWithPattern: Signature[], always: Signature[], factory: ScannerFactory) {
    this.patternSig = Int32Array.from(sigsWithPattern.map((s) => s.idx));
    this.scanner = sigsWithPattern.length === 0
      ? null
      : factory(sigsWithPattern.map((s) => ({ bytes: s.fpPattern as Uint8Array, nocase: s.fpNocase })));
    this.always = Int32Array.from(always.map((s) => s.idx).sort((a, b) => a - b));
  }
}

/** Packet-rule groups by IP protocol. */
export const PG_TCP = 0;
export const PG_UDP = 1;
export const PG_ICMP = 2;
export const PG_OTHER = 3;

export class RuleSet {
  readonly signatures: Signature[];
  readonly generation: number;
  /** Packet (non-transaction) signatures per protocol group, prefiltered on the payload. */
  readonly packetGroups: PrefilterGroup[];
  /** Transaction signatures prefiltered per buffer (index BUF_*), and those without a fast pattern. */
  readonly txGroups: Array<PrefilterGroup | null>;
  readonly txAlways: Int32Array;
  /** Interned names, for messages. */
  readonly flowbitNames: string[];
  readonly flowintNames: string[];
  readonly xbitNames: string[];
  /** Whether any signature needs app-layer parsing / raw stream windows. */
  readonly hasTx: boolean;
  readonly hasStreamPayload: boolean;
  /** Byte variables the largest signature uses. */
  readonly maxVars: number;

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
    this.packetGroups = [];
    for (let g = 0; g < 4; g++) {
      const sigs = signatures.filter((s) => !s.isTx && protoOf(s, g));
      const withPat = sigs.filter((s) => s.fpPattern !== null && s.fpBuffer === BUF_PAYLOAD);
      const always = sigs.filter((s) => !(s.fpPattern !== null && s.fpBuffer === BUF_PAYLOAD));
      this.packetGroups.push(new PrefilterGroup(withPat, always, factory));
    }
    this.txGroups = [];
    const tx = signatures.filter((s) => s.isTx);
    for (let b = 0; b < BUF_COUNT; b++) {
      const withPat = tx.filter((s) => s.fpPattern !== null && s.fpBuffer === b);
      this.txGroups.push(withPat.length === 0 ? null : new PrefilterGroup(withPat, [], factory));
    }
    this.txAlways = Int32Array.from(tx.filter((s) => s.fpPattern === null).map((s) => s.idx));
    this.hasTx = tx.length > 0;
    this.hasStreamPayload = signatures.some((s) => !s.isTx && s.blocks.length > 0 && (s.ipProto === 6 || s.ipProto < 0));
    this.maxVars = signatures.reduce((m, s) => Math.max(m, s.varCount), 0);
  }
}
