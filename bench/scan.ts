/**
 * `tsugi bench scan`: the recommendation scan's speed curve. Synthetic metadata (default 20,000 rules:
 * a third Windows OS entries, a third Windows software, a third Linux packages with per-release fixed
 * versions and upstream ranges) against synthetic Windows and Linux inventories of 500 … 5,000 entries;
 * prints entries × rules → median ms of N runs and writes the JSON to `bench/results/scan.json` (or
 * `--out`). The bar (issue #4): 5,000 entries × 20,000 rules under 100 ms, growing linearly.
 *
 * Bench code: allocates freely, reads the clock; never imported by the engine.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { type CommonBenchArgs, commonOption } from "./args.ts";
import type { Inventory } from "../rules/recommend/inventory.ts";
import type { VpatchMeta } from "../rules/recommend/meta.ts";
import { scan } from "../rules/recommend/scan.ts";
import { emptyWindowsData, type WindowsData } from "../rules/recommend/windows-data.ts";

export const SCAN_BENCH_USAGE = `usage: tsugi bench scan [--rules N] [--sizes 500,1000,...] [--runs N] [--json] [--out FILE]

Times the recommendation scan (rules/recommend/scan.ts) of synthetic Windows and Linux inventories
(each --sizes point at --rules, then the largest inventory at a quarter, half and twice --rules)
against synthetic virtual-patch metadata; prints the median of N runs per point.

  --rules N         rules' metadata (one rule per patch), default 20000
  --sizes LIST      inventory entries per point, default 500,1000,2000,3000,4000,5000
  --runs N          runs per point (median), default 9
  --json            print the JSON instead of the table
  --out FILE        where to write the JSON (default bench/results/scan.json)`;

interface ScanBenchArgs extends CommonBenchArgs {
  rules: number;
  sizes: number[];
  runs: number;
}

function parse(args: string[]): ScanBenchArgs | string | "help" {
  const a: ScanBenchArgs = {
    json: false, packets: 0, only: [], out: fileURLToPath(new URL("./results/scan.json", import.meta.url)),
    rules: 20_000, sizes: [500, 1000, 2000, 3000, 4000, 5000], runs: 9,
  };
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    if (v === "-h" || v === "--help") return "help";
    if (v === "--packets" || v === "--only") return `${v} does not apply to bench scan`;
    const common = commonOption(args, i, a);
    if (typeof common === "string") return common;
    if (common !== null) {
      i = common;
      continue;
    }
    const n = args[i + 1];
    if (v === "--rules" || v === "--runs") {
      const k = Number(n);
      if (!Number.isInteger(k) || k < 1) return `${v} needs a positive integer`;
      if (v === "--rules") a.rules = k;
      else a.runs = k;
      i++;
    } else if (v === "--sizes") {
      const s = (n ?? "").split(",").map(Number);
      if (n === undefined || s.some((x) => !Number.isInteger(x) || x < 1)) return "--sizes needs a list of positive integers";
      a.sizes = s;
      i++;
    } else return `unknown option "${v}"`;
  }
  return a;
}

const WIN_OS = ["6.1.7601", "6.3.9600", "10.0.17763", "10.0.19045", "10.0.22631"];

/** `n` one-rule patches: Windows OS, Windows software and Linux package entries in turn. */
export function syntheticPatches(n: number): VpatchMeta[] {
  const where = { file: "synthetic", line: 1, col: 1 };
  const out: VpatchMeta[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 3;
    const m: VpatchMeta = {
      id: `p${i}`, title: "t", cve: [`CVE-2024-${10000 + i}`], cvss: { score: 9.8, vector: "" }, severity: "critical",
      applicationType: "http-server", issued: "2026-01-01", auto: i % 5 !== 0, rules: [9_000_000 + i],
      requires: i % 50 === 1 ? [9_000_000 + i - 1] : [], description: "", references: [],
      affected: { windows: [], software: [], packages: [], appliances: [] }, file: "synthetic", at: {}, ruleAt: [],
    };
    if (kind === 0) {
      m.affected.windows = WIN_OS.map((os, k) => ({
        os, kb: [`KB5${String(100000 + ((i + k) % 900000)).padStart(6, "0")}`], month: `20${17 + (i % 8)}-0${1 + (i % 9)}`,
        ...(os.startsWith("10.") ? { ubr: (i * 7) % 5000 } : {}), where,
      }));
    } else if (kind === 1) {
      m.affected.software = [{
        cpe: `cpe:2.3:a:vendor${i % 700}:product${i}:*:*:*:*:*:*:*:*`, names: [`Vendor${i % 700} Product${i % 6000}`],
        versions: [{ from: "1.0", before: `${1 + (i % 9)}.${i % 13}.${i % 7}` }], kb: [], where,
      }];
    } else {
      m.affected.packages = [{
        cpe: `cpe:2.3:a:upstream:lib${i}:*:*:*:*:*:*:*:*`, names: [`lib${i % 6000}`, `lib${i % 6000}-dev`],
        versions: [{ from: "1.0", before: `${1 + (i % 9)}.${i % 13}` }],
        fixed: new Map([["debian-11", `${1 + (i % 9)}.${i % 13}-1+deb11u${i % 4}`], ["debian-12", "not-affected"], ["rhel-9", `${i % 9}.1-3.el9`]]),
        where,
      }];
    }
    out.push(m);
  }
  return out;
}

/** A Windows inventory with `n` software entries (and n/10 hotfixes). */
export function syntheticWindows(n: number): Inventory {
  return {
    os: { platform: "windows", name: "Windows 10 Pro", version: "10.0.19045", build: 19045, ubr: 2500, arch: "x64" },
    hotfixes: Array.from({ length: Math.ceil(n / 10) }, (_, i) => `KB5${String(100000 + i * 37).padStart(6, "0")}`),
    software: Array.from({ length: n }, (_, i) => ({
      name: `Vendor${i % 700} Product${i} (x64 en-US)`, version: `${1 + (i % 11)}.${i % 17}.${i % 5}`, publisher: `Vendor${i % 700}`,
    })),
  };
}

/** A Debian 11 inventory with `n` packages. */
export function syntheticLinux(n: number): Inventory {
  return {
    os: { platform: "linux", id: "debian", version: "11" },
    packages: Array.from({ length: n }, (_, i) => ({ name: `lib${i}`, version: `${1 + (i % 10)}.${i % 14}-1+deb11u${i % 5}`, arch: "amd64" })),
  };
}

interface Point {
  platform: "windows" | "linux";
  entries: number;
  rules: number;
  medianMs: number;
  minMs: number;
  decisions: Record<string, number>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs the curve; returns the points. */
export function measureScan(rules: number, sizes: number[], runs: number, windows: WindowsData = emptyWindowsData()): Point[] {
  const patches = syntheticPatches(rules);
  const points: Point[] = [];
  for (const platform of ["windows", "linux"] as const) {
    for (const n of sizes) {
      const inv = platform === "windows" ? syntheticWindows(n) : syntheticLinux(n);
      scan(inv, patches, windows); // warm-up
      const times: number[] = [];
      let decisions: Record<string, number> = {};
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        const res = scan(inv, patches, windows);
        times.push(performance.now() - t0);
        decisions = res.summary;
      }
      points.push({ platform, entries: n, rules, medianMs: +median(times).toFixed(2), minMs: +Math.min(...times).toFixed(2), decisions });
    }
  }
  return points;
}

/** `tsugi bench scan …`; returns the exit code. */
export function runScanBench(args: string[]): number {
  const a = parse(args);
  if (a === "help") {
    console.log(SCAN_BENCH_USAGE);
    return 0;
  }
  if (typeof a === "string") {
    console.error(`tsugi bench scan: ${a}\n\n${SCAN_BENCH_USAGE}`);
    return 2;
  }
  // the curve in inventory size at --rules, then in metadata size at the largest inventory
  const points = measureScan(a.rules, a.sizes, a.runs);
  const top = Math.max(...a.sizes);
  for (const r of [a.rules / 4, a.rules / 2, a.rules * 2].map(Math.round)) points.push(...measureScan(r, [top], a.runs));
  points.sort((x, y) => (x.platform === y.platform ? x.rules - y.rules || x.entries - y.entries : x.platform < y.platform ? 1 : -1));
  const result = { bench: "scan", node: process.version, runs: a.runs, barMs: 100, points };
  const json = JSON.stringify(result, null, 2);
  if (a.json) console.log(json);
  else {
    console.log("platform  entries  rules   median ms  min ms  assign/recommend/unassign/n-a");
    for (const p of points) {
      const d = p.decisions;
      console.log(`${p.platform.padEnd(8)}  ${String(p.entries).padStart(7)}  ${String(p.rules).padStart(6)}  ` +
        `${p.medianMs.toFixed(2).padStart(9)}  ${p.minMs.toFixed(2).padStart(6)}  ` +
        `${d.assign}/${d.recommend}/${d.unassign}/${d["not-applicable"]}`);
    }
  }
  mkdirSync(dirname(a.out), { recursive: true });
  writeFileSync(a.out, json + "\n");
  return 0;
}
