/**
 * `tsugi bench ips`: loads a rule set (default: the ET Open ruleset from the corpus), reports its load
 * time and memory, then runs the HTTP-, TLS- and SMB-heavy workloads with the rules and with none, in
 * the same run. `--out FILE` writes the JSON (bench/results/ips.json).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { corpusDir } from "../datapath/pcap/corpus.ts";
import { buildRuleSet } from "../rules/build.ts";
import { loadAppSignatures } from "../rules/packs/apps.ts";
import { type IpsRunResult, runIps } from "./ips.ts";
import { type CommonBenchArgs, commonOption } from "./args.ts";
import { httpWorkload, type IpsWorkload, smbWorkload, tlsWorkload } from "./ips-workloads.ts";

export const BENCH_IPS_USAGE = `usage: tsugi bench ips [options]

Runs the whole inspection path (flows, reassembly, app-layer parsers, prefilter, rule verification)
on generated HTTP-, TLS- and SMB-heavy traffic with a rule set loaded, with the rule set plus
application identification (as tsugi inspect runs it), and with no rules, in the same run; reports
packets/s, Gbps, ns/packet and GCs in the measured window.

  -S FILE|DIR       rules to load (repeatable; a directory loads its *.rules); default: the ET Open
                    ruleset in the corpus (../shared/corpus/rulesets/et-open-2024-04)
  --packets N       measured packets per run (default 2000000)
  --only a,b        workloads: http, tls, smb (default all)
  --json            print the JSON report
  --out FILE        also write the JSON report to FILE`;

interface Args extends CommonBenchArgs {
  rules: string[];
}

function parse(args: string[]): Args | string {
  const a: Args = { rules: [], packets: 2_000_000, only: [], json: false, out: "" };
  for (let i = 0; i < args.length; i++) {
    const common = commonOption(args, i, a);
    if (typeof common === "string") return common;
    if (common !== null) {
      i = common;
      continue;
    }
    const v = args[i];
    if (v === "-S") {
      const f = args[++i];
      if (f === undefined) return "-S needs a file or directory";
      a.rules.push(f);
    } else return `unknown option "${v}"`;
  }
  return a;
}

function ruleFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`${p}: no such file or directory`);
    if (p.endsWith(".rules")) out.push(p);
    else out.push(...readdirSync(p).filter((f) => f.endsWith(".rules")).sort().map((f) => join(p, f)));
  }
  return out;
}

export async function runBenchIps(args: string[]): Promise<number> {
  if (args.includes("-h") || args.includes("--help")) {
    console.log(BENCH_IPS_USAGE);
    return 0;
  }
  const a = parse(args);
  if (typeof a === "string") {
    console.error(`tsugi bench ips: ${a}`);
    return 2;
  }
  const log = (s: string): void => {
    if (!a.json) console.log(s);
  };
  try {
    // beside the checkout (cwd is the repository when run from npm scripts), else where the sources say
    const besideCwd = join(process.cwd(), "..", "shared", "corpus");
    const corpus = process.env.TSUGI_CORPUS ?? (existsSync(besideCwd) ? besideCwd : corpusDir());
    if (a.rules.length === 0 && corpus === null) throw new Error("no rules given (-S) and no corpus found for the ET Open default");
    const paths = a.rules.length > 0 ? a.rules : [join(corpus as string, "rulesets", "et-open-2024-04")];
    const files = ruleFiles(paths);
    const heap0 = process.memoryUsage();
    const t0 = performance.now();
    const built = buildRuleSet(files.map((f) => ({ file: f, text: readFileSync(f, "latin1") })));
    const loadMs = performance.now() - t0;
    const heap1 = process.memoryUsage();
    const ruleMemMB = (heap1.heapUsed + heap1.arrayBuffers - heap0.heapUsed - heap0.arrayBuffers) / 2 ** 20;
    log(`rules: ${built.loaded} of ${built.rules} loaded from ${files.length} files in ${(loadMs / 1000).toFixed(2)} s, ~${ruleMemMB.toFixed(0)} MB`);
    const makers: [string, () => IpsWorkload][] = [["http", httpWorkload], ["tls", tlsWorkload], ["smb", smbWorkload]];
    const apps = loadAppSignatures();
    const runs: Array<{
      workload: string;
      description: string;
      meanPacketBytes: number;
      withRules: IpsRunResult;
      withRulesAndAppId: IpsRunResult;
      noRules: IpsRunResult;
      ratio: number;
    }> = [];
    for (const [name, make] of makers) {
      if (a.only.length > 0 && !a.only.includes(name)) continue;
      const w = make();
      const none = await runIps(w, null, a.packets);
      const full = await runIps(w, built.ruleSet, a.packets);
      const withApps = await runIps(w, built.ruleSet, a.packets, apps);
      const ratio = Math.round((full.pps / none.pps) * 1000) / 1000;
      runs.push({
        workload: name,
        description: w.description,
        meanPacketBytes: Math.round(w.meanPacketBytes),
        withRules: full,
        withRulesAndAppId: withApps,
        noRules: none,
        ratio,
      });
      log(
        `${name.padEnd(5)} mean ${Math.round(w.meanPacketBytes)} B/pkt: rules ${full.gbps.toFixed(2)} Gbps ${(full.pps / 1e3).toFixed(0)} kpps ${full.nsPerPacket} ns/pkt ` +
          `gc ${full.gc.young}/${full.gc.old} alerts ${full.alerts} | + app id ${withApps.gbps.toFixed(2)} Gbps gc ${withApps.gc.young}/${withApps.gc.old} | no rules ${none.gbps.toFixed(2)} Gbps ${none.nsPerPacket} ns/pkt gc ${none.gc.young}/${none.gc.old} | ratio ${ratio}`,
      );
    }
    const report = {
      tool: "tsugi bench ips",
      date: new Date().toISOString(),
      node: process.version,
      rules: { files: files.length, rules: built.rules, loaded: built.loaded, loadSeconds: Math.round(loadMs) / 1000, approxMemoryMB: Math.round(ruleMemMB) },
      runs,
    };
    if (a.json) console.log(JSON.stringify(report, null, 2));
    if (a.out !== "") writeFileSync(a.out, JSON.stringify(report, null, 2) + "\n");
    return 0;
  } catch (e) {
    console.error(`tsugi bench ips: ${(e as Error).message}`);
    return 1;
  }
}
