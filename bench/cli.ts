/**
 * `tsugi bench ...`: the benchmark commands. Results print as a table or JSON and can be written to a
 * file (`--out`), which is how `bench/results/` is produced (`npm run bench`).
 */
import { writeFileSync } from "node:fs";
import { readAll } from "../datapath/pcap/reader.ts";
import { flowTableMemory, runWorkload, type FlowMemoryResult, type WorkloadResult } from "./engine.ts";
import { firewall64, type Workload } from "./workloads.ts";
import { runBenchIps } from "./ips-cli.ts";
import { runPackBench } from "./pack.ts";
import { runScanBench } from "./scan.ts";
import { type CommonBenchArgs, commonOption } from "./args.ts";

export const BENCH_USAGE = `usage: tsugi bench engine [options]
       tsugi bench ips [options]      (tsugi bench ips --help)
       tsugi bench pack [options]     (tsugi bench pack --help)
       tsugi bench scan [options]     (tsugi bench scan --help)

Measures Engine.process per workload next to a baseline loop over the same packets (same run), and
the memory of a 1,000,000-flow table.

  --json            print JSON: { workloads: [{ name, packets, bytes, seconds, pps, gbps, nsPerPacket,
                    gc: { young, old }, heapGrowthBytes, baselinePps, ratioToBaseline, ... }], flowTable }
  -r FILE           also run a workload replaying this capture (looped)
  --packets N       measured packets per workload (default 10000000)
  --only NAME,...   run only these workloads (firewall-64b, flows-64b, capture)
  --assert-no-gc    exit 1 if any young- or old-generation GC happened in a measured window
  --out FILE        also write the JSON to FILE`;

interface BenchArgs extends CommonBenchArgs {
  capture: string;
  assertNoGc: boolean;
}

function parse(args: string[]): BenchArgs | string {
  const a: BenchArgs = { json: false, capture: "", packets: 10_000_000, only: [], assertNoGc: false, out: "" };
  for (let i = 0; i < args.length; i++) {
    const common = commonOption(args, i, a);
    if (typeof common === "string") return common;
    if (common !== null) {
      i = common;
      continue;
    }
    const v = args[i];
    if (v === "--assert-no-gc") a.assertNoGc = true;
    else if (v === "-r") {
      const f = args[++i];
      if (f === undefined) return "-r needs a file";
      a.capture = f;
    } else return `unknown option "${v}"`;
  }
  return a;
}

/** A workload replaying a capture in a loop on a virtual clock. */
function captureWorkload(path: string): Workload {
  const pkts = readAll(path);
  if (pkts.length === 0) throw new Error(`${path}: no packets`);
  const total = pkts.reduce((s, p) => s + p.data.length, 0);
  const buf = new Uint8Array(total);
  const offs = new Uint32Array(pkts.length);
  const lens = new Uint16Array(pkts.length);
  let at = 0;
  pkts.forEach((p, i) => {
    buf.set(p.data, at);
    offs[i] = at;
    lens[i] = p.data.length;
    at += p.data.length;
  });
  const linkType = pkts[0].linkType;
  const count = pkts.length;
  return {
    name: "capture",
    description: `${path} (${count} packets, looped), no policy`,
    buf,
    offs,
    lens,
    linkType,
    warmup: Math.min(200_000, count * 4),
    usPerPacket: 10,
    flows: { established: 0, newPerSecondVirtual: 0, tableSize: 1 << 16 },
    policy: null,
    step: (i: number) => i % count,
  };
}

/** Runs `tsugi bench <what>`; resolves to the exit code. */
export async function runBench(args: string[]): Promise<number> {
  const [what, ...rest] = args;
  if (what === "-h" || what === "--help" || what === undefined) {
    console.log(BENCH_USAGE);
    return what === undefined ? 2 : 0;
  }
  if (what === "ips") return await runBenchIps(rest);
  if (what === "pack") return runPackBench(rest);
  if (what === "scan") return runScanBench(rest);
  if (what !== "engine") {
    console.error(`tsugi bench: unknown benchmark "${what}" (have: engine, ips, pack, scan)`);
    return 2;
  }
  if (rest.includes("-h") || rest.includes("--help")) {
    console.log(BENCH_USAGE);
    return 0;
  }
  const a = parse(rest);
  if (typeof a === "string") {
    console.error(`tsugi bench engine: ${a}`);
    return 2;
  }
  const log = (line: string): void => {
    if (!a.json) console.log(line);
  };
  const makers: [string, () => Workload][] = [
    ["firewall-64b", () => firewall64(50_000, true, "firewall-64b")],
    ["flows-64b", () => firewall64(50_000, false, "flows-64b")],
  ];
  if (a.capture !== "") makers.push(["capture", () => captureWorkload(a.capture)]);
  // The flow table's memory is measured first, before workload buffers come and go around it.
  const flowTable: FlowMemoryResult = flowTableMemory(1_000_000);
  const results: WorkloadResult[] = [];
  try {
    for (const [name, make] of makers) {
      if (a.only.length > 0 && !a.only.includes(name)) continue;
      const r = await runWorkload(make(), { packets: a.packets, log });
      results.push(r);
      log(
        `${r.name.padEnd(14)} ${(r.pps / 1e6).toFixed(2)} Mpps  ${r.gbps.toFixed(2)} Gbps  ${r.nsPerPacket} ns/pkt  ` +
          `gc young ${r.gc.young} old ${r.gc.old}  heap +${r.heapGrowthBytes} B  baseline ${(r.baselinePps / 1e6).toFixed(1)} Mpps ` +
          `(ratio ${r.ratioToBaseline})  flows active ${r.flows.activeAtEnd}`,
      );
    }
  } catch (e) {
    console.error(`tsugi bench engine: ${(e as Error).message}`);
    return 1;
  }
  log(
    `flow table     ${flowTable.flows} flows: ${(flowTable.tableBytes / 2 ** 20).toFixed(1)} MiB ` +
      `(${flowTable.bytesPerFlow} B/flow; measured ${(flowTable.measuredArrayBufferBytes / 2 ** 20).toFixed(1)} MiB)`,
  );
  const report = {
    tool: "tsugi bench engine",
    date: new Date().toISOString(),
    node: process.version,
    packetsPerWorkload: a.packets,
    workloads: results,
    flowTable,
  };
  if (a.json) console.log(JSON.stringify(report, null, 2));
  if (a.out !== "") writeFileSync(a.out, JSON.stringify(report, null, 2) + "\n");
  if (a.assertNoGc) {
    const bad = results.filter((r) => r.gc.young + r.gc.old > 0);
    if (bad.length > 0) {
      console.error(`tsugi bench engine: GC during measurement: ${bad.map((r) => `${r.name} (young ${r.gc.young}, old ${r.gc.old})`).join(", ")}`);
      return 1;
    }
  }
  return 0;
}
