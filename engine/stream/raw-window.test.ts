import { test } from "uvu";
import * as assert from "uvu/assert";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { defaultEngineConfig } from "../config.ts";
import { Packet, TH_ACK } from "../packet.ts";
import { Reassembler } from "./reassembler.ts";
import { RawWindows } from "./raw-window.ts";

/** Deterministic pseudo-random bytes. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

function batch(w: RawWindows): number[] {
  return Array.from(w.buf.subarray(w.start, w.end));
}

test("appends of every length and source alignment give the exact window (wide and byte copies)", () => {
  const W = 64;
  const w = new RawWindows(W, 4 * W);
  const slot = w.alloc();
  // One reused source buffer (gets a word view after the second miss) and a subarray of it (byteOffset 3).
  const big = bytes(70000, 7);
  const sub = big.subarray(3);
  let stream: number[] = [];
  let off = 0;
  for (let i = 0; i < 400; i++) {
    const src = i % 3 === 0 ? sub : big;
    const len = 1 + ((i * 97) % 1500);
    const at = (i * 131) % 4000;
    w.open(0, i, slot, off);
    const hist = stream.slice(Math.max(0, stream.length - W));
    assert.equal(batch(w), hist, `history before append ${i}`);
    w.append(src, at, len);
    const added = Array.from(src.subarray(at, at + len));
    assert.equal(batch(w), [...hist, ...added], `batch after append ${i} (len ${len}, at ${at})`);
    assert.is(w.newAt - w.start, hist.length);
    assert.is(w.endOff, off + len);
    stream = [...hist, ...added];
    off += len;
  }
});

test("several appends in one batch, with different source alignments, stay contiguous", () => {
  const w = new RawWindows(16, 1024);
  const slot = w.alloc();
  const a = bytes(5000, 1);
  const b = bytes(5000, 2);
  w.open(2, 1, slot, 0);
  w.append(a, 0, 10); // byte copy (short): history "a[0..10)"
  w.open(2, 2, slot, 10);
  const want: number[] = Array.from(a.subarray(0, 10));
  for (let i = 0; i < 12; i++) {
    const src = i % 2 === 0 ? a : b;
    const at = 1 + i * 7;
    const len = 100 + i;
    w.append(src, at, len);
    want.push(...src.subarray(at, at + len));
  }
  assert.equal(batch(w), want);
  assert.is(w.newAt - w.start, 10);
  // the next batch starts from the last 16 bytes
  w.open(2, 3, slot, 0);
  assert.equal(batch(w), want.slice(-16));
});

test("a fresh source buffer per packet is copied byte by byte, correctly", () => {
  const w = new RawWindows(32, 1024);
  const slot = w.alloc();
  let want: number[] = [];
  for (let i = 0; i < 20; i++) {
    const src = bytes(300 + i, 100 + i); // a new ArrayBuffer each time
    w.open(0, i, slot, 0);
    w.append(src, 5, 200);
    want = [...want.slice(-32), ...src.subarray(5, 205)];
    assert.equal(batch(w), want);
  }
});

test("an append larger than the scratch keeps the last bytes", () => {
  const w = new RawWindows(8, 64);
  const slot = w.alloc();
  const src = bytes(70000, 9);
  w.open(0, 1, slot, 0);
  w.append(src, 0, 70000);
  assert.is(w.end - w.start, 65536);
  assert.is(w.endOff, 70000);
  assert.equal(Array.from(w.buf.subarray(w.end - 8, w.end)), Array.from(src.subarray(69992)));
});

test("differs compares against the current batch at any start", () => {
  const w = new RawWindows(16, 64);
  const slot = w.alloc();
  const src = bytes(1000, 3);
  w.open(4, 1, slot, 0);
  w.append(src, 1, 300); // wide, batch shifted to line up
  assert.is(w.differs(4, slot, 300, 250, src, 251, 50), 0);
  assert.is(w.differs(4, slot, 300, 250, src, 252, 50), 1);
});

test("raw windows on: no garbage collection over a million 1460-byte segments", async () => {
  const flows = 64;
  const cfg = { ...defaultEngineConfig().stream, rawWindow: 4096, reassemblyDepth: 0 };
  const r = new Reassembler(cfg, flows, null);
  const seen = new Float64Array(2);
  r.consumer = {
    streamData(f, d, _b, _o, len) {
      if (r.raw(f, d)) seen[0] += r.rawEnd - r.rawNew;
      seen[1] += len;
    },
    streamGap() {},
    streamEnd() {},
    flowEnd() {},
  };
  const p = new Packet();
  p.buf = bytes(1514, 5);
  p.payloadOff = 54; // Ethernet + IPv4 + TCP: not word aligned
  p.payloadLen = 1460;
  p.tcpFlags = TH_ACK;
  const seq = new Uint32Array(flows).fill(1000);
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) {
      const f = i % flows;
      p.tcpSeq = seq[f];
      r.onPacket(f, 0, p);
      seq[f] = (seq[f] + 1460) >>> 0;
    }
  };
  // Flow 0 first carries 2.1 GB in 64000-byte segments: its stream offsets no longer fit a small integer
  // (a double stored in an object field would be boxed on every store).
  const bigP = new Packet();
  bigP.buf = bytes(64054, 6);
  bigP.payloadOff = 54;
  bigP.payloadLen = 64000;
  bigP.tcpFlags = TH_ACK;
  for (let i = 0; i < 34_000; i++) {
    bigP.tcpSeq = seq[0];
    r.onPacket(0, 0, bigP);
    seq[0] = (seq[0] + 64000) >>> 0;
  }
  assert.ok(r.offset(0, 0) > 2 ** 31);
  run(200_000); // warm up and optimise
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  await new Promise((resolve) => setTimeout(resolve, 50));
  let young = 0;
  let all = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      all++;
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) young++;
    }
  });
  obs.observe({ entryTypes: ["gc"] });
  const n = 1_000_000;
  const t0 = performance.now();
  run(n);
  const us = (performance.now() - t0) * 1000 / n;
  await new Promise((resolve) => setTimeout(resolve, 100)); // gc entries are delivered asynchronously
  obs.disconnect();
  assert.is(seen[0], 1_200_000 * 1460 + 34_000 * 64000, "every delivery showed its new bytes in the raw window");
  assert.is(seen[1], 1_200_000 * 1460 + 34_000 * 64000);
  assert.ok(r.raw((n - 1) % flows, 0));
  // the last packet: 4096 bytes of history, then the payload, word for word
  assert.is(r.rawNew - r.rawStart, 4096);
  assert.equal(Array.from(r.rawBuf.subarray(r.rawNew, r.rawEnd)), Array.from(p.buf.subarray(54)));
  assert.is(young, 0, `young-generation GCs during the segments (${us.toFixed(3)} us/segment)`);
  assert.is(all, 0, "GCs during the segments");
});

test.run();
