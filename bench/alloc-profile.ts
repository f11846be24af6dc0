/**
 * Finds what allocates on the hot path: runs a workload under V8's sampling heap profiler (including
 * objects young-generation GCs already collected) and prints the allocating functions.
 * `tsx bench/alloc-profile.ts [firewall-64b|flows-64b|ips-http|ips-tls|ips-smb] [packets]` (the ips-*
 * workloads load the ET Open ruleset from the corpus first; sampling starts after it is built).
 */
import { Session } from "node:inspector/promises";
import { runWorkload } from "./engine.ts";
import { firewall64 } from "./workloads.ts";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { corpusDir } from "../datapath/pcap/corpus.ts";
import { buildRuleSet } from "../rules/build.ts";
import { runIps } from "./ips.ts";
import { httpWorkload, smbWorkload, tlsWorkload } from "./ips-workloads.ts";

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}

const which = process.argv[2] ?? "firewall-64b";
const packets = Number(process.argv[3] ?? 2_000_000);
const session = new Session();
session.connect();
let run: () => Promise<string>;
if (which.startsWith("ips-")) {
  const dir = join(corpusDir() ?? "", "rulesets", "et-open-2024-04");
  const files = readdirSync(dir).filter((f) => f.endsWith(".rules"));
  const rs = buildRuleSet(files.map((f) => ({ file: f, text: readFileSync(join(dir, f), "latin1") }))).ruleSet;
  const w = which === "ips-tls" ? tlsWorkload() : which === "ips-smb" ? smbWorkload() : httpWorkload();
  run = async () => {
    const r = await runIps(w, rs, packets);
    return `${which}: ${r.pps} pps, gc young ${r.gc.young}`;
  };
} else {
  run = async () => {
    const r = await runWorkload(firewall64(50_000, which === "firewall-64b", which), { packets, log: console.log });
    return `${r.name}: ${r.pps} pps, gc young ${r.gc.young}`;
  };
}
await session.post("HeapProfiler.startSampling", {
  samplingInterval: 256,
  includeObjectsCollectedByMinorGC: true,
  includeObjectsCollectedByMajorGC: true,
});
const summary = await run();
const { profile } = await session.post("HeapProfiler.stopSampling");
console.log(summary);
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
