/**
 * Fuzzing the IPS path: real traffic from the corpus (every suricata-verify capture), mutated byte by
 * byte and cut short, runs through an engine with app-layer parsers and a few thousand ET Open rules in
 * prevent mode. Nothing may throw, tables stay within their bounds, and the unmutated traffic gives
 * the same alerts twice in a row (the detector keeps no state across flows that it should not).
 * TSUGI_FUZZ_PACKETS sets the number of mutated packets (default 100,000).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { corpusDir } from "../datapath/pcap/corpus.ts";
import { readAll } from "../datapath/pcap/reader.ts";
import { defaultEngineConfig } from "./config.ts";
import { Engine } from "./engine.ts";
import { Ips } from "./ips.ts";
import { PacketMeta } from "./packet.ts";
import { defaultParsers, defaultProbes } from "./applayer/registry.ts";
import { buildRuleSet } from "../rules/build.ts";
import { EV_ALERT } from "./events.ts";

const TOTAL = Number(process.env.TSUGI_FUZZ_PACKETS ?? 100_000);
const corpus = corpusDir();

function loadTraffic(dir: string): { data: Uint8Array; linkType: number }[] {
  const sv = join(dir, "suricata-verify");
  const out: { data: Uint8Array; linkType: number }[] = [];
  for (const c of readdirSync(sv)) {
    let files: string[];
    try {
      files = readdirSync(join(sv, c)).filter((f) => f.endsWith(".pcap") || f.endsWith(".pcapng"));
    } catch {
      continue;
    }
    for (const f of files) {
      try {
        for (const r of readAll(join(sv, c, f))) out.push({ data: r.data, linkType: r.linkType });
      } catch {
        // a capture the reader refuses is not traffic for this test
      }
    }
  }
  return out;
}

function rules(dir: string): string {
  const et = join(dir, "rulesets", "et-open-2024-04");
  return ["emerging-exploit.rules", "emerging-web_server.rules", "emerging-netbios.rules", "emerging-dns.rules", "emerging-smtp.rules"]
    .map((f) => readFileSync(join(et, f), "latin1"))
    .join("\n");
}

function makeEngine(text: string): Engine {
  const cfg = defaultEngineConfig();
  cfg.flow.maxFlows = 2048;
  cfg.eventRingSize = 4096;
  cfg.checksums = "none";
  cfg.stream.midstream = true;
  const engine = new Engine(cfg);
  const built = buildRuleSet([{ file: "et-subset.rules", text }]);
  const ips = new Ips(engine.flows, engine.ring, { prevent: true, stateEntries: 1 << 12 }, defaultParsers(), defaultProbes());
  ips.detector.setRuleSet(built.ruleSet);
  engine.setIps(ips);
  return engine;
}

function replay(engine: Engine, traffic: { data: Uint8Array; linkType: number }[], mutate: ((b: Uint8Array, i: number) => Uint8Array) | null, n: number): number {
  const meta = new PacketMeta();
  let alerts = 0;
  for (let i = 0; i < n; i++) {
    const t = traffic[i % traffic.length];
    const data = mutate === null ? t.data : mutate(t.data, i);
    meta.linkType = t.linkType;
    meta.tsUs = 1_700_000_000_000_000 + i * 100;
    meta.pcapCnt = i + 1;
    meta.wireLen = data.length;
    engine.process(data, 0, data.length, meta);
    const ring = engine.ring;
    for (let k = ring.first(); k !== -1; k = ring.next(k)) if (ring.kind[k] === EV_ALERT) alerts++;
    ring.clear();
  }
  while (engine.finish(256) > 0) engine.ring.clear();
  return alerts;
}

if (corpus !== null) {
  const traffic = loadTraffic(corpus);
  const text = rules(corpus);

  test("the corpus traffic replays with the same alerts twice (no state leaks between runs)", () => {
    assert.ok(traffic.length > 1000, `traffic: ${traffic.length} packets`);
    const a = replay(makeEngine(text), traffic, null, traffic.length);
    const b = replay(makeEngine(text), traffic, null, traffic.length);
    assert.is(a, b);
  });

  test(`${TOTAL} mutated corpus packets through parsers and rules: no throw, bounded tables`, () => {
    const engine = makeEngine(text);
    let seed = 12345;
    const rnd = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 4294967296;
    };
    const mutate = (b: Uint8Array): Uint8Array => {
      const out = b.slice(0, rnd() < 0.1 ? Math.floor(rnd() * b.length) : b.length);
      const flips = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < flips && out.length > 0; k++) {
        // mostly past the headers, where parsers and rules look
        const at = out.length > 60 && rnd() < 0.8 ? 54 + Math.floor(rnd() * (out.length - 54)) : Math.floor(rnd() * out.length);
        out[at] = Math.floor(rnd() * 256);
      }
      return out;
    };
    replay(engine, traffic, mutate, TOTAL);
    assert.ok(engine.flows.stats.active <= engine.flows.capacity);
    assert.ok(engine.stats.packets === TOTAL);
  });
}

test.run();
