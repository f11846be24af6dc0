import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import {
  FORMAT_AUTO,
  FORMAT_GZIP,
  FORMAT_RAW,
  FORMAT_ZLIB,
  INFLATE_DONE,
  INFLATE_ERR_CHECK,
  INFLATE_ERR_DATA,
  INFLATE_ERR_HEADER,
  INFLATE_NEED_INPUT,
  INFLATE_OUTPUT_FULL,
  Inflater,
} from "./inflate.ts";

/** Inflates `data` fed in pieces cut at `cuts`, with output space of `outStep` bytes per call. */
function run(
  inf: Inflater,
  format: number,
  data: Uint8Array,
  cuts: number[],
  outStep: number,
): { status: number; out: Uint8Array; consumed: number } {
  inf.reset(format);
  const out = new Uint8Array(1 << 20);
  let o = 0;
  const points = [...new Set(cuts.map((c) => Math.min(c, data.length)))].sort((a, b) => a - b);
  points.push(data.length);
  let start = 0;
  let status = INFLATE_NEED_INPUT;
  let consumed = 0;
  for (const p of points) {
    let off = start;
    while (off < p || status === INFLATE_OUTPUT_FULL) {
      status = inf.inflate(data, off, p - off, out, o, Math.min(outStep, out.length - o));
      off += inf.inUsed;
      o += inf.outUsed;
      if (status !== INFLATE_OUTPUT_FULL && status !== INFLATE_NEED_INPUT) break;
    }
    consumed = off;
    if (status !== INFLATE_NEED_INPUT && status !== INFLATE_OUTPUT_FULL) break;
    start = p;
  }
  return { status, out: out.subarray(0, o), consumed };
}

const text = new TextEncoder().encode(
  "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n".repeat(200) + "The quick brown fox jumps.",
);

test("one piece: zlib, raw, gzip and auto all decode what node:zlib encoded", () => {
  const inf = new Inflater();
  const cases: [number, Uint8Array][] = [
    [FORMAT_ZLIB, deflateSync(text)],
    [FORMAT_RAW, deflateRawSync(text)],
    [FORMAT_GZIP, gzipSync(text)],
    [FORMAT_AUTO, gzipSync(text)],
    [FORMAT_AUTO, deflateSync(text)],
    [FORMAT_AUTO, deflateRawSync(text)],
  ];
  for (const [fmt, z] of cases) {
    const r = run(inf, fmt, new Uint8Array(z), [], 1 << 20);
    assert.is(r.status, INFLATE_DONE, `format ${fmt}`);
    assert.equal(r.out, text);
    assert.is(r.consumed, z.length);
  }
});

test("stored, fixed and dynamic blocks; levels 0..9", () => {
  const inf = new Inflater();
  for (let level = 0; level <= 9; level++) {
    const z = new Uint8Array(gzipSync(text, { level }));
    const r = run(inf, FORMAT_GZIP, z, [], 1 << 20);
    assert.is(r.status, INFLATE_DONE);
    assert.equal(r.out, text);
  }
  // A tiny input compresses with a fixed-Huffman block.
  const small = new TextEncoder().encode("abc");
  const r = run(inf, FORMAT_RAW, new Uint8Array(deflateRawSync(small)), [], 100);
  assert.equal(r.out, small);
});

test("byte at a time and one output byte at a time", () => {
  const inf = new Inflater();
  const z = new Uint8Array(gzipSync(text));
  const cuts = Array.from({ length: z.length }, (_, i) => i);
  const r = run(inf, FORMAT_AUTO, z, cuts, 1);
  assert.is(r.status, INFLATE_DONE);
  assert.equal(r.out, text);
});

test("property: random data, random levels, random split points and output sizes", () => {
  const inf = new Inflater();
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.constantFrom(97, 98, 99, 10), { maxLength: 5000 }).map((a) => new Uint8Array(a)),
      ),
      fc.integer({ min: 0, max: 9 }),
      fc.constantFrom(FORMAT_RAW, FORMAT_ZLIB, FORMAT_GZIP, FORMAT_AUTO),
      fc.array(fc.nat(6000), { maxLength: 12 }),
      fc.integer({ min: 1, max: 70000 }),
      (data, level, fmt, cuts, outStep) => {
        const z = new Uint8Array(
          fmt === FORMAT_RAW
            ? deflateRawSync(data, { level })
            : fmt === FORMAT_ZLIB
            ? deflateSync(data, { level })
            : gzipSync(data, { level }),
        );
        const r = run(inf, fmt, z, cuts, outStep);
        assert.is(r.status, INFLATE_DONE);
        assert.equal(r.out, data);
      },
    ),
    { numRuns: 300 },
  );
});

test("errors are status codes: bad header, bad block type, bad checksum", () => {
  const inf = new Inflater();
  inf.reset(FORMAT_GZIP);
  assert.is(inf.inflate(new Uint8Array([0x1f, 0x8c, 8, 0, 0, 0, 0, 0, 0, 0]), 0, 10, new Uint8Array(10), 0, 10), INFLATE_ERR_HEADER);
  inf.reset(FORMAT_ZLIB);
  assert.is(inf.inflate(new Uint8Array([0x78, 0x9d]), 0, 2, new Uint8Array(10), 0, 10), INFLATE_ERR_HEADER);
  inf.reset(FORMAT_RAW);
  assert.is(inf.inflate(new Uint8Array([0x07]), 0, 1, new Uint8Array(10), 0, 10), INFLATE_ERR_DATA); // BTYPE 11
  const z = new Uint8Array(gzipSync(text));
  z[z.length - 6] ^= 1; // CRC byte
  assert.is(run(inf, FORMAT_GZIP, z, [], 1 << 20).status, INFLATE_ERR_CHECK);
  const zz = new Uint8Array(deflateSync(text));
  zz[zz.length - 1] ^= 1; // Adler byte
  assert.is(run(inf, FORMAT_ZLIB, zz, [], 1 << 20).status, INFLATE_ERR_CHECK);
});

test("property: random garbage never throws and never writes outside the output range", () => {
  const inf = new Inflater();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(FORMAT_RAW, FORMAT_AUTO), (data, fmt) => {
      inf.reset(fmt);
      const out = new Uint8Array(300);
      out.fill(0xee);
      const st = inf.inflate(data, 0, data.length, out, 100, 100);
      assert.ok(st >= -3 && st <= 2);
      assert.ok(inf.outUsed <= 100);
      for (let i = 0; i < 100; i++) assert.is(out[i], 0xee);
      for (let i = 200; i < 300; i++) assert.is(out[i], 0xee);
    }),
    { numRuns: 500 },
  );
});

test("DONE reports where the stream ended when data follows it", () => {
  const inf = new Inflater();
  const z = new Uint8Array(gzipSync(text));
  const withTail = new Uint8Array(z.length + 5);
  withTail.set(z);
  inf.reset(FORMAT_GZIP);
  const out = new Uint8Array(text.length);
  assert.is(inf.inflate(withTail, 0, withTail.length, out, 0, out.length), INFLATE_DONE);
  assert.is(inf.inUsed, z.length);
  assert.is(inf.done, true);
});

test("long Huffman codes (sub-tables) and far matches from earlier calls decode in any piece size", () => {
  // Fibonacci-like symbol frequencies force code lengths up to the 15-bit limit.
  const parts: number[] = [];
  let a = 1;
  let b = 1;
  for (let sym = 0; sym < 24; sym++) {
    for (let i = 0; i < a && parts.length < 60000; i++) parts.push(sym);
    const c = a + b;
    a = b;
    b = c;
  }
  // Shuffle deterministically so that the data is literals, not one long run.
  let seed = 12345;
  for (let i = parts.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const j = seed % (i + 1);
    const t = parts[i];
    parts[i] = parts[j];
    parts[j] = t;
  }
  const lits = new Uint8Array(parts);
  // Then a copy of an early stretch 20 KiB further on: matches reaching back across call boundaries.
  const data = new Uint8Array(lits.length + 30000);
  data.set(lits);
  data.set(lits.subarray(1000, 31000), lits.length);
  const inf = new Inflater();
  const z = new Uint8Array(deflateRawSync(data, { level: 9 }));
  for (const [step, outStep] of [[z.length, 1 << 20], [1460, 4096], [7, 300], [1, 1]]) {
    const cuts: number[] = [];
    for (let c = step; c < z.length; c += step) cuts.push(c);
    const r = run(inf, FORMAT_RAW, z, cuts, outStep);
    assert.is(r.status, INFLATE_DONE, `step ${step}`);
    assert.equal(r.out, data);
  }
  // A corrupted stream with long codes fails cleanly.
  const bad = z.slice();
  for (let i = 200; i < 260; i++) bad[i] = 0xff;
  const st = run(inf, FORMAT_RAW, bad, [], 1 << 20).status;
  assert.ok(st === INFLATE_ERR_DATA || st === INFLATE_DONE || st === INFLATE_NEED_INPUT);
});

test("gzip CRC over output of every length mod 4 matches", () => {
  const inf = new Inflater();
  for (let n = 0; n < 12; n++) {
    const data = text.subarray(0, 1000 + n);
    const r = run(inf, FORMAT_GZIP, new Uint8Array(gzipSync(data)), [3, 50], 1 + n);
    assert.is(r.status, INFLATE_DONE);
    assert.equal(r.out, data);
  }
});

test.run();
