/**
 * Finds what allocates on the hot path: runs a workload under V8's sampling heap profiler (including
 * objects young-generation GCs already collected) and prints the allocating functions.
 * `tsx bench/alloc-profile.ts [firewall-64b|flows-64b] [packets]`
 */
import { Session } from "node:inspector/promises";
import { runWorkload } from "./engine.ts";
import { firewall64 } from "./workloads.ts";

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}

const which = process.argv[2] ?? "firewall-64b";
const packets = Number(process.argv[3] ?? 2_000_000);
const session = new Session();
session.connect();
await session.post("HeapProfiler.startSampling", {
  samplingInterval: 256,
  includeObjectsCollectedByMinorGC: true,
  includeObjectsCollectedByMajorGC: true,
});
const r = await runWorkload(firewall64(50_000, which === "firewall-64b", which), { packets, log: console.log });
const { profile } = await session.post("HeapProfiler.stopSampling");
console.log(`${r.name}: ${r.pps} pps, gc young ${r.gc.young}`);
const totals = new Map<string, number>();
const walk = (n: Node, path: string[]): void => {
  const here = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber + 1}`;
  const stack = [...path, here];
  if (n.selfSize > 0) {
    const key = stack.slice(-4).join(" < ");
    totals.set(key, (totals.get(key) ?? 0) + n.selfSize);
  }
  for (const c of n.children) walk(c, stack);
};
walk(profile.head as unknown as Node, []);
for (const [k, v] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(String(v).padStart(10), k);
