import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { PerformanceObserver } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { MpmBuilder } from "./builder.ts";
import type { Mpm } from "./mpm.ts";

const enc = new TextEncoder();
const lower = (b: number) => (b >= 0x41 && b <= 0x5a ? b + 0x20 : b);

interface Pat {
  bytes: Uint8Array;
  nocase: boolean;
}

/** The reference: every pattern tried at every position. */
function naive(pats: Pat[], buf: Uint8Array, start: number, end: number): number[] {
  const found: number[] = [];
  for (let id = 0; id < pats.length; id++) {
    const { bytes, nocase } = pats[id];
    let hit = bytes.length === 0;
    for (let p = start; !hit && p + bytes.length <= end; p++) {
      let k = 0;
      while (k < bytes.length && (nocase ? lower(buf[p + k]) === lower(bytes[k]) : buf[p + k] === bytes[k])) k++;
      hit = k === bytes.length;
    }
    if (hit) found.push(id);
  }
  return found;
}

function build(pats: Pat[], maxStride?: number): Mpm {
  const b = new MpmBuilder();
  pats.forEach((p, id) => b.add(p.bytes, p.nocase, id));
  return b.build(maxStride === undefined ? {} : { maxStride });
}

function scanSorted(m: Mpm, buf: Uint8Array, start: number, end: number, cap = 4096): number[] {
  const out = new Int32Array(cap);
  const n = m.scan(buf, start, end, out);
  return Array.from(out.subarray(0, n)).sort((a, b) => a - b);
}

test("finds case-sensitive and nocase patterns, each id once", () => {
  const pats: Pat[] = [
    { bytes: enc.encode("/wp-login.php"), nocase: true },
    { bytes: enc.encode("cmd.exe"), nocase: false },
    { bytes: enc.encode("CMD.EXE"), nocase: false },
    { bytes: enc.encode("cmd.exe"), nocase: true },
    { bytes: enc.encode("MZ"), nocase: false },
    { bytes: enc.encode("x"), nocase: true },
    { bytes: enc.encode("login"), nocase: false },
    { bytes: enc.encode("/wp-login.php"), nocase: true }, // same bytes as id 0
  ];
  const m = build(pats);
  const buf = enc.encode("GET /WP-LOGIN.PHP?x=CMD.EXE&y=/wp-login.php HTTP/1.1");
  assert.equal(scanSorted(m, buf, 0, buf.length), [0, 2, 3, 5, 6, 7]);
  assert.equal(scanSorted(m, buf, 0, buf.length), naive(pats, buf, 0, buf.length));
  assert.is(m.overflow, false);
  assert.is(m.patternCount, 8);
  assert.is(m.literalCount, 7);
});

test("patterns at the very start and end of a range that does not start at 0", () => {
  const pats: Pat[] = [
    { bytes: enc.encode("abcdefghijkl"), nocase: false },
    { bytes: enc.encode("XYZ"), nocase: false },
    { bytes: enc.encode("wxyz"), nocase: true },
    { bytes: enc.encode("Q"), nocase: false },
  ];
  const m = build(pats);
  const buf = enc.encode("Qabcdefghijkl--wXYZQ");
  assert.equal(scanSorted(m, buf, 1, 19), [0, 1, 2]);
  assert.equal(scanSorted(m, buf, 2, 19), [1, 2], "pattern cut at the range start is not found");
  assert.equal(scanSorted(m, buf, 1, 18), [0], "pattern cut at the range end is not found");
  assert.equal(scanSorted(m, buf, 0, 20), [0, 1, 2, 3]);
  assert.equal(scanSorted(m, buf, 5, 5), []);
});

test("empty patterns occur everywhere, even in an empty range", () => {
  const m = build([{ bytes: new Uint8Array(0), nocase: false }, { bytes: enc.encode("ab"), nocase: false }]);
  assert.equal(scanSorted(m, enc.encode("xx"), 0, 0), [0]);
  assert.equal(scanSorted(m, enc.encode("xab"), 0, 3), [0, 1]);
});

test("a full out array sets overflow and stops", () => {
  const pats: Pat[] = [];
  for (let i = 0; i < 10; i++) pats.push({ bytes: enc.encode("k" + i), nocase: false });
  const m = build(pats);
  const buf = enc.encode("k0k1k2k3k4k5k6k7k8k9");
  const out = new Int32Array(4);
  assert.is(m.scan(buf, 0, buf.length, out), 4);
  assert.is(m.overflow, true);
  assert.is(m.scan(buf, 0, 4, out), 2);
  assert.is(m.overflow, false, "reset on the next scan");
});

test("bad ids are refused with a message", () => {
  const b = new MpmBuilder();
  b.add(enc.encode("a"), false, 0);
  b.add(enc.encode("b"), false, 2);
  assert.throws(() => b.build(), /id 1 is missing/);
  assert.throws(() => b.add(enc.encode("c"), false, 0), /added twice/);
  assert.throws(() => b.add(enc.encode("c"), false, -1), /non-negative/);
});

// Random pattern sets over a small alphabet (mixed case, NUL, 0xff) so that overlaps, shared prefixes
// and nocase/case-sensitive twins are common.
const ALPHA = [0x61, 0x62, 0x41, 0x42, 0x63, 0x00, 0xff, 0x2f];
const byteArb = fc.constantFrom(...ALPHA);
const patArb = fc.record({
  bytes: fc.array(byteArb, { minLength: 0, maxLength: 14 }).map((a) => Uint8Array.from(a)),
  nocase: fc.boolean(),
});

test("agrees with the naive matcher on random pattern sets, texts and ranges", () => {
  fc.assert(
    fc.property(
      fc.array(patArb, { minLength: 1, maxLength: 40 }),
      fc.array(byteArb, { maxLength: 200 }),
      fc.nat(),
      fc.nat(),
      fc.constantFrom(1, 2, 5, 12),
      (pats0, text, a, b, maxStride) => {
        // derived patterns: prefixes and case twins of the drawn ones
        const pats = pats0.slice();
        for (const p of pats0) {
          if (p.bytes.length > 2) pats.push({ bytes: p.bytes.subarray(0, p.bytes.length >> 1), nocase: p.nocase });
          pats.push({ bytes: p.bytes, nocase: !p.nocase });
        }
        const buf = Uint8Array.from(text);
        // plant some patterns in the text
        for (let k = 0; k < 3 && buf.length > 0; k++) {
          const p = pats[(a + k * 7) % pats.length].bytes;
          const at = (b + k * 13) % buf.length;
          for (let j = 0; j < p.length && at + j < buf.length; j++) buf[at + j] = p[j];
        }
        const start = buf.length === 0 ? 0 : a % (buf.length + 1);
        const end = start + (buf.length === 0 ? 0 : b % (buf.length - start + 1));
        const m = build(pats, maxStride);
        const got = scanSorted(m, buf, start, end);
        const want = naive(pats, buf, start, end);
        assert.equal(got, want);
        // a second scan (next generation) gives the same answer
        assert.equal(scanSorted(m, buf, start, end), want);
      },
    ),
    { numRuns: 400 },
  );
});

test("agrees with the naive matcher on long random patterns over the full byte range", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ bytes: fc.uint8Array({ minLength: 1, maxLength: 30 }), nocase: fc.boolean() }), {
        minLength: 1,
        maxLength: 30,
      }),
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 6 }),
      (pats, text, plants) => {
        const buf = Uint8Array.from(text);
        for (const [pi, at] of plants) {
          if (buf.length === 0) break;
          const p = pats[pi % pats.length];
          const pos = at % buf.length;
          for (let j = 0; j < p.bytes.length && pos + j < buf.length; j++) {
            const c = p.bytes[j];
            // plant nocase patterns with flipped case to exercise folding
            buf[pos + j] = p.nocase && c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
          }
        }
        const m = build(pats);
        assert.equal(scanSorted(m, buf, 0, buf.length), naive(pats, buf, 0, buf.length));
      },
    ),
    { numRuns: 300 },
  );
});

test("sampled mode (every pattern 5 bytes or longer) agrees with the naive matcher", () => {
  fc.assert(
    fc.property(
      fc.array(patArb.filter((p) => p.bytes.length >= 5), { minLength: 1, maxLength: 30 }),
      fc.array(byteArb, { maxLength: 300 }),
      fc.nat(),
      fc.nat(),
      fc.integer({ min: 2, max: 12 }),
      (pats, text, a, b, maxStride) => {
        const buf = Uint8Array.from(text);
        for (let k = 0; k < 4 && buf.length > 0; k++) {
          const p = pats[(a + k) % pats.length].bytes;
          const at = (b + k * 31) % buf.length;
          for (let j = 0; j < p.length && at + j < buf.length; j++) buf[at + j] = p[j];
        }
        const start = buf.length === 0 ? 0 : a % (buf.length + 1);
        const end = start + (buf.length === 0 ? 0 : b % (buf.length - start + 1));
        const m = build(pats, maxStride);
        assert.equal(scanSorted(m, buf, start, end), naive(pats, buf, start, end));
      },
    ),
    { numRuns: 400 },
  );
});

test("every tier layout (sampled tiers, pair pass, fused dense) agrees with the naive matcher", () => {
  const layouts: number[][] = [[12, 5], [8, 4], [4], [1], [2], [12]];
  fc.assert(
    fc.property(
      fc.array(patArb, { minLength: 1, maxLength: 40 }),
      fc.array(byteArb, { maxLength: 200 }),
      fc.nat(),
      fc.nat(),
      fc.constantFrom(...layouts),
      (pats, text, a, b, strides) => {
        const buf = Uint8Array.from(text);
        for (let k = 0; k < 4 && buf.length > 0; k++) {
          const p = pats[(a + k) % pats.length].bytes;
          const at = (b + k * 17) % buf.length;
          for (let j = 0; j < p.length && at + j < buf.length; j++) buf[at + j] = p[j];
        }
        const start = buf.length === 0 ? 0 : a % (buf.length + 1);
        const end = start + (buf.length === 0 ? 0 : b % (buf.length - start + 1));
        const bld = new MpmBuilder();
        pats.forEach((p, id) => bld.add(p.bytes, p.nocase, id));
        const m = bld.build({ strides });
        assert.equal(scanSorted(m, buf, start, end), naive(pats, buf, start, end));
      },
    ),
    { numRuns: 600 },
  );
});

test("layouts: literals split by length, default chosen among the candidates", () => {
  const pats: Pat[] = [
    { bytes: enc.encode("a-very-long-literal-here"), nocase: true },
    { bytes: enc.encode("medium12"), nocase: false },
    { bytes: enc.encode("tiny"), nocase: true },
    { bytes: enc.encode("z"), nocase: false },
  ];
  const m = build2(pats, { strides: [12, 5] });
  assert.equal(m.strides, [12, 5]);
  assert.is(m.shortLiteralCount, 2, "4-byte and 1-byte literals go to the pair pass");
  const buf = enc.encode("xx A-VERY-LONG-LITERAL-HERE medium12 TINY z");
  assert.equal(scanSorted(m, buf, 0, buf.length), [0, 1, 2, 3]);
  assert.equal(scanSorted(m, buf, 0, buf.length - 1), [0, 1, 2], "1-byte literal cut off by the range end");
  const d = build2(pats, {});
  assert.ok([[12, 5], [8, 4], [4], [1]].some((c) => JSON.stringify(c) === JSON.stringify(d.strides)));
  assert.equal(scanSorted(d, buf, 0, buf.length), [0, 1, 2, 3]);
});

function build2(pats: Pat[], options: { strides?: number[] }): Mpm {
  const b = new MpmBuilder();
  pats.forEach((p, id) => b.add(p.bytes, p.nocase, id));
  return b.build(options);
}

test("scanning allocates nothing (no GC over a million scans)", async () => {
  const pats: Pat[] = [];
  const words = ["select", "union", "cmd.exe", "/etc/passwd", "MZ", "a", "<script", "eval(", "wget http"];
  words.forEach((w, i) => pats.push({ bytes: enc.encode(w), nocase: i % 2 === 0 }));
  const m = build(pats);
  const buf = enc.encode("GET /index.php?q=1+UNION+SELECT+a,b&x=<script>eval(1)</script>/etc/passwd MZ wget http://x");
  const out = new Int32Array(16);
  let sink = 0;
  for (let i = 0; i < 20000; i++) sink += m.scan(buf, 0, buf.length, out); // warm up and optimise
  // start from a clean young generation: earlier tests' garbage must not be charged to the scans
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  await new Promise((resolve) => setTimeout(resolve, 50));
  let gcs = 0;
  const obs = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  obs.observe({ entryTypes: ["gc"] });
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 1_000_000; i++) sink += m.scan(buf, 0, buf.length, out);
  const grown = process.memoryUsage().heapUsed - before;
  await new Promise((resolve) => setTimeout(resolve, 100)); // gc entries are delivered asynchronously
  obs.disconnect();
  assert.is(naive(pats, buf, 0, buf.length).length, 7);
  assert.is(sink, 1_020_000 * 7);
  // 16 bytes per scan would be 16 MB and at least one scavenge
  assert.ok(grown < 2_000_000, `heap grew ${grown} bytes`);
  assert.is(gcs, 0, "garbage collections during the scans");
});

test.run();
