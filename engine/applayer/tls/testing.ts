/**
 * Test support for the app-layer parsers' tests (cold path, tests only): reads a capture file, splits it
 * into flows by 5-tuple and rebuilds each TCP direction's in-order byte stream (retransmissions and
 * overlaps keep the first copy; a hole ends the stream), or lists UDP datagrams in capture order. Also a
 * recording `AppSink`.
 */
import { CaptureReader } from "../../../datapath/pcap/reader.ts";
import { defaultEngineConfig } from "../../config.ts";
import { Decoder } from "../../decode/decoder.ts";
import { InspectBuffers } from "../../detect/buffers.ts";
import { IPPROTO_TCP, IPPROTO_UDP, Packet, TH_SYN } from "../../packet.ts";
import type { AppSink } from "../parser.ts";

export interface Datagram {
  dir: number;
  data: Uint8Array;
}

export interface CapturedFlow {
  proto: "tcp" | "udp";
  clientPort: number;
  serverPort: number;
  /** TCP: each direction's reassembled bytes (up to the first hole). */
  toServer: Uint8Array;
  toClient: Uint8Array;
  /** TCP: each direction's payload pieces in arrival order as they fit the stream (dir, bytes). */
  pieces: Datagram[];
  /** UDP: datagrams in capture order. */
  datagrams: Datagram[];
}

function addr(words: Uint32Array, v: number): string {
  return v === 4 ? String(words[0]) : `${words[0]}:${words[1]}:${words[2]}:${words[3]}`;
}

interface Seg {
  seq: number;
  data: Uint8Array;
  order: number;
}

/** The flows of a capture file, in order of first packet. */
export function readFlows(path: string): CapturedFlow[] {
  const r = CaptureReader.open(path);
  const d = new Decoder(defaultEngineConfig().decode);
  const p = new Packet();
  interface Acc {
    proto: "tcp" | "udp";
    a: string;
    clientPort: number;
    serverPort: number;
    isn: [number, number];
    segs: [Seg[], Seg[]];
    datagrams: Datagram[];
  }
  const flows = new Map<string, Acc>();
  let order = 0;
  for (let rec = r.next(); rec !== null; rec = r.next()) {
    p.reset(rec.buf, rec.off, rec.len);
    p.linkType = rec.linkType;
    d.decode(p);
    if (p.ipVersion === 0 || (p.proto !== IPPROTO_TCP && p.proto !== IPPROTO_UDP) || p.isFragment) continue;
    const s = `${addr(p.src, p.ipVersion)}/${p.srcPort}`;
    const t = `${addr(p.dst, p.ipVersion)}/${p.dstPort}`;
    const proto = p.proto === IPPROTO_TCP ? "tcp" : "udp";
    const k1 = `${proto} ${s} ${t}`;
    const k2 = `${proto} ${t} ${s}`;
    let f = flows.get(k1) ?? flows.get(k2);
    if (f === undefined) {
      // the client is who sent the SYN, else (no SYN seen) the side with the higher port
      let client = true;
      if (proto === "tcp" && (p.tcpFlags & TH_SYN) !== 0) client = (p.tcpFlags & 0x10) === 0;
      else client = p.srcPort >= p.dstPort;
      f = {
        proto,
        a: client ? s : t,
        clientPort: client ? p.srcPort : p.dstPort,
        serverPort: client ? p.dstPort : p.srcPort,
        isn: [-1, -1],
        segs: [[], []],
        datagrams: [],
      };
      flows.set(k1, f);
    }
    const dir = s === f.a ? 0 : 1;
    const payload = rec.buf.slice(p.payloadOff, p.payloadOff + p.payloadLen);
    if (proto === "udp") {
      f.datagrams.push({ dir, data: payload });
      continue;
    }
    if ((p.tcpFlags & TH_SYN) !== 0) f.isn[dir] = (p.tcpSeq + 1) >>> 0;
    if (payload.length > 0) f.segs[dir].push({ seq: p.tcpSeq >>> 0, data: payload, order: order++ });
  }
  r.close();
  const out: CapturedFlow[] = [];
  for (const f of flows.values()) {
    const pieces: Datagram[] = [];
    const streams: Uint8Array[] = [];
    for (let dir = 0; dir < 2; dir++) {
      const segs = f.segs[dir];
      let next = f.isn[dir] >= 0 ? f.isn[dir] : segs.length > 0 ? Math.min(...segs.map((x) => x.seq)) : 0;
      const rel = (x: number) => ((x - next) | 0);
      const sorted = [...segs].sort((x, y) => rel(x.seq) - rel(y.seq) || x.order - y.order);
      const parts: Uint8Array[] = [];
      for (const sg of sorted) {
        const o = (next - sg.seq) | 0; // bytes of this segment already taken
        if (o < 0) break; // a hole
        if (o >= sg.data.length) continue;
        const piece = sg.data.subarray(o);
        parts.push(piece);
        pieces.push({ dir, data: piece, order: sg.order } as Datagram & { order: number });
        next = (next + piece.length) >>> 0;
      }
      const total = parts.reduce((n, x) => n + x.length, 0);
      const all = new Uint8Array(total);
      let off = 0;
      for (const x of parts) {
        all.set(x, off);
        off += x.length;
      }
      streams.push(all);
    }
    pieces.sort((x, y) => (x as Datagram & { order: number }).order - (y as Datagram & { order: number }).order);
    out.push({
      proto: f.proto,
      clientPort: f.clientPort,
      serverPort: f.serverPort,
      toServer: streams[0],
      toClient: streams[1],
      pieces,
      datagrams: f.datagrams,
    });
  }
  return out;
}

/** What a recording sink saw at one `tx` call: every buffer's views as strings, and the fields. */
export interface TxRecord {
  txId: number;
  dir: number;
  progress: number;
  bufs: Map<number, string[]>;
  raw: Map<number, Uint8Array[]>;
  fields: Float64Array;
}

/** An `AppSink` that copies out what each `tx` call saw, and the events. */
export class RecordingSink implements AppSink {
  readonly buffers = new InspectBuffers();
  readonly txs: TxRecord[] = [];
  readonly events: number[] = [];
  tx(txId: number, dir: number, progress: number): void {
    const b = this.buffers;
    const bufs = new Map<number, string[]>();
    const raw = new Map<number, Uint8Array[]>();
    for (let id = 0; id < 64; id++) {
      if (!b.has(id)) continue;
      const list: string[] = [];
      const rl: Uint8Array[] = [];
      for (let v = b.first(id); v >= 0; v = b.next(v)) {
        const bytes = b.data[v].slice(b.start[v], b.start[v] + b.len[v]);
        rl.push(bytes);
        list.push(new TextDecoder("latin1").decode(bytes));
      }
      bufs.set(id, list);
      raw.set(id, rl);
    }
    this.txs.push({ txId, dir, progress, bufs, raw, fields: b.fields.slice() });
  }
  event(code: number): void {
    this.events.push(code);
  }
}

/** Feeds `bytes` to `parse` in pieces of `step` bytes (1: byte at a time); returns the last result. */
export function feedPieces(
  parse: (buf: Uint8Array, off: number, len: number) => number,
  bytes: Uint8Array,
  step: number,
): number {
  let r = 0;
  for (let o = 0; o < bytes.length && r === 0; o += step) {
    // a fresh copy per piece so no parser can keep reading bytes it was not given
    const piece = bytes.slice(o, Math.min(bytes.length, o + step));
    r = parse(piece, 0, piece.length);
  }
  return r;
}
