import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { ether, fragmentIp, internetChecksum, fragmentRaw, ipPacket, udpPacket } from "../../datapath/craft.ts";
import {
  A_DEFRAG_MEMCAP,
  A_IPV4_FRAG_OVERLAP,
  A_IPV4_FRAG_PKT_TOO_LARGE,
  A_IPV6_FRAG_INVALID_LENGTH,
  A_IPV6_FRAG_OVERLAP,
  A_IPV6_FRAG_PKT_TOO_LARGE,
} from "../anomaly.ts";
import { defaultEngineConfig, TARGET_POLICIES } from "../config.ts";
import type { DefragConfig, TargetPolicy } from "../config.ts";
import { ipv4HeaderChecksumOk } from "../decode/checksum.ts";
import { Decoder } from "../decode/decoder.ts";
import { IPPROTO_UDP, LINK_ETHERNET, LINK_RAW, Packet } from "../packet.ts";
import { DEFRAG_COMPLETE, DEFRAG_DROPPED, DEFRAG_HELD, Defragmenter } from "./defragmenter.ts";

const SEC = 1_000_000;
const T0 = 1_700_000_000 * SEC;

function cfg(o: Partial<DefragConfig> = {}): DefragConfig {
  return { ...defaultEngineConfig().defrag, ...o };
}

const decoder = new Decoder(defaultEngineConfig().decode);

/** Decodes `frame` into a fresh packet, as the engine would before calling `insert`. */
function pkt(frame: Uint8Array, tsUs = T0, link = LINK_RAW): Packet {
  const p = new Packet();
  p.reset(frame, 0, frame.length);
  p.linkType = link;
  decoder.decode(p);
  p.tsUs = tsUs;
  return p;
}

function has(p: Packet, code: number): boolean {
  for (let i = 0; i < p.anomalyCount; i++) if (p.anomalies[i] === code) return true;
  return false;
}

function outBytes(d: Defragmenter): Uint8Array {
  return d.out.slice(0, d.outLen);
}

/** Feeds frames in order; returns the results. */
function feed(d: Defragmenter, frames: Uint8Array[], tsUs = T0, link = LINK_RAW): number[] {
  return frames.map((f) => d.insert(pkt(f, tsUs, link)));
}

function payload(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

const v4 = udpPacket({ src: "192.0.2.1", dst: "198.51.100.7", sport: 4000, dport: 53, payload: payload(1000), id: 0x1234 });
const v6 = udpPacket({ src: "2001:db8::1", dst: "2001:db8::2", sport: 4000, dport: 53, payload: payload(1000, 7) });

for (const [name, orig] of [["IPv4", v4], ["IPv6", v6]] as const) {
  test(`${name}: in-order fragments rebuild the original packet byte for byte`, () => {
    const d = new Defragmenter(cfg());
    const frags = fragmentIp(orig, 256);
    assert.ok(frags.length >= 4);
    const r = feed(d, frags);
    assert.equal(r.slice(0, -1), new Array(frags.length - 1).fill(DEFRAG_HELD));
    assert.is(r[r.length - 1], DEFRAG_COMPLETE);
    assert.equal(outBytes(d), orig);
    assert.is(d.stats.reassembled, 1);
    assert.is(d.stats.overlaps, 0);
    assert.is(d.stats.bytesInUse, 0);
    assert.is(d.stats.trackersInUse, 0);
  });

  test(`${name}: reverse order rebuilds the same packet`, () => {
    const d = new Defragmenter(cfg());
    const frags = fragmentIp(orig, 128).reverse();
    const r = feed(d, frags);
    assert.is(r[r.length - 1], DEFRAG_COMPLETE);
    assert.is(r.filter((x) => x === DEFRAG_COMPLETE).length, 1);
    assert.equal(outBytes(d), orig);
  });

  test(`${name}: random orders rebuild the same packet`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x7fffffff }), fc.integer({ min: 1, max: 60 }), (seed, units) => {
        const frags = fragmentIp(orig, units * 8);
        let x = seed;
        for (let i = frags.length - 1; i > 0; i--) {
          x = (Math.imul(x, 1103515245) + 12345) >>> 0;
          const j = x % (i + 1);
          [frags[i], frags[j]] = [frags[j], frags[i]];
        }
        const d = new Defragmenter(cfg());
        const r = feed(d, frags);
        return r[r.length - 1] === DEFRAG_COMPLETE && bytesEqual(outBytes(d), orig) && d.stats.bytesInUse === 0;
      }),
      { numRuns: 60 },
    );
  });

  test(`${name}: duplicates count as overlaps and still rebuild the packet`, () => {
    for (const policy of TARGET_POLICIES) {
      const d = new Defragmenter(cfg({ policy }));
      const frags = fragmentIp(orig, 256);
      const first = pkt(frags[0]);
      assert.is(d.insert(first), DEFRAG_HELD);
      const dup = pkt(frags[0]);
      assert.is(d.insert(dup), DEFRAG_HELD);
      assert.ok(has(dup, name === "IPv4" ? A_IPV4_FRAG_OVERLAP : A_IPV6_FRAG_OVERLAP), policy);
      assert.not.ok(has(first, name === "IPv4" ? A_IPV4_FRAG_OVERLAP : A_IPV6_FRAG_OVERLAP));
      const r = feed(d, frags.slice(1));
      assert.is(r[r.length - 1], DEFRAG_COMPLETE, policy);
      assert.equal(outBytes(d), orig, policy);
      assert.is(d.stats.overlaps, 1);
    }
  });
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

test("IPv4: the rebuilt header has total length fixed, MF and offset cleared, DF kept and a good checksum", () => {
  const orig = udpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, payload: payload(300), ttl: 9 });
  // fragments with DF set as well (a host may send that; the rebuilt header keeps it)
  const frags = fragmentIp(orig, 64).map((f) => withDf(f));
  const d = new Defragmenter(cfg());
  const r = feed(d, frags);
  assert.is(r[r.length - 1], DEFRAG_COMPLETE);
  const out = outBytes(d);
  assert.is((out[2] << 8) | out[3], orig.length);
  assert.is(out[6] & 0x20, 0, "MF cleared");
  assert.is(((out[6] & 0x1f) << 8) | out[7], 0, "offset cleared");
  assert.is(out[6] & 0x40, 0x40, "DF kept");
  assert.ok(ipv4HeaderChecksumOk(out, 0, 20));
  assert.equal(out, withDf(orig));
  const q = pkt(out);
  assert.is(q.isFragment, 0);
  assert.is(q.proto, IPPROTO_UDP);
  assert.is(q.dstPort, 2);
  assert.is(q.payloadLen, 300);
});

function withDf(frame: Uint8Array): Uint8Array {
  const f = frame.slice();
  f[6] |= 0x40;
  f[10] = 0;
  f[11] = 0;
  const hl = (f[0] & 15) * 4;
  const c = internetChecksum(f.subarray(0, hl));
  f[10] = c >> 8;
  f[11] = c & 0xff;
  return f;
}

test("IPv6: the rebuilt packet drops the fragment header and decodes (with a hop-by-hop header kept)", () => {
  const data = payload(700, 3);
  const orig = udpPacket({
    src: "2001:db8::10",
    dst: "2001:db8::20",
    sport: 5353,
    dport: 8080,
    payload: data,
    ext: [{ type: 0, data: new Uint8Array(6) }],
  });
  const frags = fragmentIp(orig, 200);
  const d = new Defragmenter(cfg());
  const r = feed(d, frags);
  assert.is(r[r.length - 1], DEFRAG_COMPLETE);
  const out = outBytes(d);
  assert.equal(out, orig);
  const q = pkt(out);
  assert.is(q.ipVersion, 6);
  assert.is(q.isFragment, 0);
  assert.is(q.proto, IPPROTO_UDP);
  assert.is(q.srcPort, 5353);
  assert.is(q.dstPort, 8080);
  assert.equal(out.slice(q.payloadOff, q.payloadOff + q.payloadLen), data);
});

test("Ethernet with a VLAN: the link header is kept; fragments on different VLANs never join", () => {
  const orig = udpPacket({ src: "10.1.1.1", dst: "10.1.1.2", sport: 9, dport: 9, payload: payload(400), id: 42 });
  const frags = fragmentIp(orig, 128);
  const d = new Defragmenter(cfg());
  const r = feed(d, frags.map((f) => ether(f, { vlans: [5] })), T0, LINK_ETHERNET);
  assert.is(r[r.length - 1], DEFRAG_COMPLETE);
  assert.equal(outBytes(d), ether(orig, { vlans: [5] }));

  const mixed = frags.map((f, i) => ether(f, { vlans: [i === 0 ? 5 : 6] }));
  const r2 = feed(d, mixed, T0, LINK_ETHERNET);
  assert.not.ok(r2.includes(DEFRAG_COMPLETE));
  assert.is(d.stats.trackersInUse, 2);
});

test("interleaved datagrams with the same id but different addresses rebuild separately", () => {
  const a = udpPacket({ src: "10.0.0.1", dst: "10.0.0.9", sport: 1, dport: 2, payload: payload(500, 11), id: 777 });
  const b = udpPacket({ src: "10.0.0.2", dst: "10.0.0.9", sport: 1, dport: 2, payload: payload(500, 12), id: 777 });
  const fa = fragmentIp(a, 128);
  const fb = fragmentIp(b, 128);
  const d = new Defragmenter(cfg());
  const got: Uint8Array[] = [];
  for (let i = 0; i < fa.length; i++) {
    for (const f of [fa[i], fb[i]]) {
      if (d.insert(pkt(f)) === DEFRAG_COMPLETE) got.push(outBytes(d));
    }
  }
  assert.is(got.length, 2);
  assert.equal(got[0], a);
  assert.equal(got[1], b);
  assert.is(d.stats.overlaps, 0);
});

// -- Sturges/Novak overlap pattern (Suricata's DefragSturgesNovak* tests)

/** [letter, offset, length, more]: nine originals then eight overlapping fragments, Q last. */
const SN: [string, number, number, boolean][] = [
  ["A", 0, 24, true],
  ["B", 32, 16, true],
  ["C", 48, 24, true],
  ["D", 80, 8, true],
  ["E", 104, 16, true],
  ["F", 120, 24, true],
  ["G", 144, 16, true],
  ["H", 160, 16, true],
  ["I", 176, 8, true],
  ["J", 8, 32, true],
  ["K", 48, 24, true],
  ["L", 72, 24, true],
  ["M", 96, 24, true],
  ["N", 128, 8, true],
  ["O", 152, 8, true],
  ["P", 160, 8, true],
  ["Q", 176, 16, false],
];

/** Expected 192 bytes per policy, one letter per 8-byte block (from Suricata's defrag.c tests). */
const SN_EXPECTED: Record<TargetPolicy, string> = {
  bsd: "AAAJJBCCCLLLMMMFFFGGHHIQ",
  linux: "AAAJJBKKKLLLMMMFFFGGPHQQ",
  windows: "AAAJBBCCCLLLMEEFFFGGHHIQ",
  solaris: "AAAJBBCCCLLLMMMFFFGGHHIQ",
  first: "AAAJBBCCCLDLMEEFFFGGHHIQ",
  last: "AJJJJBKKKLLLMMMFNFGOPHQQ",
};

for (const [family, src, dst, proto, hdr, overlapCode] of [
  ["IPv4", "1.1.1.1", "2.2.2.2", 1, 20, A_IPV4_FRAG_OVERLAP],
  ["IPv6", "101:101:101:101:101:101:101:101", "202:202:202:202:202:202:202:202", 58, 40, A_IPV6_FRAG_OVERLAP],
] as const) {
  for (const policy of TARGET_POLICIES) {
    test(`Sturges/Novak ${family} ${policy}`, () => {
      const base = ipPacket(src, dst, proto, new Uint8Array(8), { id: 1 });
      const d = new Defragmenter(cfg({ policy }));
      let overlaps = 0;
      let last = -1;
      SN.forEach(([ch, offset, length, more], i) => {
        const frame = fragmentRaw({
          packet: base,
          offset,
          length,
          more,
          id: 1,
          data: new Uint8Array(length).fill(ch.charCodeAt(0)),
        });
        const p = pkt(frame);
        last = d.insert(p);
        if (i < 9) assert.not.ok(has(p, overlapCode), `${ch} does not overlap`);
        else if (has(p, overlapCode)) overlaps++;
        if (i < SN.length - 1) assert.is(last, DEFRAG_HELD, ch);
      });
      assert.ok(overlaps > 0);
      assert.is(last, DEFRAG_COMPLETE);
      const out = outBytes(d);
      assert.is(out.length, hdr + 192);
      const expected = [...SN_EXPECTED[policy]].map((c) => c.repeat(8)).join("");
      assert.is(String.fromCharCode(...out.slice(hdr)), expected);
      if (family === "IPv4") {
        assert.is((out[2] << 8) | out[3], 212);
        assert.ok(ipv4HeaderChecksumOk(out, 0, 20));
      } else {
        assert.is((out[4] << 8) | out[5], 192);
        assert.is(out[6], 58, "next header patched to ICMPv6");
      }
      assert.is(d.stats.bytesInUse, 0);
      assert.is(d.stats.trackersInUse, 0);
    });
  }
}

// -- invalid and too large

test("IPv4: a fragment reaching past 65535 raises frag_pkt_too_large and discards the datagram", () => {
  const base = ipPacket("10.0.0.1", "10.0.0.2", 1, new Uint8Array(8), { id: 5 });
  const d = new Defragmenter(cfg());
  assert.is(d.insert(pkt(fragmentRaw({ packet: base, offset: 0, length: 8, more: true, data: new Uint8Array(64) }))), DEFRAG_HELD);
  const p = pkt(fragmentRaw({ packet: base, offset: 65528, length: 0, more: false, data: new Uint8Array(16) }));
  assert.is(d.insert(p), DEFRAG_DROPPED);
  assert.ok(has(p, A_IPV4_FRAG_PKT_TOO_LARGE));
  assert.is(d.stats.trackersInUse, 0);
  assert.is(d.stats.bytesInUse, 0);
});

test("IPv4: a datagram whose first header has options and makes it exceed 65535 is discarded when complete", () => {
  const base = ipPacket("10.0.0.1", "10.0.0.2", 1, new Uint8Array(8), { id: 6, ipOptions: new Uint8Array([1, 1, 1, 0]) });
  const d = new Defragmenter(cfg());
  const total = 65512; // 20 + 65512 fits, 24 + 65512 does not
  let r = -1;
  let p = new Packet();
  for (let off = 0; off < total; off += 1456) {
    const len = Math.min(1456, total - off);
    p = pkt(fragmentRaw({ packet: base, offset: off, length: len, more: off + len < total, data: new Uint8Array(len) }));
    r = d.insert(p);
  }
  assert.is(r, DEFRAG_DROPPED);
  assert.ok(has(p, A_IPV4_FRAG_PKT_TOO_LARGE));
  assert.is(d.stats.reassembled, 0);
  assert.is(d.stats.bytesInUse, 0);
});

test("IPv6: a fragment reaching past 65535 payload bytes raises frag_pkt_too_large", () => {
  const base = ipPacket("2001:db8::1", "2001:db8::2", 17, new Uint8Array(8));
  const d = new Defragmenter(cfg());
  const p = pkt(fragmentRaw({ packet: base, offset: 65528, length: 0, more: false, data: new Uint8Array(16) }));
  assert.is(d.insert(p), DEFRAG_DROPPED);
  assert.ok(has(p, A_IPV6_FRAG_PKT_TOO_LARGE));
  assert.is(d.stats.invalid, 1);
});

test("IPv6: a non-last fragment whose length is not a multiple of 8 raises frag_invalid_length", () => {
  const base = ipPacket("2001:db8::1", "2001:db8::2", 17, new Uint8Array(8));
  const d = new Defragmenter(cfg());
  const p = pkt(fragmentRaw({ packet: base, offset: 0, length: 0, more: true, data: new Uint8Array(12) }));
  assert.is(d.insert(p), DEFRAG_DROPPED);
  assert.ok(has(p, A_IPV6_FRAG_INVALID_LENGTH));
  assert.is(d.stats.bytesInUse, 0);
  // the same length on the last fragment is fine
  const q = pkt(fragmentRaw({ packet: base, offset: 16, length: 0, more: false, data: new Uint8Array(12) }));
  assert.is(d.insert(q), DEFRAG_HELD);
});

// -- bounds

test("memcap: a full pool refuses fragments with defrag.memcap, and recovers once trackers time out", () => {
  const d = new Defragmenter(cfg({ memcap: 1280, timeoutSec: 30 })); // 10 chunks of 128 bytes
  const a = udpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, payload: payload(1400), id: 1 });
  const b = udpPacket({ src: "10.0.0.3", dst: "10.0.0.2", sport: 1, dport: 2, payload: payload(900), id: 2 });
  const fa = fragmentIp(a, 512);
  const fb = fragmentIp(b, 512);
  assert.is(d.insert(pkt(fa[0], T0)), DEFRAG_HELD); // 4 data chunks + 1 header chunk
  assert.is(d.insert(pkt(fa[1], T0)), DEFRAG_HELD); // 4 data chunks
  const p = pkt(fb[0], T0 + SEC);
  assert.is(d.insert(p), DEFRAG_DROPPED);
  assert.ok(has(p, A_DEFRAG_MEMCAP));
  assert.is(d.stats.memcapDrops, 1);
  assert.is(d.stats.bytesInUse, 9 * 128);

  // after the timeout the old tracker is freed to make room
  const later = T0 + 31 * SEC;
  assert.is(d.insert(pkt(fb[0], later)), DEFRAG_HELD);
  assert.is(d.stats.timeouts, 1);
  assert.is(d.insert(pkt(fb[1], later)), DEFRAG_COMPLETE);
  assert.equal(outBytes(d), b);
  assert.is(d.stats.bytesInUse, 0);
});

test("tracker table: full table refuses new datagrams, expire() frees old ones, bounded by max", () => {
  const d = new Defragmenter(cfg({ maxTrackers: 3, timeoutSec: 10 }));
  const frames = [1, 2, 3, 4].map((i) =>
    fragmentIp(udpPacket({ src: `10.0.0.${i}`, dst: "10.0.0.99", sport: 1, dport: 2, payload: payload(300), id: i }), 128)
  );
  for (let i = 0; i < 3; i++) assert.is(d.insert(pkt(frames[i][0], T0 + i)), DEFRAG_HELD);
  const p = pkt(frames[3][0], T0 + 5 * SEC);
  assert.is(d.insert(p), DEFRAG_DROPPED);
  assert.ok(has(p, A_DEFRAG_MEMCAP));
  assert.is(d.stats.trackerDrops, 1);
  assert.is(d.stats.trackersInUse, 3);

  assert.is(d.expire(T0 + 5 * SEC, 10), 0, "nothing is old enough yet");
  assert.is(d.expire(T0 + 11 * SEC, 2), 2, "at most max per call");
  assert.is(d.stats.trackersInUse, 1);
  assert.is(d.expire(T0 + 11 * SEC, 2), 1);
  assert.is(d.stats.trackersInUse, 0);
  assert.is(d.stats.bytesInUse, 0);
  assert.is(d.stats.timeouts, 3);
  assert.is(feed(d, frames[3], T0 + 12 * SEC).pop(), DEFRAG_COMPLETE);
});

test("fragment table: maxFragments bounds what is held", () => {
  const d = new Defragmenter(cfg({ maxFragments: 3 }));
  const frags = fragmentIp(v4, 128);
  const r = feed(d, frags);
  assert.equal(r.slice(0, 4), [DEFRAG_HELD, DEFRAG_HELD, DEFRAG_HELD, DEFRAG_DROPPED]);
  assert.ok(d.stats.memcapDrops > 0);
});

test("a tracker older than the timeout is replaced when its datagram shows up again", () => {
  const d = new Defragmenter(cfg({ timeoutSec: 5 }));
  const frags = fragmentIp(v4, 256);
  assert.is(d.insert(pkt(frags[0], T0)), DEFRAG_HELD);
  const r = feed(d, frags.slice(1), T0 + 6 * SEC);
  assert.not.ok(r.includes(DEFRAG_COMPLETE), "the first fragment went with the old tracker");
  assert.is(d.stats.timeouts, 1);
  assert.is(feed(d, frags.slice(0, 1), T0 + 7 * SEC)[0], DEFRAG_COMPLETE);
  assert.equal(outBytes(d), v4);
});

test("the constructor rejects a configuration it cannot size with a readable message", () => {
  assert.throws(() => new Defragmenter(cfg({ maxTrackers: 0 })), /defrag\.maxTrackers/);
  assert.throws(() => new Defragmenter(cfg({ timeoutSec: 0 })), /defrag\.timeoutSec/);
  assert.throws(() => new Defragmenter(cfg({ policy: "vista" as TargetPolicy })), /unknown target policy "vista"/);
});

// -- property: random streams never throw and leave nothing behind

test("random fragment streams never throw and bytesInUse returns to 0", () => {
  const bases = [
    ipPacket("10.0.0.1", "10.0.0.2", 1, new Uint8Array(8), { id: 3 }),
    ipPacket("10.0.0.5", "10.0.0.2", 17, new Uint8Array(8), { id: 3 }),
    ipPacket("2001:db8::1", "2001:db8::2", 58, new Uint8Array(8)),
    ipPacket("2001:db8::1", "2001:db8::2", 17, new Uint8Array(8)),
  ];
  const frag = fc.record({
    base: fc.integer({ min: 0, max: bases.length - 1 }),
    id: fc.integer({ min: 0, max: 2 }),
    unit: fc.integer({ min: 0, max: 40 }),
    len: fc.integer({ min: 1, max: 300 }),
    more: fc.boolean(),
    dt: fc.integer({ min: 0, max: 3 * SEC }),
  });
  fc.assert(
    fc.property(
      fc.constantFrom(...TARGET_POLICIES),
      fc.integer({ min: 0, max: 4096 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 12 }),
      fc.array(frag, { maxLength: 60 }),
      (policy, memcap, maxTrackers, maxFragments, stream) => {
        const d = new Defragmenter(cfg({ policy, memcap, maxTrackers, maxFragments, timeoutSec: 2 }));
        let ts = T0;
        for (const f of stream) {
          ts += f.dt;
          const frame = fragmentRaw({
            packet: bases[f.base],
            offset: f.unit * 8,
            length: 0,
            more: f.more,
            id: f.id,
            data: payload(f.len, f.unit + 1),
          });
          const r = d.insert(pkt(frame, ts));
          if (r !== DEFRAG_HELD && r !== DEFRAG_COMPLETE && r !== DEFRAG_DROPPED) return false;
          if (r === DEFRAG_COMPLETE && d.outLen <= 0) return false;
          if (d.stats.bytesInUse > memcap) return false;
        }
        while (d.expire(ts + 10 * SEC, 2) > 0);
        return d.stats.bytesInUse === 0 && d.stats.trackersInUse === 0;
      },
    ),
    { numRuns: 300 },
  );
});

test.run();
