import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CaptureError, CaptureReader, readAll } from "./reader.ts";
import { PcapWriter, pcapBytes, pcapngBytes } from "./writer.ts";
import { corpusDir } from "./corpus.ts";

const dir = mkdtempSync(join(tmpdir(), "pcap-reader-"));
let fileNo = 0;
function file(bytes: Uint8Array, ext = "pcap"): string {
  const p = join(dir, `f${++fileNo}.${ext}`);
  writeFileSync(p, bytes);
  return p;
}

function packet(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

function errorOf(f: () => unknown): CaptureError {
  try {
    f();
  } catch (e) {
    assert.instance(e, CaptureError);
    return e as CaptureError;
  }
  throw new Error("expected a CaptureError, nothing was thrown");
}

/** A classic pcap built by hand, so big-endian and nanosecond variants do not depend on our writer. */
function handPcap(o: { le: boolean; nanos: boolean; linkField: number; snaplen?: number }, pkts: { data: Uint8Array; sec: number; frac: number; wire?: number }[]): Uint8Array {
  let n = 24;
  for (const p of pkts) n += 16 + p.data.length;
  const b = new Uint8Array(n);
  const v = new DataView(b.buffer);
  v.setUint32(0, o.nanos ? 0xa1b23c4d : 0xa1b2c3d4, o.le);
  v.setUint16(4, 2, o.le);
  v.setUint16(6, 4, o.le);
  v.setUint32(16, o.snaplen ?? 65535, o.le);
  v.setUint32(20, o.linkField, o.le);
  let at = 24;
  for (const p of pkts) {
    v.setUint32(at, p.sec, o.le);
    v.setUint32(at + 4, p.frac, o.le);
    v.setUint32(at + 8, p.data.length, o.le);
    v.setUint32(at + 12, p.wire ?? p.data.length, o.le);
    b.set(p.data, at + 16);
    at += 16 + p.data.length;
  }
  return b;
}

/** A raw pcapng block in the given byte order. */
function block(le: boolean, type: number, body: Uint8Array): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const b = new Uint8Array(12 + padded);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, le);
  v.setUint32(4, b.length, le);
  b.set(body, 8);
  v.setUint32(b.length - 4, b.length, le);
  return b;
}
function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
function shb(le: boolean): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x1a2b3c4d, le);
  v.setUint16(4, 1, le);
  v.setInt32(8, -1, le);
  v.setInt32(12, -1, le);
  return block(le, 0x0a0d0d0a, b);
}
function idb(le: boolean, linkType: number, opts: { tsresol?: number; tsoffsetSec?: number; snaplen?: number } = {}): Uint8Array {
  const o = new Uint8Array(64);
  const ov = new DataView(o.buffer);
  let n = 0;
  if (opts.tsresol !== undefined) {
    ov.setUint16(n, 9, le);
    ov.setUint16(n + 2, 1, le);
    o[n + 4] = opts.tsresol;
    n += 8;
  }
  if (opts.tsoffsetSec !== undefined) {
    ov.setUint16(n, 14, le);
    ov.setUint16(n + 2, 8, le);
    ov.setBigInt64(n + 4, BigInt(opts.tsoffsetSec), le);
    n += 12;
  }
  if (n > 0) n += 4; // opt_endofopt
  const b = new Uint8Array(8 + n);
  const v = new DataView(b.buffer);
  v.setUint16(0, linkType, le);
  v.setUint32(4, opts.snaplen ?? 0, le);
  b.set(o.subarray(0, n), 8);
  return block(le, 1, b);
}
function epb(le: boolean, ifIndex: number, units: bigint, data: Uint8Array, wire = data.length): Uint8Array {
  const b = new Uint8Array(20 + data.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, ifIndex, le);
  v.setUint32(4, Number(units >> 32n), le);
  v.setUint32(8, Number(units & 0xffffffffn), le);
  v.setUint32(12, data.length, le);
  v.setUint32(16, wire, le);
  b.set(data, 20);
  return block(le, 6, b);
}
function spb(le: boolean, data: Uint8Array, wire = data.length): Uint8Array {
  const b = new Uint8Array(4 + data.length);
  new DataView(b.buffer).setUint32(0, wire, le);
  b.set(data, 4);
  return block(le, 3, b);
}
function obsoletePb(le: boolean, ifIndex: number, units: bigint, data: Uint8Array): Uint8Array {
  const b = new Uint8Array(20 + data.length);
  const v = new DataView(b.buffer);
  v.setUint16(0, ifIndex, le);
  v.setUint32(4, Number(units >> 32n), le);
  v.setUint32(8, Number(units & 0xffffffffn), le);
  v.setUint32(12, data.length, le);
  v.setUint32(16, data.length, le);
  b.set(data, 20);
  return block(le, 2, b);
}

const T0 = 1_700_000_000_000_000; // 2023-11-14, microseconds

test("classic pcap round trip: PcapWriter in microseconds and nanoseconds", () => {
  for (const nanos of [false, true]) {
    const p = join(dir, `w-${nanos}.pcap`);
    const w = new PcapWriter(p, 1, { nanos });
    const pk = [packet(60, 1), packet(1514, 2), packet(0, 3), packet(200, 4)];
    pk.forEach((d, i) => w.write(d, T0 + i * 1_000_123 + 999_999, i === 3 ? 1500 : undefined));
    w.close();
    const r = CaptureReader.open(p);
    assert.is(r.format, "pcap");
    let i = 0;
    let first: unknown = null;
    for (let rec = r.next(); rec !== null; rec = r.next(), i++) {
      if (first === null) first = rec;
      assert.ok(rec === first, "the same record object is reused");
      assert.is(rec.index, i + 1);
      assert.is(rec.linkType, 1);
      assert.is(rec.ifIndex, 0);
      assert.is(rec.tsUs, T0 + i * 1_000_123 + 999_999);
      assert.is(rec.len, pk[i].length);
      assert.is(rec.wireLen, i === 3 ? 1500 : pk[i].length);
      assert.equal([...rec.buf.subarray(rec.off, rec.off + rec.len)], [...pk[i]]);
    }
    assert.is(i, 4);
    assert.is(r.next(), null);
    r.close();
  }
});

test("classic pcap: big-endian and nanosecond files built by hand; FCS bits masked off the link type", () => {
  for (const le of [true, false]) {
    for (const nanos of [false, true]) {
      const pk = [
        { data: packet(54, 1), sec: 1_700_000_000, frac: nanos ? 123_456_789 : 123_456 },
        { data: packet(70, 2), sec: 4_294_967_295, frac: nanos ? 999_999_999 : 999_999 },
      ];
      const f = file(handPcap({ le, nanos, linkField: 0x1c000065 }, pk)); // FCS length 1 + F bit, link type 101
      const got = readAll(f);
      assert.is(got.length, 2);
      assert.is(got[0].linkType, 101);
      assert.is(got[0].tsUs, 1_700_000_000_123_456);
      assert.is(got[1].tsUs, 4_294_967_295_999_999);
      assert.equal([...got[1].data], [...pk[1].data]);
    }
  }
});

test("pcapBytes writes a file tshark-compatible readers accept", () => {
  const f = file(pcapBytes(101, [{ data: packet(40, 9), tsUs: T0 }, { data: packet(41, 8), tsUs: T0 + 1 }]));
  const got = readAll(f);
  assert.equal(got.map((g) => [g.linkType, g.tsUs, g.data.length]), [[101, T0, 40], [101, T0 + 1, 41]]);
});

test("records larger than the buffer and records across chunk boundaries", () => {
  const p = join(dir, "big.pcap");
  const w = new PcapWriter(p, 1);
  const sizes: number[] = [];
  for (let i = 0; i < 3000; i++) sizes.push(i === 10 ? 200_000 : 40 + ((i * 977) % 1500));
  sizes.forEach((n, i) => w.write(packet(n, i), T0 + i));
  w.close();
  assert.ok(statSync(p).size > 2 << 20, "the file spans several read chunks");
  const r = CaptureReader.open(p);
  let i = 0;
  for (let rec = r.next(); rec !== null; rec = r.next(), i++) {
    assert.is(rec.len, sizes[i]);
    const want = packet(sizes[i], i);
    const data = rec.buf.subarray(rec.off, rec.off + rec.len);
    if (data[0] !== want[0] || data[rec.len - 1] !== want[rec.len - 1] || data[rec.len >> 1] !== want[rec.len >> 1]) {
      assert.unreachable(`packet ${i + 1} bytes differ`);
    }
  }
  r.close();
  assert.is(i, 3000);
  // a small file starts with a small buffer; one record bigger than it must still come through
  const small = file(pcapBytes(1, [{ data: packet(20, 1), tsUs: 0 }, { data: packet(100_000, 2), tsUs: 1 }]));
  assert.equal(readAll(small).map((g) => g.data.length), [20, 100_000]);
});

test("pcapng round trip from pcapngBytes: both byte orders, two interfaces, ns and 2^-10 resolution", () => {
  const pk = [
    { data: packet(60, 1), tsUs: T0 + 500_000, linkType: 1, ifIndex: 0 },
    { data: packet(33, 2), tsUs: T0 + 750_000, linkType: 101, ifIndex: 1 },
    { data: packet(61, 3), tsUs: T0 + 1_250_000, linkType: 1, ifIndex: 0 },
  ];
  for (const bigEndian of [false, true]) {
    for (const tsResol of [6, 9, 0x8a]) {
      const f = file(pcapngBytes(pk, { bigEndian, tsResol }), "pcapng");
      const r = CaptureReader.open(f);
      assert.is(r.format, "pcapng");
      const got: [number, number, number, number, number][] = [];
      for (let rec = r.next(); rec !== null; rec = r.next()) got.push([rec.index, rec.linkType, rec.ifIndex, rec.tsUs, rec.len]);
      r.close();
      // the chosen stamps are exact in 2^-10 s too (multiples of 1/4 s)
      assert.equal(got, pk.map((p, i) => [i + 1, p.linkType, p.ifIndex, p.tsUs, p.data.length]), `be=${bigEndian} resol=${tsResol}`);
      assert.equal(r.warnings, []);
    }
  }
  const odd = readAll(file(pcapngBytes([{ data: packet(10, 1), tsUs: T0 + 123_457 }], { tsResol: 9 }), "pcapng"));
  assert.is(odd[0].tsUs, T0 + 123_457);
});

test("pcapng: SPB, obsolete PB, skipped blocks, if_tsoffset and several sections in both byte orders", () => {
  const unknown = (le: boolean) => block(le, 0x0000_0777, Uint8Array.of(1, 2, 3, 4, 5));
  const nrb = (le: boolean) => block(le, 4, new Uint8Array(4));
  const isb = (le: boolean) => block(le, 5, new Uint8Array(12));
  const custom = (le: boolean) => block(le, 0xbad, new Uint8Array(8));
  const bytes = cat(
    // section 1, little-endian: Ethernet with nanoseconds, raw IP with 2^-10 s and a +100 s offset
    shb(true),
    idb(true, 1, { tsresol: 9, snaplen: 65535 }),
    idb(true, 101, { tsresol: 0x8a, tsoffsetSec: 100 }),
    nrb(true),
    epb(true, 0, BigInt(T0) * 1000n + 999n, packet(50, 1), 60),
    unknown(true),
    epb(true, 1, 1024n * 5n + 256n, packet(40, 2)),
    isb(true),
    spb(true, packet(42, 3)),
    custom(true),
    obsoletePb(true, 1, 2048n, packet(30, 4)),
    // section 2, big-endian: its interface 0 is SLL (113), default microseconds
    shb(false),
    idb(false, 113),
    epb(false, 0, BigInt(T0) + 7n, packet(44, 5)),
    unknown(false),
    spb(false, packet(45, 6)),
  );
  const f = file(bytes, "pcapng");
  const r = CaptureReader.open(f);
  const got: { i: number; lt: number; ifi: number; ts: number; len: number; wire: number; first: number }[] = [];
  for (let rec = r.next(); rec !== null; rec = r.next()) {
    got.push({ i: rec.index, lt: rec.linkType, ifi: rec.ifIndex, ts: rec.tsUs, len: rec.len, wire: rec.wireLen, first: rec.buf[rec.off] });
  }
  r.close();
  assert.equal(got, [
    { i: 1, lt: 1, ifi: 0, ts: T0, len: 50, wire: 60, first: packet(50, 1)[0] },
    { i: 2, lt: 101, ifi: 1, ts: 105_250_000, len: 40, wire: 40, first: packet(40, 2)[0] },
    { i: 3, lt: 1, ifi: 0, ts: 0, len: 42, wire: 42, first: packet(42, 3)[0] },
    { i: 4, lt: 101, ifi: 1, ts: 102_000_000, len: 30, wire: 30, first: packet(30, 4)[0] },
    { i: 5, lt: 113, ifi: 0, ts: T0 + 7, len: 44, wire: 44, first: packet(44, 5)[0] },
    { i: 6, lt: 113, ifi: 0, ts: 0, len: 45, wire: 45, first: packet(45, 6)[0] },
  ]);
  assert.is(r.warnings.length, 1, "one warning per unknown block type, nothing for NRB/ISB/custom");
  assert.match(r.warnings[0], /skipped unknown pcapng block type 0x00000777 at byte \d+/);
});

test("errors name the file and the byte offset; packets before a truncated record still come out", () => {
  const whole = pcapBytes(1, [{ data: packet(100, 1), tsUs: T0 }, { data: packet(1514, 2), tsUs: T0 + 1 }]);
  const cut = file(whole.subarray(0, 24 + 116 + 16 + 200));
  const r = CaptureReader.open(cut);
  assert.ok(r.next() !== null);
  const e = errorOf(() => r.next());
  r.close();
  assert.is(e.message, `${cut}: truncated packet record at byte 140 (header says 1514 bytes, 200 left)`);

  const cutHead = file(whole.subarray(0, 24 + 116 + 9));
  assert.match(errorOf(() => readAll(cutHead)).message, /truncated packet record header at byte 140 \(16 bytes needed, 9 left\)/);

  const elf = file(Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0), "bin");
  assert.is(errorOf(() => CaptureReader.open(elf)).message, `${elf}: not a pcap or pcapng file (starts with 7f 45 4c 46)`);
  const empty = file(new Uint8Array(0));
  assert.is(errorOf(() => CaptureReader.open(empty)).message, `${empty}: empty file`);
  const missing = join(dir, "nope.pcap");
  assert.is(errorOf(() => CaptureReader.open(missing)).message, `${missing}: cannot open (no such file)`);
  const shortHeader = file(whole.subarray(0, 10));
  assert.match(errorOf(() => CaptureReader.open(shortHeader)).message, /truncated pcap file header \(10 of 24 bytes\)/);
  const badVersion = whole.slice(0, 24);
  badVersion[4] = 9;
  assert.match(errorOf(() => CaptureReader.open(file(badVersion))).message, /unsupported pcap version 9\.4 at byte 4/);

  const overSnap = file(handPcap({ le: true, nanos: false, linkField: 1, snaplen: 96 }, [{ data: packet(200, 1), sec: 1, frac: 0 }]));
  assert.match(errorOf(() => readAll(overSnap)).message, /packet record at byte 24 claims 200 captured bytes, more than the file's snaplen 96/);
  const absurd = handPcap({ le: true, nanos: false, linkField: 1, snaplen: 0 }, [{ data: packet(20, 1), sec: 1, frac: 0 }]);
  new DataView(absurd.buffer).setUint32(24 + 8, 5_000_000, true);
  assert.match(errorOf(() => readAll(file(absurd))).message, /packet record at byte 24 claims 5000000 captured bytes, more than any capture holds/);
});

test("pcapng errors: truncated block, length mismatch, bad length, unknown interface, bad byte-order magic", () => {
  const good = cat(shb(true), idb(true, 1), epb(true, 0, 1n, packet(64, 1)));
  const trunc = file(good.subarray(0, good.length - 10), "pcapng");
  assert.match(errorOf(() => readAll(trunc)).message, /truncated block at byte 48 \(type 0x6, header says 96 bytes, 86 left\)/);

  const mismatch = good.slice();
  new DataView(mismatch.buffer).setUint32(mismatch.length - 4, 92, true);
  assert.match(errorOf(() => readAll(file(mismatch, "pcapng"))).message, /block at byte 48 \(type 0x6\): trailing length 92 does not match leading length 96/);

  const notFour = good.slice();
  new DataView(notFour.buffer).setUint32(48 + 4, 95, true);
  assert.match(errorOf(() => readAll(file(notFour, "pcapng"))).message, /block at byte 48 \(type 0x6\) has length 95, which is not a multiple of 4/);

  const noIface = file(cat(shb(true), epb(true, 0, 1n, packet(8, 1))), "pcapng");
  assert.match(errorOf(() => readAll(noIface)).message, /packet block at byte 28 names interface 0, but the section describes 0/);

  // a second section forgets the first one's interfaces
  const reset = file(cat(shb(true), idb(true, 1), shb(false), epb(false, 0, 1n, packet(8, 1))), "pcapng");
  assert.match(errorOf(() => readAll(reset)).message, /names interface 0/);

  const badBom = good.slice();
  badBom[8] = 0x99;
  assert.match(errorOf(() => readAll(file(badBom, "pcapng"))).message, /section header block at byte 0 has a bad byte-order magic/);

  const capTooBig = good.slice();
  new DataView(capTooBig.buffer).setUint32(48 + 20, 80, true);
  assert.match(errorOf(() => readAll(file(capTooBig, "pcapng"))).message, /packet block at byte 48 claims 80 captured bytes but holds only 64/);
});

// ---- the shared corpus ----

function walk(d: string, out: string[] = []): string[] {
  for (const e of readdirSync(d).sort()) {
    const p = join(d, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(pcap|pcapng)$/.test(e)) out.push(p);
  }
  return out;
}
const CORPUS = corpusDir();
const hasTool = (t: string) => {
  try {
    execFileSync(t, ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

test("every corpus capture reads without error, with sane lengths; counts match Wireshark", async () => {
  if (CORPUS === null) return;
  const files = walk(CORPUS);
  assert.ok(files.length > 0, "corpus has captures");
  const counts = new Map<string, number>();
  for (const f of files) {
    const r = CaptureReader.open(f);
    let n = 0;
    for (let rec = r.next(); rec !== null; rec = r.next()) {
      n++;
      if (rec.len < 0 || rec.len > 262144 || rec.off < 0 || rec.off + rec.len > rec.buf.length || (rec.wireLen !== 0 && rec.len > rec.wireLen) || rec.tsUs < 0 || !Number.isSafeInteger(rec.tsUs)) {
        assert.unreachable(`${f}: packet ${rec.index} has insane lengths/time (len ${rec.len}, wire ${rec.wireLen}, ts ${rec.tsUs})`);
      }
    }
    r.close();
    counts.set(f, n);
  }
  const mismatches: string[] = [];
  if (hasTool("capinfos")) {
    // capinfos counts with the same library tshark reads through, for all files in one process
    const out = execFileSync("capinfos", ["-c", "-T", "-r", "-M", ...files], { encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "ignore"] });
    const theirs = new Map(out.trimEnd().split("\n").map((l) => l.split("\t")).map(([f, n]) => [f, Number(n)]));
    for (const f of files) if (theirs.get(f) !== counts.get(f)) mismatches.push(`${f}: capinfos ${theirs.get(f)}, ours ${counts.get(f)}`);
  } else if (hasTool("tshark")) {
    // tshark per file, a few at a time (about 0.2 s each)
    const run = promisify(execFile);
    const queue = [...files];
    const worker = async () => {
      for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
        const { stdout } = await run("tshark", ["-r", f, "-T", "fields", "-e", "frame.number"], { maxBuffer: 64 << 20 });
        const n = stdout.split("\n").filter((l) => l !== "").length;
        if (n !== counts.get(f)) mismatches.push(`${f}: tshark ${n}, ours ${counts.get(f)}`);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  } else {
    console.log("note: neither capinfos nor tshark on PATH; packet counts not compared with Wireshark");
    return;
  }
  assert.equal(mismatches, []);
});

test("packet count, timestamps and lengths agree with tshark on the corpus pcapng files and a sample of pcaps", () => {
  if (!hasTool("tshark")) {
    console.log("note: tshark not on PATH; skipping the timestamp comparison");
    return;
  }
  if (CORPUS === null) return;
  const files = walk(CORPUS);
  const sample = [...files.filter((f) => f.endsWith(".pcapng")), ...files.filter((f) => f.endsWith(".pcap")).filter((_, i) => i % 20 === 0)];
  for (const f of sample) {
    const out = execFileSync("tshark", ["-r", f, "-T", "fields", "-E", "separator=,", "-e", "frame.time_epoch", "-e", "frame.len", "-e", "frame.cap_len"], { encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "ignore"] });
    const theirs = out.trimEnd().split("\n").map((l) => {
      const [t, wire, cap] = l.split(",");
      const [s, frac = ""] = t.split(".");
      return [Number(s) * 1e6 + Number(frac.padEnd(6, "0").slice(0, 6)), Number(wire), Number(cap)];
    });
    const ours = readAll(f).map((g) => [g.tsUs, g.wireLen, g.data.length]);
    assert.equal(ours, theirs, f);
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
