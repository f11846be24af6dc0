/**
 * `tsugi bench ips`: the full inspection path (decode, flows, reassembly, app-layer parsers, prefilter
 * and rule verification) per workload with a rule set loaded, and the same workload with no rules in
 * the same run (the ratio is what to compare across machines). Reports packets/s, Gbps, ns/packet,
 * GC counts inside the measured window, and rule-set load time and memory.
 *
 * Each replay of a workload's conversations uses new client addresses (rewritten in place), so every
 * replay is new flows; checksums are not validated (the rewrite does not fix them).
 */
import { defaultEngineConfig } from "../engine/config.ts";
import { Engine } from "../engine/engine.ts";
import { Ips } from "../engine/ips.ts";
import { PacketMeta } from "../engine/packet.ts";
import { defaultParsers, defaultProbes } from "../engine/applayer/registry.ts";
import type { RuleSet } from "../engine/detect/ruleset.ts";
import { GcCounter } from "./engine.ts";
import { AppIdentifier } from "../engine/appid/identifier.ts";
import type { AppIdTables } from "../engine/appid/tables.ts";
import type { IpsWorkload } from "./ips-workloads.ts";

export interface IpsRunResult {
  workload: string;
  rules: number;
  packets: number;
  bytes: number;
  seconds: number;
  pps: number;
  gbps: number;
  nsPerPacket: number;
  gc: { young: number; old: number };
  alerts: number;
  dropped: number;
}

function makeEngine(ruleSet: RuleSet | null, apps: AppIdTables | null): Engine {
  const cfg = defaultEngineConfig();
  cfg.checksums = "none";
  cfg.flow.maxFlows = 65536;
  cfg.eventRingSize = 65536;
  const engine = new Engine(cfg);
  if (ruleSet !== null) {
    const ips = new Ips(engine.flows, engine.ring, { prevent: false, stateEntries: 1 << 16 }, defaultParsers(), defaultProbes());
    ips.detector.setRuleSet(ruleSet);
    engine.setIps(ips);
  }
  // application identification, as `tsugi inspect` runs it (hosts from the parsers when the IPS runs)
  if (apps !== null) engine.setAppIdentifier(new AppIdentifier(apps, engine.flows));
  return engine;
}

/** Rewrites frame `f` of replay `k` so its client address is new for that replay (198.18.x.y). */
function stamp(w: IpsWorkload, f: number, k: number): void {
  const at = w.offs[f] + 14 + (w.dir[f] === 0 ? 12 : 16);
  w.buf[at + 1] = 18 + ((k >> 16) & 1);
  w.buf[at + 2] = (k >> 8) & 255;
  w.buf[at + 3] = k & 255;
}

function loop(engine: Engine, w: IpsWorkload, meta: PacketMeta, fromReplay: number, replays: number, clock: Float64Array, acc: Float64Array): void {
  const ring = engine.ring;
  for (let k = 0; k < replays; k++) {
    const rep = fromReplay + k;
    for (let f = 0; f < w.frames; f++) {
      stamp(w, f, rep);
      meta.tsUs = clock[0];
      clock[0] += 10;
      const len = w.lens[f];
      acc[0] += len;
      acc[1]++;
      engine.process(w.buf, w.offs[f], len, meta);
      if (ring.size > 0) {
        acc[2] += ring.size;
        ring.clear();
      }
    }
  }
}

/** Runs `w` for about `packets` packets with `ruleSet` (null: no IPS) and, given `apps`, application identification. */
export async function runIps(w: IpsWorkload, ruleSet: RuleSet | null, packets: number, apps: AppIdTables | null = null): Promise<IpsRunResult> {
  const engine = makeEngine(ruleSet, apps);
  const meta = new PacketMeta();
  meta.linkType = w.linkType;
  const clock = Float64Array.of(1_700_000_000_000_000);
  const acc = new Float64Array(3);
  const warm = Math.max(2, Math.ceil(20000 / w.frames));
  loop(engine, w, meta, 0, warm, clock, acc);
  acc.fill(0);
  const replays = Math.max(1, Math.ceil(packets / w.frames));
  const gc = new GcCounter();
  const t0 = performance.now();
  loop(engine, w, meta, warm, replays, clock, acc);
  const t1 = performance.now();
  const gcs = await gc.count({ start: t0, end: t1 });
  gc.stop();
  const seconds = (t1 - t0) / 1000;
  const n = acc[1];
  return {
    workload: w.name,
    rules: ruleSet === null ? 0 : ruleSet.signatures.length,
    packets: n,
    bytes: acc[0],
    seconds: Math.round(seconds * 1000) / 1000,
    pps: Math.round(n / seconds),
    gbps: Math.round(((acc[0] + 4 * n) * 8) / seconds / 1e6) / 1000,
    nsPerPacket: Math.round((1e9 * seconds) / n),
    gc: gcs,
    alerts: acc[2],
    dropped: engine.stats.dropped,
  };
}
