/**
 * Address and port expressions of a rule header (`$HOME_NET`, `[10.0.0.0/8,!10.1.0.0/16]`, `!80`,
 * `[1024:,!8080]`) folded into sorted, merged inclusive ranges the way Suricata folds them: a group is
 * the union of its positive members minus the union of its negated members; a group with only negated
 * members starts from the whole space of each address family those members name (so `!$HOME_NET` with an
 * IPv4-only `HOME_NET` covers IPv4 only, as in Suricata). CIDR host bits are masked. A group that folds
 * to nothing is an error, as is an undefined variable.
 *
 * Cold path only (rule loading): allocates and uses bigint freely; never runs per packet.
 *
 * @example
 * ```ts
 * import { parseAddrExpr, parsePortExpr } from "./address.ts";
 * const vars = { HOME_NET: "[10.0.0.0/8]" };
 * parseAddrExpr("!$HOME_NET", vars).ranges.length; // 2 (0.0.0.0-9.255.255.255, 11.0.0.0-255.255.255.255)
 * parsePortExpr("[1:1024,!80]", {}).ranges;        // [[1, 79], [81, 1024]]
 * ```
 */
import type { AddrRange, AddrSet, PortSet } from "./ast.ts";

/** A bad address or port expression; `offset` is where in the expression text it was found. */
export class ExprError extends Error {
  constructor(
    message: string,
    readonly reason: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

type Iv = [bigint, bigint];
/** One family's ranges; null when the expression does not mention that family. */
interface Fam {
  f: Array<Iv[] | null>;
}

const V4_MAX = 0xffffffffn;
const V6_MAX = (1n << 128n) - 1n;

function normalise(list: Iv[]): Iv[] {
  const s = list.slice().sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Iv[] = [];
  for (const iv of s) {
    const last = out[out.length - 1];
    if (last !== undefined && iv[0] <= last[1] + 1n) {
      if (iv[1] > last[1]) last[1] = iv[1];
    } else out.push([iv[0], iv[1]]);
  }
  return out;
}

function subtract(a: Iv[], b: Iv[]): Iv[] {
  let cur = a.map((x): Iv => [x[0], x[1]]);
  for (const [lo, hi] of b) {
    const next: Iv[] = [];
    for (const [x, y] of cur) {
      if (hi < x || lo > y) {
        next.push([x, y]);
        continue;
      }
      if (lo > x) next.push([x, lo - 1n]);
      if (hi < y) next.push([hi + 1n, y]);
    }
    cur = next;
  }
  return cur;
}

interface Lexer {
  s: string;
  i: number;
}

/** Expression grammar shared by addresses and ports; `literal` turns one atom into a family value. */
interface Flavour {
  families: bigint[]; // max value per family
  literal(text: string, at: number): Fam;
  what: string; // "address" / "port"
}

function parseExpr(text: string, vars: Record<string, string>, fl: Flavour, seen: string[], base: number): Fam {
  const lx: Lexer = { s: text, i: 0 };
  const v = element(lx, vars, fl, seen, base);
  skipWs(lx);
  if (lx.i < lx.s.length) {
    throw new ExprError(`unexpected ${JSON.stringify(lx.s.slice(lx.i))} in ${fl.what} ${JSON.stringify(text)}`, `invalid ${fl.what}`, base + lx.i);
  }
  return v;
}

function skipWs(lx: Lexer): void {
  while (lx.i < lx.s.length && (lx.s[lx.i] === " " || lx.s[lx.i] === "\t")) lx.i++;
}

/** One element, with its leading negations applied as a one-member group. */
function element(lx: Lexer, vars: Record<string, string>, fl: Flavour, seen: string[], base: number): Fam {
  skipWs(lx);
  let neg = false;
  while (lx.s[lx.i] === "!") {
    neg = !neg;
    lx.i++;
    skipWs(lx);
  }
  const at = lx.i;
  const v = atom(lx, vars, fl, seen, base);
  return neg ? group([{ v, neg: true }], fl, base + at, lx.s) : v;
}

function atom(lx: Lexer, vars: Record<string, string>, fl: Flavour, seen: string[], base: number): Fam {
  const at = lx.i;
  if (lx.s[lx.i] === "[") {
    lx.i++;
    const members: Array<{ v: Fam; neg: boolean }> = [];
    for (;;) {
      skipWs(lx);
      if (lx.s[lx.i] === "]") {
        if (members.length === 0) throw new ExprError(`empty ${fl.what} group`, `invalid ${fl.what}`, base + at);
        lx.i++;
        break;
      }
      if (lx.i >= lx.s.length) throw new ExprError(`unclosed "[" in ${fl.what} ${JSON.stringify(lx.s)}`, `invalid ${fl.what}`, base + at);
      let neg = false;
      while (lx.s[lx.i] === "!") {
        neg = !neg;
        lx.i++;
        skipWs(lx);
      }
      members.push({ v: atom(lx, vars, fl, seen, base), neg });
      skipWs(lx);
      if (lx.s[lx.i] === ",") lx.i++;
      else if (lx.s[lx.i] !== "]") {
        throw new ExprError(`expected "," or "]" in ${fl.what} ${JSON.stringify(lx.s)}`, `invalid ${fl.what}`, base + lx.i);
      }
    }
    return group(members, fl, base + at, lx.s.slice(at, lx.i));
  }
  let j = lx.i;
  while (j < lx.s.length && !" \t,[]!".includes(lx.s[j])) j++;
  const word = lx.s.slice(lx.i, j);
  lx.i = j;
  if (word === "") throw new ExprError(`missing ${fl.what} in ${JSON.stringify(lx.s)}`, `invalid ${fl.what}`, base + at);
  if (word[0] === "$") {
    const name = word.slice(1);
    const value = vars[name];
    if (value === undefined) throw new ExprError(`undefined variable "$${name}"`, "undefined variable", base + at);
    if (seen.includes(name)) throw new ExprError(`variable "$${name}" refers to itself`, "undefined variable", base + at);
    try {
      return parseExpr(value, vars, fl, [...seen, name], 0);
    } catch (e) {
      if (e instanceof ExprError) throw new ExprError(`in $${name} (${JSON.stringify(value)}): ${e.message}`, e.reason, base + at);
      throw e;
    }
  }
  if (word === "any") return { f: fl.families.map((m): Iv[] => [[0n, m]]) };
  return fl.literal(word, base + at);
}

function group(members: Array<{ v: Fam; neg: boolean }>, fl: Flavour, at: number, text: string): Fam {
  const out: Fam = { f: [] };
  let anyLeft = false;
  for (let k = 0; k < fl.families.length; k++) {
    let pos: Iv[] | null = null;
    let neg: Iv[] | null = null;
    for (const m of members) {
      const r = m.v.f[k];
      if (r === null) continue;
      if (m.neg) neg = [...(neg ?? []), ...r];
      else pos = [...(pos ?? []), ...r];
    }
    if (pos === null && neg === null) {
      out.f.push(null);
      continue;
    }
    const p: Iv[] = pos ?? [[0n, fl.families[k]]];
    const r = neg === null ? normalise(p) : normalise(subtract(normalise(p), normalise(neg)));
    if (r.length > 0) anyLeft = true;
    out.f.push(r);
  }
  if (!anyLeft) {
    throw new ExprError(`${fl.what} ${JSON.stringify(text)} matches nothing`, `${fl.what} matches nothing`, at);
  }
  return out;
}

// ---- addresses

function parseV4(s: string): bigint | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (m === null) return null;
  let v = 0n;
  for (let k = 1; k <= 4; k++) {
    const o = Number(m[k]);
    if (o > 255) return null;
    v = (v << 8n) | BigInt(o);
  }
  return v;
}

function parseV6(s: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(":")) return null;
  let tail4: bigint | null = null;
  let t = s;
  const lastColon = t.lastIndexOf(":");
  if (t.slice(lastColon + 1).includes(".")) {
    tail4 = parseV4(t.slice(lastColon + 1));
    if (tail4 === null) return null;
    t = t.slice(0, lastColon + 1) + "0:0";
  }
  const halves = t.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" ? [] : halves[0].split(":");
  const tail = halves.length === 2 ? (halves[1] === "" ? [] : halves[1].split(":")) : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (halves.length === 2 ? fill < 1 : head.length !== 8) return null;
  const groups = [...head, ...new Array<string>(fill).fill("0"), ...tail];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail4 !== null) v = (v & ~V4_MAX) | tail4;
  return v;
}

function addrLiteral(word: string, at: number): Fam {
  const bad = (why: string): never => {
    throw new ExprError(`invalid address ${JSON.stringify(word)}: ${why}`, "invalid address", at);
  };
  const dash = word.indexOf("-");
  if (dash > 0) {
    const a = word.slice(0, dash);
    const b = word.slice(dash + 1);
    const a4 = parseV4(a);
    const b4 = parseV4(b);
    if (a4 !== null && b4 !== null) {
      if (a4 > b4) bad("range is backwards");
      return { f: [[[a4, b4]], null] };
    }
    const a6 = parseV6(a);
    const b6 = parseV6(b);
    if (a6 !== null && b6 !== null) {
      if (a6 > b6) bad("range is backwards");
      return { f: [null, [[a6, b6]]] };
    }
    return bad("expected FIRST-LAST with two addresses of one family");
  }
  const slash = word.indexOf("/");
  const ip = slash >= 0 ? word.slice(0, slash) : word;
  const v4 = parseV4(ip);
  const v6 = v4 === null ? parseV6(ip) : null;
  if (v4 === null && v6 === null) return bad("not an IPv4 or IPv6 address, variable, group or \"any\"");
  const bits = v4 !== null ? 32 : 128;
  const value = v4 ?? (v6 as bigint);
  let prefix = bits;
  if (slash >= 0) {
    const p = word.slice(slash + 1);
    if (/^\d{1,3}$/.test(p)) prefix = Number(p);
    else if (v4 !== null && parseV4(p) !== null) {
      // netmask form (1.2.3.0/255.255.255.0): must be contiguous
      const m = parseV4(p) as bigint;
      prefix = 0;
      while (prefix < 32 && ((m >> BigInt(31 - prefix)) & 1n) === 1n) prefix++;
      if (((m << BigInt(prefix)) & V4_MAX) !== 0n) bad("netmask is not contiguous");
    } else prefix = -1;
    if (prefix < 0 || prefix > bits) bad(`prefix length must be 0-${bits}`);
  }
  const max = bits === 32 ? V4_MAX : V6_MAX;
  const hostMask = prefix === bits ? 0n : (1n << BigInt(bits - prefix)) - 1n;
  const lo = value & (max ^ hostMask); // host bits are masked, as Suricata does
  const r: Iv[] = [[lo, lo | hostMask]];
  return v4 !== null ? { f: [r, null] } : { f: [null, r] };
}

const ADDR: Flavour = { families: [V4_MAX, V6_MAX], literal: addrLiteral, what: "address" };

function words6(v: bigint): [number, number, number, number] {
  return [Number((v >> 96n) & V4_MAX), Number((v >> 64n) & V4_MAX), Number((v >> 32n) & V4_MAX), Number(v & V4_MAX)];
}

/** Folds an address expression into an `AddrSet`; throws `ExprError` (offset into `text`). */
export function parseAddrExpr(text: string, vars: Record<string, string>): AddrSet {
  const v = parseExpr(text, vars, ADDR, [], 0);
  const v4 = v.f[0];
  const v6 = v.f[1];
  const full4 = v4 !== null && v4.length === 1 && v4[0][0] === 0n && v4[0][1] === V4_MAX;
  const full6 = v6 !== null && v6.length === 1 && v6[0][0] === 0n && v6[0][1] === V6_MAX;
  if (full4 && full6) return { any: true, ranges: [] };
  const ranges: AddrRange[] = [];
  for (const [lo, hi] of v4 ?? []) ranges.push({ v: 4, lo: Number(lo), hi: Number(hi) });
  for (const [lo, hi] of v6 ?? []) ranges.push({ v: 6, lo: words6(lo), hi: words6(hi) });
  return { any: false, ranges };
}

// ---- ports

function portNum(s: string, word: string, at: number): bigint {
  if (!/^\d{1,5}$/.test(s) || Number(s) > 65535) {
    throw new ExprError(`invalid port ${JSON.stringify(word)}: ports are 0-65535`, "invalid port", at);
  }
  return BigInt(s);
}

function portLiteral(word: string, at: number): Fam {
  const colon = word.indexOf(":");
  if (colon < 0) {
    const p = portNum(word, word, at);
    return { f: [[[p, p]]] };
  }
  const a = word.slice(0, colon);
  const b = word.slice(colon + 1);
  const lo = a === "" ? 0n : portNum(a, word, at);
  const hi = b === "" ? 65535n : portNum(b, word, at);
  if (lo > hi) throw new ExprError(`invalid port range ${JSON.stringify(word)}: the first port is above the last`, "invalid port", at);
  return { f: [[[lo, hi]]] };
}

const PORT: Flavour = { families: [65535n], literal: portLiteral, what: "port" };

/** Folds a port expression into a `PortSet`; throws `ExprError` (offset into `text`). */
export function parsePortExpr(text: string, vars: Record<string, string>): PortSet {
  const v = parseExpr(text, vars, PORT, [], 0);
  const r = v.f[0] ?? [];
  if (r.length === 1 && r[0][0] === 0n && r[0][1] === 65535n) return { any: true, ranges: [] };
  return { any: false, ranges: r.map(([lo, hi]): [number, number] => [Number(lo), Number(hi)]) };
}
