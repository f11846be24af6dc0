/**
 * IP defragmentation (IPv4 and IPv6): holds fragments until a datagram is whole, resolves overlaps the
 * way the protected host would (target policy, see `policy.ts`) and hands the engine one rebuilt frame
 * to decode again.
 *
 * Layout, all sized once from `DefragConfig`:
 * - trackers (one per datagram under reassembly, at most `maxTrackers`) live in typed arrays, found
 *   through an open-addressing hash table (linear probing, backward-shift deletion, so no tombstones)
 *   keyed by (ip version, src, dst, id, IPv4 protocol, VLAN ids);
 * - fragment metadata (offset, end, pool chain, arrival order; the MF=0 fragment fixes the datagram
 *   length on its tracker) for at most `maxFragments` fragments, kept per tracker in two singly linked lists: by offset (holes, overlaps)
 *   and by arrival (replayed in that order when the datagram is rebuilt, so the policy sees who came
 *   first);
 * - fragment bytes in a `ChunkPool` of `memcap` bytes (fixed chunks: it cannot fragment); `out` lives
 *   in the same buffer so a rebuild copies with native `copyWithin` (the copy in from `p.buf` is a byte
 *   loop: a foreign buffer cannot be copied from without making a subarray);
 * - trackers also sit on an age list in creation order, so expiry is O(1) per tracker freed. A tracker
 *   times out `timeoutSec` after its first fragment, not its last: a trickle of fragments cannot pin
 *   memory for ever.
 *
 * Must never: allocate or throw in `insert`/`expire` (the constructor may throw on a bad config), keep a
 * reference to `p.buf`, grow anything after construction.
 *
 * @example
 * ```ts
 * import { DEFRAG_COMPLETE, Defragmenter } from "./defragmenter.ts";
 * import { defaultEngineConfig } from "../config.ts";
 * import { Packet } from "../packet.ts";
 * const defrag = new Defragmenter(defaultEngineConfig().defrag);
 * const p = new Packet(); // filled by the decoder; p.isFragment === 1
 * if (p.isFragment === 1 && defrag.insert(p) === DEFRAG_COMPLETE) {
 *   // decode defrag.out[0, defrag.outLen) with the same link type
 * }
 * defrag.expire(p.tsUs, 64);
 * ```
 */
import {
  A_DEFRAG_MEMCAP,
  A_IPV4_FRAG_OVERLAP,
  A_IPV4_FRAG_PKT_TOO_LARGE,
  A_IPV6_FRAG_INVALID_LENGTH,
  A_IPV6_FRAG_OVERLAP,
  A_IPV6_FRAG_PKT_TOO_LARGE,
} from "../anomaly.ts";
import type { DefragConfig } from "../config.ts";
import { foldChecksum, onesSum } from "../decode/checksum.ts";
import { MAX_OUTER_LENGTHS, MAX_PACKET_ANOMALIES, OUTER_LEN_IPV4, OUTER_LEN_UDP } from "../packet.ts";
import type { Packet } from "../packet.ts";
import { ChunkPool, DEFAULT_CHUNK_SIZE } from "./chunk-pool.ts";
import { newWins, policyCode } from "./policy.ts";

/** Fragment stored, datagram not complete yet (the engine passes the fragment on). */
export const DEFRAG_HELD = 0;
/** This fragment completed a datagram: the whole reassembled packet is in `out[0..outLen)`. */
export const DEFRAG_COMPLETE = 1;
/** Fragment not stored (memcap/table full, invalid); a counter moved and maybe an anomaly was added to p. */
export const DEFRAG_DROPPED = 2;

/** Size of `out`: the largest IPv6 datagram (40 + 65535) plus about 5 KiB of link and tunnel headers. */
export const DEFRAG_OUT_SIZE = 70 * 1024;
/** A datagram in more fragments than this is refused (memcap drop): bounds the O(n) work per fragment. */
export const MAX_FRAGMENTS_PER_DATAGRAM = 8192;
/** Trackers expired at most when a table is full, before the fragment is refused. */
const EXPIRE_ON_FULL = 16;
/** Largest IPv4 datagram and largest IPv6 payload. */
const IP_MAX = 65535;

export interface DefragStats {
  /** Fragments offered to `insert`. */
  fragments: number;
  /** Datagrams rebuilt. */
  reassembled: number;
  /** Fragments that overlapped one already held (exact duplicates included). */
  overlaps: number;
  /** Trackers freed because they were older than the timeout. */
  timeouts: number;
  /** Fragments refused because the byte pool, the fragment table or the per-datagram limit was full. */
  memcapDrops: number;
  /** Fragments refused because the tracker table was full. */
  trackerDrops: number;
  /** Fragments refused as malformed, and datagrams discarded as too large. */
  invalid: number;
  /** Bytes of the pool in use (whole chunks). */
  bytesInUse: number;
  trackersInUse: number;
}

/** Appends an anomaly to the packet unless it is already there (so each is raised once per fragment). */
function raise(p: Packet, code: number): void {
  const n = p.anomalyCount < MAX_PACKET_ANOMALIES ? p.anomalyCount : MAX_PACKET_ANOMALIES;
  for (let i = 0; i < n; i++) if (p.anomalies[i] === code) return;
  if (p.anomalyCount < MAX_PACKET_ANOMALIES) p.anomalies[p.anomalyCount++] = code;
}

function mix(h: number, w: number): number {
  h = Math.imul(h ^ w, 0xcc9e2d51);
  h = (h << 15) | (h >>> 17);
  return Math.imul(h, 0x1b873593);
}

export class Defragmenter {
  /** The reassembled packet after DEFRAG_COMPLETE (see the module comment); valid until the next insert. */
  readonly out: Uint8Array;
  outLen = 0;
  readonly stats: DefragStats = {
    fragments: 0,
    reassembled: 0,
    overlaps: 0,
    timeouts: 0,
    memcapDrops: 0,
    trackerDrops: 0,
    invalid: 0,
    bytesInUse: 0,
    trackersInUse: 0,
  };

  private readonly policy: number;
  private readonly timeoutUs: number;
  private readonly pool: ChunkPool;
  /** Owner (fragment index + 1) of each datagram byte while a datagram is rebuilt. */
  private readonly owner: Int32Array;

  // -- hash table: slot -> tracker index, -1 empty
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly seed: number;

  // -- trackers
  private readonly tHash: Int32Array;
  private readonly tVer: Uint8Array;
  private readonly tProto: Uint8Array;
  private readonly tId: Uint32Array;
  private readonly tVlan: Uint32Array;
  private readonly tSrc: Uint32Array;
  private readonly tDst: Uint32Array;
  private readonly tCreated: Float64Array;
  /** Datagram length once the last fragment (MF=0) is seen, else -1. */
  private readonly tTotal: Int32Array;
  private readonly tFragCount: Int32Array;
  private readonly tSortedHead: Int32Array;
  private readonly tArrHead: Int32Array;
  private readonly tArrTail: Int32Array;
  private readonly tOverlap: Uint8Array;
  /** The first fragment's bytes from p.off to its fragmentable data (link, tunnels, IP header). */
  private readonly tHdrChain: Int32Array;
  private readonly tHdrLen: Int32Array;
  private readonly tL3Rel: Int32Array;
  private readonly tIpHdrLen: Int32Array;
  private readonly tNhRel: Int32Array;
  private readonly tNhVal: Uint8Array;
  /** Outer (tunnel) length fields in the stored header: count, offsets from p.off and kinds, and the
   * first fragment's own IP length they were written for. */
  private readonly tOuterCount: Uint8Array;
  private readonly tOuterRel: Int32Array;
  private readonly tOuterKind: Uint8Array;
  private readonly tFirstIpLen: Int32Array;
  private readonly tAgePrev: Int32Array;
  private readonly tAgeNext: Int32Array;
  private ageHead = -1;
  private ageTail = -1;
  private readonly tFree: Int32Array;
  private tFreeTop: number;

  // -- fragments
  private readonly fStart: Int32Array;
  private readonly fEnd: Int32Array;
  private readonly fChain: Int32Array;
  private readonly fNextSorted: Int32Array;
  private readonly fNextArr: Int32Array;
  private readonly fFree: Int32Array;
  private fFreeTop: number;

  constructor(cfg: DefragConfig) {
    const intAtLeast = (name: string, v: number, min: number): number => {
      if (!Number.isInteger(v) || v < min) throw new Error(`defrag.${name}: expected an integer >= ${min}, got ${v}`);
      return v;
    };
    const maxT = intAtLeast("maxTrackers", cfg.maxTrackers, 1);
    const maxF = intAtLeast("maxFragments", cfg.maxFragments, 1);
    intAtLeast("memcap", cfg.memcap, 0);
    if (!(cfg.timeoutSec > 0)) throw new Error(`defrag.timeoutSec: expected a number of seconds > 0, got ${cfg.timeoutSec}`);
    this.policy = policyCode(cfg.policy);
    this.timeoutUs = Math.round(cfg.timeoutSec * 1e6);
    // `out` shares the pool's buffer so rebuilding copies with native copyWithin.
    this.pool = new ChunkPool(cfg.memcap, DEFAULT_CHUNK_SIZE, DEFRAG_OUT_SIZE);
    this.out = new Uint8Array(this.pool.data.buffer, this.pool.extraOff, DEFRAG_OUT_SIZE);
    this.owner = new Int32Array(IP_MAX + 1);

    let size = 2;
    while (size < maxT * 2) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    this.seed = (Math.random() * 0x100000000) >>> 0;

    this.tHash = new Int32Array(maxT);
    this.tVer = new Uint8Array(maxT);
    this.tProto = new Uint8Array(maxT);
    this.tId = new Uint32Array(maxT);
    this.tVlan = new Uint32Array(maxT);
    this.tSrc = new Uint32Array(maxT * 4);
    this.tDst = new Uint32Array(maxT * 4);
    this.tCreated = new Float64Array(maxT);
    this.tTotal = new Int32Array(maxT);
    this.tFragCount = new Int32Array(maxT);
    this.tSortedHead = new Int32Array(maxT);
    this.tArrHead = new Int32Array(maxT);
    this.tArrTail = new Int32Array(maxT);
    this.tOverlap = new Uint8Array(maxT);
    this.tHdrChain = new Int32Array(maxT);
    this.tHdrLen = new Int32Array(maxT);
    this.tL3Rel = new Int32Array(maxT);
    this.tIpHdrLen = new Int32Array(maxT);
    this.tNhRel = new Int32Array(maxT);
    this.tNhVal = new Uint8Array(maxT);
    this.tOuterCount = new Uint8Array(maxT);
    this.tOuterRel = new Int32Array(maxT * MAX_OUTER_LENGTHS);
    this.tOuterKind = new Uint8Array(maxT * MAX_OUTER_LENGTHS);
    this.tFirstIpLen = new Int32Array(maxT);
    this.tAgePrev = new Int32Array(maxT);
    this.tAgeNext = new Int32Array(maxT);
    this.tFree = new Int32Array(maxT);
    for (let i = 0; i < maxT; i++) this.tFree[i] = maxT - 1 - i;
    this.tFreeTop = maxT;

    this.fStart = new Int32Array(maxF);
    this.fEnd = new Int32Array(maxF);
    this.fChain = new Int32Array(maxF);
    this.fNextSorted = new Int32Array(maxF);
    this.fNextArr = new Int32Array(maxF);
    this.fFree = new Int32Array(maxF);
    for (let i = 0; i < maxF; i++) this.fFree[i] = maxF - 1 - i;
    this.fFreeTop = maxF;
  }

  /** Called for a packet the decoder marked p.isFragment === 1 (IPv4 or IPv6, p.decodeOk === 1). Never throws, never allocates. */
  insert(p: Packet): number {
    const st = this.stats;
    st.fragments++;
    const ver = p.ipVersion;
    if (p.isFragment !== 1 || p.decodeOk !== 1 || (ver !== 4 && ver !== 6)) {
      st.invalid++;
      return DEFRAG_DROPPED;
    }
    const v6 = ver === 6;
    const buf = p.buf;
    const l3 = p.l3Off;
    // hdrEnd: where the bytes a rebuilt packet keeps from the first fragment end (IPv6: the fragment header).
    const dataOff = v6 ? p.fragPayloadOff : l3 + p.ipHdrLen;
    const hdrEnd = v6 ? dataOff - 8 : dataOff;
    const ipEnd = l3 + p.ipLen;
    const dataLen = ipEnd - dataOff;
    const start = p.fragOffset;
    const end = start + dataLen;
    const more = p.moreFragments !== 0;
    if (
      dataLen <= 0 || l3 < p.off || ipEnd > p.off + p.len || ipEnd > buf.length ||
      hdrEnd < l3 + (v6 ? 40 : 20) || start < 0 || (v6 && (p.fragNextHdrOff < l3 || p.fragNextHdrOff >= hdrEnd))
    ) {
      st.invalid++;
      return DEFRAG_DROPPED;
    }
    if (v6 && more && (dataLen & 7) !== 0) {
      raise(p, A_IPV6_FRAG_INVALID_LENGTH);
      st.invalid++;
      return DEFRAG_DROPPED;
    }

    const id = p.ipId >>> 0;
    const proto = v6 ? 0 : buf[l3 + 9];
    const vlan = (((p.vlan0 & 0xffff) << 16) | (p.vlan1 & 0xffff)) >>> 0;
    const h = this.hashOf(p, ver, id, proto, vlan);
    let t = this.lookup(p, h, ver, id, proto, vlan);
    if (t >= 0 && p.tsUs - this.tCreated[t] > this.timeoutUs) {
      this.release(t);
      st.timeouts++;
      t = -1;
    }

    // A datagram that would not fit in an IP packet is discarded whole.
    if (v6 ? end > IP_MAX : 20 + end > IP_MAX) {
      raise(p, v6 ? A_IPV6_FRAG_PKT_TOO_LARGE : A_IPV4_FRAG_PKT_TOO_LARGE);
      if (t >= 0) this.release(t);
      st.invalid++;
      return DEFRAG_DROPPED;
    }
    // A second "last fragment" that moves the end of the datagram is corrupt (as Linux judges it).
    if (t >= 0 && !more && this.tTotal[t] >= 0 && this.tTotal[t] !== end) {
      st.invalid++;
      return DEFRAG_DROPPED;
    }

    // Resources: a tracker (when new), a fragment slot, chunks for the data (and the headers if first).
    const pool = this.pool;
    const hdrLen = hdrEnd - p.off;
    const storeHdr = start === 0 && (t < 0 || this.tHdrChain[t] < 0);
    const need = pool.chunksFor(dataLen) + (storeHdr ? pool.chunksFor(hdrLen) : 0);
    if (t >= 0 && this.tFragCount[t] >= MAX_FRAGMENTS_PER_DATAGRAM) {
      raise(p, A_DEFRAG_MEMCAP);
      st.memcapDrops++;
      return DEFRAG_DROPPED;
    }
    if (need > pool.freeChunks || this.fFreeTop === 0 || (t < 0 && this.tFreeTop === 0)) {
      this.expire(p.tsUs, EXPIRE_ON_FULL);
    }
    if (need > pool.freeChunks || this.fFreeTop === 0) {
      raise(p, A_DEFRAG_MEMCAP);
      st.memcapDrops++;
      return DEFRAG_DROPPED;
    }
    if (t < 0) {
      if (this.tFreeTop === 0) {
        raise(p, A_DEFRAG_MEMCAP);
        st.trackerDrops++;
        return DEFRAG_DROPPED;
      }
      t = this.create(p, h, ver, id, proto, vlan);
    }

    // Store the fragment.
    const f = this.fFree[--this.fFreeTop];
    const chain = pool.alloc(dataLen);
    pool.write(chain, buf, dataOff, dataLen);
    this.fStart[f] = start;
    this.fEnd[f] = end;
    this.fChain[f] = chain;
    this.fNextArr[f] = -1;
    if (this.tArrTail[t] >= 0) this.fNextArr[this.tArrTail[t]] = f;
    else this.tArrHead[t] = f;
    this.tArrTail[t] = f;
    this.tFragCount[t]++;

    // Find overlaps and the place in offset order (after every fragment starting at or before this one).
    let overlap = false;
    let prev = -1;
    for (let c = this.tSortedHead[t]; c >= 0 && this.fStart[c] < end; c = this.fNextSorted[c]) {
      if (this.fEnd[c] > start) overlap = true;
      if (this.fStart[c] <= start) prev = c;
    }
    if (prev < 0) {
      this.fNextSorted[f] = this.tSortedHead[t];
      this.tSortedHead[t] = f;
    } else {
      this.fNextSorted[f] = this.fNextSorted[prev];
      this.fNextSorted[prev] = f;
    }
    if (overlap) {
      this.tOverlap[t] = 1;
      st.overlaps++;
      raise(p, v6 ? A_IPV6_FRAG_OVERLAP : A_IPV4_FRAG_OVERLAP);
    }
    if (!more) this.tTotal[t] = end;
    if (storeHdr) {
      const hc = pool.alloc(hdrLen);
      pool.write(hc, buf, p.off, hdrLen);
      this.tHdrChain[t] = hc;
      this.tHdrLen[t] = hdrLen;
      this.tL3Rel[t] = l3 - p.off;
      this.tIpHdrLen[t] = v6 ? 40 : p.ipHdrLen;
      this.tNhRel[t] = v6 ? p.fragNextHdrOff - p.off : 0;
      this.tNhVal[t] = v6 ? buf[hdrEnd] : 0;
      this.tFirstIpLen[t] = p.ipLen;
      const oc = p.outerLenCount;
      this.tOuterCount[t] = oc;
      for (let k = 0; k < oc; k++) {
        this.tOuterRel[t * MAX_OUTER_LENGTHS + k] = p.outerLenOff[k] - p.off;
        this.tOuterKind[t * MAX_OUTER_LENGTHS + k] = p.outerLenKind[k];
      }
    }
    st.bytesInUse = pool.bytesInUse();

    if (this.tTotal[t] >= 0 && this.tHdrChain[t] >= 0 && this.complete(t)) return this.rebuild(t, p);
    return DEFRAG_HELD;
  }

  /** Frees trackers older than timeoutSec relative to nowUs; bounded work per call (at most `max` trackers). Returns how many were freed. */
  expire(nowUs: number, max: number): number {
    this.nowUs = nowUs;
    return this.expireNow(max);
  }

  /** The current time (µs) as the last `expire` call or the engine set it. */
  nowUs = 0.5;

  /**
   * `expire` at `nowUs`: the hot-path form. A time is a double, and V8 boxes a double passed to a
   * function it did not inline, so the engine sets the field instead of passing it.
   */
  expireNow(max: number): number {
    const nowUs = this.nowUs;
    let n = 0;
    while (n < max && this.ageHead >= 0 && nowUs - this.tCreated[this.ageHead] > this.timeoutUs) {
      this.release(this.ageHead);
      this.stats.timeouts++;
      n++;
    }
    return n;
  }

  /** True when the fragments held cover [0, total) without a hole. */
  private complete(t: number): boolean {
    const total = this.tTotal[t];
    let reach = 0;
    for (let c = this.tSortedHead[t]; c >= 0 && reach < total; c = this.fNextSorted[c]) {
      if (this.fStart[c] > reach) return false;
      if (this.fEnd[c] > reach) reach = this.fEnd[c];
    }
    return reach >= total;
  }

  /** Writes the whole datagram into `out`, frees the tracker. */
  private rebuild(t: number, p: Packet): number {
    const st = this.stats;
    const out = this.out;
    const total = this.tTotal[t];
    const hl = this.tHdrLen[t];
    const l3 = this.tL3Rel[t];
    const v6 = this.tVer[t] === 6;
    const unfrag = hl - l3 - 40; // IPv6: extension headers kept before the fragment header
    if (v6 ? unfrag + total > IP_MAX : this.tIpHdrLen[t] + total > IP_MAX) {
      raise(p, v6 ? A_IPV6_FRAG_PKT_TOO_LARGE : A_IPV4_FRAG_PKT_TOO_LARGE);
      this.release(t);
      st.invalid++;
      return DEFRAG_DROPPED;
    }
    if (hl + total > out.length) {
      this.release(t);
      st.invalid++;
      return DEFRAG_DROPPED;
    }
    const pool = this.pool;
    const base = pool.extraOff;
    pool.readWithin(this.tHdrChain[t], base, hl);
    if (this.tOverlap[t] === 0) {
      // No overlap: every byte has exactly one source.
      for (let f = this.tArrHead[t]; f >= 0; f = this.fNextArr[f]) {
        const s = this.fStart[f];
        if (s >= total) continue;
        const e = this.fEnd[f] < total ? this.fEnd[f] : total;
        pool.readWithin(this.fChain[f], base + hl + s, e - s);
      }
    } else {
      this.paint(t, total, hl);
    }

    let newIpLen: number;
    if (v6) {
      out[this.tNhRel[t]] = this.tNhVal[t];
      const plen = unfrag + total;
      out[l3 + 4] = plen >>> 8;
      out[l3 + 5] = plen & 0xff;
      newIpLen = 40 + plen;
    } else {
      const ihl = this.tIpHdrLen[t];
      const tl = ihl + total;
      out[l3 + 2] = tl >>> 8;
      out[l3 + 3] = tl & 0xff;
      out[l3 + 6] &= 0xc0; // keep the reserved and DF bits, clear MF and the offset
      out[l3 + 7] = 0;
      out[l3 + 10] = 0;
      out[l3 + 11] = 0;
      const sum = foldChecksum(onesSum(out, l3, ihl, 0));
      out[l3 + 10] = sum >>> 8;
      out[l3 + 11] = sum & 0xff;
      newIpLen = tl;
    }
    this.fixOuterLengths(t, newIpLen - this.tFirstIpLen[t]);
    this.outLen = hl + total;
    st.reassembled++;
    this.release(t);
    return DEFRAG_COMPLETE;
  }

  /**
   * A tunnelled datagram: the outer headers copied from the first fragment still carry that fragment's
   * lengths. Each grows by `delta` (IPv4 header checksums recomputed; outer UDP checksums zeroed, which
   * IPv4 reads as "none" and tunnels over IPv6 allow, RFC 6935).
   */
  private fixOuterLengths(t: number, delta: number): void {
    const out = this.out;
    const n = this.tOuterCount[t];
    for (let k = 0; k < n; k++) {
      const o = this.tOuterRel[t * MAX_OUTER_LENGTHS + k];
      const kind = this.tOuterKind[t * MAX_OUTER_LENGTHS + k];
      const at = kind === OUTER_LEN_IPV4 ? o + 2 : o + 4;
      const len = ((out[at] << 8) | out[at + 1]) + delta;
      out[at] = (len >>> 8) & 0xff;
      out[at + 1] = len & 0xff;
      if (kind === OUTER_LEN_IPV4) {
        const ihl = (out[o] & 15) * 4;
        out[o + 10] = 0;
        out[o + 11] = 0;
        const sum = foldChecksum(onesSum(out, o, ihl, 0));
        out[o + 10] = sum >>> 8;
        out[o + 11] = sum & 0xff;
      } else if (kind === OUTER_LEN_UDP) {
        out[o + 6] = 0;
        out[o + 7] = 0;
      }
    }
  }

  /** Lays fragments down in arrival order; a later one takes a byte only when the policy says it wins. */
  private paint(t: number, total: number, hl: number): void {
    const owner = this.owner;
    const out = this.out;
    const data = this.pool.data;
    const next = this.pool.next;
    const cs = this.pool.chunkSize;
    const policy = this.policy;
    const fStart = this.fStart;
    const fEnd = this.fEnd;
    owner.fill(0, 0, total);
    for (let f = this.tArrHead[t]; f >= 0; f = this.fNextArr[f]) {
      const s = fStart[f];
      const fe = fEnd[f];
      const e = fe < total ? fe : total;
      const me = f + 1;
      let c = this.fChain[f];
      for (let b = s; b < e && c >= 0; c = next[c]) {
        const base = c * cs;
        const stop = b + cs < e ? b + cs : e;
        for (let k = base; b < stop; b++, k++) {
          const o = owner[b];
          if (o === 0 || (o !== me && newWins(policy, s, fe, fStart[o - 1], fEnd[o - 1]))) {
            owner[b] = me;
            out[hl + b] = data[k];
          }
        }
      }
    }
  }

  private hashOf(p: Packet, ver: number, id: number, proto: number, vlan: number): number {
    let h = mix(this.seed, ver | (proto << 8));
    h = mix(h, id);
    h = mix(h, vlan);
    for (let i = 0; i < 4; i++) {
      h = mix(h, p.src[i]);
      h = mix(h, p.dst[i]);
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    return h | 0;
  }

  private lookup(p: Packet, h: number, ver: number, id: number, proto: number, vlan: number): number {
    const mask = this.mask;
    for (let i = h & mask;; i = (i + 1) & mask) {
      const t = this.slots[i];
      if (t < 0) return -1;
      if (
        this.tHash[t] === h && this.tVer[t] === ver && this.tId[t] === id && this.tProto[t] === proto &&
        this.tVlan[t] === vlan && this.sameAddrs(p, t)
      ) return t;
    }
  }

  private sameAddrs(p: Packet, t: number): boolean {
    const o = t * 4;
    for (let i = 0; i < 4; i++) {
      if (this.tSrc[o + i] !== p.src[i] || this.tDst[o + i] !== p.dst[i]) return false;
    }
    return true;
  }

  private create(p: Packet, h: number, ver: number, id: number, proto: number, vlan: number): number {
    const t = this.tFree[--this.tFreeTop];
    this.tHash[t] = h;
    this.tVer[t] = ver;
    this.tId[t] = id;
    this.tProto[t] = proto;
    this.tVlan[t] = vlan;
    const o = t * 4;
    for (let i = 0; i < 4; i++) {
      this.tSrc[o + i] = p.src[i];
      this.tDst[o + i] = p.dst[i];
    }
    this.tCreated[t] = p.tsUs;
    this.tTotal[t] = -1;
    this.tFragCount[t] = 0;
    this.tSortedHead[t] = -1;
    this.tArrHead[t] = -1;
    this.tArrTail[t] = -1;
    this.tOverlap[t] = 0;
    this.tHdrChain[t] = -1;
    this.tHdrLen[t] = 0;
    // hash table: the table is at least twice the tracker count, so an empty slot exists
    const mask = this.mask;
    let i = h & mask;
    while (this.slots[i] >= 0) i = (i + 1) & mask;
    this.slots[i] = t;
    // age list: newest at the tail
    this.tAgePrev[t] = this.ageTail;
    this.tAgeNext[t] = -1;
    if (this.ageTail >= 0) this.tAgeNext[this.ageTail] = t;
    else this.ageHead = t;
    this.ageTail = t;
    this.stats.trackersInUse++;
    return t;
  }

  /** Frees a tracker, its fragments and their bytes. */
  private release(t: number): void {
    const pool = this.pool;
    for (let f = this.tArrHead[t]; f >= 0;) {
      const nf = this.fNextArr[f];
      pool.free(this.fChain[f]);
      this.fFree[this.fFreeTop++] = f;
      f = nf;
    }
    pool.free(this.tHdrChain[t]);
    this.tHdrChain[t] = -1;
    this.tArrHead[t] = -1;
    this.tArrTail[t] = -1;
    this.tSortedHead[t] = -1;
    // age list
    const pr = this.tAgePrev[t];
    const nx = this.tAgeNext[t];
    if (pr >= 0) this.tAgeNext[pr] = nx;
    else this.ageHead = nx;
    if (nx >= 0) this.tAgePrev[nx] = pr;
    else this.ageTail = pr;
    // hash table: backward-shift deletion keeps every probe chain unbroken
    const mask = this.mask;
    const slots = this.slots;
    let i = this.tHash[t] & mask;
    while (slots[i] !== t) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const s = slots[j];
      if (s < 0) break;
      const k = this.tHash[s] & mask;
      // s may move to i only if its home slot k is not cyclically within (i, j]
      const stays = i <= j ? i < k && k <= j : i < k || k <= j;
      if (stays) continue;
      slots[i] = s;
      i = j;
    }
    slots[i] = -1;
    this.tFree[this.tFreeTop++] = t;
    this.stats.trackersInUse--;
    this.stats.bytesInUse = pool.bytesInUse();
  }
}
