/**
 * Test support for HTTP/1 parser tests: a sink that records every inspection point as plain strings
 * (buffer name -> views), and a driver that feeds a conversation split at given points.
 *
 * Test-only: allocates freely; never imported by engine code.
 *
 * @example
 * ```ts
 * const sink = new RecordingSink();
 * feed(parser, sink, [[0, "GET / HTTP/1.1\r\n\r\n"]], 1);
 * sink.calls[0].bufs["http.uri"]; // ["/"]
 * ```
 */
import { BUF_COUNT, bufferName, FIELD_HTTP_STATUS, InspectBuffers } from "../../detect/buffers.ts";
import type { AppParser, AppSink } from "../parser.ts";
import { anomalyName } from "../../anomaly.ts";

export interface TxCall {
  txId: number;
  dir: number;
  progress: number;
  status: number;
  bufs: Record<string, string[]>;
}

const latin1 = new TextDecoder("latin1");

export class RecordingSink implements AppSink {
  readonly buffers = new InspectBuffers();
  calls: TxCall[] = [];
  events: string[] = [];
  tx(txId: number, dir: number, progress: number): void {
    const bufs: Record<string, string[]> = {};
    const b = this.buffers;
    for (let id = 2; id < BUF_COUNT; id++) {
      for (let v = b.first(id); v >= 0; v = b.next(v)) {
        const name = bufferName(id);
        (bufs[name] ??= []).push(latin1.decode(b.data[v].subarray(b.start[v], b.start[v] + b.len[v])));
      }
    }
    this.calls.push({ txId, dir, progress, status: b.fields[FIELD_HTTP_STATUS], bufs });
  }
  event(code: number): void {
    this.events.push(anomalyName(code));
  }
  /** The last call for a tx in a direction. */
  last(txId: number, dir: number): TxCall | undefined {
    for (let i = this.calls.length - 1; i >= 0; i--) {
      if (this.calls[i].txId === txId && this.calls[i].dir === dir) return this.calls[i];
    }
    return undefined;
  }
}

export type Piece = [dir: number, data: string | Uint8Array];

export function bytes(s: string | Uint8Array): Uint8Array {
  if (typeof s !== "string") return s;
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 255;
  return b;
}

/**
 * Feeds pieces (each direction's bytes in order) cutting each into chunks of `step` bytes (0: whole),
 * or at `cuts` (offsets within the piece). Returns the parse results; calls eof on both directions.
 */
export function feed(parser: AppParser, sink: AppSink, pieces: Piece[], step = 0, cuts?: number[]): number[] {
  const slot = parser.open();
  if (slot < 0) throw new Error("no slot");
  const results: number[] = [];
  for (const [dir, d] of pieces) {
    const data = bytes(d);
    let points: number[];
    if (cuts) points = [...new Set(cuts.filter((c) => c > 0 && c < data.length))].sort((a, b) => a - b);
    else if (step > 0) {
      points = [];
      for (let i = step; i < data.length; i += step) points.push(i);
    } else points = [];
    points.push(data.length);
    let s = 0;
    // Copy each piece into a fresh array so views into the caller's bytes would be caught.
    for (const p of points) {
      const chunk = data.slice(s, p);
      results.push(parser.parse(slot, dir, chunk, 0, chunk.length, sink));
      chunk.fill(0x5a);
      s = p;
    }
  }
  parser.eof(slot, 0, sink);
  parser.eof(slot, 1, sink);
  parser.close(slot);
  return results;
}
