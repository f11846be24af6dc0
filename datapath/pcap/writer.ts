/**
 * Capture-file writing: a streaming classic-pcap writer (`PcapWriter`) and in-memory builders for whole
 * classic pcap (`pcapBytes`) and pcapng (`pcapngBytes`) files, used by tests, benchmarks and replay
 * tools to produce files Wireshark, tcpdump and Suricata read.
 *
 * The writer buffers records in one reused buffer and never reads; it must never be used on the
 * engine's hot path (it does I/O). The in-memory builders are cold-path helpers and allocate freely.
 *
 * @example
 * ```ts
 * import { PcapWriter } from "./writer.ts";
 * const w = new PcapWriter("/tmp/x.pcap", 1); // LINKTYPE_ETHERNET, microsecond timestamps
 * w.write(frame, 1_700_000_000_123_456);
 * w.close();
 * ```
 */
import { closeSync, openSync, writeSync } from "node:fs";

const DEFAULT_SNAPLEN = 262144;
const FLUSH_AT = 1 << 20;

/** The 24-byte classic pcap file header, little-endian. */
function pcapFileHeader(linkType: number, nanos: boolean, snaplen: number): Uint8Array {
  const h = new Uint8Array(24);
  const v = new DataView(h.buffer);
  v.setUint32(0, nanos ? 0xa1b23c4d : 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, snaplen >>> 0, true);
  v.setUint32(20, linkType >>> 0, true);
  return h;
}

/** Writes one 16-byte record header at `off`; returns the captured length. */
function putRecordHeader(
  v: DataView,
  off: number,
  tsUs: number,
  dataLen: number,
  wireLen: number,
  nanos: boolean,
  snaplen: number,
): number {
  if (!Number.isSafeInteger(tsUs) || tsUs < 0) {
    throw new Error(`timestamp must be a non-negative integer of microseconds, got ${tsUs}`);
  }
  const sec = Math.floor(tsUs / 1e6);
  if (sec > 0xffffffff) throw new Error(`timestamp ${tsUs} us is past 2106, beyond classic pcap's 32-bit seconds`);
  const frac = tsUs - sec * 1e6;
  const caplen = Math.min(dataLen, snaplen);
  v.setUint32(off, sec, true);
  v.setUint32(off + 4, nanos ? frac * 1000 : frac, true);
  v.setUint32(off + 8, caplen, true);
  v.setUint32(off + 12, Math.max(wireLen, caplen) >>> 0, true);
  return caplen;
}

/** Streams packets into a classic pcap file (little-endian; microsecond or, with `nanos`, nanosecond stamps). */
export class PcapWriter {
  private fd: number;
  private readonly nanos: boolean;
  private readonly snaplen: number;
  private buf = new Uint8Array(FLUSH_AT + 65536);
  private view = new DataView(this.buf.buffer);
  private used = 0;

  constructor(readonly path: string, linkType: number, o: { nanos?: boolean; snaplen?: number } = {}) {
    this.nanos = o.nanos ?? false;
    this.snaplen = o.snaplen ?? DEFAULT_SNAPLEN;
    this.fd = openSync(path, "w");
    this.buf.set(pcapFileHeader(linkType, this.nanos, this.snaplen), 0);
    this.used = 24;
  }

  /** Appends one packet; `wireLen` (default: the data length) is its length on the wire. */
  write(data: Uint8Array, tsUs: number, wireLen = data.length): void {
    if (this.fd < 0) throw new Error(`${this.path}: write after close`);
    const need = 16 + Math.min(data.length, this.snaplen);
    if (this.used + need > this.buf.length) this.flush();
    if (need > this.buf.length) {
      this.buf = new Uint8Array(need);
      this.view = new DataView(this.buf.buffer);
    }
    const caplen = putRecordHeader(this.view, this.used, tsUs, data.length, wireLen, this.nanos, this.snaplen);
    this.buf.set(caplen === data.length ? data : data.subarray(0, caplen), this.used + 16);
    this.used += 16 + caplen;
    if (this.used >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    let o = 0;
    while (o < this.used) o += writeSync(this.fd, this.buf, o, this.used - o);
    this.used = 0;
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}

/** A whole little-endian, microsecond classic pcap file in memory. */
export function pcapBytes(linkType: number, packets: { data: Uint8Array; tsUs: number }[]): Uint8Array {
  let n = 24;
  for (const p of packets) n += 16 + p.data.length;
  const out = new Uint8Array(n);
  const v = new DataView(out.buffer);
  out.set(pcapFileHeader(linkType, false, DEFAULT_SNAPLEN), 0);
  let o = 24;
  for (const p of packets) {
    if (p.data.length > DEFAULT_SNAPLEN) throw new Error(`packet of ${p.data.length} bytes exceeds ${DEFAULT_SNAPLEN}`);
    putRecordHeader(v, o, p.tsUs, p.data.length, p.data.length, false, DEFAULT_SNAPLEN);
    out.set(p.data, o + 16);
    o += 16 + p.data.length;
  }
  return out;
}

/** Builds pcapng blocks with a chosen byte order. */
class BlockBuilder {
  readonly parts: Uint8Array[] = [];
  constructor(private readonly le: boolean) {}

  /** type, total length, body (padded to 4), total length. */
  block(type: number, body: Uint8Array): void {
    const padded = (body.length + 3) & ~3;
    const total = 12 + padded;
    const b = new Uint8Array(total);
    const v = new DataView(b.buffer);
    v.setUint32(0, type >>> 0, this.le);
    v.setUint32(4, total, this.le);
    b.set(body, 8);
    v.setUint32(total - 4, total, this.le);
    this.parts.push(b);
  }

  bytes(): Uint8Array {
    let n = 0;
    for (const p of this.parts) n += p.length;
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/** Timestamp units per second for an `if_tsresol` byte (high bit: power of 2, else power of 10). */
function unitsPerSecond(tsResol: number): bigint {
  return tsResol & 0x80 ? 1n << BigInt(tsResol & 0x7f) : 10n ** BigInt(tsResol);
}

/**
 * A whole pcapng file in memory: a Section Header Block, one Interface Description Block per interface
 * index from 0 to the highest `ifIndex` used (link type from its packets, default Ethernet), and one
 * Enhanced Packet Block per packet. `tsResol` is the raw `if_tsresol` byte (default 6: microseconds;
 * 9: nanoseconds; 0x8a: 2^-10 s); timestamps are rounded down to that resolution.
 */
export function pcapngBytes(
  packets: { data: Uint8Array; tsUs: number; linkType?: number; ifIndex?: number }[],
  o: { bigEndian?: boolean; tsResol?: number } = {},
): Uint8Array {
  const le = !o.bigEndian;
  const b = new BlockBuilder(le);
  const shb = new Uint8Array(16);
  const sv = new DataView(shb.buffer);
  sv.setUint32(0, 0x1a2b3c4d, le);
  sv.setUint16(4, 1, le);
  sv.setUint16(6, 0, le);
  sv.setInt32(8, -1, le); // section length unknown
  sv.setInt32(12, -1, le);
  b.block(0x0a0d0d0a, shb);

  let ifCount = 1;
  for (const p of packets) ifCount = Math.max(ifCount, (p.ifIndex ?? 0) + 1);
  const resol = o.tsResol ?? 6;
  for (let i = 0; i < ifCount; i++) {
    const lt = packets.find((p) => (p.ifIndex ?? 0) === i)?.linkType ?? 1;
    const withResol = resol !== 6;
    const idb = new Uint8Array(8 + (withResol ? 12 : 0));
    const iv = new DataView(idb.buffer);
    iv.setUint16(0, lt, le);
    iv.setUint32(4, DEFAULT_SNAPLEN, le);
    if (withResol) {
      iv.setUint16(8, 9, le); // if_tsresol
      iv.setUint16(10, 1, le);
      idb[12] = resol;
      // bytes 16..19: opt_endofopt (zeros)
    }
    b.block(1, idb);
  }

  const ups = unitsPerSecond(resol);
  for (const p of packets) {
    const units = (BigInt(p.tsUs) * ups) / 1000000n;
    const epb = new Uint8Array(20 + p.data.length);
    const ev = new DataView(epb.buffer);
    ev.setUint32(0, p.ifIndex ?? 0, le);
    ev.setUint32(4, Number(units >> 32n), le);
    ev.setUint32(8, Number(units & 0xffffffffn), le);
    ev.setUint32(12, p.data.length, le);
    ev.setUint32(16, p.data.length, le);
    epb.set(p.data, 20);
    b.block(6, epb);
  }
  return b.bytes();
}
