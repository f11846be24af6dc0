/**
 * `tsugi bench pack`: what a signed pack costs. For the built-in packs (`rules/packs/`) and, when the
 * test corpus is present, the ET Open ruleset packed the same way (the scale a large pack reaches):
 * build time (validate every file + sign), the pack's size (JSON and gzip), and the load time on the
 * agent — verify the signature and hashes, then parse and compile the rules for detection — with the
 * heap that load adds. Times are medians of `--runs` runs, measured in one process.
 *
 * Cold path only (a benchmark command); it reads files and allocates freely.
 *
 * @example
 * ```sh
 * tsugi bench pack --runs 5 --out bench/results/pack.json
 * ```
 */
import { generateKeyPairSync } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { corpusDir } from "../datapath/pcap/corpus.ts";
import { buildRuleSet } from "../rules/build.ts";
import { buildPack, collectSources, type PackSource, verifyPack } from "../rules/pack/pack.ts";
import { builtinPacksDir } from "../rules/packs/builtin.ts";

export const PACK_BENCH_USAGE = `usage: tsugi bench pack [--runs N] [--json] [--out FILE] [--only builtin,et-open]

Builds, signs, verifies and loads packs: the built-in packs (rules/packs/) and, when the test corpus
is present, the ET Open ruleset packed the same way. Reports build ms, pack size (JSON and gzip),
verify ms, load ms (verify + parse + compile the rules, as an agent applies a pack) and the heap the
loaded rule set holds. Times are medians of --runs runs (default 5).`;

export interface PackBenchResult {
  name: string;
  files: number;
  rules: number;
  buildMs: number;
  bytes: number;
  gzipBytes: number;
  verifyMs: number;
  loadMs: number;
  loadHeapMB: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function timed<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const v = f();
  return [v, performance.now() - t0];
}

/** ET Open as pack sources: its .rules files minus the rules Tsugi does not load (the build refuses those). */
function etOpenSources(dir: string): PackSource[] {
  const files = readdirSync(dir).filter((f) => f.endsWith(".rules")).sort();
  const sources = files.map((f) => ({ path: f, content: readFileSync(join(dir, f), "latin1") }));
  const built = buildRuleSet(sources.map((s) => ({ file: s.path, text: s.content })));
  const bad = new Map<string, Set<number>>();
  for (const p of built.problems) {
    if (!bad.has(p.pos.file)) bad.set(p.pos.file, new Set());
    bad.get(p.pos.file)?.add(p.pos.line);
  }
  return sources.map((s) => {
    const lines = bad.get(s.path);
    if (lines === undefined) return s;
    return { path: s.path, content: s.content.split("\n").filter((_, i) => !lines.has(i + 1)).join("\n") };
  });
}

function measure(name: string, sources: PackSource[], runs: number): PackBenchResult {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const builds: number[] = [];
  let text = "";
  let rules = 0;
  for (let r = 0; r < runs; r++) {
    const [res, ms] = timed(() => buildPack(sources, { version: "bench", privateKey }));
    if (res.pack === null) throw new Error(`${name}: the pack does not build:\n${res.problems.slice(0, 5).join("\n")}`);
    builds.push(ms);
    text = JSON.stringify(res.pack);
    rules = res.pack.rules.length;
  }
  const verifies: number[] = [];
  const loads: number[] = [];
  let heap = 0;
  for (let r = 0; r < runs; r++) {
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    const [ruleSet, ms] = timed(() => {
      const [v, vms] = timed(() => verifyPack(text, publicKey));
      verifies.push(vms);
      if (!v.ok) throw new Error(`${name}: ${v.error}`);
      const src = v.pack.files.filter((f) => f.path.endsWith(".rules")).map((f) => ({ file: f.path, text: f.content }));
      return buildRuleSet(src).ruleSet;
    });
    loads.push(ms);
    globalThis.gc?.();
    heap = Math.max(heap, process.memoryUsage().heapUsed - before);
    if (ruleSet.signatures.length !== rules) throw new Error(`${name}: loaded ${ruleSet.signatures.length} of ${rules} rules`);
  }
  return {
    name,
    files: sources.length,
    rules,
    buildMs: median(builds),
    bytes: Buffer.byteLength(text),
    gzipBytes: gzipSync(text).length,
    verifyMs: median(verifies),
    loadMs: median(loads),
    loadHeapMB: heap / 2 ** 20,
  };
}

/** The CLI entry; returns the exit code. */
export function runPackBench(args: string[]): number {
  let runs = 5;
  let json = false;
  let out = "";
  let only = ["builtin", "et-open"];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "-h" || a === "--help") {
      console.log(PACK_BENCH_USAGE);
      return 0;
    } else if (a === "--json") json = true;
    else if (a === "--runs") {
      runs = Number(args[++i]);
      if (!Number.isInteger(runs) || runs < 1) {
        console.error("tsugi bench pack: --runs needs a positive integer");
        return 2;
      }
    } else if (a === "--out") out = args[++i] ?? "";
    else if (a === "--only") only = (args[++i] ?? "").split(",");
    else {
      console.error(`tsugi bench pack: unknown option "${a}"\n\n${PACK_BENCH_USAGE}`);
      return 2;
    }
  }
  const results: PackBenchResult[] = [];
  try {
    if (only.includes("builtin")) results.push(measure("builtin", collectSources(builtinPacksDir()), runs));
    const corpus = only.includes("et-open") ? corpusDir() : null;
    if (corpus !== null) results.push(measure("et-open-2024-04", etOpenSources(join(corpus, "rulesets", "et-open-2024-04")), Math.min(runs, 3)));
  } catch (e) {
    console.error(`tsugi bench pack: ${(e as Error).message}`);
    return 1;
  }
  const doc = { runs, node: process.version, results };
  if (out !== "") writeFileSync(out, JSON.stringify(doc, null, 2) + "\n");
  if (json) console.log(JSON.stringify(doc, null, 2));
  else {
    console.log("pack              files  rules   build ms     bytes      gzip  verify ms  load ms  load heap MB");
    for (const r of results) {
      console.log(
        `${r.name.padEnd(16)} ${String(r.files).padStart(6)} ${String(r.rules).padStart(6)} ${r.buildMs.toFixed(1).padStart(10)} ${
          String(r.bytes).padStart(9)
        } ${String(r.gzipBytes).padStart(9)} ${r.verifyMs.toFixed(1).padStart(10)} ${r.loadMs.toFixed(1).padStart(8)} ${r.loadHeapMB.toFixed(1).padStart(13)}`,
      );
    }
  }
  return 0;
}
