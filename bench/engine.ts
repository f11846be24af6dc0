/**
 * `tsugi bench engine`: packets/s, bits/s, ns/packet, GC counts and heap growth of `Engine.process`
 * per workload, next to a baseline loop that walks the same packets in the same run (the ratio is
 * what to compare across machines; absolute numbers move with the machine's load).
 *
 * GCs are counted with a `PerformanceObserver` on `gc` entries whose start falls inside the measured
 * window, so the baseline's and the set-up's collections are not charged to the engine.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";
import { defaultEngineConfig } from "../engine/config.ts";
import { Engine } from "../engine/engine.ts";
import { FlowTable } from "../engine/flow/table.ts";
import { EventRing } from "../engine/events.ts";
import { PacketMeta } from "../engine/packet.ts";
import { compilePolicy } from "../engine/policy/compiled.ts";
import { loadPolicy } from "../engine/policy/load.ts";
import type { Workload } from "./workloads.ts";

export interface WorkloadResult {
  name: string;
  description: string;
  packets: number;
  bytes: number;
  seconds: number;
  pps: number;
  gbps: number;
  nsPerPacket: number;
  gc: { young: number; old: number };
  heapGrowthBytes: number;
  baselinePps: number;
  ratioToBaseline: number;
  flows: { established: number; newPerSecondVirtual: number; tableSize: number; activeAtEnd: number; createdTotal: number };
  verdicts: { passed: number; dropped: number };
  events: number;
}

export interface FlowMemoryResult {
  flows: number;
  tableBytes: number;
  bytesPerFlow: number;
  /** ArrayBuffer bytes that appeared when the table was built (what the OS is asked for). */
  measuredArrayBufferBytes: number;
}

interface GcWindow {
  start: number;
  end: number;
}

/** Collects GC entries; counts those inside a window after the fact. */
export class GcCounter {
  private entries: { start: number; kind: number }[] = [];
  private obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.entries.push({ start: e.startTime, kind: gcKind(e) });
  });
  constructor() {
    this.obs.observe({ entryTypes: ["gc"] });
  }
  async count(w: GcWindow): Promise<{ young: number; old: number }> {
    // Entries are delivered asynchronously: let the observer catch up.
    await new Promise((r) => setTimeout(r, 50));
    let young = 0;
    let old = 0;
    for (const e of this.entries) {
      if (e.start < w.start || e.start > w.end) continue;
      if (e.kind === constants.NODE_PERFORMANCE_GC_MINOR) young++;
      else old++;
    }
    return { young, old };
  }
  stop(): void {
    this.obs.disconnect();
  }
}

function gcKind(e: PerformanceEntry): number {
  const detail = (e as PerformanceEntry & { detail?: { kind?: number } }).detail;
  return detail?.kind ?? 0;
}

export interface BenchOptions {
  packets: number;
  log: (line: string) => void;
}

/** Runs one workload: warm-up, the baseline loop, then the measured engine loop. */
export async function runWorkload(w: Workload, o: BenchOptions): Promise<WorkloadResult> {
  const cfg = defaultEngineConfig();
  cfg.flow.maxFlows = w.flows.tableSize;
  cfg.checksums = "none";
  cfg.eventRingSize = 65536;
  const engine = new Engine(cfg);
  if (w.policy !== null) engine.setPolicy(compilePolicy(loadPolicy(w.policy, "bench-policy.yaml"), []));
  const meta = new PacketMeta();
  meta.linkType = w.linkType;
  const { buf, offs, lens } = w;
  let ts = 1_700_000_000_000_000;
  const clock = new Float64Array(1);
  const ring = engine.ring;

  // Warm-up: handshakes of the long-lived flows and enough packets for the JIT to settle.
  let i = 0;
  for (; i < w.warmup; i++) {
    const f = w.step(i);
    meta.tsUs = ts;
    ts += w.usPerPacket;
    engine.process(buf, offs[f], lens[f], meta);
    if (ring.size > 0) ring.clear();
  }

  // Baseline: the same stepping and a read of every packet's bytes, no engine.
  const n = o.packets;
  const base0 = i;
  let sink = 0;
  let t0 = performance.now();
  for (let k = 0; k < n; k++) {
    const f = w.step(base0 + k);
    const off = offs[f];
    const len = lens[f];
    meta.tsUs = ts + k * w.usPerPacket;
    sink = (sink + buf[off] + buf[off + len - 1] + len) | 0;
  }
  const baseSeconds = (performance.now() - t0) / 1000;
  i += n;
  ts += n * w.usPerPacket;

  // Measured engine loop.
  const gc = new GcCounter();
  const st = engine.stats;
  const passed0 = st.passed;
  const dropped0 = st.dropped;
  const heap0 = process.memoryUsage().heapUsed;
  clock[0] = ts;
  t0 = performance.now();
  const m = measure(engine, w, meta, i, n, clock);
  const t1 = performance.now();
  const heap1 = process.memoryUsage().heapUsed;
  const gcs = await gc.count({ start: t0, end: t1 });
  gc.stop();
  const seconds = (t1 - t0) / 1000;
  if (sink === 0.5) o.log("unreachable"); // keeps the baseline's reads alive
  const pps = n / seconds;
  const baselinePps = n / baseSeconds;
  // Wire bits include the 4-byte FCS the capture leaves out, as line-rate figures do.
  const bytes = m.bytes;
  const wireBits = (bytes + 4 * n) * 8;
  return {
    name: w.name,
    description: w.description,
    packets: n,
    bytes,
    seconds: round(seconds, 4),
    pps: Math.round(pps),
    gbps: round(wireBits / seconds / 1e9, 3),
    nsPerPacket: round(1e9 / pps, 1),
    gc: gcs,
    heapGrowthBytes: heap1 - heap0,
    baselinePps: Math.round(baselinePps),
    ratioToBaseline: round(pps / baselinePps, 4),
    flows: {
      ...w.flows,
      activeAtEnd: engine.flows.stats.active,
      createdTotal: engine.flows.stats.created,
    },
    verdicts: { passed: st.passed - passed0, dropped: st.dropped - dropped0 },
    events: m.events,
  };
}

/**
 * The measured loop, in a plain function of its own: kept out of the async caller so that nothing in
 * the harness itself allocates per packet (the clock lives in a Float64Array, not a boxed local).
 */
function measure(engine: Engine, w: Workload, meta: PacketMeta, from: number, n: number, clock: Float64Array): { bytes: number; events: number } {
  const { buf, offs, lens } = w;
  const ring = engine.ring;
  let bytes = 0;
  let events = 0;
  for (let k = 0; k < n; k++) {
    const f = w.step(from + k);
    meta.tsUs = clock[0];
    clock[0] += w.usPerPacket;
    const len = lens[f];
    bytes += len;
    engine.process(buf, offs[f], len, meta);
    if (ring.size > 0) {
      events += ring.size;
      ring.clear();
    }
  }
  return { bytes, events };
}

/** Builds a flow table of `flows` entries and reports what it costs. */
export function flowTableMemory(flows: number): FlowMemoryResult {
  const cfg = defaultEngineConfig();
  cfg.flow.maxFlows = flows;
  const before = process.memoryUsage().arrayBuffers;
  const table = new FlowTable(cfg.flow, new EventRing(16));
  const after = process.memoryUsage().arrayBuffers;
  return {
    flows,
    tableBytes: table.memoryBytes,
    bytesPerFlow: round(table.memoryBytes / flows, 1),
    measuredArrayBufferBytes: after - before,
  };
}

function round(x: number, digits: number): number {
  const m = 10 ** digits;
  return Math.round(x * m) / m;
}
