import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runRules } from "./check.ts";
import { parseRuleFiles } from "./load.ts";
import { corpusDir } from "../datapath/pcap/corpus.ts";

function capture(fn: () => number): { code: number; out: string } {
  const lines: string[] = [];
  const log = console.log;
  const err = console.error;
  console.log = (...a: unknown[]) => void lines.push(a.join(" "));
  console.error = (...a: unknown[]) => void lines.push(a.join(" "));
  try {
    return { code: fn(), out: lines.join("\n") };
  } finally {
    console.log = log;
    console.error = err;
  }
}

const dir = mkdtempSync(join(tmpdir(), "tsugi-rules-"));
const file = join(dir, "t.rules");
writeFileSync(file, [
  'alert http $EXTERNAL_NET any -> $HOME_NET any (msg:"ok"; http.uri; content:"/a"; sid:1;)',
  'alert http any any -> any any (msg:"typo"; htp.uri; content:"/a"; sid:2;)',
  'alert tcp any any -> any any (msg:"lua"; lua:x.lua; sid:3;)',
  'alert tcp $WEIRD any -> any any (msg:"var"; sid:4;)',
].join("\n"));

test("--json prints exactly the summary fields", () => {
  const { code, out } = capture(() => runRules(["check", "--json", file]));
  assert.is(code, 0);
  const j = JSON.parse(out);
  assert.equal(Object.keys(j), ["files", "rules", "loaded", "skipped", "reasons", "parseMs", "compileMs", "heapMB", "rssMB"]);
  assert.equal([j.files, j.rules, j.loaded, j.skipped], [1, 4, 1, 3]);
  assert.equal(j.reasons, { "unknown keyword": 1, "unsupported keyword: lua": 1, "undefined variable": 1 });
});

test("text output: file:line:col: message per problem, then a summary; --strict and --var", () => {
  const { code, out } = capture(() => runRules(["check", file]));
  assert.is(code, 0);
  assert.ok(out.includes(`${file}:2:44: unknown keyword "htp.uri" (did you mean "http.uri"?)`), out);
  assert.match(out, /1 file\(s\), 4 rule\(s\): 1 loaded, 3 skipped/);
  assert.is(capture(() => runRules(["check", "--strict", file])).code, 1);
  const withVar = capture(() => runRules(["check", "--json", "--var", "WEIRD=10.0.0.0/8", file]));
  assert.is(JSON.parse(withVar.out).loaded, 2);
});

test("usage errors exit 2", () => {
  assert.is(capture(() => runRules(["check"])).code, 2);
  assert.is(capture(() => runRules(["check", "--bogus", file])).code, 2);
  assert.is(capture(() => runRules(["check", join(dir, "missing.rules")])).code, 2);
  assert.is(capture(() => runRules(["frobnicate"])).code, 2);
  assert.is(capture(() => runRules(["check", "--help"])).code, 0);
});

test("ET Open: at least 97% of the rules load with default variables", () => {
  const corpus = corpusDir();
  if (corpus === null) return;
  const et = join(corpus, "rulesets", "et-open-2024-04");
  const files = readdirSync(et).filter((f) => f.endsWith(".rules")).map((f) => join(et, f));
  const r = parseRuleFiles(files);
  assert.ok(r.count > 24000, `only ${r.count} rules found`);
  const pct = r.rules.length / r.count;
  assert.ok(pct >= 0.97, `only ${(pct * 100).toFixed(2)}% loaded`);
  // every skip has a reason we can name
  for (const p of r.problems) assert.ok(p.reason.startsWith("unsupported"), `${p.pos.file}:${p.pos.line}: ${p.message}`);
});

test("a rule that parses but cannot be compiled for detection is skipped, not loaded", () => {
  const f = join(dir, "compile.rules");
  writeFileSync(f, [
    'alert tcp any any -> any any (msg:"ok"; pcre:"/ab+c/"; sid:10;)',
    'alert tcp any any -> any any (msg:"bad regex"; pcre:"/a(?<=b+)c(/"; sid:11;)',
  ].join("\n"));
  const { code, out } = capture(() => runRules(["check", "--json", f]));
  assert.is(code, 0);
  const j = JSON.parse(out.split("\n").pop() as string);
  assert.equal([j.rules, j.loaded, j.skipped], [2, 1, 1]);
  assert.equal(j.reasons, { "pcre does not compile": 1 });
});

test.run();
