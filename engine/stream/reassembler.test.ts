import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import type { StreamConfig, TargetPolicy } from "../config.ts";
import { TH_FIN, TH_RST, TH_SYN } from "../packet.ts";
import {
  A_STREAM_REASSEMBLY_DEPTH_REACHED,
  A_STREAM_REASSEMBLY_OVERLAP_DIFFERENT_DATA,
  A_STREAM_REASSEMBLY_SEQ_GAP,
  STREAM_CHUNK_SIZE,
} from "./reassembler.ts";
import { Feeder, Recorder } from "./testing.ts";

const ISN = 1000;

function setup(tune: Partial<StreamConfig> = {}, isn = ISN) {
  const rec = new Recorder();
  const f = new Feeder(tune, rec);
  f.view!.isn(0, 0, isn);
  f.view!.isn(0, 1, isn);
  return { rec, f, r: f.r };
}

test("in-order segments are delivered at once, uncopied order kept", () => {
  const { rec, f, r } = setup();
  f.seg(0, 0, ISN + 1, "GET / HT");
  assert.is(rec.text(0, 0), "GET / HT");
  f.seg(0, 0, ISN + 9, "TP/1.1\r\n");
  f.seg(0, 1, ISN + 1, "HTTP/1.1 200");
  assert.is(rec.text(0, 0), "GET / HTTP/1.1\r\n");
  assert.is(rec.text(0, 1), "HTTP/1.1 200");
  assert.is(r.stats.bytesDelivered, 28);
  assert.is(r.stats.segmentsHeld, 0);
  assert.is(r.offset(0, 0), 16);
});

test("every arrival order of segments (overlapping, same data) gives the same stream", () => {
  const msg = "The quick brown fox jumps over the lazy dog 0123456789";
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: msg.length - 1 }), fc.integer({ min: 1, max: 12 })), {
        minLength: 1,
        maxLength: 12,
      }),
      fc.integer(),
      fc.constantFrom<TargetPolicy>("first", "last", "bsd", "linux", "windows", "solaris"),
      (extra, seed, policy) => {
        // A covering split of the message plus random extra (overlapping) pieces, in random order.
        const segs: [number, number][] = [];
        for (let i = 0; i < msg.length; i += 7) segs.push([i, Math.min(7, msg.length - i)]);
        for (const [s, l] of extra) segs.push([s, Math.min(l, msg.length - s)]);
        let x = seed >>> 0;
        for (let i = segs.length - 1; i > 0; i--) {
          x = (Math.imul(x, 1103515245) + 12345) >>> 0;
          const j = x % (i + 1);
          [segs[i], segs[j]] = [segs[j], segs[i]];
        }
        const { rec, f, r } = setup({ overlapPolicy: policy });
        for (const [s, l] of segs) f.seg(0, 0, ISN + 1 + s, msg.slice(s, s + l));
        assert.is(rec.text(0, 0), msg);
        assert.is(rec.count("gap"), 0);
        assert.is(r.stats.overlapsDifferent, 0);
        assert.is(r.stats.heldNow, 0);
        assert.is(r.bytesHeld, 0);
      },
    ),
    { numRuns: 300 },
  );
});

test("all permutations of four segments deliver the exact stream", () => {
  const parts = ["abc", "defg", "h", "ijklmn"];
  const offs = [0, 3, 7, 8];
  const perms: number[][] = [];
  const permute = (a: number[], rest: number[]) => {
    if (rest.length === 0) perms.push(a);
    for (const r of rest) permute([...a, r], rest.filter((x) => x !== r));
  };
  permute([], [0, 1, 2, 3]);
  assert.is(perms.length, 24);
  for (const perm of perms) {
    const { rec, f } = setup();
    for (const i of perm) f.seg(0, 0, ISN + 1 + offs[i], parts[i]);
    assert.is(rec.text(0, 0), "abcdefghijklmn", `order ${perm}`);
  }
});

// Segments held out of order, then the hole filled. Known answers per policy (see policy table).
const OVERLAP_CASES: { name: string; later: [number, string]; want: Record<TargetPolicy, string> }[] = [
  {
    // B [1,4) starts before A [2,6) and ends inside it.
    name: "starts before, ends inside",
    later: [1, "BBB"],
    want: { first: "DBAAAA", last: "DBBBAA", bsd: "DBBBAA", linux: "DBBBAA", windows: "DBAAAA", solaris: "DBAAAA" },
  },
  {
    // C [4,8) starts inside A and ends after it.
    name: "starts inside, ends after",
    later: [4, "CCCC"],
    want: {
      first: "D.AAAACC",
      last: "D.AACCCC",
      bsd: "D.AAAACC",
      linux: "D.AAAACC",
      windows: "D.AAAACC",
      solaris: "D.AAAACC",
    },
  },
  {
    // F [2,8) starts with A and ends after it.
    name: "same start, ends after",
    later: [2, "FFFFFF"],
    want: {
      first: "D.AAAAFF",
      last: "D.FFFFFF",
      bsd: "D.AAAAFF",
      linux: "D.FFFFFF",
      windows: "D.AAAAFF",
      solaris: "D.AAAAFF",
    },
  },
  {
    // G [1,6) starts before A and ends with it.
    name: "starts before, same end",
    later: [1, "GGGGG"],
    want: { first: "DGAAAA", last: "DGGGGG", bsd: "DGGGGG", linux: "DGGGGG", windows: "DGAAAA", solaris: "DGGGGG" },
  },
  {
    // H [1,7) covers A strictly.
    name: "covers strictly",
    later: [1, "HHHHHH"],
    want: { first: "DHAAAAH", last: "DHHHHHH", bsd: "DHHHHHH", linux: "DHHHHHH", windows: "DHHHHHH", solaris: "DHHHHHH" },
  },
];

for (const c of OVERLAP_CASES) {
  test(`overlap policies: ${c.name}`, () => {
    for (const policy of ["first", "last", "bsd", "linux", "windows", "solaris"] as TargetPolicy[]) {
      const { rec, f, r } = setup({ overlapPolicy: policy });
      f.seg(0, 0, ISN + 1 + 2, "AAAA"); // held
      const p = f.seg(0, 0, ISN + 1 + c.later[0], c.later[1]);
      assert.ok(Array.from(p.anomalies.subarray(0, p.anomalyCount)).includes(A_STREAM_REASSEMBLY_OVERLAP_DIFFERENT_DATA));
      const want = c.want[policy];
      if (want.includes(".")) f.seg(0, 0, ISN + 1 + 1, ".");
      f.seg(0, 0, ISN + 1, "D");
      assert.is(rec.text(0, 0), want, `${policy}`);
      assert.is(r.stats.overlaps, 1);
      assert.is(r.stats.overlapsDifferent, 1);
    }
  });
}

test("the in-order part of a segment is delivered, its overlap with held data follows the policy", () => {
  const cases = [["bsd", "xxxxxxxxzz"], ["first", "xxxxYYYYzz"], ["last", "xxxxxxxxzz"], ["windows", "xxxxYYYYzz"]] as const;
  for (const [policy, want] of cases) {
    const { rec, f } = setup({ overlapPolicy: policy });
    f.seg(0, 0, ISN + 1 + 4, "YYYYzz");
    f.seg(0, 0, ISN + 1, "xxxxxxxx"); // starts before the held one and ends inside it
    assert.is(rec.text(0, 0), want, policy);
  }
});

test("retransmissions are not delivered again; different data is flagged", () => {
  const { rec, f, r } = setup();
  f.seg(0, 0, ISN + 1, "hello world");
  f.seg(0, 0, ISN + 1, "hello");
  assert.is(rec.text(0, 0), "hello world");
  assert.is(r.stats.retransmissions, 1);
  assert.is(r.stats.overlapsDifferent, 0);
  f.seg(0, 0, ISN + 1 + 6, "WORLD");
  assert.is(rec.text(0, 0), "hello world");
  assert.ok(f.anomalies().includes(A_STREAM_REASSEMBLY_OVERLAP_DIFFERENT_DATA));
  // A partial retransmission: only the new tail is delivered.
  f.seg(0, 0, ISN + 1 + 6, "world!!");
  assert.is(rec.text(0, 0), "hello world!!");
  // A keep-alive (one byte at next - 1) is ignored silently.
  f.seg(0, 0, ISN + 1 + 12, "\0");
  assert.is(f.p.anomalyCount, 0);
  assert.is(rec.text(0, 0), "hello world!!");
});

test("sequence wraparound near 2^32, out of order", () => {
  const isn = 0xfffffff0;
  const { rec, f } = setup({}, isn);
  const msg = "0123456789abcdefghijklmnopqrstuvwxyz";
  // bytes 20.. cross nothing; 10..20 cross 2^32 (byte at seq 0 is msg[15]); send back to front.
  f.seg(0, 0, (isn + 1 + 20) >>> 0, msg.slice(20));
  f.seg(0, 0, (isn + 1 + 10) >>> 0, msg.slice(10, 20));
  assert.is(rec.text(0, 0), "");
  f.seg(0, 0, (isn + 1) >>> 0, msg.slice(0, 10));
  assert.is(rec.text(0, 0), msg);
});

test("midstream: a direction starts at the first segment seen", () => {
  const rec = new Recorder();
  const f = new Feeder({}, rec, 4, false);
  f.seg(1, 1, 0x80000000, "server speaks first");
  f.seg(1, 0, 77, "client");
  f.seg(1, 0, 77 + 6, " too");
  assert.is(rec.text(1, 1), "server speaks first");
  assert.is(rec.text(1, 0), "client too");
});

test("SYN and FIN take a sequence number; streamEnd after everything before the FIN", () => {
  const rec = new Recorder();
  const f = new Feeder({}, rec, 4, false);
  f.seg(0, 0, 500, "syn-data", TH_SYN); // data on a SYN starts at ISN + 1
  f.seg(0, 0, 509 + 4, "late", TH_FIN); // FIN after a hole
  assert.is(rec.count("end"), 0);
  f.seg(0, 0, 509, "mid.");
  assert.is(rec.text(0, 0), "syn-datamid.late");
  assert.is(rec.count("end", 0, 0), 1);
  // Nothing after the FIN is taken.
  f.seg(0, 0, 509 + 8, "junk");
  assert.is(rec.text(0, 0), "syn-datamid.late");
});

test("an ACK past a hole delivers a gap and what follows", () => {
  const { rec, f, r } = setup();
  f.seg(0, 0, ISN + 1, "abc");
  f.seg(0, 0, ISN + 1 + 6, "ghi"); // bytes 3..5 never seen
  f.seg(0, 1, ISN + 1, "", 0, ISN + 1 + 6); // server acks up to 6: the hole is gone
  assert.ok(f.anomalies().includes(A_STREAM_REASSEMBLY_SEQ_GAP));
  assert.is(rec.text(0, 0), "abc~~~ghi");
  assert.is(r.stats.gaps, 1);
  assert.is(r.stats.gapBytes, 3);
  // An ACK past everything seen: a gap to the ack.
  f.seg(0, 1, ISN + 1, "", 0, ISN + 1 + 11);
  assert.is(rec.text(0, 0), "abc~~~ghi~~");
  assert.is(r.offset(0, 0), 11);
});

test("memcap exhaustion loses held data as a gap, accounting stays exact", () => {
  const { rec, f, r } = setup({ reassemblyMemcap: 2 * STREAM_CHUNK_SIZE });
  const body = "x".repeat(300);
  f.seg(0, 0, ISN + 1 + 100, body); // held: 2 chunks, the whole pool
  f.seg(0, 0, ISN + 1 + 400, "lost"); // no room
  assert.is(r.stats.memcapDrops, 1);
  assert.is(r.stats.heldNow, 1);
  f.seg(0, 0, ISN + 1, "y".repeat(100)); // fills the first hole: the held data follows
  assert.is(rec.text(0, 0), "y".repeat(100) + body);
  assert.is(r.bytesHeld, 0);
  f.seg(0, 1, ISN + 1, "", 0, ISN + 1 + 404); // the receiver had "lost": a gap for it
  assert.is(rec.text(0, 0).length, 404);
  assert.is(r.stats.bytesDelivered + r.stats.gapBytes, 404);
  assert.is(rec.count("gap"), 1);
  // The pool is usable again.
  f.seg(0, 0, ISN + 1 + 410, "zz");
  assert.is(r.stats.heldNow, 1);
});

test("many flows over a small memcap: no crash, no lost accounting", () => {
  const rec = new Recorder();
  const f = new Feeder({ reassemblyMemcap: 8 * STREAM_CHUNK_SIZE }, rec, 64);
  for (let fl = 0; fl < 64; fl++) f.view!.isn(fl, 0, 0);
  for (let fl = 0; fl < 64; fl++) f.seg(fl, 0, 1 + 10, "z".repeat(10));
  assert.ok(f.r.stats.memcapDrops > 0);
  for (let fl = 0; fl < 64; fl++) f.seg(fl, 0, 1, "a".repeat(10));
  for (let fl = 0; fl < 64; fl++) f.seg(fl, 0, 21, "", TH_FIN);
  for (let fl = 0; fl < 64; fl++) f.r.flowEnded(fl);
  let lost = 0;
  for (let fl = 0; fl < 64; fl++) {
    assert.is(rec.bytes(fl, 0).length, 20);
    lost += rec.count("gap", fl, 0);
  }
  assert.is(lost, f.r.stats.memcapDrops);
  assert.is(f.r.stats.bytesDelivered + f.r.stats.gapBytes, 64 * 20);
  assert.is(f.r.stats.heldNow, 0);
  assert.is(f.r.bytesHeld, 0);
  assert.is(rec.count("flowEnd"), 64);
});

test("depth: nothing past it, counter and anomaly", () => {
  const { rec, f, r } = setup({ reassemblyDepth: 10 });
  f.seg(0, 0, ISN + 1 + 8, "89abcdef"); // held, partly past depth
  f.seg(0, 0, ISN + 1, "01234567");
  assert.is(rec.text(0, 0), "0123456789");
  assert.is(r.stats.depthReached, 1);
  assert.ok(f.anomalies().includes(A_STREAM_REASSEMBLY_DEPTH_REACHED));
  assert.is(r.bytesHeld, 0);
  f.seg(0, 0, ISN + 1 + 16, "more");
  assert.is(rec.text(0, 0), "0123456789");
});

test("flow end delivers held data after a gap for the hole, then streamEnd and flowEnd", () => {
  const { rec, f, r } = setup();
  f.seg(0, 0, ISN + 1, "ab");
  f.seg(0, 0, ISN + 1 + 5, "fgh");
  f.seg(0, 1, ISN + 1 + 3, "xyz");
  r.flowEnded(0);
  assert.is(rec.text(0, 0), "ab~~~fgh");
  assert.is(rec.text(0, 1), "~~~xyz");
  assert.is(rec.count("end"), 2);
  assert.equal(rec.calls[rec.calls.length - 1], { kind: "flowEnd", flow: 0 });
  assert.is(r.stats.heldNow, 0);
  // The slot is clean for the next flow.
  f.seg(0, 0, 5000, "new");
  assert.is(r.offset(0, 0), 0); // held: ISN from the view still says 1000
  r.flowEnded(0);
});

test("RST flushes both directions", () => {
  const { rec, f } = setup();
  f.seg(0, 0, ISN + 1 + 2, "cd");
  f.seg(0, 1, ISN + 1, "ok");
  f.seg(0, 1, ISN + 3, "", TH_RST);
  assert.is(rec.text(0, 0), "~~cd");
  assert.is(rec.count("end"), 2);
});

test("raw window: history then new bytes, across many one-byte segments", () => {
  const rec = new Recorder();
  const f = new Feeder({ rawWindow: 16 }, rec);
  f.view!.isn(0, 0, ISN);
  const r = f.r;
  const stream = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ";
  for (let i = 0; i < stream.length; i++) {
    f.seg(0, 0, ISN + 1 + i, stream[i]);
    assert.ok(r.raw(0, 0));
    const got = new TextDecoder().decode(r.rawBuf.subarray(r.rawStart, r.rawEnd));
    const from = Math.max(0, i - 16);
    assert.is(got, stream.slice(from, i + 1), `after byte ${i}`);
    assert.is(r.rawNew, i - from);
    assert.is(r.rawStreamOffset, from);
  }
  assert.not.ok(r.raw(0, 1));
});

test("raw window: a filled hole shows all released bytes as new, from inside streamData too", () => {
  const rec = new Recorder();
  const f = new Feeder({ rawWindow: 8 }, rec);
  f.view!.isn(0, 0, ISN);
  const r = f.r;
  f.seg(0, 0, ISN + 1, "0123456789");
  f.seg(0, 0, ISN + 1 + 14, "EFGH");
  f.seg(0, 0, ISN + 1 + 12, "CD");
  const seen: string[] = [];
  rec.onData = () => {
    r.raw(0, 0);
    seen.push(new TextDecoder().decode(r.rawBuf.subarray(r.rawNew, r.rawEnd)));
  };
  f.seg(0, 0, ISN + 1 + 10, "AB");
  assert.equal(seen, ["AB", "ABCD", "ABCDEFGH"]);
  r.raw(0, 0);
  assert.is(new TextDecoder().decode(r.rawBuf.subarray(r.rawStart, r.rawEnd)), "23456789ABCDEFGH");
  assert.is(r.rawNew, 8);
  // After a gap the window restarts.
  f.seg(0, 1, ISN, "", 0, ISN + 1 + 20);
  f.seg(0, 0, ISN + 1 + 20, "xy");
  r.raw(0, 0);
  assert.is(new TextDecoder().decode(r.rawBuf.subarray(r.rawStart, r.rawEnd)), "xy");
});

test("raw window pool exhaustion: delivered without history, counted", () => {
  const rec = new Recorder();
  const f = new Feeder({ rawWindow: 8, rawMemcap: 8 }, rec);
  f.view!.isn(0, 0, 0);
  f.view!.isn(1, 0, 0);
  f.seg(0, 0, 1, "aaaa");
  f.seg(1, 0, 1, "bbbb");
  f.seg(1, 0, 5, "cc");
  assert.is(f.r.stats.rawWindowExhausted, 1);
  f.r.raw(1, 0);
  assert.is(f.r.rawEnd - f.r.rawStart, 2);
  assert.is(rec.text(1, 0), "bbbbcc");
});

test("no consumer: nothing happens", () => {
  const rec = new Recorder();
  const f = new Feeder({}, rec);
  f.r.consumer = null;
  f.seg(0, 0, 1, "abc");
  assert.is(f.r.stats.segments, 0);
  assert.is(rec.calls.length, 0);
});

test("per-direction held segment limit bounds the work", () => {
  const { f, r } = setup({ maxHeldSegments: 4 });
  for (let i = 0; i < 10; i++) f.seg(0, 0, ISN + 1 + 2 + 2 * i, "x");
  assert.is(r.stats.heldNow, 4);
  assert.is(r.stats.memcapDrops, 6);
});

test.run();
