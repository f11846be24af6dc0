/**
 * Fuzzing the whole hot path: mutated and random packets through `Engine.process` never throw and never
 * make the engine's tables grow past their bounds. Default: 1,000,000 packets (a few seconds);
 * TSUGI_FUZZ_PACKETS=50000000 for a long run on the benchmark machine.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { defaultEngineConfig } from "./config.ts";
import { Engine } from "./engine.ts";
import {
  LINK_ETHERNET,
  LINK_NULL,
  LINK_RAW,
  LINK_SLL,
  LINK_SLL2,
  PacketMeta,
} from "./packet.ts";
import { compilePolicy } from "./policy/compiled.ts";
import { loadPolicy } from "./policy/load.ts";
import { ether, fragmentIp, gre, icmpPacket, ipPacket, sll, tcpPacket, udpPacket, vxlan } from "../datapath/craft.ts";
import { benchPolicy } from "../bench/workloads.ts";

const TOTAL = Number(process.env.TSUGI_FUZZ_PACKETS ?? 1_000_000);
const LINKS = [LINK_ETHERNET, LINK_RAW, LINK_NULL, LINK_SLL, LINK_SLL2];

function smallEngine(): Engine {
  const cfg = defaultEngineConfig();
  cfg.flow.maxFlows = 4096;
  cfg.defrag.memcap = 256 * 1024;
  cfg.defrag.maxTrackers = 256;
  cfg.defrag.maxFragments = 1024;
  cfg.eventRingSize = 1024;
  cfg.checksums = "all";
  const e = new Engine(cfg);
  e.setPolicy(compilePolicy(loadPolicy(benchPolicy(60), "fuzz.yaml"), []));
  return e;
}

/** Valid packets of every shape the decoder knows, as seeds for mutation. */
const seedArb = fc.oneof(
  fc.record({ sport: fc.integer({ min: 0, max: 65535 }), dport: fc.integer({ min: 0, max: 65535 }), flags: fc.integer({ min: 0, max: 255 }), v6: fc.boolean(), len: fc.integer({ min: 0, max: 300 }) })
    .map((r) => ether(tcpPacket({ src: r.v6 ? "fd00::1" : "198.18.0.1", dst: r.v6 ? "fd00::2" : "198.19.0.1", sport: r.sport, dport: r.dport, flags: r.flags, payload: new Uint8Array(r.len), opts: { mss: 1460, wscale: 7, sackPerm: true, ts: [1, 2] } }))),
  fc.record({ dport: fc.integer({ min: 0, max: 65535 }), len: fc.integer({ min: 0, max: 3000 }) })
    .map((r) => fragmentIp(udpPacket({ src: "198.18.0.5", dst: "198.19.0.9", sport: 5000, dport: r.dport, payload: new Uint8Array(r.len) }), 512).map((f) => ether(f))[0]),
  fc.integer({ min: 0, max: 255 }).map((t) => ether(icmpPacket({ src: "198.18.0.1", dst: "198.19.0.1", type: t, payload: new Uint8Array(28) }))),
  fc.integer({ min: 0, max: 255 }).map((t) => ether(icmpPacket({ src: "fd00::1", dst: "fd00::2", type: t, payload: new Uint8Array(48) }))),
  fc.constant(ether(ipPacket("198.18.0.1", "198.19.0.1", 47, gre(tcpPacket({ src: "10.1.1.1", dst: "10.2.2.2", sport: 1, dport: 445, flags: "S" }), 0x0800)))),
  fc.constant(ether(udpPacket({ src: "198.18.0.1", dst: "198.19.0.1", sport: 999, dport: 4789, payload: vxlan(ether(udpPacket({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 53 })), 7) }))),
  fc.constant(sll(ipPacket("fd00::1", "fd00::2", 59, new Uint8Array(0), { ext: [{ type: 0 }, { type: 60 }, { type: 43, data: new Uint8Array(6) }] }), 0x86dd)),
  fc.uint8Array({ minLength: 0, maxLength: 200 }),
);

/** A small deterministic PRNG so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

test(`${TOTAL.toLocaleString("en")} mutated and random packets: no exception, tables stay bounded`, () => {
  const engine = smallEngine();
  const meta = new PacketMeta();
  const seeds = fc.sample(seedArb, { numRuns: 2000, seed: 42 });
  const rnd = prng(7);
  const work = new Uint8Array(4096);
  let ts = 1_700_000_000_000_000;
  for (let n = 0; n < TOTAL; n++) {
    const seed = seeds[n % seeds.length];
    let len = seed.length;
    work.set(seed);
    // Mutations: flip bytes, cut short, or overwrite a stretch with noise.
    const r = rnd();
    const flips = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < flips && len > 0; k++) work[Math.floor(rnd() * len)] ^= 1 << Math.floor(rnd() * 8);
    if (r < 0.2) len = Math.floor(rnd() * len);
    else if (r < 0.3) for (let k = Math.floor(rnd() * len); k < len && k < 64; k++) work[k] = Math.floor(rnd() * 256);
    meta.linkType = r > 0.95 ? LINKS[Math.floor(rnd() * LINKS.length)] : LINK_ETHERNET;
    ts += Math.floor(rnd() * 5000);
    meta.tsUs = ts;
    meta.pcapCnt = n + 1;
    engine.process(work, 0, len, meta);
    engine.ring.clear();
  }
  assert.is(engine.stats.packets, TOTAL);
  assert.ok(engine.flows.stats.active <= 4096, `flows ${engine.flows.stats.active}`);
  assert.ok(engine.defrag.stats.bytesInUse <= 256 * 1024, `defrag bytes ${engine.defrag.stats.bytesInUse}`);
  assert.ok(engine.stats.decodeAnomalies > 0, "mutations must have produced anomalies");
});

test("property: any bytes on any link type are a verdict, not an exception", () => {
  const engine = smallEngine();
  const meta = new PacketMeta();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1600 }), fc.constantFrom(...LINKS), (bytes, link) => {
      meta.linkType = link;
      meta.tsUs += 10;
      const v = engine.process(bytes, 0, bytes.length, meta);
      engine.ring.clear();
      return v === 0 || v === 1;
    }),
    { numRuns: 20_000, seed: 1 },
  );
});

test.run();
