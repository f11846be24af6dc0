/**
 * Version comparison with each platform's own rules, for the recommendation scan: dpkg (Debian Policy
 * §5.6.12), rpm (rpmvercmp with epoch:version-release, `~` and `^`), Windows (major.minor.build.ubr)
 * and generic dotted software versions (`2.0-beta9` < `2.0-rc1` < `2.0` < `2.0p1` < `2.0.1`), plus the
 * affected-range check (`from` inclusive, `before` exclusive, `through` inclusive).
 *
 * Pure and cold (no I/O, runs on Node and Deno); must never throw on odd version text: every string
 * compares to every other (garbage sorts by the same rules, it is never an exception).
 *
 * @example
 * ```ts
 * import { compareDpkg, compareRpm, compareGeneric, inRange } from "./versions.ts";
 * compareDpkg("1.0~rc1", "1.0") < 0;               // true: "~" sorts before the end
 * compareRpm("1:0.9-1", "2.0-1") > 0;              // true: the epoch wins
 * compareGeneric("2.0-beta9", "2.0") < 0;          // true: a pre-release
 * inRange("2.14.1", { from: "2.0-beta9", before: "2.15.0" }, compareGeneric); // true
 * ```
 */

/** Negative, zero or positive, like `Array.prototype.sort` comparators. */
export type VersionCompare = (a: string, b: string) => number;

/** An affected range: `from` inclusive, `before` exclusive, `through` inclusive; a missing bound is open. */
export interface VersionRange {
  from?: string;
  before?: string;
  through?: string;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** Compares two digit strings numerically without overflow (leading zeros ignored). */
function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+/, "");
  const y = b.replace(/^0+/, "");
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------
// dpkg

/** dpkg's character weight in the non-digit part: `~` first, then the end, then letters, then the rest. */
function dpkgOrder(s: string, i: number): number {
  if (i >= s.length) return 0;
  const c = s.charCodeAt(i);
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126) return -1; // ~
  return c + 256;
}

/** dpkg's verrevcmp: alternating non-digit parts (by dpkgOrder) and digit runs (numerically). */
function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = dpkgOrder(a, i);
      const bc = dpkgOrder(b, j);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    while (i < a.length && isDigit(a.charCodeAt(i)) && j < b.length && isDigit(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && isDigit(a.charCodeAt(i))) return 1;
    if (j < b.length && isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** A Debian version split into epoch, upstream version and revision ("" when absent, which equals "0"). */
export function splitDpkg(v: string): { epoch: string; upstream: string; revision: string } {
  let s = v.trim();
  let epoch = "0";
  const colon = s.indexOf(":");
  if (colon > 0 && /^[0-9]+$/.test(s.slice(0, colon))) {
    epoch = s.slice(0, colon);
    s = s.slice(colon + 1);
  }
  const dash = s.lastIndexOf("-");
  return dash > 0 ? { epoch, upstream: s.slice(0, dash), revision: s.slice(dash + 1) } : { epoch, upstream: s, revision: "" };
}

/** Debian Policy §5.6.12: epoch numerically, then upstream version, then revision, each by verrevcmp. */
export function compareDpkg(a: string, b: string): number {
  const x = splitDpkg(a);
  const y = splitDpkg(b);
  return sign(compareDigits(x.epoch, y.epoch)) || sign(verrevcmp(x.upstream, y.upstream)) ||
    sign(verrevcmp(x.revision, y.revision));
}

// ---------------------------------------------------------------------------------------------------
// rpm

const isAlnum = (c: number): boolean => isDigit(c) || isAlpha(c);

/** rpmvercmp: alphanumeric segments; digits beat letters; `~` sorts before everything, `^` after the end only. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a.charCodeAt(i)) && a[i] !== "~" && a[i] !== "^") i++;
    while (j < b.length && !isAlnum(b.charCodeAt(j)) && b[j] !== "~" && b[j] !== "^") j++;
    if (a[i] === "~" || b[j] === "~") {
      if (a[i] !== "~") return 1;
      if (b[j] !== "~") return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === "^" || b[j] === "^") {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== "^") return 1;
      if (b[j] !== "^") return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = isDigit(a.charCodeAt(i));
    const test = numeric ? isDigit : isAlpha;
    const si = i;
    const sj = j;
    while (i < a.length && test(a.charCodeAt(i))) i++;
    while (j < b.length && test(b.charCodeAt(j))) j++;
    // a's segment is never empty (a[si] is alphanumeric); an empty b segment means the kinds differ
    if (j === sj) return numeric ? 1 : -1;
    const x = a.slice(si, i);
    const y = b.slice(sj, j);
    const c = numeric ? compareDigits(x, y) : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i < a.length ? 1 : -1;
}

/** An rpm EVR split: `[epoch:]version[-release]` (release "" when absent). */
export function splitRpm(v: string): { epoch: string; version: string; release: string } {
  let s = v.trim();
  let epoch = "0";
  const colon = s.indexOf(":");
  if (colon > 0 && /^[0-9]+$/.test(s.slice(0, colon))) {
    epoch = s.slice(0, colon);
    s = s.slice(colon + 1);
  }
  const dash = s.lastIndexOf("-");
  return dash > 0 ? { epoch, version: s.slice(0, dash), release: s.slice(dash + 1) } : { epoch, version: s, release: "" };
}

/** rpm's EVR order: epoch, version, then release (skipped when either side has none, as rpm does). */
export function compareRpm(a: string, b: string): number {
  const x = splitRpm(a);
  const y = splitRpm(b);
  const e = compareDigits(x.epoch, y.epoch);
  if (e !== 0) return sign(e);
  const v = rpmvercmp(x.version, y.version);
  if (v !== 0 || x.release === "" || y.release === "") return sign(v);
  return sign(rpmvercmp(x.release, y.release));
}

// ---------------------------------------------------------------------------------------------------
// Windows and generic software versions

/** Windows `major.minor.build[.ubr]`: numeric parts, a missing part is 0. */
export function compareWindows(a: string, b: string): number {
  const x = a.trim().split(".");
  const y = b.trim().split(".");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const c = compareDigits(x[i] ?? "0", y[i] ?? "0");
    if (c !== 0) return c;
  }
  return 0;
}

/** Words that mark a pre-release, lowest first; they sort before the release itself. */
const PRE_RELEASE = ["snapshot", "dev", "alpha", "beta", "milestone", "m", "pre", "preview", "cr", "rc"];
/** Words that mean the release itself (`2.0-final` = `2.0`). */
const RELEASE_WORDS = new Set(["final", "ga", "release", "stable"]);

type Token = { num: string } | { word: string };

function tokens(v: string): Token[] {
  const out: Token[] = [];
  const re = /[0-9]+|[a-z]+/g;
  for (const m of v.toLowerCase().matchAll(re)) {
    const t = m[0];
    if (isDigit(t.charCodeAt(0))) out.push({ num: t });
    else if (!RELEASE_WORDS.has(t)) out.push({ word: t });
  }
  return out;
}

/** Rank of a token that has no counterpart: pre-release words below the end (-1), anything else above. */
const tail = (t: Token): number => ("word" in t && PRE_RELEASE.includes(t.word) ? -1 : 1);

/**
 * Generic software versions: digit runs numerically, separators (`.` `-` `_` `+`) ignored; a
 * pre-release word (dev, alpha, beta, milestone/m, pre, preview, rc) sorts before the release and any
 * other word (p1, patch, a letter as in OpenSSL's `1.0.1g`) after it; a number beats a word in the
 * same place. `2.0-beta9` < `2.0-rc1` < `2.0` = `2.0.0` < `2.0p1` < `2.0.1`.
 */
export function compareGeneric(a: string, b: string): number {
  const x = tokens(a);
  const y = tokens(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const s = x[i];
    const t = y[i];
    // a missing number counts as 0 (2.0 = 2.0.0); a missing word by what the other word means
    if (s === undefined) {
      if ("num" in t) {
        if (/^0+$/.test(t.num)) continue;
        return -1;
      }
      return -tail(t);
    }
    if (t === undefined) {
      if ("num" in s) {
        if (/^0+$/.test(s.num)) continue;
        return 1;
      }
      return tail(s);
    }
    if ("num" in s && "num" in t) {
      const c = compareDigits(s.num, t.num);
      if (c !== 0) return c;
      continue;
    }
    if ("num" in s) return 1; // a number beats any word
    if ("num" in t) return -1;
    const ps = PRE_RELEASE.indexOf(s.word);
    const pt = PRE_RELEASE.indexOf(t.word);
    if (ps >= 0 || pt >= 0) {
      if (ps !== pt) return ps < 0 ? 1 : pt < 0 ? -1 : sign(ps - pt);
      continue;
    }
    if (s.word !== t.word) return s.word < t.word ? -1 : 1;
  }
  return 0;
}

/** Whether `v` lies in `r` under `cmp` (`from` ≤ v, v < `before`, v ≤ `through`). */
export function inRange(v: string, r: VersionRange, cmp: VersionCompare): boolean {
  if (r.from !== undefined && cmp(v, r.from) < 0) return false;
  if (r.before !== undefined && cmp(v, r.before) >= 0) return false;
  if (r.through !== undefined && cmp(v, r.through) > 0) return false;
  return true;
}

/** A range as text: `≥ 2.0-beta9, < 2.15.0`. */
export function describeRange(r: VersionRange): string {
  const parts: string[] = [];
  if (r.from !== undefined) parts.push(`≥ ${r.from}`);
  if (r.before !== undefined) parts.push(`< ${r.before}`);
  if (r.through !== undefined) parts.push(`≤ ${r.through}`);
  return parts.length === 0 ? "any version" : parts.join(", ");
}
