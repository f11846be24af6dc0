/**
 * TCP stream reassembly: turns each TCP flow's segments, per direction, into the in-order byte stream
 * the app-layer parsers and stream-content rules read, and tells a `StreamConsumer` about it.
 *
 * Semantics (Suricata's where it has one, stream-tcp-reassemble.c / stream-tcp-list.c):
 * - Inline, IPS style: bytes are delivered as soon as they are in order, without waiting for the
 *   receiver's ACK (Suricata's inline mode). In-order bytes go straight from the packet, uncopied.
 * - Out-of-order segments are copied into a bounded pool (the defragmenter's `ChunkPool`, fixed chunks:
 *   it cannot fragment) and held, sorted, until the gap before them fills; then they are delivered in
 *   order, possibly several for one packet.
 * - Overlaps between a new segment and held data are resolved per target policy with the
 *   defragmenter's `newWins` (first, last, bsd, linux, windows, solaris judged on the segments' original
 *   extents); bytes already delivered are never taken back (first wins for them). Overlapping bytes that
 *   differ raise `stream.reassembly_overlap_different_data` — also for a retransmission whose bytes
 *   differ from the raw-window history.
 * - Retransmissions of delivered bytes are not delivered again; keep-alives (0/1 byte at next-1) are
 *   ignored. Sequence numbers are compared modulo 2^32 (wraparound); SYN and FIN take one each.
 * - A direction starts at ISN + 1 when the flow table saw its SYN, otherwise (midstream pickup) at the
 *   first segment seen from that side.
 * - Holes: when the other side acknowledges bytes that were never seen, or the flow ends (timeout,
 *   eviction, reuse, end of input) or is reset with data held, a gap of the missing length is
 *   delivered (`stream.reassembly_seq_gap`) and what follows continues. Data that did not fit the
 *   memcap (or the per-direction segment limit) is lost the same way: counted now, a gap later.
 * - Depth: past `reassemblyDepth` bytes a direction delivers nothing more
 *   (`stream.reassembly_depth_reached`, counter).
 * - A direction ends (`streamEnd`) once everything before its FIN is delivered, on an accepted RST
 *   (both directions, held data flushed as gaps + data), or when the flow ends.
 *
 * Must never, after construction: allocate, throw, keep a reference to a packet's buffer past the call,
 * or do unbounded work per packet (a segment walks at most `maxHeldSegments` held segments).
 *
 * @example
 * ```ts
 * import { Reassembler } from "./reassembler.ts";
 * import { defaultEngineConfig } from "../config.ts";
 * import { Packet, TH_ACK } from "../packet.ts";
 * const r = new Reassembler(defaultEngineConfig().stream, 16, null);
 * r.consumer = {
 *   streamData: (_f, _d, buf, off, len) => console.log(new TextDecoder().decode(buf.subarray(off, off + len))),
 *   streamGap() {}, streamEnd() {}, flowEnd() {},
 * };
 * const p = new Packet();
 * p.buf = new TextEncoder().encode("hello");
 * p.payloadOff = 0; p.payloadLen = 5; p.tcpSeq = 1000; p.tcpFlags = TH_ACK;
 * r.onPacket(0, 0, p); // "hello"
 * ```
 */
import { defineAnomaly } from "../anomaly.ts";
import type { StreamConfig } from "../config.ts";
import { ChunkPool } from "../defrag/chunk-pool.ts";
import { newWins, policyCode } from "../defrag/policy.ts";
import { addAnomaly, SIDE_SEQ_KNOWN, TCP_CLOSED, type TcpTracker } from "../flow/tcp-state.ts";
import type { Packet } from "../packet.ts";
import { TH_ACK, TH_FIN, TH_RST, TH_SYN } from "../packet.ts";
import type { StreamConsumer } from "./consumer.ts";
import { RawWindows } from "./raw-window.ts";

export const A_STREAM_REASSEMBLY_OVERLAP_DIFFERENT_DATA = defineAnomaly(
  "stream.reassembly_overlap_different_data",
  "stream",
);
export const A_STREAM_REASSEMBLY_SEQ_GAP = defineAnomaly("stream.reassembly_seq_gap", "stream");
export const A_STREAM_REASSEMBLY_DEPTH_REACHED = defineAnomaly("stream.reassembly_depth_reached", "stream");

/** Pool chunk size: a 1460-byte segment takes 6 chunks (waste < 256 bytes, counted against the memcap). */
export const STREAM_CHUNK_SIZE = 256;
/** Staging area for delivering a held segment contiguously (a segment is at most 65535 bytes). */
const STAGE_SIZE = 65536;
/** A segment further than this from the next expected byte (either way) is not part of the stream. */
const MAX_DISTANCE = 1 << 30;

/** Bits of the per-direction state. */
const S_INIT = 1; // base sequence known
const S_FIN = 2; // the FIN's sequence is known
const S_ENDED = 4; // streamEnd was called
const S_DEPTH = 8; // depth reached: nothing more is delivered
const S_NOWIN = 16; // no raw window could be had (counted once)

export class ReassemblyStats {
  /** Segments with payload offered. */
  segments = 0;
  /** Segments (or parts of one) held out of order. */
  segmentsHeld = 0;
  /** Segments held right now. */
  heldNow = 0;
  /** Bytes delivered as data. */
  bytesDelivered = 0;
  /** Gaps delivered, and the bytes they stood for. */
  gaps = 0;
  gapBytes = 0;
  /** Segments that overlapped held data, and those whose overlapping bytes differed (held or delivered). */
  overlaps = 0;
  overlapsDifferent = 0;
  /** Segments entirely made of bytes already delivered. */
  retransmissions = 0;
  /** Segments (or parts) not held because the memcap or the per-direction segment limit was reached. */
  memcapDrops = 0;
  /** Directions that reached the reassembly depth. */
  depthReached = 0;
  /** Directions that got no raw window (pool exhausted): delivered without history. */
  rawWindowExhausted = 0;
  /** Directions ended (streamEnd calls). */
  streamsEnded = 0;
}

/** The flow table parts the reassembler reads (FlowTable satisfies it). */
export interface TcpView {
  readonly tcp: TcpTracker;
  readonly tcpState: Uint8Array;
}

export class Reassembler {
  /** Where bytes go; null: `onPacket` does nothing. */
  consumer: StreamConsumer | null = null;
  readonly stats = new ReassemblyStats();
  /** Bytes of typed-array memory held (per-direction state, segment table, pool, raw windows). */
  readonly memoryBytes: number;
  /** Per-flow bytes of state (both directions). */
  static readonly BYTES_PER_FLOW = 2 * (1 + 4 + 4 + 8 + 4 + 4 + 4);

  // -- the raw window `raw()` set
  rawBuf: Uint8Array;
  rawStart = 0;
  rawEnd = 0;
  rawNew = 0;
  rawStreamOffset = 0;

  private readonly view: TcpView | null;
  private readonly policy: number;
  private readonly depth: number;
  private readonly maxHeld: number;

  // -- per direction, [2 * flow + dir]
  private readonly sFlags: Uint8Array;
  /** Sequence number of the next byte to deliver. */
  private readonly sBase: Uint32Array;
  /** Sequence number of the FIN (S_FIN). */
  private readonly sFin: Uint32Array;
  /** Stream offset of the next byte to deliver (bytes delivered + gaps). */
  private readonly sOff: Float64Array;
  /** First held segment (lowest offset), -1 none. */
  private readonly sHead: Int32Array;
  private readonly sHeld: Int32Array;
  /** Raw window slot, -1 none. */
  private readonly sWin: Int32Array;

  // -- held segments, sorted per direction by offset, never overlapping one another
  private readonly pOff: Float64Array;
  private readonly pLen: Int32Array;
  /** The original segment's extent (stream offsets): what overlap policies judge. */
  private readonly pOS: Float64Array;
  private readonly pOE: Float64Array;
  private readonly pChain: Int32Array;
  /** Next held segment of the direction, or next free entry. */
  private readonly pNext: Int32Array;
  private pFree: number;

  private readonly pool: ChunkPool;
  private readonly windows: RawWindows | null;
  /** Counts calls (packets and flow ends): one raw-window batch per serial. */
  private serial = 0;
  /** The packet being processed (anomalies go there), null outside `onPacket`. */
  private pkt: Packet | null = null;

  /**
   * Sized for `maxFlows` flows (the flow table's capacity). `view` gives ISNs and TCP state (the
   * engine's FlowTable); null: a direction starts at its first segment and every RST is accepted.
   */
  constructor(cfg: StreamConfig, maxFlows: number, view: TcpView | null) {
    const memcap = cfg.reassemblyMemcap;
    if (!Number.isFinite(memcap) || memcap < 0) {
      throw new Error(`stream.reassembly.memcap ${memcap}: expected a byte count >= 0`);
    }
    if (!Number.isFinite(cfg.reassemblyDepth) || cfg.reassemblyDepth < 0) {
      throw new Error(`stream.reassembly.depth ${cfg.reassemblyDepth}: expected a byte count >= 0 (0 = unlimited)`);
    }
    this.view = view;
    this.policy = policyCode(cfg.overlapPolicy);
    this.depth = cfg.reassemblyDepth > 0 ? cfg.reassemblyDepth : Infinity;
    this.maxHeld = cfg.maxHeldSegments > 0 ? cfg.maxHeldSegments : 1024;
    const n = 2 * maxFlows;
    this.sFlags = new Uint8Array(n);
    this.sBase = new Uint32Array(n);
    this.sFin = new Uint32Array(n);
    this.sOff = new Float64Array(n);
    this.sHead = new Int32Array(n).fill(-1);
    this.sHeld = new Int32Array(n);
    this.sWin = new Int32Array(n).fill(-1);
    this.pool = new ChunkPool(memcap, STREAM_CHUNK_SIZE, STAGE_SIZE);
    const np = this.pool.capacity;
    this.pOff = new Float64Array(np);
    this.pLen = new Int32Array(np);
    this.pOS = new Float64Array(np);
    this.pOE = new Float64Array(np);
    this.pChain = new Int32Array(np);
    this.pNext = new Int32Array(np);
    for (let i = 0; i < np; i++) this.pNext[i] = i + 1 < np ? i + 1 : -1;
    this.pFree = np > 0 ? 0 : -1;
    this.windows = cfg.rawWindow > 0 ? new RawWindows(cfg.rawWindow, cfg.rawMemcap) : null;
    this.rawBuf = this.windows !== null ? this.windows.buf : new Uint8Array(0);
    this.memoryBytes = n * (Reassembler.BYTES_PER_FLOW / 2) + this.pool.data.byteLength + this.pool.next.byteLength +
      np * (8 + 4 + 8 + 8 + 4 + 4) + (this.windows !== null ? this.windows.memoryBytes : 0);
  }

  /** Bytes held in the pool right now. */
  get bytesHeld(): number {
    return this.pool.bytesInUse();
  }

  /**
   * Takes one TCP packet of flow `flow` sent in direction `dir` (0 client -> server), after the flow
   * table accounted it. Delivers what became in order to the consumer.
   */
  onPacket(flow: number, dir: number, p: Packet): void {
    const c = this.consumer;
    if (c === null) return;
    this.serial++;
    this.pkt = p;
    const flags = p.tcpFlags;
    const k = 2 * flow + dir;
    // The ACK speaks for the other direction: bytes acknowledged but never seen are gone.
    if ((flags & TH_ACK) !== 0) this.acked(flow, k ^ 1);
    if ((flags & TH_RST) !== 0) {
      if (this.view === null || this.view.tcpState[flow] === TCP_CLOSED) {
        this.finish(flow, 2 * flow);
        this.finish(flow, 2 * flow + 1);
      }
      this.pkt = null;
      return;
    }
    const len = p.payloadLen;
    const fin = (flags & TH_FIN) !== 0;
    if (len > 0 || fin) this.data(flow, k, p, len, fin);
    this.pkt = null;
  }

  /** FlowTable end hook: flushes and forgets flow `idx` (its slot is about to be reused). */
  flowEnded(idx: number): void {
    const saved = this.pkt;
    this.pkt = null;
    this.serial++;
    if (this.consumer !== null) {
      this.finish(idx, 2 * idx);
      this.finish(idx, 2 * idx + 1);
      this.consumer.flowEnd(idx);
    }
    this.forget(2 * idx);
    this.forget(2 * idx + 1);
    this.pkt = saved;
  }

  /**
   * Sets `rawBuf[rawStart .. rawEnd)` to the raw stream window of (flow, dir): up to `rawWindow` bytes
   * delivered before this packet's, then this packet's new bytes from `rawNew`; `rawStreamOffset` is the
   * stream offset of `rawStart`. Valid for the direction that received bytes last, during the packet
   * (call it from `streamData` to see every delivery). False, with an empty window, otherwise.
   */
  raw(flow: number, dir: number): boolean {
    const w = this.windows;
    const k = 2 * flow + dir;
    if (w !== null && w.key === k && w.serial === this.serial) {
      this.rawStart = w.start;
      this.rawEnd = w.end;
      this.rawNew = w.newAt;
      this.rawStreamOffset = w.endOff - (w.end - w.start);
      return true;
    }
    this.rawStart = 0;
    this.rawEnd = 0;
    this.rawNew = 0;
    this.rawStreamOffset = 0;
    return false;
  }

  /** Stream offset of the next byte direction `dir` of `flow` will deliver (bytes + gaps so far). */
  offset(flow: number, dir: number): number {
    return this.sOff[2 * flow + dir];
  }

  // -- internals

  /** A segment with payload and/or FIN for direction `k`. */
  private data(flow: number, k: number, p: Packet, len: number, fin: boolean): void {
    let f = this.sFlags[k];
    if ((f & (S_ENDED | S_DEPTH)) !== 0) return;
    const syn = (p.tcpFlags & TH_SYN) !== 0;
    if ((f & S_INIT) === 0) {
      const v = this.view;
      const side = 2 * flow + (k & 1);
      if (v !== null && (v.tcp.side[side] & SIDE_SEQ_KNOWN) !== 0) this.sBase[k] = (v.tcp.isn[side] + 1) >>> 0;
      else this.sBase[k] = (p.tcpSeq + (syn ? 1 : 0)) >>> 0;
      this.sOff[k] = 0;
      f |= S_INIT;
    }
    const s = ((p.tcpSeq + (syn ? 1 : 0)) - this.sBase[k]) | 0;
    if (s > MAX_DISTANCE || s < -MAX_DISTANCE) {
      this.sFlags[k] = f;
      return;
    }
    let e = s + len;
    if (fin && (f & S_FIN) === 0) {
      this.sFin[k] = (this.sBase[k] + e) >>> 0;
      f |= S_FIN;
    }
    this.sFlags[k] = f;
    if ((f & S_FIN) !== 0) {
      const fr = (this.sFin[k] - this.sBase[k]) | 0;
      if (e > fr) e = fr;
    }
    if (len > 0) {
      this.stats.segments++;
      if (e > s) this.segment(flow, k, s, e, p.buf, p.payloadOff);
    }
    this.checkEnd(flow, k);
  }

  /**
   * Bytes [s, e) relative to the next expected byte, `src[srcOff]` holding byte s: delivers, holds,
   * or drops them as retransmission.
   */
  private segment(flow: number, k: number, s: number, e: number, src: Uint8Array, srcOff: number): void {
    if (s === -1 && e <= 0) return; // keep-alive: one old byte (or none) at next - 1
    const base = this.sOff[k];
    const os = base + s;
    const oe = base + e;
    if (e <= 0) {
      this.stats.retransmissions++;
      this.checkOld(k, base + s, src, srcOff, e - s);
      return;
    }
    if (s < 0) {
      this.checkOld(k, base + s, src, srcOff, -s);
      srcOff -= s;
      s = 0;
    }
    const room = this.depth - base;
    if (e > room) e = room;
    if (e <= s) return;
    const head = this.sHead[k];
    const h = head >= 0 ? this.pOff[head] - base : Infinity;
    if (s === 0) {
      // In order: straight from the packet up to the first held segment.
      const n = e < h ? e : h;
      this.deliver(flow, k, src, srcOff, n);
      if (e <= h) {
        if (e === h) this.drain(flow, k);
        return;
      }
      srcOff += n;
      s = n;
    }
    this.insert(k, base + s, base + e, src, srcOff, os, oe);
    this.drain(flow, k);
  }

  /** Holds stream bytes [a, b) (`src[srcOff]` is byte a) of a segment that spanned [os, oe). */
  private insert(k: number, a: number, b: number, src: Uint8Array, srcOff: number, os: number, oe: number): void {
    const st = this.stats;
    let prev = -1;
    let cur = this.sHead[k];
    let pos = a;
    let overlapped = false;
    let different = false;
    while (pos < b) {
      while (cur >= 0 && this.pOff[cur] + this.pLen[cur] <= pos) {
        prev = cur;
        cur = this.pNext[cur];
      }
      if (cur < 0 || this.pOff[cur] > pos) {
        const stop = cur >= 0 && this.pOff[cur] < b ? this.pOff[cur] : b;
        const np = this.newPiece(k, pos, stop - pos, src, srcOff + (pos - a), os, oe);
        if (np >= 0) {
          this.pNext[np] = cur;
          if (prev < 0) this.sHead[k] = np;
          else this.pNext[prev] = np;
          prev = np;
        }
        pos = stop;
        continue;
      }
      const ce = this.pOff[cur] + this.pLen[cur];
      const z = b < ce ? b : ce;
      const at = pos - this.pOff[cur];
      overlapped = true;
      if (this.chainDiffers(this.pChain[cur], at, src, srcOff + (pos - a), z - pos)) different = true;
      if (newWins(this.policy, os, oe, this.pOS[cur], this.pOE[cur])) {
        this.chainWrite(this.pChain[cur], at, src, srcOff + (pos - a), z - pos);
      }
      pos = z;
    }
    if (overlapped) st.overlaps++;
    if (different) this.differentData();
  }

  /** A held segment for stream bytes [off, off + len), or -1 (counted) when none can be had. */
  private newPiece(k: number, off: number, len: number, src: Uint8Array, srcOff: number, os: number, oe: number): number {
    const i = this.pFree;
    if (i < 0 || this.sHeld[k] >= this.maxHeld) {
      this.stats.memcapDrops++;
      return -1;
    }
    const chain = this.pool.alloc(len);
    if (chain < 0) {
      this.stats.memcapDrops++;
      return -1;
    }
    this.pFree = this.pNext[i];
    this.chainWrite(chain, 0, src, srcOff, len);
    this.pOff[i] = off;
    this.pLen[i] = len;
    this.pOS[i] = os;
    this.pOE[i] = oe;
    this.pChain[i] = chain;
    this.sHeld[k]++;
    this.stats.segmentsHeld++;
    this.stats.heldNow++;
    return i;
  }

  /** Unlinks and frees the first held segment of `k`. */
  private popHead(k: number): void {
    const i = this.sHead[k];
    this.sHead[k] = this.pNext[i];
    this.pool.free(this.pChain[i]);
    this.pNext[i] = this.pFree;
    this.pFree = i;
    this.sHeld[k]--;
    this.stats.heldNow--;
  }

  /** Delivers held segments that are now in order. */
  private drain(flow: number, k: number): void {
    const pool = this.pool;
    for (let i = this.sHead[k]; i >= 0 && (this.sFlags[k] & S_DEPTH) === 0; i = this.sHead[k]) {
      const off = this.pOff[i];
      const cur = this.sOff[k];
      if (off > cur) break;
      let len = this.pLen[i];
      let skip = 0;
      if (off < cur) {
        // Cannot happen (held bytes never start before the next byte); trimmed rather than trusted.
        skip = cur - off;
        len -= skip;
      }
      if (len > 0) {
        pool.readWithin(this.pChain[i], pool.extraOff, skip + len);
        this.popHead(k);
        this.deliver(flow, k, pool.data, pool.extraOff + skip, len);
      } else {
        this.popHead(k);
      }
    }
  }

  /** Hands `len` in-order bytes to the consumer (depth-limited) and advances the direction. */
  private deliver(flow: number, k: number, src: Uint8Array, off: number, len: number): void {
    const room = this.depth - this.sOff[k];
    if (len > room) len = room;
    if (len <= 0) return;
    const w = this.windows;
    if (w !== null) {
      this.openWindow(k);
      w.append(src, off, len);
    }
    this.sOff[k] += len;
    this.sBase[k] = (this.sBase[k] + len) >>> 0;
    this.stats.bytesDelivered += len;
    const c = this.consumer;
    if (c !== null) c.streamData(flow, k & 1, src, off, len);
    if (this.sOff[k] >= this.depth) this.depthReached(k);
  }

  /** Delivers a gap of `len` bytes (depth-limited) and advances the direction. */
  private gap(flow: number, k: number, len: number): void {
    const room = this.depth - this.sOff[k];
    if (len > room) len = room;
    if (len <= 0) return;
    const w = this.windows;
    if (w !== null) {
      this.openWindow(k);
      w.gap(len);
    }
    this.sOff[k] += len;
    this.sBase[k] = (this.sBase[k] + len) >>> 0;
    const st = this.stats;
    st.gaps++;
    st.gapBytes += len;
    if (this.pkt !== null) addAnomaly(this.pkt, A_STREAM_REASSEMBLY_SEQ_GAP);
    const c = this.consumer;
    if (c !== null) c.streamGap(flow, k & 1, len);
    if (this.sOff[k] >= this.depth) this.depthReached(k);
  }

  private depthReached(k: number): void {
    if ((this.sFlags[k] & S_DEPTH) !== 0) return;
    this.sFlags[k] |= S_DEPTH;
    this.stats.depthReached++;
    if (this.pkt !== null) addAnomaly(this.pkt, A_STREAM_REASSEMBLY_DEPTH_REACHED);
    while (this.sHead[k] >= 0) this.popHead(k);
  }

  /** Makes `k` the raw window's current batch (taking a slot on first use). */
  private openWindow(k: number): void {
    const w = this.windows;
    if (w === null) return;
    if (w.key === k && w.serial === this.serial) return;
    let slot = this.sWin[k];
    if (slot < 0 && (this.sFlags[k] & S_NOWIN) === 0) {
      slot = w.alloc();
      if (slot < 0) {
        this.sFlags[k] |= S_NOWIN;
        this.stats.rawWindowExhausted++;
      }
      this.sWin[k] = slot;
    }
    w.open(k, this.serial, slot, this.sOff[k]);
  }

  /** The other side acknowledged up to `pkt.tcpAck`: what of `k` was never seen up to there is a gap. */
  private acked(flow: number, k: number): void {
    const f = this.sFlags[k];
    if ((f & S_INIT) === 0 || (f & (S_ENDED | S_DEPTH)) !== 0) return;
    const p = this.pkt;
    if (p === null) return;
    let rel = (p.tcpAck - this.sBase[k]) | 0;
    if (rel <= 0 || rel > MAX_DISTANCE) return;
    if ((f & S_FIN) !== 0) {
      const fr = (this.sFin[k] - this.sBase[k]) | 0;
      if (rel > fr) rel = fr;
      if (rel <= 0) return;
    }
    this.skipTo(flow, k, this.sOff[k] + rel);
    this.checkEnd(flow, k);
  }

  /** Gaps over holes and delivers held data until the direction reaches stream offset `target`. */
  private skipTo(flow: number, k: number, target: number): void {
    while (this.sOff[k] < target && (this.sFlags[k] & S_DEPTH) === 0) {
      const h = this.sHead[k];
      if (h >= 0 && this.pOff[h] <= target) {
        if (this.pOff[h] > this.sOff[k]) this.gap(flow, k, this.pOff[h] - this.sOff[k]);
        this.drain(flow, k);
      } else {
        this.gap(flow, k, target - this.sOff[k]);
      }
    }
  }

  /** streamEnd once everything before the FIN is delivered. */
  private checkEnd(flow: number, k: number): void {
    const f = this.sFlags[k];
    if ((f & (S_FIN | S_ENDED)) !== S_FIN) return;
    if (((this.sFin[k] - this.sBase[k]) | 0) > 0) return;
    this.end(flow, k);
  }

  private end(flow: number, k: number): void {
    this.sFlags[k] |= S_ENDED;
    while (this.sHead[k] >= 0) this.popHead(k);
    this.stats.streamsEnded++;
    const c = this.consumer;
    if (c !== null) c.streamEnd(flow, k & 1);
  }

  /** The direction will get no more bytes: held data is delivered (gaps for the holes), then streamEnd. */
  private finish(flow: number, k: number): void {
    const f = this.sFlags[k];
    if ((f & S_INIT) === 0 || (f & S_ENDED) !== 0) return;
    while (this.sHead[k] >= 0 && (this.sFlags[k] & S_DEPTH) === 0) {
      const h = this.sHead[k];
      if (this.pOff[h] > this.sOff[k]) this.gap(flow, k, this.pOff[h] - this.sOff[k]);
      this.drain(flow, k);
    }
    if ((this.sFlags[k] & (S_FIN | S_DEPTH)) === S_FIN) {
      const fr = (this.sFin[k] - this.sBase[k]) | 0;
      if (fr > 0 && fr <= MAX_DISTANCE) this.gap(flow, k, fr);
    }
    this.end(flow, k);
  }

  /** Frees everything direction `k` holds and clears its state. */
  private forget(k: number): void {
    while (this.sHead[k] >= 0) this.popHead(k);
    const w = this.windows;
    if (w !== null) {
      if (w.key === k) w.key = -1;
      if (this.sWin[k] >= 0) w.free(this.sWin[k]);
    }
    this.sWin[k] = -1;
    this.sFlags[k] = 0;
    this.sHeld[k] = 0;
    this.sOff[k] = 0;
  }

  /** Bytes that were already delivered came again: flag them when they differ from what was delivered. */
  private checkOld(k: number, off: number, src: Uint8Array, srcOff: number, len: number): void {
    const w = this.windows;
    if (w === null) return;
    if (w.differs(k, this.sWin[k], this.sOff[k], off, src, srcOff, len) !== 0) this.differentData();
  }

  private differentData(): void {
    this.stats.overlapsDifferent++;
    if (this.pkt !== null) addAnomaly(this.pkt, A_STREAM_REASSEMBLY_OVERLAP_DIFFERENT_DATA);
  }

  /** Writes `len` bytes of `src` into a pool chain from byte `at` of the chain. */
  private chainWrite(chain: number, at: number, src: Uint8Array, srcOff: number, len: number): void {
    const cs = STREAM_CHUNK_SIZE;
    const d = this.pool.data;
    const nx = this.pool.next;
    let c = chain;
    while (at >= cs && c >= 0) {
      at -= cs;
      c = nx[c];
    }
    let i = 0;
    while (i < len && c >= 0) {
      const base = c * cs + at;
      let n = cs - at;
      if (n > len - i) n = len - i;
      for (let j = 0; j < n; j++) d[base + j] = src[srcOff + i + j];
      i += n;
      at = 0;
      c = nx[c];
    }
  }

  /** Whether `len` bytes of `src` differ from the chain's bytes from `at`. */
  private chainDiffers(chain: number, at: number, src: Uint8Array, srcOff: number, len: number): boolean {
    const cs = STREAM_CHUNK_SIZE;
    const d = this.pool.data;
    const nx = this.pool.next;
    let c = chain;
    while (at >= cs && c >= 0) {
      at -= cs;
      c = nx[c];
    }
    let i = 0;
    while (i < len && c >= 0) {
      const base = c * cs + at;
      let n = cs - at;
      if (n > len - i) n = len - i;
      for (let j = 0; j < n; j++) if (d[base + j] !== src[srcOff + i + j]) return true;
      i += n;
      at = 0;
      c = nx[c];
    }
    return false;
  }
}
