/**
 * Test support for app-layer parser tests (cold path, tests only; it allocates freely): TCP
 * conversations of a capture file put back in order per direction, a recording `AppSink` that copies
 * every inspection's buffers into strings, a driver feeding a parser whole or byte by byte, and a
 * fast-check property feeding line-protocol parsers random lines (`fuzzLines`).
 * Must never be imported by engine code.
 *
 * @example
 * ```ts
 * import { tcpConversations, RecordingSink, feedConversation } from "./stream-fixture.ts";
 * const [conv] = tcpConversations("smtp.pcap");
 * const sink = new RecordingSink();
 * feedConversation(parser, conv, sink, 0); // 0: packet-sized pieces, n: n-byte pieces
 * sink.values(BUF_SMTP_HELO);
 * ```
 */
import fc from "fast-check";
import { defaultEngineConfig } from "../config.ts";
import { Decoder } from "../decode/decoder.ts";
import { IPPROTO_TCP, Packet, TH_ACK, TH_SYN } from "../packet.ts";
import { InspectBuffers } from "../detect/buffers.ts";
import type { AppParser, AppSink } from "./parser.ts";
import { PARSE_OK } from "./parser.ts";
import { readAll } from "../../datapath/pcap/reader.ts";

export interface Segment {
  /** 0 client → server, 1 back. */
  dir: number;
  data: Uint8Array;
}

export interface Conversation {
  clientPort: number;
  serverPort: number;
  segments: Segment[];
}

/** The TCP conversations of a capture, each direction in sequence order (retransmissions dropped). */
export function tcpConversations(path: string): Conversation[] {
  const d = new Decoder(defaultEngineConfig().decode);
  const p = new Packet();
  const convs = new Map<string, { c: Conversation; clientKey: string; next: [number, number]; held: [Map<number, Uint8Array>, Map<number, Uint8Array>] }>();
  const order: Conversation[] = [];
  for (const rec of readAll(path)) {
    p.reset(rec.data, 0, rec.data.length);
    p.linkType = rec.linkType;
    d.decode(p);
    if (p.proto !== IPPROTO_TCP || p.isFragment) continue;
    const a = `${p.src.join(".")}:${p.srcPort}`;
    const b = `${p.dst.join(".")}:${p.dstPort}`;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    let e = convs.get(key);
    if (e === undefined) {
      const synOnly = (p.tcpFlags & (TH_SYN | TH_ACK)) === TH_SYN;
      const synAck = (p.tcpFlags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK);
      // initiator: the SYN sender; without a handshake, the lower-port side is the server
      const clientIsSrc = synOnly ? true : synAck ? false : p.srcPort > p.dstPort;
      const c: Conversation = {
        clientPort: clientIsSrc ? p.srcPort : p.dstPort,
        serverPort: clientIsSrc ? p.dstPort : p.srcPort,
        segments: [],
      };
      e = { c, clientKey: clientIsSrc ? a : b, next: [-1, -1], held: [new Map(), new Map()] };
      convs.set(key, e);
      order.push(c);
    }
    const dir = a === e.clientKey ? 0 : 1;
    const seq = p.tcpSeq >>> 0;
    if (p.tcpFlags & TH_SYN) {
      e.next[dir] = (seq + 1) >>> 0;
      continue;
    }
    if (p.payloadLen === 0) continue;
    const data = rec.data.slice(p.payloadOff, p.payloadOff + p.payloadLen);
    if (e.next[dir] === -1) e.next[dir] = seq;
    e.held[dir].set(seq, data);
    // release whatever is now in order
    for (;;) {
      const n = e.next[dir];
      let found = false;
      for (const [s, seg] of e.held[dir]) {
        const rel = (n - s) | 0; // how far into this segment the next expected byte is
        if (rel < 0) continue;
        e.held[dir].delete(s);
        if (rel >= seg.length) continue; // an old retransmission
        e.c.segments.push({ dir, data: rel === 0 ? seg : seg.slice(rel) });
        e.next[dir] = (n + seg.length - rel) >>> 0;
        found = true;
        break;
      }
      if (!found) break;
    }
  }
  return order;
}

export interface Inspection {
  txId: number;
  dir: number;
  progress: number;
  /** buffer id → the views' bytes as latin1 strings */
  bufs: Map<number, string[]>;
  fields: number[];
}

/** An AppSink that records every inspection (copies) and every event. */
export class RecordingSink implements AppSink {
  readonly buffers = new InspectBuffers();
  readonly inspections: Inspection[] = [];
  readonly events: number[] = [];

  tx(txId: number, dir: number, progress: number): void {
    const bufs = bufferStrings(this.buffers, 57);
    this.inspections.push({ txId, dir, progress, bufs, fields: Array.from(this.buffers.fields) });
  }

  event(code: number): void {
    this.events.push(code);
  }

  /** Every value buffer `id` had over all inspections, de-duplicated, in first-seen order. */
  values(id: number): string[] {
    const seen = new Set<string>();
    for (const i of this.inspections) for (const v of i.bufs.get(id) ?? []) seen.add(v);
    return [...seen];
  }

  /** Whether any inspection's buffer `id` contains `needle`. */
  anyContains(id: number, needle: string): boolean {
    return this.inspections.some((i) => (i.bufs.get(id) ?? []).some((v) => v.includes(needle)));
  }
}

/** Buffer id → its views' bytes as latin1 strings, for the ids below `count` that hold any view. */
export function bufferStrings(buffers: InspectBuffers, count: number): Map<number, string[]> {
  const bufs = new Map<number, string[]>();
  for (let id = 0; id < count; id++) {
    const out: string[] = [];
    for (let v = buffers.first(id); v >= 0; v = buffers.next(v)) {
      out.push(latin1(buffers.data[v], buffers.start[v], buffers.len[v]));
    }
    if (out.length > 0) bufs.set(id, out);
  }
  return bufs;
}

export function latin1(d: Uint8Array, start: number, len: number): string {
  let s = "";
  for (let i = 0; i < len; i++) s += String.fromCharCode(d[start + i]);
  return s;
}

export function bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

/**
 * Feeds a conversation's segments to `parser` (slot `slot`); `piece` 0 gives each segment whole,
 * otherwise `piece`-byte pieces. Stops at the first result other than PARSE_OK and returns it.
 */
export function feedConversation(parser: AppParser, slot: number, conv: Conversation, sink: AppSink, piece: number): number {
  for (const s of conv.segments) {
    const r = feedBytes(parser, slot, s.dir, s.data, sink, piece);
    if (r !== PARSE_OK) return r;
  }
  parser.eof(slot, 0, sink);
  parser.eof(slot, 1, sink);
  return PARSE_OK;
}

/** Feeds `data` in `piece`-byte pieces (0: whole); stops at the first result other than PARSE_OK. */
export function feedBytes(parser: AppParser, slot: number, dir: number, data: Uint8Array, sink: AppSink, piece = 0): number {
  const step = piece > 0 ? piece : data.length;
  for (let o = 0; o < data.length; o += step) {
    const n = Math.min(step, data.length - o);
    const r = parser.parse(slot, dir, data, o, n, sink);
    if (r !== PARSE_OK) return r;
  }
  return PARSE_OK;
}

/**
 * Property check: a fresh slot fed any sequence (up to 30) of `alphabet` pieces and random strings,
 * alternating direction, never throws; `check` (if given) sees every `parse` result.
 */
export function fuzzLines(
  parser: AppParser,
  sink: AppSink,
  alphabet: string[],
  check?: (result: number) => void,
  runs = 300,
): void {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constantFrom(...alphabet), fc.string()), { maxLength: 30 }), (parts) => {
      const slot = parser.open();
      parts.forEach((s, i) => {
        const r = parser.parse(slot, i & 1, bytes(s), 0, s.length, sink);
        if (check !== undefined) check(r);
      });
      parser.close(slot);
    }),
    { numRuns: runs },
  );
}
