/**
 * Regex engine benchmark: compiles every distinct ET Open pcre pattern (count, failures by reason, time),
 * then measures exec throughput on a 64 KB HTTP-like buffer for typical ET patterns and for the whole set.
 * Prints a table and writes `bench/results/regex.json`.
 * `tsx bench/regex.ts [--out bench/results/regex.json]`
 */
import { writeFileSync } from "node:fs";
import { etPcrePatterns } from "./regex-corpus.ts";
import { compileRegex, RegexError } from "../engine/detect/regex/regex.ts";
import type { Regex } from "../engine/detect/regex/regex.ts";

const outPath = process.argv.includes("--out") ? process.argv[process.argv.indexOf("--out") + 1] : "bench/results/regex.json";

/** Deterministic 64 KB of HTTP/1.1 requests and responses (headers, query strings, HTML/JSON bodies). */
function httpBuffer(size: number): Uint8Array {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const word = (n: number): string => Array.from({ length: n }, () => "abcdefghijklmnopqrstuvwxyz0123456789"[rnd(36)]).join("");
  const uas = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0", "curl/8.4.0", "Microsoft-CryptoAPI/10.0"];
  let s = "";
  while (s.length < size) {
    s += `GET /${word(6)}/${word(8)}.php?id=${rnd(100000)}&q=${word(12)}&page=${rnd(50)} HTTP/1.1\r\n` +
      `Host: www.${word(7)}.com\r\nUser-Agent: ${uas[rnd(3)]}\r\nAccept: text/html,application/xhtml+xml\r\n` +
      `Accept-Language: en-US,en;q=0.9\r\nCookie: session=${word(24)}; theme=dark\r\nConnection: keep-alive\r\n\r\n`;
    const body = `<html><head><title>${word(10)}</title></head><body><p>${word(40)} ${word(30)}</p>` +
      `<a href="/${word(5)}/${word(9)}.html">${word(8)}</a><script>var x = "${word(20)}";</script></body></html>\n`;
    s += `HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  }
  return Uint8Array.from(s.slice(0, size), (c) => c.charCodeAt(0));
}

const TYPICAL: Array<[string, string]> = [
  ["literal + alternation", "/xp_reg(read|write|delete)/i"],
  ["two alternations", "/(%23|#)(access_callback|pre_render|post_render|lazy_builder)/i"],
  ["no literal (card number)", "/ (6011|5[1-5]\\d{2}|4\\d{3}|3\\d{3}) \\d{4} \\d{4} \\d{4}/"],
  ["anchored line, bounded repeats", "/^GET [^\\r\\n]{0,256}&parent_request_id=(?:[A-Za-z0-9_\\/\\+\\-%]{128,1024})={0,2}[^\\r\\n]{0,256} HTTP\\/1\\.[01]/"],
  ["lookahead, \\b, multiline", "/(?!^User-Agent\\x3a)\\bcurl\\s[^\\r\\n]*?-(?:[Oo]|-(?:remote-name|output))[^\\r\\n]+(?:\\x3b|&&)/m"],
  ["back references (named)", "/^GET (?P<uri>(\\/[A-Za-z0-9]+)?\\/\\d+\\/\\d+)\\sHTTP\\/1\\.1\\r\\nUser-Agent\\x3a\\x20http\\x3a\\/\\/(?P<host>[^\\r\\n]+)(?P=uri)\\r\\nHost\\x3a\\x20(?P=host)\\r\\n(\\r\\n)?$/"],
  ["rare literal: the prefilter rejects", "/\\/[a-z0-9]{8}\\.php\\?id=\\d+&q=[a-z0-9]+&page=99 /"],
  ["literal present, no match: Pike VM over all 64 KB", "/\\.php\\?id=\\d+&q=[a-z0-9]{13}/"],
  ["matching: header value", "/User-Agent\\x3a\\x20curl\\/\\d+\\.\\d+\\.\\d+\\r\\n/i"],
];

function timeExec(re: Regex, buf: Uint8Array, minMs: number): { mbps: number; usPerCall: number; matched: boolean } {
  let n = 0;
  let matched = false;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    for (let i = 0; i < 4; i++) matched = re.exec(buf, 0, buf.length);
    n += 4;
    t = performance.now();
  }
  const sec = (t - t0) / 1000;
  return { mbps: (buf.length * n) / sec / 1e6, usPerCall: (sec * 1e6) / n, matched };
}

const pats = etPcrePatterns();
if (pats === null) throw new Error("corpus not found: set TSUGI_CORPUS");

// 1. Compile all.
const failures: Record<string, string[]> = {};
const compiled: Regex[] = [];
const t0 = performance.now();
for (const p of pats) {
  try {
    compiled.push(compileRegex(p.pattern, p.flags));
  } catch (e) {
    if (!(e instanceof RegexError)) throw e;
    (failures[e.reason] ??= []).push(p.value);
  }
}
const compileMs = performance.now() - t0;
const backtracking = compiled.filter((r) => r.backtracking).length;
const withLiteral = compiled.filter((r) => r.requiredLiteral !== null).length;
console.log(`ET Open distinct pcre patterns: ${pats.length}; compiled ${compiled.length}; failed ${pats.length - compiled.length}`);
for (const [reason, vals] of Object.entries(failures)) console.log(`  ${vals.length} × ${reason}: ${vals.slice(0, 3).join("  ")}`);
console.log(`compile time (all): ${compileMs.toFixed(0)} ms; backtracking: ${backtracking}; with a required literal: ${withLiteral}`);

// 2. Typical patterns on 64 KB.
const buf = httpBuffer(64 * 1024);
const rows: Array<Record<string, string | number | boolean>> = [];
console.log(`\n| pattern | kind | engine | matched | MB/s | µs/call |\n|---|---|---|---|---|---|`);
for (const [kind, value] of TYPICAL) {
  const p = pats.find((x) => x.value === value);
  const close = value.lastIndexOf("/");
  const pattern = p ? p.pattern : value.slice(1, close);
  const flagsText = value.slice(close + 1);
  const re = compileRegex(pattern, {
    caseless: flagsText.includes("i"),
    multiline: flagsText.includes("m"),
    dotAll: flagsText.includes("s"),
  });
  timeExec(re, buf, 100); // warm up
  const r = timeExec(re, buf, 500);
  const engine = re.backtracking ? "backtrack" : "pike";
  rows.push({ kind, pattern: value, inEtOpen: p !== undefined, engine, matched: r.matched, mbps: +r.mbps.toFixed(1), usPerCall: +r.usPerCall.toFixed(1), budgetExceeded: re.budgetExceeded });
  console.log(`| \`${value.length > 60 ? value.slice(0, 57) + "..." : value}\` | ${kind} | ${engine} | ${r.matched} | ${r.mbps.toFixed(1)} | ${r.usPerCall.toFixed(1)} |`);
}

// 3. The whole set, one exec each over the 64 KB buffer (after one untimed pass to warm the JIT).
for (const re of compiled) re.exec(buf, 0, buf.length);
for (const re of compiled) re.budgetExceeded = 0;
let matches = 0, exceeded = 0;
const slow: Array<[number, string]> = [];
const t1 = performance.now();
for (const re of compiled) {
  const s = performance.now();
  if (re.exec(buf, 0, buf.length)) matches++;
  exceeded += re.budgetExceeded;
  const ms = performance.now() - s;
  if (ms > 20) slow.push([ms, re.source]);
}
const allMs = performance.now() - t1;
slow.sort((a, b) => b[0] - a[0]);
console.log(`\nall ${compiled.length} patterns × one 64 KB exec (second pass): ${allMs.toFixed(0)} ms (${((compiled.length * buf.length) / (allMs / 1000) / 1e6).toFixed(1)} MB/s aggregate), ${matches} matched, ${exceeded} hit the step budget`);
for (const [ms, src] of slow.slice(0, 8)) console.log(`  slow: ${ms.toFixed(1)} ms  /${src.length > 90 ? src.slice(0, 87) + "..." : src}/`);

const result = {
  date: new Date().toISOString().slice(0, 10),
  node: process.version,
  etOpen: {
    distinctPatterns: pats.length,
    compiled: compiled.length,
    failed: pats.length - compiled.length,
    failuresByReason: Object.fromEntries(Object.entries(failures).map(([k, v]) => [k, v])),
    compileMsAll: Math.round(compileMs),
    backtracking,
    withRequiredLiteral: withLiteral,
  },
  bufferBytes: buf.length,
  typical: rows,
  wholeSet: {
    patterns: compiled.length,
    totalMs: Math.round(allMs),
    aggregateMBps: +((compiled.length * buf.length) / (allMs / 1000) / 1e6).toFixed(1),
    matched: matches,
    budgetExceeded: exceeded,
    slowest: slow.slice(0, 8).map(([ms, src]) => ({ ms: +ms.toFixed(1), pattern: src })),
  },
};
writeFileSync(outPath, JSON.stringify(result, null, 2) + "\n");
console.log(`\nwrote ${outPath}`);
