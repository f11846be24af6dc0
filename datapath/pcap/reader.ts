/**
 * Capture-file reading: classic pcap (microsecond and nanosecond, either byte order) and pcapng
 * (several sections, interfaces with their own link type and timestamp resolution, EPB/SPB/PB) streamed
 * through one reused buffer, so gigabyte files replay in constant memory.
 *
 * `next()` hands back the same record object every time and allocates nothing unless a record is larger
 * than the buffer (then the buffer grows once). It must never read the whole file into memory and
 * never throw anything but `CaptureError`, whose message names the file and the byte offset.
 *
 * @example
 * ```ts
 * import { CaptureReader } from "./reader.ts";
 * const r = CaptureReader.open("trace.pcap");
 * for (let rec = r.next(); rec !== null; rec = r.next()) {
 *   engine.process(rec.buf, rec.off, rec.len, rec.tsUs); // buf bytes valid until the next call
 * }
 * r.close();
 * ```
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** One packet from a capture file; `buf[off .. off+len)` is valid until the reader's next call. */
export interface CaptureRecord {
  buf: Uint8Array;
  off: number;
  /** Captured bytes. */
  len: number;
  /** Bytes on the wire (>= len when the capture was cut by a snaplen). */
  wireLen: number;
  /** Integer microseconds since the epoch. */
  tsUs: number;
  /** LINKTYPE_* of the packet's interface. */
  linkType: number;
  /** pcapng interface index within its section (0 for classic pcap). */
  ifIndex: number;
  /** 1-based packet number, as EVE's pcap_cnt and Wireshark's frame.number count. */
  index: number;
}

/** A capture file that cannot be read; the message names the file and, where it applies, the byte offset. */
export class CaptureError extends Error {
  override name = "CaptureError";
}

/** No sane capture holds a packet larger than this (libpcap's MAXIMUM_SNAPLEN). */
const MAX_CAPLEN = 262144;
/** Non-packet pcapng blocks larger than this are taken for corruption. */
const MAX_BLOCK = 64 << 20;
const CHUNK = 1 << 20;

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 1;
const BT_PB = 2;
const BT_SPB = 3;
const BT_NRB = 4;
const BT_ISB = 5;
const BT_EPB = 6;
const BT_SJE = 9;
const BT_DSB = 10;
const BT_CB = 0x00000bad;
const BT_CB_NOCOPY = 0x40000bad;

function hex4(b: Uint8Array, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(b[i].toString(16).padStart(2, "0"));
  return out.join(" ");
}

/** How a pcapng interface's timestamps become microseconds. */
interface Iface {
  linkType: number;
  snaplen: number;
  /** true: units per second is 2^exp; false: 10^exp. */
  pow2: boolean;
  exp: number;
  /** if_tsoffset, in microseconds. */
  offsetUs: number;
}

export class CaptureReader {
  readonly warnings: string[] = [];
  private buf: Uint8Array;
  private view: DataView;
  /** File offset of buf[0]. */
  private base = 0;
  /** Valid bytes in buf. */
  private end = 0;
  /** Read position in buf. */
  private pos = 0;
  private eof = false;
  private fd: number;
  private le = true;
  // classic pcap
  private nanos = false;
  private snaplen = 0;
  private linkType = 0;
  // pcapng
  private ifaces: Iface[] = [];
  private warnedTypes = new Set<number>();
  private readonly rec: CaptureRecord;
  private count = 0;

  private constructor(readonly path: string, fd: number, readonly format: "pcap" | "pcapng", size: number) {
    this.fd = fd;
    this.buf = new Uint8Array(Math.max(4096, Math.min(CHUNK, size)));
    this.view = new DataView(this.buf.buffer);
    this.rec = { buf: this.buf, off: 0, len: 0, wireLen: 0, tsUs: 0, linkType: 0, ifIndex: 0, index: 0 };
  }

  /** Opens a pcap or pcapng file and reads its header. Throws CaptureError when it is neither. */
  static open(path: string): CaptureReader {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (e) {
      const code = (e as { code?: string }).code;
      const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : String((e as Error).message);
      throw new CaptureError(`${path}: cannot open (${why})`);
    }
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw new CaptureError(`${path}: cannot open (is a directory)`);
      const head = new Uint8Array(4);
      const got = readSync(fd, head, 0, 4, 0);
      if (got === 0) throw new CaptureError(`${path}: empty file`);
      const m = got === 4 ? new DataView(head.buffer).getUint32(0, true) : 0;
      let format: "pcap" | "pcapng";
      if (m === BT_SHB) format = "pcapng";
      else if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1) format = "pcap";
      else if (m === 0xa1b2cd34 || m === 0x34cdb2a1) {
        throw new CaptureError(`${path}: modified (Kuznetzov) pcap format is not supported; convert it with editcap`);
      } else throw new CaptureError(`${path}: not a pcap or pcapng file (starts with ${hex4(head, got)})`);
      const r = new CaptureReader(path, fd, format, st.size);
      if (format === "pcap") r.readPcapHeader();
      return r;
    } catch (e) {
      closeSync(fd);
      if (e instanceof CaptureError) throw e;
      throw new CaptureError(`${path}: ${(e as Error).message}`);
    }
  }

  /** The next packet (the same object every call), or null at the end. Throws CaptureError on corruption. */
  next(): CaptureRecord | null {
    if (this.fd < 0) return null;
    return this.format === "pcap" ? this.nextPcap() : this.nextPcapng();
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }

  // ---- buffer ----

  /** Makes buf[pos .. pos+n) available if the file has it; returns how many bytes from pos are available (<= n only at EOF). */
  private ensure(n: number): number {
    if (this.end - this.pos >= n) return n;
    if (this.eof) return this.end - this.pos;
    if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.end);
      this.base += this.pos;
      this.end -= this.pos;
      this.pos = 0;
    }
    if (n > this.buf.length) {
      const nb = new Uint8Array(Math.max(n, this.buf.length * 2));
      nb.set(this.buf.subarray(0, this.end));
      this.buf = nb;
      this.view = new DataView(nb.buffer);
      this.rec.buf = nb;
    }
    while (this.end < n) {
      let got: number;
      try {
        got = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.base + this.end);
      } catch (e) {
        throw new CaptureError(`${this.path}: read error at byte ${this.base + this.end} (${(e as Error).message})`);
      }
      if (got === 0) {
        this.eof = true;
        break;
      }
      this.end += got;
    }
    return Math.min(n, this.end - this.pos);
  }

  private at(): number {
    return this.base + this.pos;
  }

  private u16(o: number): number {
    return this.view.getUint16(this.pos + o, this.le);
  }

  private u32(o: number): number {
    return this.view.getUint32(this.pos + o, this.le);
  }

  private fail(msg: string): never {
    throw new CaptureError(`${this.path}: ${msg}`);
  }

  // ---- classic pcap ----

  private readPcapHeader(): void {
    const got = this.ensure(24);
    if (got < 24) this.fail(`truncated pcap file header (${got} of 24 bytes)`);
    const m = this.view.getUint32(0, true);
    this.le = m === 0xa1b2c3d4 || m === 0xa1b23c4d;
    this.nanos = m === 0xa1b23c4d || m === 0x4d3cb2a1;
    const major = this.u16(4);
    if (major !== 2) this.fail(`unsupported pcap version ${major}.${this.u16(6)} at byte 4 (expected 2.4)`);
    this.snaplen = this.u32(16);
    // The upper bits carry the FCS length (bits 28-31) and its flag (bit 26); the link type is the low 16.
    this.linkType = this.u32(20) & 0xffff;
    this.pos = 24;
  }

  private nextPcap(): CaptureRecord | null {
    const got = this.ensure(16);
    if (got === 0) return null;
    const at = this.at();
    if (got < 16) this.fail(`truncated packet record header at byte ${at} (16 bytes needed, ${got} left)`);
    const sec = this.u32(0);
    const frac = this.u32(4);
    const caplen = this.u32(8);
    const wire = this.u32(12);
    const limit = this.snaplen > 0 && this.snaplen < MAX_CAPLEN ? this.snaplen : MAX_CAPLEN;
    if (caplen > limit) {
      this.fail(
        caplen > MAX_CAPLEN
          ? `packet record at byte ${at} claims ${caplen} captured bytes, more than any capture holds (${MAX_CAPLEN}); the file is corrupt`
          : `packet record at byte ${at} claims ${caplen} captured bytes, more than the file's snaplen ${this.snaplen}`,
      );
    }
    const have = this.ensure(16 + caplen);
    if (have < 16 + caplen) {
      this.fail(`truncated packet record at byte ${this.at()} (header says ${caplen} bytes, ${have - 16} left)`);
    }
    const r = this.rec;
    r.off = this.pos + 16;
    r.len = caplen;
    r.wireLen = wire;
    r.tsUs = sec * 1e6 + (this.nanos ? Math.floor(frac / 1000) : frac);
    r.linkType = this.linkType;
    r.ifIndex = 0;
    r.index = ++this.count;
    this.pos += 16 + caplen;
    return r;
  }

  // ---- pcapng ----

  private nextPcapng(): CaptureRecord | null {
    for (;;) {
      const got = this.ensure(12);
      if (got === 0) return null;
      const at = this.at();
      if (got < 12) this.fail(`truncated block header at byte ${at} (12 bytes needed, ${got} left)`);
      let type = this.u32(0);
      if (type === BT_SHB) {
        if (this.ensure(16) < 16) this.fail(`truncated section header block at byte ${at}`);
        const bom = this.view.getUint32(this.pos + 8, true);
        if (bom === 0x1a2b3c4d) this.le = true;
        else if (bom === 0x4d3c2b1a) this.le = false;
        else this.fail(`section header block at byte ${at} has a bad byte-order magic (${hex4(this.buf.subarray(this.pos + 8), 4)})`);
        type = BT_SHB;
      }
      const total = this.u32(4);
      if (total < 12 || total % 4 !== 0) {
        this.fail(`block at byte ${at} (type 0x${type.toString(16)}) has length ${total}, which is not a multiple of 4 of at least 12`);
      }
      if (total > MAX_BLOCK) {
        this.fail(`block at byte ${at} (type 0x${type.toString(16)}) claims ${total} bytes; the file is corrupt`);
      }
      const have = this.ensure(total);
      if (have < total) {
        this.fail(`truncated block at byte ${at} (type 0x${type.toString(16)}, header says ${total} bytes, ${have} left)`);
      }
      const trailer = this.u32(total - 4);
      if (trailer !== total) {
        this.fail(`block at byte ${at} (type 0x${type.toString(16)}): trailing length ${trailer} does not match leading length ${total}`);
      }
      const r = this.packetBlock(type, total, at);
      this.pos += total;
      if (r !== null) return r;
    }
  }

  /** Handles one complete block at pos; returns the record for packet blocks, null otherwise. */
  private packetBlock(type: number, total: number, at: number): CaptureRecord | null {
    const r = this.rec;
    switch (type) {
      case BT_EPB:
      case BT_PB: {
        if (total < 32) this.fail(`packet block at byte ${at} is ${total} bytes, shorter than its 32-byte minimum`);
        const ifIndex = type === BT_EPB ? this.u32(8) : this.u16(8);
        const caplen = this.u32(20);
        if (caplen > total - 32) {
          this.fail(`packet block at byte ${at} claims ${caplen} captured bytes but holds only ${total - 32}`);
        }
        const iface = this.iface(ifIndex, at);
        r.off = this.pos + 28;
        r.len = caplen;
        r.wireLen = this.u32(24);
        r.tsUs = this.tsUs(iface, this.u32(12), this.u32(16));
        r.linkType = iface.linkType;
        r.ifIndex = ifIndex;
        r.index = ++this.count;
        return r;
      }
      case BT_SPB: {
        if (total < 16) this.fail(`simple packet block at byte ${at} is ${total} bytes, shorter than its 16-byte minimum`);
        const iface = this.iface(0, at);
        const wire = this.u32(8);
        let caplen = Math.min(wire, total - 16);
        if (iface.snaplen > 0 && caplen > iface.snaplen) caplen = iface.snaplen;
        r.off = this.pos + 12;
        r.len = caplen;
        r.wireLen = wire;
        r.tsUs = 0; // SPBs carry no timestamp
        r.linkType = iface.linkType;
        r.ifIndex = 0;
        r.index = ++this.count;
        return r;
      }
      case BT_SHB: {
        const major = this.u16(12);
        if (major !== 1) this.fail(`section header block at byte ${at} has unsupported version ${major}.${this.u16(14)}`);
        this.ifaces = [];
        return null;
      }
      case BT_IDB:
        this.readIdb(total, at);
        return null;
      case BT_NRB:
      case BT_ISB:
      case BT_SJE:
      case BT_DSB:
      case BT_CB:
      case BT_CB_NOCOPY:
        return null;
      default:
        if (!this.warnedTypes.has(type)) {
          this.warnedTypes.add(type);
          this.warnings.push(`${this.path}: skipped unknown pcapng block type 0x${type.toString(16).padStart(8, "0")} at byte ${at}`);
        }
        return null;
    }
  }

  private iface(i: number, at: number): Iface {
    const f = this.ifaces[i];
    if (f === undefined) {
      this.fail(`packet block at byte ${at} names interface ${i}, but the section describes ${this.ifaces.length}`);
    }
    return f;
  }

  /** Cold: once per interface. */
  private readIdb(total: number, at: number): void {
    if (total < 20) this.fail(`interface description block at byte ${at} is ${total} bytes, shorter than its 20-byte minimum`);
    const f: Iface = { linkType: this.u16(8), snaplen: this.u32(12), pow2: false, exp: 6, offsetUs: 0 };
    let o = 16;
    const optEnd = total - 4;
    while (o + 4 <= optEnd) {
      const code = this.u16(o);
      const len = this.u16(o + 2);
      if (code === 0) break;
      if (o + 4 + len > optEnd) {
        this.warnings.push(`${this.path}: interface description block at byte ${at}: option ${code} runs past the block; ignored`);
        break;
      }
      if (code === 9 && len >= 1) {
        const v = this.buf[this.pos + o + 4];
        f.pow2 = (v & 0x80) !== 0;
        f.exp = v & 0x7f;
        if ((!f.pow2 && f.exp > 19) || (f.pow2 && f.exp > 63)) {
          this.fail(`interface description block at byte ${at} has an unusable if_tsresol 0x${v.toString(16)}`);
        }
      } else if (code === 14 && len >= 8) {
        const hi = this.view.getInt32(this.pos + o + 4 + (this.le ? 4 : 0), this.le);
        const lo = this.view.getUint32(this.pos + o + 4 + (this.le ? 0 : 4), this.le);
        f.offsetUs = (hi * 4294967296 + lo) * 1e6;
      }
      o += 4 + ((len + 3) & ~3);
    }
    this.ifaces.push(f);
  }

  /** A 64-bit timestamp (hi, lo) in the interface's units, as integer microseconds; no allocation. */
  private tsUs(f: Iface, hi: number, lo: number): number {
    let us: number;
    if (!f.pow2) {
      if (f.exp <= 6) us = (hi * 4294967296 + lo) * 10 ** (6 - f.exp);
      else us = divide64(hi, lo, 10 ** (f.exp - 6));
    } else {
      const k = f.exp;
      let sec: number;
      let rem: number;
      if (k >= 32) {
        const d = 2 ** (k - 32);
        sec = Math.floor(hi / d);
        rem = (hi - sec * d) * 4294967296 + lo;
      } else {
        const d = 2 ** k;
        sec = hi * 2 ** (32 - k) + Math.floor(lo / d);
        rem = lo % d;
      }
      us = sec * 1e6 + Math.floor((rem * 1e6) / 2 ** k);
    }
    return us + f.offsetUs;
  }
}

/** floor((hi * 2^32 + lo) / d) by long division over bytes, exact for d < 2^45. */
function divide64(hi: number, lo: number, d: number): number {
  let r = 0;
  let q = 0;
  for (let i = 7; i >= 0; i--) {
    const byte = i >= 4 ? (hi >>> ((i - 4) * 8)) & 0xff : (lo >>> (i * 8)) & 0xff;
    const cur = r * 256 + byte;
    const qd = Math.floor(cur / d);
    r = cur - qd * d;
    q = q * 256 + qd;
  }
  return q;
}

/** Every packet of a file, copied (for tests and small tools; not for big files). */
export function readAll(path: string): { data: Uint8Array; tsUs: number; linkType: number; wireLen: number }[] {
  const r = CaptureReader.open(path);
  try {
    const out: { data: Uint8Array; tsUs: number; linkType: number; wireLen: number }[] = [];
    for (let rec = r.next(); rec !== null; rec = r.next()) {
      out.push({ data: rec.buf.slice(rec.off, rec.off + rec.len), tsUs: rec.tsUs, linkType: rec.linkType, wireLen: rec.wireLen });
    }
    return out;
  } finally {
    r.close();
  }
}
