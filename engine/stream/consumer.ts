/**
 * What the TCP stream reassembler delivers to: in-order bytes per flow direction, gaps where bytes were
 * lost, and the end of each direction and flow. The engine's app-layer dispatcher implements it (tests
 * implement it to record what they get).
 *
 * Implementations are called on the hot path, synchronously, while the engine processes the packet
 * that made the bytes in-order (`engine.packet`): they must not allocate per call, must not throw, and
 * must not keep `buf` past the call (it is the packet buffer or the reassembler's staging area, both
 * reused). `streamEnd` and `flowEnd` may also come from flow housekeeping, while another packet is
 * current.
 *
 * @example
 * ```ts
 * import type { StreamConsumer } from "./consumer.ts";
 * let bytes = 0;
 * const counter: StreamConsumer = {
 *   streamData(_flow, _dir, _buf, _off, len) { bytes += len; },
 *   streamGap(_flow, _dir, len) { bytes += len; },
 *   streamEnd() {},
 *   flowEnd() {},
 * };
 * // engine.streamConsumer = counter;
 * ```
 */

export interface StreamConsumer {
  /**
   * `len` (> 0) new in-order bytes of flow `flow`, direction `dir` (0 client -> server, the flow table's
   * direction): `buf[off .. off+len)`. Several calls may come for one packet (a filled hole releases held
   * segments). Each call continues exactly where the last data or gap of the direction ended.
   */
  streamData(flow: number, dir: number, buf: Uint8Array, off: number, len: number): void;
  /** `len` (> 0) bytes of the direction were lost (never seen, memory cap, hole never filled). */
  streamGap(flow: number, dir: number, len: number): void;
  /** The direction is finished: everything before its FIN (or RST, or the flow's end) was delivered. */
  streamEnd(flow: number, dir: number): void;
  /** The flow ended (timeout, eviction, port reuse, end of input); its index may be reused after this. */
  flowEnd(flow: number): void;
}
