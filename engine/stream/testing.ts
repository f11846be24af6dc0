/**
 * Test helpers for the stream reassembler: a consumer that records what it got, and a way to feed
 * segments without decoding packets. Tests only (allocates freely); never imported by engine code.
 *
 * @example
 * ```ts
 * import { Recorder, Feeder } from "./testing.ts";
 * const rec = new Recorder();
 * const f = new Feeder({}, rec);
 * f.seg(0, 0, 1000, "hello");
 * console.log(rec.text(0, 0)); // "hello"
 * ```
 */
import { defaultEngineConfig, type StreamConfig } from "../config.ts";
import { SIDE_SEQ_KNOWN, TcpTracker } from "../flow/tcp-state.ts";
import { Packet, TH_ACK } from "../packet.ts";
import type { StreamConsumer } from "./consumer.ts";
import { Reassembler, type TcpView } from "./reassembler.ts";

/** One thing a consumer was told. */
export type StreamCall =
  | { kind: "data"; flow: number; dir: number; bytes: Uint8Array }
  | { kind: "gap"; flow: number; dir: number; len: number }
  | { kind: "end"; flow: number; dir: number }
  | { kind: "flowEnd"; flow: number };

/** Records every call; `bytes(flow, dir)` is the stream with gaps as `gapByte` runs. */
export class Recorder implements StreamConsumer {
  calls: StreamCall[] = [];
  /** Called inside streamData (e.g. to read the raw window). */
  onData: ((flow: number, dir: number, len: number) => void) | null = null;
  streamData(flow: number, dir: number, buf: Uint8Array, off: number, len: number): void {
    this.calls.push({ kind: "data", flow, dir, bytes: buf.slice(off, off + len) });
    this.onData?.(flow, dir, len);
  }
  streamGap(flow: number, dir: number, len: number): void {
    this.calls.push({ kind: "gap", flow, dir, len });
  }
  streamEnd(flow: number, dir: number): void {
    this.calls.push({ kind: "end", flow, dir });
  }
  flowEnd(flow: number): void {
    this.calls.push({ kind: "flowEnd", flow });
  }
  bytes(flow: number, dir: number, gapByte = 0x7e): Uint8Array {
    const parts: number[] = [];
    for (const c of this.calls) {
      if (c.kind === "data" && c.flow === flow && c.dir === dir) parts.push(...c.bytes);
      else if (c.kind === "gap" && c.flow === flow && c.dir === dir) for (let i = 0; i < c.len; i++) parts.push(gapByte);
    }
    return Uint8Array.from(parts);
  }
  text(flow: number, dir: number): string {
    return new TextDecoder("latin1").decode(this.bytes(flow, dir));
  }
  count(kind: StreamCall["kind"], flow?: number, dir?: number): number {
    return this.calls.filter((c) =>
      c.kind === kind && (flow === undefined || c.flow === flow) &&
      (dir === undefined || !("dir" in c) || c.dir === dir)
    ).length;
  }
}

/** A fake flow table view: ISNs set by hand, TCP state always "closed" (every RST accepted). */
export class FakeView implements TcpView {
  readonly tcp: TcpTracker;
  readonly tcpState: Uint8Array;
  constructor(maxFlows: number) {
    this.tcp = new TcpTracker(maxFlows);
    this.tcpState = new Uint8Array(maxFlows).fill(10);
  }
  /** Side `dir` of `flow` sent its SYN with sequence `isn`. */
  isn(flow: number, dir: number, isn: number): void {
    this.tcp.isn[2 * flow + dir] = isn >>> 0;
    this.tcp.side[2 * flow + dir] |= SIDE_SEQ_KNOWN;
  }
}

/** Drives a Reassembler with hand-made segments. */
export class Feeder {
  readonly r: Reassembler;
  readonly p = new Packet();
  readonly view: FakeView | null;
  constructor(tune: Partial<StreamConfig>, rec: StreamConsumer, maxFlows = 4, withView = true) {
    const cfg = { ...defaultEngineConfig().stream, ...tune };
    this.view = withView ? new FakeView(maxFlows) : null;
    this.r = new Reassembler(cfg, maxFlows, this.view);
    this.r.consumer = rec;
  }
  /** Sends `data` from `seq` in direction `dir` of `flow`; with `ack` the ACK flag is added to `flags`. */
  seg(flow: number, dir: number, seq: number, data: string | Uint8Array, flags = 0, ack?: number): Packet {
    const bytes = typeof data === "string" ? Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff) : data;
    const p = this.p;
    const buf = new Uint8Array(bytes.length + 7);
    buf.set(bytes, 7);
    p.buf = buf;
    p.payloadOff = 7;
    p.payloadLen = bytes.length;
    p.tcpSeq = seq >>> 0;
    p.tcpAck = (ack ?? 0) >>> 0;
    p.tcpFlags = ack === undefined ? flags : flags | TH_ACK;
    p.anomalyCount = 0;
    this.r.onPacket(flow, dir, p);
    return p;
  }
  anomalies(): number[] {
    return Array.from(this.p.anomalies.subarray(0, this.p.anomalyCount));
  }
}
