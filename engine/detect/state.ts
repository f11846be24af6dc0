/**
 * Bounded detection state: flowbits and flowints per flow, xbits per host, threshold / detection_filter
 * counters, and "this transaction already alerted for this rule". One open-addressing table type
 * serves all of them: keys are up to four numbers, entries belonging to flows that ended are reused
 * (the flow's id no longer matches its slot), and when a probe finds no room the oldest-looking entry
 * in the probe window is overwritten and `evictions` moves — the table never grows.
 *
 * Hot path: no allocation after construction.
 *
 * @example
 * ```ts
 * import { StateTable } from "./state.ts";
 * const flowIds = new Float64Array(16);
 * flowIds[3] = 77;
 * const t = new StateTable(1024, flowIds);
 * const e = t.upsert(3, 0, 5, 0, 0); // flow slot 3 (its current flow, id 77), key 5
 * t.value[e] = 1;
 * console.log(t.find(3, 0, 5, 0, 0) === e); // true
 * ```
 */

const PROBES = 16;

export class StateTable {
  readonly capacity: number;
  private readonly mask: number;
  /** k0: flow slot (or -1 for non-flow keys), k1: flow id (or key word), k2, k3, k4: key words. */
  private readonly k0: Int32Array;
  private readonly k1: Float64Array;
  private readonly k2: Float64Array;
  private readonly k3: Float64Array;
  private readonly k4: Float64Array;
  private readonly used: Uint8Array;
  /** Per-entry payload. */
  readonly value: Float64Array;
  readonly value2: Float64Array;
  /** Time the entry was last written (µs), for expiry and eviction choice. */
  readonly touchedUs: Float64Array;
  /** Flow ids by slot (FlowTable.flowId): entries of ended flows are free. */
  private readonly flowIds: Float64Array | null;
  evictions = 0;
  nowUs = 0;

  constructor(capacity: number, flowIds: Float64Array | null) {
    let c = 16;
    while (c < capacity) c *= 2;
    this.capacity = c;
    this.mask = c - 1;
    this.k0 = new Int32Array(c);
    this.k1 = new Float64Array(c);
    this.k2 = new Float64Array(c);
    this.k3 = new Float64Array(c);
    this.k4 = new Float64Array(c);
    this.used = new Uint8Array(c);
    this.value = new Float64Array(c);
    this.value2 = new Float64Array(c);
    this.touchedUs = new Float64Array(c);
    this.flowIds = flowIds;
  }

  private hash(a: number, b: number, c: number, d: number, e: number): number {
    let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ (b >>> 0) ^ ((b / 4294967296) >>> 0), 0xc2b2ae35);
    h = Math.imul(h ^ (c >>> 0) ^ ((c / 4294967296) >>> 0), 0x27d4eb2f);
    h = Math.imul(h ^ (d >>> 0), 0x165667b1);
    h = Math.imul(h ^ (e >>> 0), 0x9e3779b1);
    h ^= h >>> 15;
    return h & this.mask;
  }

  private live(i: number): boolean {
    if (this.used[i] === 0) return false;
    const f = this.k0[i];
    if (f >= 0 && this.flowIds !== null && this.flowIds[f] !== this.k1[i]) return false;
    return true;
  }

  /**
   * The entry for the key, or -1. With a flow slot `a` (>= 0) the entry also belongs to that slot's
   * current flow: `b` is ignored and the flow's id (from `flowIds`) stands in for it, so callers never
   * pass a flow id (a double) on the hot path. Keys should be small integers (< 2^30).
   */
  find(a: number, b: number, c: number, d: number, e: number): number {
    if (a >= 0 && this.flowIds !== null) b = 0;
    let i = this.hash(a, b, c, d, e);
    const fid = a >= 0 && this.flowIds !== null ? this.flowIds[a] : b;
    for (let n = 0; n < PROBES; n++) {
      if (
        this.used[i] !== 0 && this.k0[i] === a && this.k1[i] === fid && this.k2[i] === c && this.k3[i] === d &&
        this.k4[i] === e && this.live(i)
      ) return i;
      i = (i + 1) & this.mask;
    }
    return -1;
  }

  /** The entry for the key, created (value 0) if missing. Never fails: evicts within the probe window. */
  upsert(a: number, b: number, c: number, d: number, e: number): number {
    const found = this.find(a, b, c, d, e);
    if (found >= 0) {
      this.touchedUs[found] = this.nowUs;
      return found;
    }
    if (a >= 0 && this.flowIds !== null) b = 0;
    let i = this.hash(a, b, c, d, e);
    const fid = a >= 0 && this.flowIds !== null ? this.flowIds[a] : b;
    let victim = i;
    let oldest = Infinity;
    for (let n = 0; n < PROBES; n++) {
      if (!this.live(i)) {
        victim = i;
        oldest = -1;
        break;
      }
      if (this.touchedUs[i] < oldest) {
        oldest = this.touchedUs[i];
        victim = i;
      }
      i = (i + 1) & this.mask;
    }
    if (oldest !== -1) this.evictions++;
    this.used[victim] = 1;
    this.k0[victim] = a;
    this.k1[victim] = fid;
    this.k2[victim] = c;
    this.k3[victim] = d;
    this.k4[victim] = e;
    this.value[victim] = 0;
    this.value2[victim] = 0;
    this.touchedUs[victim] = this.nowUs;
    return victim;
  }

  remove(entry: number): void {
    this.used[entry] = 0;
  }
}
