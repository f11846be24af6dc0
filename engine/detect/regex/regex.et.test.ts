/**
 * ET Open's distinct pcre patterns: every one must compile (or fail for a listed reason), and where JS
 * RegExp has PCRE's semantics our engine must give the same match (start, end and groups) on random
 * latin-1 subjects — both random noise and strings generated from the pattern itself, so most runs match.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { etPcrePatterns } from "../../../bench/regex-corpus.ts";
import type { EtPcre } from "../../../bench/regex-corpus.ts";
import { compileRegex, RegexError } from "./regex.ts";
import type { Regex } from "./regex.ts";
import { parseRegex, setHas } from "./syntax.ts";
import type { Node } from "./syntax.ts";
import { canBeEmpty, minLength } from "./program.ts";

const pats = etPcrePatterns();

test("every distinct ET Open pcre pattern compiles", () => {
  if (pats === null) return;
  assert.ok(pats.length > 3000, `found ${pats.length} patterns`);
  const failures: string[] = [];
  for (const p of pats) {
    try {
      compileRegex(p.pattern, p.flags);
    } catch (e) {
      if (!(e instanceof RegexError)) throw e;
      failures.push(`${p.value}: ${e.message}`);
    }
  }
  assert.equal(failures, [], "patterns that fail to compile");
});

// Constructs whose meaning differs between PCRE and JS (or that JS lacks): such patterns are checked
// by the targeted tests in regex.test.ts instead.
const JS_DIFFERS =
  /\\[xX]\{|\\[AzZGhHvVRQEeaNkgoc]|\(\?[imsxU-]|\(\?>|[*+?}]\+|\[:|\\0|\\[1-9]\d|\(\?#|\\x[0-9a-fA-F](?![0-9a-fA-F])|\\[bB][*+?{]/;

/** Patterns on which JS RegExp backtracks for seconds per subject (we stay within the step budget). */
const JS_SLOW = ["[^>]*name\\s*=\\s*[\"']?productname"];

const ALLOWED_BASE = "\t\n\r !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A string the pattern is likely to match (lookarounds and back references are approximated). */
function sample(n: Node, rnd: () => number, allowed: string, out: string[]): void {
  switch (n.t) {
    case "set": {
      const members: string[] = [];
      for (const ch of allowed) if (setHas(n.bits, ch.charCodeAt(0))) members.push(ch);
      out.push(members.length ? members[Math.floor(rnd() * members.length)] : "x");
      return;
    }
    case "cat":
      for (const it of n.items) sample(it, rnd, allowed, out);
      return;
    case "alt":
      sample(n.items[Math.floor(rnd() * n.items.length)], rnd, allowed, out);
      return;
    case "group":
    case "atomic":
      sample(n.body, rnd, allowed, out);
      return;
    case "repeat": {
      const hi = n.max === -1 ? n.min + 3 : Math.min(n.max, n.min + 3);
      const k = n.min + Math.floor(rnd() * (hi - n.min + 1));
      for (let i = 0; i < k; i++) sample(n.body, rnd, allowed, out);
      return;
    }
    case "look":
      if (!n.negated && !n.behind && rnd() < 0.5) {
        const tmp: string[] = [];
        sample(n.body, rnd, allowed, tmp);
        out.push(...tmp);
      }
      return;
    default:
      return;
  }
}

/** A repeat inside a repeat: JS's backtracking may take exponential time on random subjects. */
function nestedRepeat(n: Node, inRepeat: boolean): boolean {
  switch (n.t) {
    case "repeat":
      if (inRepeat && (n.max === -1 || n.max > 1)) return true;
      return nestedRepeat(n.body, inRepeat || n.max === -1 || n.max > 1);
    case "cat":
    case "alt":
      return n.items.some((i) => nestedRepeat(i, inRepeat));
    case "group":
    case "atomic":
    case "look":
      return nestedRepeat(n.body, inRepeat);
    default:
      return false;
  }
}

function backrefGroups(n: Node): number[] {
  switch (n.t) {
    case "backref":
      return [n.group];
    case "cat":
    case "alt":
      return n.items.flatMap(backrefGroups);
    case "group":
    case "atomic":
    case "look":
    case "repeat":
      return backrefGroups(n.body);
    default:
      return [];
  }
}

/** Whether group positions are comparable with JS (JS resets captures in each repetition). */
function groupsComparable(n: Node, inRepeat: boolean): boolean {
  switch (n.t) {
    case "group":
      if (n.index > 0 && inRepeat) return false;
      return groupsComparable(n.body, inRepeat);
    case "cat":
    case "alt":
      return n.items.every((i) => groupsComparable(i, inRepeat));
    case "repeat":
      // JS also refuses an empty iteration of an optional group ("(a*)?" leaves the group unset).
      if (n.min === 0 && canBeEmpty(n.body)) return false;
      return groupsComparable(n.body, inRepeat || n.max !== 1);
    case "look":
      return groupsComparable(n.body, inRepeat || n.negated);
    case "atomic":
      return groupsComparable(n.body, inRepeat);
    default:
      return true;
  }
}

interface Case {
  p: EtPcre;
  js: RegExp;
  re: Regex;
  ast: Node;
  allowed: string;
  groups: boolean;
  backrefs: number[];
  noFinalNewline: boolean;
}

function prepare(p: EtPcre): Case | null {
  const f = p.flags;
  if (f.extended || f.ungreedy || JS_DIFFERS.test(p.pattern)) return null;
  let js: RegExp;
  try {
    js = new RegExp(p.pattern.replace(/\(\?P</g, "(?<"), `d${f.caseless ? "i" : ""}${f.dotAll ? "s" : ""}${f.multiline ? "m" : ""}${f.anchored ? "y" : ""}`);
  } catch {
    return null;
  }
  const ast = parseRegex(p.pattern, p.flags).root;
  // Nested repeats and very long minimal matches make the checks slow (JS's backtracking, or generated
  // subjects thousands of bytes long) without testing anything new.
  if (nestedRepeat(ast, false) || minLength(ast) > 200 || JS_SLOW.some((s) => p.pattern.includes(s))) return null;
  const re = compileRegex(p.pattern, { ...p.flags, captures: true });
  let allowed = ALLOWED_BASE;
  // JS '.' and multiline '^$' treat \r as a line end; PCRE (newline = LF) does not.
  if (f.multiline || (!f.dotAll && /(^|[^\\])\./.test(p.pattern))) allowed = allowed.replace("\r", "");
  // Latin-1 high bytes only where neither folding nor \s could differ.
  if (!f.caseless && !/\\[sSwWdD]|\[\^|\\W/.test(p.pattern)) allowed += "\x80\xa0\xc9\xe9\xff";
  return {
    p,
    js,
    re,
    ast,
    allowed,
    groups: groupsComparable(ast, false),
    backrefs: backrefGroups(ast),
    noFinalNewline: (!f.dollarEndOnly && p.pattern.includes("$")) || !!f.multiline,
  };
}

let lastMatched = false;
let jsMs = 0, ourMs = 0;

function compare(c: Case, subject: string): string | null {
  if (c.noFinalNewline && subject.endsWith("\n")) subject += "x";
  const buf = Uint8Array.from(subject, (ch) => ch.charCodeAt(0));
  c.js.lastIndex = 0;
  let t0 = performance.now();
  const m = c.js.exec(subject);
  jsMs += performance.now() - t0;
  t0 = performance.now();
  const ok = c.re.exec(buf, 0, buf.length);
  ourMs += performance.now() - t0;
  lastMatched = ok;
  const want = m ? `${m.index}-${m.index + m[0].length}` : "none";
  const got = ok ? `${c.re.matchStart}-${c.re.matchEnd}` : "none";
  if (c.re.budgetExceeded > 0) return null; // not a semantic difference; counted separately
  if (want !== got) {
    // PCRE: a back reference to an unset group fails; JS: it matches the empty string.
    if (m && c.backrefs.some((g) => m[g] === undefined)) return null;
    return `match ${got}, JS ${want}`;
  }
  if (m && c.groups && m.indices) {
    for (let g = 1; g < m.indices.length; g++) {
      const jsg = m.indices[g];
      const js = jsg ? `${jsg[0]}-${jsg[1]}` : "unset";
      const ours = c.re.groupStart[g] < 0 ? "unset" : `${c.re.groupStart[g]}-${c.re.groupEnd[g]}`;
      if (js !== ours) return `group ${g} ${ours}, JS ${js}`;
    }
  }
  return null;
}

test("differential against JS RegExp on ET patterns (random and generated subjects)", () => {
  if (pats === null) return;
  const cases = pats.map(prepare).filter((c): c is Case => c !== null);
  assert.ok(cases.length > 2000, `only ${cases.length} patterns comparable with JS`);
  let runs = 0, matches = 0;
  const mismatches: string[] = [];
  const trace = process.env.REGEX_TRACE === "1";
  for (const c of cases) {
    const t0 = trace ? performance.now() : 0;
    if (trace) process.stderr.write(`${c.p.value}\n`);
    const chars = fc.constantFrom(...c.allowed);
    const noise = fc.array(chars, { maxLength: 12 }).map((a) => a.join(""));
    const subject = fc.tuple(noise, fc.integer(), noise, fc.boolean(), noise).map(([pre, seed, mid, twice, post]) => {
      const out: string[] = [];
      const rnd = mulberry(seed);
      sample(c.ast, rnd, c.allowed, out);
      const gen = out.join("");
      return pre + gen + mid + (twice ? gen : "") + post;
    });
    const found = fc.check(
      fc.property(fc.oneof({ weight: 4, arbitrary: subject }, { weight: 1, arbitrary: noise }), (s) => {
        runs++;
        const diff = compare(c, s);
        if (lastMatched) matches++;
        return diff === null;
      }),
      { numRuns: 16, seed: 42, endOnFailure: true },
    );
    if (trace && performance.now() - t0 > 200) {
      process.stderr.write(`SLOW ${performance.now() - t0}ms (JS ${jsMs}ms, ours ${ourMs}ms)\n`);
    }
    jsMs = ourMs = 0;
    if (found.failed) {
      const s = found.counterexample![0] as string;
      mismatches.push(`${c.p.value} on ${JSON.stringify(s)}: ${compare(c, s)}`);
    }
  }
  console.log(`regex differential: ${cases.length} patterns, ${runs} subjects, ${mismatches.length} mismatching patterns`);
  assert.ok(matches > runs / 4, `too few subjects matched (${matches}/${runs}): generator is not exercising matches`);
  assert.equal(mismatches.slice(0, 20), [], `${mismatches.length} patterns differ from JS`);
});

test.run();
