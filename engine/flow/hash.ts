/**
 * Integer hashing for the flow table: a symmetric 5-tuple hash (a packet and its reply hash alike) and
 * the flow-id scrambler. Pure 32-bit integer math (`Math.imul`, shifts); nothing here allocates, throws
 * or touches anything but its arguments, so it may run per packet.
 *
 * Never use this for anything an attacker must not be able to predict: it is a fast mix, not a keyed
 * hash. (Chains stay short against honest traffic; the table's memcap bounds the damage otherwise.)
 *
 * @example
 * ```ts
 * import { endpointHash, flowHash } from "./hash.ts";
 * const a = endpointHash(Uint32Array.of(0x0a000001, 0, 0, 0), 0, 40000);
 * const b = endpointHash(Uint32Array.of(0x0a000002, 0, 0, 0), 0, 80);
 * console.log(flowHash(a, b, 6, 4, 0, 0) === flowHash(b, a, 6, 4, 0, 0)); // true
 * ```
 */

/** Murmur3's 32-bit finaliser: a bijection on 32-bit integers with good avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** One murmur3 block: the word is scrambled on its own before it meets the state, so structure shared
 * by neighbouring words (address and port counting up together) cannot cancel out. */
function round(h: number, w: number): number {
  let k = Math.imul(w, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * Hash of one endpoint: four address words at `words[at..at+4)` (IPv4 in the first) and a port. The words
 * are read here rather than passed in: a uint32 above 2^31 passed to a function V8 did not inline is
 * boxed in a heap number — an allocation per packet. 30 bits out, for the same reason.
 */
export function endpointHash(words: Uint32Array, at: number, port: number): number {
  let h = round(0x9e3779b9, port);
  h = round(h, words[at] | 0);
  h = round(h, words[at + 1] | 0);
  h = round(h, words[at + 2] | 0);
  h = round(h, words[at + 3] | 0);
  h ^= 20;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 2;
}

/**
 * Combines two endpoint hashes order-independently (sum) with the rest of the key, so that A->B and
 * B->A land in the same bucket. 30 bits, like `endpointHash`.
 */
export function flowHash(ha: number, hb: number, proto: number, kind: number, vlan0: number, vlan1: number): number {
  let h = (ha + hb) ^ Math.imul(proto | (kind << 8) | (vlan0 << 16), 0x27d4eb2d) ^ Math.imul(vlan1 + 1, 0x165667b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 2;
}

/**
 * Writes the id of the n-th flow (n ≥ 0, n < 2^52) to `out[i]`: unique per n, positive, below 2^53,
 * and scrambled so consecutive flows get unrelated-looking ids. Bijective: the low 32 bits go through
 * `fmix32`, the high 20 bits are offset by a function of the low ones. (Written, not returned: a
 * returned double may be boxed.)
 */
export function writeFlowId(out: Float64Array, i: number, n: number): void {
  const lo = n % 4294967296;
  const hi = (n - lo) / 4294967296;
  const mixedLo = fmix32(lo ^ 0x5bd1e995);
  const mixedHi = (hi + (fmix32(lo ^ 0x1b873593) & 0xfffff)) & 0xfffff;
  out[i] = mixedHi * 4294967296 + mixedLo + 1;
}

/** `writeFlowId` as a value (cold path, tests). */
export function scrambleFlowId(n: number): number {
  const out = new Float64Array(1);
  writeFlowId(out, 0, n);
  return out[0];
}
