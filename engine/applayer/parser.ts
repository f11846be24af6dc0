/**
 * The contract between app-layer parsers and the rest of the engine.
 *
 * A parser is a state machine fed bytes incrementally: in-order TCP stream bytes (from the reassembler)
 * or whole UDP datagrams, either direction, in pieces of any size — a message may arrive one byte at a
 * time or many messages in one piece. It keeps per-flow state in a slot of a pool it sized at
 * construction (`open` / `close`); nothing is allocated per packet or per message.
 *
 * At every inspection point (a request line and headers complete, a body chunk, a response, a DNS
 * message, a ClientHello, an SMB write to a pipe …) the parser fills `sink.buffers` for the transaction
 * — `reset()` first, then every buffer and field the transaction has so far, request side and response
 * side (a toclient rule may test `http.uri` together with `http.stat_code`) — and calls `sink.tx`.
 * Detection runs synchronously inside that call, so views may point into the bytes being parsed.
 *
 * Never throws on input: malformed input raises `sink.event(code)` (ANOMALY codes, Suricata's
 * app-layer event names) and the parser either resynchronises or returns PARSE_ERROR to give up on the
 * flow (its remaining bytes are still inspected as raw stream).
 *
 * @example
 * ```ts
 * // driving a parser (what engine/applayer/dispatch does)
 * import type { AppParser, AppSink } from "./parser.ts";
 * function feed(parser: AppParser, sink: AppSink, bytes: Uint8Array) {
 *   const slot = parser.open();
 *   if (slot < 0) return; // pool exhausted: counted, the flow is inspected as raw stream only
 *   parser.parse(slot, 0, bytes, 0, bytes.length, sink);
 *   parser.close(slot);
 * }
 * ```
 */
import type { InspectBuffers } from "../detect/buffers.ts";

/** Directions, as the flow table's: 0 from the flow's initiator (client) to server, 1 back. */
export const DIR_TOSERVER = 0;
export const DIR_TOCLIENT = 1;

/** `parse` results. */
export const PARSE_OK = 0;
/** The bytes are not this protocol (or are beyond repair): stop feeding this parser for the flow. */
export const PARSE_ERROR = 1;
/** The protocol switched (HTTP CONNECT / Upgrade: h2c, STARTTLS): `upgradeTo` names the new protocol. */
export const PARSE_UPGRADE = 2;

/** Transaction progress flags passed to `sink.tx` (what is complete so far, both directions). */
export const TX_REQUEST_LINE = 1;
export const TX_REQUEST_HEADERS = 2;
export const TX_REQUEST_BODY = 4; // more request body (the body views hold what is buffered so far)
export const TX_REQUEST_DONE = 8;
export const TX_RESPONSE_LINE = 16;
export const TX_RESPONSE_HEADERS = 32;
export const TX_RESPONSE_BODY = 64;
export const TX_RESPONSE_DONE = 128;

/** What a parser calls while parsing. Implemented by the engine's app-layer dispatcher. */
export interface AppSink {
  /** Filled by the parser before each `tx` call (after `buffers.reset()`). */
  readonly buffers: InspectBuffers;
  /**
   * A transaction reached an inspection point. `txId` counts transactions in the flow from 0 (detection
   * keeps "already alerted" per transaction); `dir` is the direction whose bytes caused it; `progress`
   * is TX_* flags of what the transaction has completed.
   */
  tx(txId: number, dir: number, progress: number): void;
  /** An app-layer anomaly (an `ANOMALY` code from engine/anomaly.ts). */
  event(code: number): void;
}

export interface AppParser {
  /** ALPROTO_* this parser handles. */
  readonly proto: number;
  /** Set by `parse` when it returns PARSE_UPGRADE: the ALPROTO_* the flow continues as (0: detect again). */
  upgradeTo: number;
  /** With PARSE_UPGRADE: the offset in that call's `buf` where the new protocol's bytes begin. */
  upgradeAt: number;
  /** Takes a per-flow state slot from the pool; -1 when the pool is exhausted. */
  open(): number;
  /** Returns a slot to the pool (the flow ended). */
  close(slot: number): void;
  /** Feeds `len` in-order bytes of one direction. Returns PARSE_OK, PARSE_ERROR or PARSE_UPGRADE. */
  parse(slot: number, dir: number, buf: Uint8Array, off: number, len: number, sink: AppSink): number;
  /** `len` bytes of this direction were lost (reassembly gap or memcap): resynchronise or give up. */
  gap(slot: number, dir: number, len: number): number;
  /** The direction ended (FIN / RST / flow timeout): flush what is pending (a body without length ends here). */
  eof(slot: number, dir: number, sink: AppSink): void;
}

/**
 * Protocol detection by content: looks at the first bytes a direction sent and says whether they are
 * this protocol. Returns the ALPROTO_* id, ALPROTO_UNKNOWN when they are not, or PROBE_NEED_MORE
 * when more bytes are needed to tell.
 */
export type Probe = (dir: number, buf: Uint8Array, off: number, len: number) => number;
export const PROBE_NEED_MORE = -1;
