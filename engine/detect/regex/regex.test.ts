import { test } from "uvu";
import * as assert from "uvu/assert";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { compileRegex, RegexError, splitPcreOption } from "./regex.ts";
import type { Regex, RegexFlags } from "./regex.ts";

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** [matchStart, matchEnd] or null. */
function run(pattern: string, subject: string, flags: RegexFlags = {}, start = 0, end = subject.length): [number, number] | null {
  const re = compileRegex(pattern, flags);
  return re.exec(bytes(subject), start, end) ? [re.matchStart, re.matchEnd] : null;
}
function groups(re: Regex): Array<[number, number]> {
  return Array.from(re.groupStart, (s, i) => [s, re.groupEnd[i]] as [number, number]);
}

test("literals, classes, quantifiers, alternation", () => {
  assert.equal(run("foo\\d+bar", "xxfoo123barx"), [2, 11]);
  assert.equal(run("a{2,3}", "caaaa"), [1, 4]);
  assert.equal(run("a{2,3}?", "caaaa"), [1, 3]);
  assert.equal(run("a{2}", "cab"), null);
  assert.equal(run("a{,2}", "xa{,2}"), [1, 6], "{,n} is a literal in PCRE");
  assert.equal(run("x{", "ax{"), [1, 3]);
  assert.equal(run("cat|dog", "hotdog"), [3, 6]);
  assert.equal(run("[a-c]+", "xxbcaz"), [2, 5]);
  assert.equal(run("[^a-c]+", "abcxyzab"), [3, 6]);
  assert.equal(run("[]a]+", "x]a]"), [1, 4]);
  assert.equal(run("[a\\-z]+", "b-az"), [1, 4]);
  assert.equal(run("[\\d-z]+", "x1-z"), [1, 4], "'-' after a class escape is literal");
  assert.equal(run("\\x41\\x{42}\\103\\0", "ABC\0"), [0, 4]);
  assert.equal(run("\\e\\a\\f\\t", "\x1b\x07\x0c\x09"), [0, 4]);
  assert.equal(run("\\Qa.b*\\E+", "a.b**"), [0, 5]);
  assert.equal(run("x\\Q(|)\\E", "x(|)"), [0, 4]);
  assert.equal(run("a.c", "a\nc abc"), [4, 7]);
  assert.equal(run("a.c", "a\nc", { dotAll: true }), [0, 3]);
  assert.equal(run("\\N", "\n\nx"), [2, 3]);
  assert.equal(run("\\/\\;\\\"", '/;"'), [0, 3], "escaped punctuation is literal");
});

test("case folding is ASCII only and scoped like PCRE", () => {
  assert.equal(run("abc", "xABC", { caseless: true }), [1, 4]);
  assert.equal(run("\xe9", "\xc9", { caseless: true }), null, "no latin-1 folding in byte mode");
  assert.equal(run("a(?i)b", "aB"), [0, 2]);
  assert.equal(run("a(?i)b", "AB"), null);
  assert.equal(run("(a(?i)b)c", "aBC"), null, "(?i) ends with its group");
  assert.equal(run("(a(?i)b)c", "aBc"), [0, 3]);
  assert.equal(run("(a(?i)b|c)", "C"), [0, 1], "carries into later branches of the group");
  assert.equal(run("(?i:a)b", "Ab"), [0, 2]);
  assert.equal(run("(?i:a)b", "AB"), null);
  assert.equal(run("(?-i)a", "A", { caseless: true }), null);
  assert.equal(run("[^a]", "A", { caseless: true }), null, "negated classes fold before negating");
  assert.equal(run("[[:upper:]]+", "abC", { caseless: true }), [0, 3]);
});

test("anchors: PCRE's $, \\Z, \\z, \\A, ^ with m, and E", () => {
  assert.equal(run("a$", "a\n"), [0, 1], "$ matches before a final newline");
  assert.equal(run("a$", "a\n", { dollarEndOnly: true }), null);
  assert.equal(run("a\\Z", "a\n"), [0, 1]);
  assert.equal(run("a\\z", "a\n"), null);
  assert.equal(run("a\\z", "ba"), [1, 2]);
  assert.equal(run("a$", "a\nb"), null);
  assert.equal(run("a$", "a\nb", { multiline: true }), [0, 1]);
  assert.equal(run("^b", "a\nb"), null);
  assert.equal(run("^b", "a\nb", { multiline: true }), [2, 3]);
  assert.equal(run("^", "a\n", { multiline: true }, 1), [1, 1]);
  assert.equal(run("\\n^", "a\n", { multiline: true }), null, "multiline ^ does not match after a final newline");
  assert.equal(run("\\Aab", "xab"), null);
  assert.equal(run("^ab", "xxab", {}, 2), [2, 4], "^ sees start as the subject start");
  assert.equal(run("ab$", "abxx", {}, 0, 2), [0, 2], "$ sees end as the subject end");
  assert.equal(run("\\Gb", "abb", {}, 1), [1, 2]);
  assert.equal(run("\\bfoo\\b", "afoo foo"), [5, 8]);
  assert.equal(run("\\Boo", "oo foo"), [4, 6]);
});

test("A flag anchors at the search start; G swaps greediness", () => {
  assert.equal(run("b+", "abb", { anchored: true }), null);
  assert.equal(run("b+", "abb", { anchored: true }, 1), [1, 3]);
  assert.equal(run("a+", "aaa", { ungreedy: true }), [0, 1]);
  assert.equal(run("a+?", "aaa", { ungreedy: true }), [0, 3]);
});

test("\\h \\v \\R and POSIX classes", () => {
  assert.equal(run("\\h+", "x \t\xa0y"), [1, 4]);
  assert.equal(run("\\H", " \tz"), [2, 3]);
  assert.equal(run("\\v+", "x\n\x0b\x0c\r\x85y"), [1, 6]);
  assert.equal(run("a\\Rb", "a\r\nb"), [0, 4]);
  assert.equal(run("a\\Rb", "a\x85b"), [0, 3]);
  assert.equal(run("a\\R\\nb", "a\r\nb"), null, "\\R is atomic: does not give back the \\n of \\r\\n");
  assert.equal(run("[[:alpha:]]+", "12abZ3"), [2, 5]);
  assert.equal(run("[[:^digit:]]+", "12ab3"), [2, 4]);
  assert.equal(run("[[:xdigit:][:space:]]+", "zz0f A\tq"), [2, 7]);
  assert.equal(run("[[:punct:]]", "ab!"), [2, 3]);
  assert.equal(run("\\s+", "a\x0b\x0c b"), [1, 4], "\\s includes VT as in PCRE2");
  assert.equal(run("\\s", "\xa0"), null, "no \\xa0 in \\s without UCP");
});

test("groups and captures: numbered, named, non-capturing", () => {
  const re = compileRegex("(a|ab)(c|bcd)(d*)", { captures: true });
  assert.ok(re.exec(bytes("abcd"), 0, 4));
  assert.equal(groups(re), [[0, 4], [0, 1], [1, 4], [4, 4]]);
  const named = compileRegex("(?P<k>\\w+)=(?<v>\\d+)(?'t'x)?", { captures: true });
  assert.ok(named.exec(bytes("  key=42;"), 0, 9));
  assert.is(named.names.get("v"), 2);
  assert.equal(groups(named), [[2, 8], [2, 5], [6, 8], [-1, -1]]);
  const nc = compileRegex("(?:ab)+(c)", { captures: true });
  assert.is(nc.groupCount, 1);
  assert.ok(nc.exec(bytes("ababc"), 0, 5));
  assert.equal(groups(nc), [[0, 5], [4, 5]]);
});

test("lazy, possessive and atomic", () => {
  assert.equal(run("a.*?b", "axxbyyb"), [0, 4]);
  assert.equal(run("a.*b", "axxbyyb"), [0, 7]);
  assert.equal(run("a*+a", "aaa"), null, "possessive gives nothing back");
  assert.equal(run("a++b", "aaab"), [0, 4]);
  assert.equal(run("(?>a+)b", "aaab"), [0, 4]);
  assert.equal(run("(?>a|ab)c", "abc"), null);
  assert.equal(run("(?:a|ab)c", "abc"), [0, 3]);
  assert.equal(run("\\d{2}+\\d", "1234"), [0, 3]);
});

test("lookahead and lookbehind", () => {
  assert.equal(run("foo(?=bar)", "foobaz foobar"), [7, 10]);
  assert.equal(run("foo(?!bar)", "foobar foobaz"), [7, 10]);
  assert.equal(run("(?<=ab)c", "xcabc"), [4, 5]);
  assert.equal(run("(?<!a)c", "acbc"), [3, 4]);
  assert.equal(run("(?<=ab|x)c", "xcabc"), [1, 2], "branches of different fixed lengths");
  assert.equal(run("(?<!ab|x)c", "xcabcyc"), [6, 7]);
  assert.equal(run("(?<=a)b", "ab", {}, 1), null, "lookbehind cannot see before the subject start");
  const cap = compileRegex("(?=(\\d+))\\w", { captures: true });
  assert.ok(cap.exec(bytes("a12"), 0, 3));
  assert.equal(groups(cap), [[1, 2], [1, 3]], "captures inside a positive lookahead are kept");
  assert.equal(run("^(?!.*evil).*good", "a good day"), [0, 6]);
  assert.equal(run("^(?!.*evil).*good", "evil good"), null);
});

test("back references: \\1, \\g, \\k, (?P=), caseless, unset groups", () => {
  assert.equal(run("(\\w)\\1", "abccd"), [2, 4]);
  assert.equal(run("(?<q>['\"]).*?\\k<q>", `x"a'b"`), [1, 6]);
  assert.equal(run("(?P<q>x)(?P=q)", "axxa"), [1, 3]);
  assert.equal(run("(a)\\g1\\g{1}\\g{-1}", "aaaa"), [0, 4]);
  assert.equal(run("(a)\\1", "aA", { caseless: true }), [0, 2]);
  assert.equal(run("(a)?b\\1", "b"), null, "a reference to an unset group fails (JS would match)");
  const long = compileRegex("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10");
  assert.ok(long.exec(bytes("abcdefghijj"), 0, 11), "\\10 with ten groups is a reference");
  assert.equal(run("a\\12", "a\n"), [0, 2], "\\12 without 12 groups is octal");
});

test("x flag: whitespace and comments ignored", () => {
  assert.equal(run("a b # comment\n c+", "abcc", { extended: true }), [0, 4]);
  assert.equal(run("a[ ]b", "a b", { extended: true }), [0, 3], "whitespace in a class is kept");
  assert.equal(run("a(?x) b", "ab"), [0, 2]);
  assert.equal(run("a(?#note)b", "ab"), [0, 2]);
});

test("errors carry offsets and say what is wrong", () => {
  const cases: Array<[string, number, RegExp]> = [
    ["ab(c", 2, /missing \)/],
    ["abc)", 3, /unmatched closing/],
    ["[abc", 0, /missing terminating \]/],
    ["a**", -1, /./],
    ["*a", 0, /does not follow a repeatable item/],
    ["a{3,2}", 1, /out of order/],
    ["[z-a]", 1, /range out of order/],
    ["(?<=a+)b", 0, /not fixed length/],
    ["\\1(a)(b)", -1, /./],
    ["(a)\\2", 3, /non-existent group 2/],
    ["\\k<nope>(?<x>a)", 0, /non-existent group name "nope"/],
    ["a(?R)", 1, /recursion/],
    ["\\p{L}", 0, /Unicode properties/],
    ["\\x{100}", 0, /above 0xff/],
    ["(?(1)a|b)", 0, /conditional/],
    ["\\j", 0, /unrecognized escape/],
    ["a{1}{70000}", 4, /number too big/],
    ["[[:nope:]]", 1, /unknown POSIX class/],
    ["(?z)", 2, /unknown group type/],
    ["(?:a{1000}){1000}", 0, /pattern too large/],
  ];
  for (const [pat, off, re] of cases) {
    let err: unknown = null;
    try {
      compileRegex(pat, {});
    } catch (e) {
      err = e;
    }
    if (off === -1 && err === null) continue; // accepted by PCRE too; only checking it does not crash
    assert.ok(err instanceof RegexError, `${pat} should fail`);
    const e = err as RegexError;
    assert.match(e.reason, re, pat);
    if (off >= 0) assert.is(e.offset, off, `offset for ${pat}: ${e.message}`);
  }
});

test("splitPcreOption separates regex flags from Suricata modifiers", () => {
  const r = splitPcreOption("/a\\/b/RsiUA");
  assert.is(r.pattern, "a\\/b");
  assert.equal(r.flags, { dotAll: true, caseless: true, anchored: true });
  assert.is(r.modifiers, "RU");
  assert.throws(() => splitPcreOption("abc"), /must start with/);
});

test("required literal for a prefilter", () => {
  const a = compileRegex("^GET\\s+/x\\.php\\?id=\\d+", {});
  assert.equal(Array.from(a.requiredLiteral ?? []), Array.from(bytes("/x.php?id=")));
  assert.is(a.requiredLiteralNocase, false);
  const b = compileRegex("User-Agent\\x3a\\s", { caseless: true });
  assert.equal(Array.from(b.requiredLiteral ?? []), Array.from(bytes("user-agent:")));
  assert.ok(b.requiredLiteralNocase);
  assert.is(compileRegex("a|b", {}).requiredLiteral, null);
  assert.is(compileRegex("(?:abc)?d", {}).requiredLiteral, null);
  // The prefilter must not change results.
  assert.equal(run("User-Agent\\x3a\\s", "x: USER-AGENT: y", { caseless: true }), [3, 15]);
});

test("a pattern anchored by ^ or \\A is tried at the start only", () => {
  const big = new Uint8Array(100_000).fill(0x61);
  for (const pat of ["^..[^\\x00]+\\x00", "\\A(?:a|^b)+c", "(?=a)^a+(?<=a)\\1?c"]) {
    let re: Regex;
    try {
      re = compileRegex(pat, {});
    } catch {
      re = compileRegex(pat.replace("\\1?", ""), {});
    }
    assert.is(re.exec(big, 0, big.length), false);
    assert.ok(re.lastSteps < 10 * big.length, `${pat}: ${re.lastSteps} steps (one start position, not one per byte)`);
  }
  assert.equal(run("^ab|xy", "zzxy"), [2, 4], "only when every alternative is anchored");
  assert.equal(run("^ab", "a\nab", { multiline: true }), [2, 4]);
});

test("Pike VM is linear: (a*)*b and (a|a)*c on 100 KB", () => {
  const n = 100_000;
  const subject = new Uint8Array(n).fill(0x61);
  for (const pat of ["(a*)*b", "(a|a)*c", "(a+)+$x", "(?:a|aa)+z"]) {
    const re = compileRegex(pat, {});
    assert.is(re.backtracking, false, pat);
    assert.is(re.exec(subject, 0, n), false);
    assert.ok(re.lastSteps > n, `${pat}: ran (${re.lastSteps} steps)`);
    assert.ok(re.lastSteps < 40 * n, `${pat}: ${re.lastSteps} steps for ${n} bytes is not linear`);
  }
  const ok = compileRegex("(a|a)*c", {});
  subject[n - 1] = 0x63;
  assert.ok(ok.exec(subject, 0, n));
  assert.equal([ok.matchStart, ok.matchEnd], [0, n]);
});

test("backtracker: the step budget stops a pathological back reference and the counter moves", () => {
  const re = compileRegex("^(a+)+\\1b", { stepBudget: 10_000 });
  assert.ok(re.backtracking);
  const subject = bytes("a".repeat(40));
  assert.is(re.exec(subject, 0, subject.length), false);
  assert.is(re.budgetExceeded, 1);
  assert.ok(re.lastSteps > 10_000);
  assert.is(re.exec(subject, 0, subject.length), false);
  assert.is(re.budgetExceeded, 2);
  const small = bytes("aab");
  assert.ok(re.exec(small, 0, 3), "a small subject still matches within budget");
  assert.is(re.budgetExceeded, 2);
});

test("exec allocates nothing (1M calls, both matchers)", async () => {
  const http = bytes(
    "GET /index.php?id=1234&x=abc HTTP/1.1\r\nHost: example.com\r\nUser-Agent: Mozilla/5.0\r\nCookie: a=b\r\n\r\n",
  );
  const pike = compileRegex("/index\\.php\\?id=\\d+&x=[a-z]+", { captures: true });
  const bt = compileRegex("User-Agent\\x3a\\s(?!curl)(\\w+)/\\d", { caseless: true });
  let sink = 0;
  const loop = (k: number): void => {
    for (let i = 0; i < k; i++) {
      if (pike.exec(http, 0, http.length)) sink += pike.matchEnd;
      if (bt.exec(http, 0, http.length)) sink += bt.matchEnd;
    }
  };
  loop(20_000);
  // Two measured windows: an allocation per call (even 16 bytes) would grow the heap by megabytes and
  // force scavenges in both; a single scavenge in one window can come from earlier tests' garbage.
  const windows: Array<{ grown: number; young: number; kinds: number[] }> = [];
  for (let w = 0; w < 2; w++) {
    const kinds: number[] = [];
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) kinds.push(((e as unknown as { detail?: { kind?: number } }).detail)?.kind ?? 0);
    });
    obs.observe({ entryTypes: ["gc"] });
    const before = process.memoryUsage().heapUsed;
    loop(500_000);
    const grown = process.memoryUsage().heapUsed - before;
    await new Promise((r) => setTimeout(r, 20));
    obs.disconnect();
    windows.push({ grown, young: kinds.filter((k) => k === constants.NODE_PERFORMANCE_GC_MINOR).length, kinds });
  }
  console.log(`regex alloc: ${windows.map((w) => `heap +${w.grown} B, ${w.young} young GCs`).join("; ")} (1M exec calls each)`);
  assert.is(sink, 1_020_000 * (28 + 79));
  for (const w of windows) assert.ok(w.grown < 1_000_000, `heap grew ${w.grown} bytes over 1M exec calls`);
  assert.is(Math.min(...windows.map((w) => w.young)), 0, "young-generation GCs during a measured window");
});

test.run();
