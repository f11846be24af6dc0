/**
 * Benchmark of the multi-pattern prefilter (`engine/detect/mpm`) on the real ET Open fast patterns.
 *
 * Patterns: per rule of `../shared/corpus/rulesets/et-open-2024-04/*.rules`, the `fast_pattern` content
 * or else the longest positive content, grouped by the buffer it inspects (payload/stream, http.uri,
 * http.header, file.data/http response body, everything else, and all of them in one matcher as a
 * stress case). Subjects: HTTP request header blocks, URIs, a 64 KB HTML/JS body, 64 KB of random
 * binary, all generated from a fixed seed. Reports MB/s (10^6 bytes) per group and subject, build time,
 * matcher memory, and a baseline loop (read and fold every byte) that bounds what a byte-at-a-time scan
 * can do in this JS engine. Writes `bench/results/mpm.json`.
 *
 * `--compare DIR` also builds each group with the `builder.ts` in DIR (e.g. a copy of an earlier version
 * of the matcher) and measures both, interleaved, in the same run (the machine may be shared and noisy).
 * `--strides 12,5` overrides the sampled tiers; `--groups a,b` measures only those groups.
 *
 * `node --import tsx bench/mpm.ts [--out FILE] [--maxStride N] [--strides A,B] [--seconds S] [--compare DIR]`
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MpmBuilder } from "../engine/detect/mpm/builder.ts";
import { FOLD, type Mpm } from "../engine/detect/mpm/mpm.ts";

interface FastPattern {
  bytes: Uint8Array;
  nocase: boolean;
}

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** Content string as Suricata reads it: `|41 42|` hex runs and `\` escapes. */
function contentBytes(s: string): Uint8Array {
  const out: number[] = [];
  let hex = false;
  let h = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (hex) {
      if (c === "|") hex = false;
      else if (c !== " ") {
        h += c;
        if (h.length === 2) {
          out.push(parseInt(h, 16));
          h = "";
        }
      }
    } else if (c === "|") hex = true;
    else if (c === "\\") out.push(s.charCodeAt(++i) & 0xff);
    else out.push(s.charCodeAt(i) & 0xff);
  }
  return Uint8Array.from(out);
}

/** Options of a rule body, split on `;` outside quotes. */
function options(body: string): string[] {
  const opts: string[] = [];
  let cur = "";
  let q = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\") {
      cur += c + body[i + 1];
      i++;
      continue;
    }
    if (c === '"') q = !q;
    if (c === ";" && !q) {
      opts.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  return opts;
}

// legacy content modifiers name the buffer of the content before them
const LEGACY: Record<string, string> = {
  http_uri: "http.uri",
  http_raw_uri: "http.uri.raw",
  http_header: "http.header",
  http_raw_header: "http.header.raw",
  http_client_body: "http.request_body",
  http_server_body: "http.response_body",
  http_method: "http.method",
  http_cookie: "http.cookie",
  http_user_agent: "http.user_agent",
  http_host: "http.host",
  http_raw_host: "http.host.raw",
  http_stat_code: "http.stat_code",
  http_stat_msg: "http.stat_msg",
};
const STICKY_ALIAS: Record<string, string> = {
  file_data: "file.data",
  pkt_data: "payload",
  dns_query: "dns.query",
  tls_sni: "tls.sni",
  ja3_hash: "ja3.hash",
  "http.response_body": "file.data",
};

function group(buf: string): string {
  if (buf === "payload") return "payload";
  if (buf === "http.uri" || buf === "http.uri.raw") return "http.uri";
  if (buf === "http.header" || buf === "http.header.raw") return "http.header";
  if (buf === "file.data") return "file.data";
  return "other";
}

/** The ET Open fast patterns by group. */
export function etFastPatterns(dir: string): { rules: number; groups: Map<string, FastPattern[]> } {
  const groups = new Map<string, FastPattern[]>();
  let rules = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".rules")).sort()) {
    for (const line of readFileSync(`${dir}/${f}`, "utf8").split("\n")) {
      if (!/^(alert|drop|reject|pass)\s/.test(line)) continue;
      rules++;
      let sticky = "payload";
      const cs: { bytes: Uint8Array; nocase: boolean; buf: string; fp: boolean; neg: boolean }[] = [];
      for (const o of options(line.slice(line.indexOf("(") + 1, line.lastIndexOf(")")))) {
        const colon = o.indexOf(":");
        const k = (colon < 0 ? o : o.slice(0, colon)).trim();
        const v = colon < 0 ? "" : o.slice(colon + 1).trim();
        const last = cs[cs.length - 1];
        if (k === "content" || k === "uricontent") {
          const m = /"(.*)"/.exec(v);
          if (m === null) continue;
          const buf = k === "uricontent" ? "http.uri" : sticky;
          cs.push({ bytes: contentBytes(m[1]), nocase: false, buf, fp: false, neg: v.startsWith("!") });
        } else if (k === "nocase" && last) last.nocase = true;
        else if (k === "fast_pattern" && last) last.fp = true;
        else if (k in LEGACY && colon < 0) {
          if (last) last.buf = LEGACY[k];
        } else if (colon < 0 && (k.includes(".") || k in STICKY_ALIAS)) sticky = STICKY_ALIAS[k] ?? k;
      }
      const pos = cs.filter((c) => !c.neg && c.bytes.length > 0);
      if (pos.length === 0) continue;
      const pick = pos.find((c) => c.fp) ?? pos.reduce((a, b) => (b.bytes.length > a.bytes.length ? b : a));
      const g = group(pick.buf);
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g)!.push({ bytes: pick.bytes, nocase: pick.nocase });
    }
  }
  return { rules, groups };
}

// ---- subjects (fixed seed) ----
let seed = 0x2545f491;
function rnd(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}
const pick = <T>(a: readonly T[]): T => a[rnd(a.length)];
const enc = new TextEncoder();

const WORDS = ("the of and to in is for on with that this by from at as are be or an it was your all can " +
  "more new about home search page contact news privacy policy terms login account product price cart " +
  "services support help blog video music sign free download click here read next previous").split(" ");
const PATHS = ["index", "main", "api", "static", "images", "js", "css", "assets", "v1", "user", "search",
  "content", "media", "cdn", "wp-content", "uploads", "2024", "04", "article", "products"];

function uri(): string {
  let s = "";
  for (let k = 1 + rnd(5); k > 0; k--) s += "/" + pick(PATHS);
  s += pick([".html", ".php", ".js", ".css", ".png", "", "/"]);
  if (rnd(2) === 0) {
    s += "?";
    for (let k = 1 + rnd(4); k > 0; k--) s += `${pick(WORDS)}=${rnd(100000)}&`;
    s += "utm_source=" + pick(WORDS);
  }
  return s;
}

function requestHeaders(): string {
  return `Host: www.${pick(WORDS)}${pick(WORDS)}.com\r\n` +
    `User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/1${
      rnd(30)
    }.0.0.0 Safari/537.36\r\n` +
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n" +
    "Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\n" +
    `Referer: https://www.${pick(WORDS)}.com${uri()}\r\n` +
    `Cookie: session=${rnd(1e9).toString(16)}${rnd(1e9).toString(16)}; theme=${pick(WORDS)}; _ga=GA1.2.${
      rnd(1e9)
    }.${rnd(1e9)}\r\nUpgrade-Insecure-Requests: 1\r\n\r\n`;
}

function htmlBody(size: number): Uint8Array {
  let s = '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Welcome</title>\n';
  while (s.length < size) {
    switch (rnd(6)) {
      case 0:
        s += `<div class="${pick(WORDS)}-${pick(WORDS)}" id="${pick(WORDS)}${rnd(100)}">\n`;
        break;
      case 1:
        s += `<a href="${uri()}">${pick(WORDS)} ${pick(WORDS)}</a>\n`;
        break;
      case 2: {
        s += "<p>";
        for (let k = 5 + rnd(30); k > 0; k--) s += pick(WORDS) + " ";
        s += "</p>\n";
        break;
      }
      case 3:
        s += `<script>var ${pick(WORDS)}_${rnd(99)} = document.getElementById("${pick(WORDS)}"); ` +
          `if (${pick(WORDS)}.length > ${rnd(50)}) { window.${pick(WORDS)}(${rnd(1000)}); }</script>\n`;
        break;
      case 4:
        s += `<img src="${uri()}" alt="${pick(WORDS)}" width="${rnd(800)}" height="${rnd(600)}">\n`;
        break;
      default:
        s += "</div>\n";
    }
  }
  return enc.encode(s.slice(0, size));
}

function randomBytes(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = rnd(256);
  return b;
}

/** Concatenated subject pieces: scanned one piece at a time (as the engine would, per buffer). */
interface Subject {
  name: string;
  bytes: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
}

function pieces(name: string, parts: Uint8Array[]): Subject {
  let total = 0;
  for (const p of parts) total += p.length;
  const bytes = new Uint8Array(total);
  const starts = new Int32Array(parts.length);
  const ends = new Int32Array(parts.length);
  let o = 0;
  parts.forEach((p, i) => {
    bytes.set(p, o);
    starts[i] = o;
    o += p.length;
    ends[i] = o;
  });
  return { name, bytes, starts, ends };
}

// ---- measurement ----
const out = new Int32Array(4096);

function scanAll(m: Mpm, s: Subject): number {
  let hits = 0;
  const st = s.starts;
  const en = s.ends;
  for (let k = 0; k < st.length; k++) hits += m.scan(s.bytes, st[k], en[k], out);
  return hits;
}

/** A loop that reads and folds every byte and sums them: the ceiling for any byte-at-a-time scan. */
function baselineAll(s: Subject): number {
  const b = s.bytes;
  let h = 0;
  for (let i = 0; i < b.length; i++) h = (h + FOLD[b[i]]) | 0;
  return h;
}

function measure(seconds: number, bytes: number, run: () => number): { mbps: number; result: number } {
  let result = run(); // warm up
  for (let w = 0; w < 3; w++) result = run();
  let reps = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    result = run();
    reps++;
    t = performance.now();
  }
  return { mbps: Math.round((bytes * reps) / ((t - t0) / 1000) / 1e4) / 100, result };
}

interface Builder {
  add(pattern: Uint8Array, nocase: boolean, id: number): void;
  build(options?: { maxStride?: number; strides?: readonly number[] }): Mpm;
}

async function main(): Promise<void> {
  const seconds = Number(arg("--seconds") ?? 0.5);
  const maxStride = arg("--maxStride") === undefined ? undefined : Number(arg("--maxStride"));
  const strides = arg("--strides")?.split(",").map(Number);
  const compareDir = arg("--compare");
  const Old = compareDir === undefined
    ? undefined
    : ((await import(`${compareDir}/builder.ts`)) as { MpmBuilder: new () => Builder }).MpmBuilder;
  const outFile = arg("--out") ?? fileURLToPath(new URL("./results/mpm.json", import.meta.url));
  const dir = fileURLToPath(new URL("../../shared/corpus/rulesets/et-open-2024-04", import.meta.url));
  const { rules, groups } = etFastPatterns(dir);
  const all: FastPattern[] = [];
  for (const ps of groups.values()) all.push(...ps);
  groups.set("all", all);

  const subjects = {
    headers: pieces("http request headers (100 x ~600 B)", Array.from({ length: 100 }, () => enc.encode(requestHeaders()))),
    uris: pieces("uris (1000 x ~60 B)", Array.from({ length: 1000 }, () => enc.encode(uri()))),
    html: pieces("html/js body (1 x 64 KiB)", [htmlBody(65536)]),
    binary: pieces("random binary (1 x 64 KiB)", [randomBytes(65536)]),
  };
  const plan: Record<string, (keyof typeof subjects)[]> = {
    "payload": ["binary", "html", "headers"],
    "http.uri": ["uris"],
    "http.header": ["headers"],
    "file.data": ["html", "binary"],
    "other": ["uris", "headers"],
    "all": ["html", "binary", "uris"],
  };

  const baseline: Record<string, number> = {};
  for (const [k, s] of Object.entries(subjects)) baseline[k] = measure(seconds, s.bytes.length, () => baselineAll(s)).mbps;
  console.log("baseline (read + fold every byte) MB/s", baseline);

  const results = [];
  const only = arg("--groups")?.split(",");
  for (const [g, subj] of Object.entries(plan)) {
    if (only !== undefined && !only.includes(g)) continue;
    const ps = groups.get(g) ?? [];
    const b = new MpmBuilder();
    ps.forEach((p, id) => b.add(p.bytes, p.nocase, id));
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const m = b.build({ ...(maxStride === undefined ? {} : { maxStride }), ...(strides === undefined ? {} : { strides }) });
    const buildMs = Math.round(performance.now() - t0);
    const heapDelta = process.memoryUsage().heapUsed - heap0;
    let old: Mpm | undefined;
    if (Old !== undefined) {
      const ob = new Old();
      ps.forEach((p, id) => ob.add(p.bytes, p.nocase, id));
      old = ob.build(maxStride === undefined ? {} : { maxStride });
    }
    const lens = ps.map((p) => p.bytes.length);
    const short = lens.filter((l) => l < 4).length;
    const scans: Record<string, { mbps: number; hitsPerScan: number; ratioToBaseline: number; compareMbps?: number }> = {};
    for (const k of subj) {
      const s = subjects[k];
      // interleave new and old (3 rounds each, best kept) so that both see the same machine load
      let best = 0;
      let bestOld = 0;
      let result = 0;
      for (let round = 0; round < 3; round++) {
        const r = measure(seconds / 3, s.bytes.length, () => scanAll(m, s));
        result = r.result;
        if (r.mbps > best) best = r.mbps;
        if (old !== undefined) {
          const o = measure(seconds / 3, s.bytes.length, () => scanAll(old, s));
          if (o.result !== r.result) throw new Error(`${g}/${k}: hit counts differ from --compare (${r.result} vs ${o.result})`);
          if (o.mbps > bestOld) bestOld = o.mbps;
        }
      }
      scans[k] = {
        mbps: best,
        hitsPerScan: Math.round((result / s.starts.length) * 10) / 10,
        ratioToBaseline: Math.round((best / baseline[k]) * 100) / 100,
        ...(old === undefined ? {} : { compareMbps: bestOld }),
      };
    }
    const row = {
      group: g,
      patterns: ps.length,
      literals: m.literalCount,
      nocase: ps.filter((p) => p.nocase).length,
      shorterThan4: short,
      strides: m.strides,
      pairPassLiterals: m.shortLiteralCount,
      buildMs,
      memoryBytes: m.memoryBytes,
      heapDuringBuildBytes: heapDelta,
      scans,
    };
    console.log(JSON.stringify(row));
    results.push(row);
  }
  const report = {
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
    ruleset: "et-open-2024-04",
    rules,
    maxStride: maxStride ?? 12,
    strides: strides ?? "default",
    ...(compareDir === undefined ? {} : { compare: compareDir }),
    unit: "MB/s = 10^6 bytes scanned per second, one core",
    subjects: Object.fromEntries(Object.entries(subjects).map(([k, s]) => [k, s.name])),
    baselineMbps: baseline,
    groups: results,
  };
  writeFileSync(outFile, JSON.stringify(report, null, 2) + "\n");
  console.log(`wrote ${outFile}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
