/**
 * PCRE syntax → regex AST: the pattern language ET Open's `pcre:` options use, with bytes as characters
 * (latin-1, no UTF mode) and PCRE's non-UCP character tables (ASCII case folding, `\w` = `[A-Za-z0-9_]`).
 * Cold path: runs once per pattern at rule load; allocates freely and throws `RegexError` (with the
 * offset into the pattern) for anything invalid or not supported. It never runs per packet.
 *
 * @example
 * ```ts
 * import { parseRegex } from "./syntax.ts";
 * const ast = parseRegex("foo\\d+(?P<tail>bar)?", { caseless: true });
 * ast.groupCount; // 1
 * ast.names.get("tail"); // 1
 * ```
 */

/** Regex-semantic flags (the PCRE letters of a Suricata `pcre` option: i s m x A E G). */
export interface RegexFlags {
  /** i */
  caseless?: boolean;
  /** s: `.` matches `\n` too */
  dotAll?: boolean;
  /** m: `^`/`$` match at internal newlines */
  multiline?: boolean;
  /** x: whitespace and `#` comments in the pattern are ignored */
  extended?: boolean;
  /** A: the match must start at the search start */
  anchored?: boolean;
  /** E: `$` matches only at the very end (not before a final newline) */
  dollarEndOnly?: boolean;
  /** G: quantifiers are lazy by default, `?` makes them greedy */
  ungreedy?: boolean;
  /** Record capture groups in `groupStart`/`groupEnd` (costs a little speed). Default false. */
  captures?: boolean;
  /** Backtracking step budget per `exec` call. Default 100,000. */
  stepBudget?: number;
}

/** An invalid or unsupported pattern: `offset` is the 0-based character offset in the pattern. */
export class RegexError extends Error {
  readonly offset: number;
  readonly reason: string;
  constructor(reason: string, offset: number) {
    super(`regex offset ${offset}: ${reason}`);
    this.name = "RegexError";
    this.offset = offset;
    this.reason = reason;
  }
}

// Assertion kinds (zero-width).
export const A_START = 0; // \A, ^ (not multiline)
export const A_MBOL = 1; // ^ multiline
export const A_EOL = 2; // $ default, \Z: end or before a final \n
export const A_MEOL = 3; // $ multiline
export const A_END = 4; // \z, $ with E
export const A_WORDB = 5; // \b
export const A_NWORDB = 6; // \B
export const A_G = 7; // \G: at the search start

/** A set of bytes: 256 bits. */
export type ByteSet = Uint32Array;

export type Node =
  | { t: "empty" }
  | { t: "set"; bits: ByteSet }
  | { t: "cat"; items: Node[] }
  | { t: "alt"; items: Node[] }
  | { t: "group"; index: number; body: Node } // index -1: non-capturing
  | { t: "repeat"; min: number; max: number; greedy: boolean; possessive: boolean; body: Node } // max -1: unbounded
  | { t: "assert"; kind: number }
  | { t: "backref"; group: number; caseless: boolean }
  | { t: "look"; behind: boolean; negated: boolean; body: Node }
  | { t: "atomic"; body: Node };

export interface RegexAst {
  root: Node;
  groupCount: number;
  names: Map<string, number>;
  hasBackrefs: boolean;
}

export const MAX_REPEAT = 65535;

export function newSet(): ByteSet {
  return new Uint32Array(8);
}
export function setAdd(s: ByteSet, c: number): void {
  s[c >> 5] |= 1 << (c & 31);
}
export function setHas(s: ByteSet, c: number): boolean {
  return (s[c >> 5] & (1 << (c & 31))) !== 0;
}
function setRange(s: ByteSet, lo: number, hi: number): void {
  for (let c = lo; c <= hi; c++) setAdd(s, c);
}
function setUnion(s: ByteSet, o: ByteSet): void {
  for (let i = 0; i < 8; i++) s[i] |= o[i];
}
function setNegate(s: ByteSet): void {
  for (let i = 0; i < 8; i++) s[i] = ~s[i];
}
export function setCount(s: ByteSet): number {
  let n = 0;
  for (let c = 0; c < 256; c++) if (setHas(s, c)) n++;
  return n;
}
/** PCRE's default (C locale) tables fold ASCII letters only. */
function setFold(s: ByteSet): void {
  for (let c = 0x41; c <= 0x5a; c++) {
    if (setHas(s, c) || setHas(s, c + 32)) {
      setAdd(s, c);
      setAdd(s, c + 32);
    }
  }
}
function single(c: number, caseless: boolean): Node {
  const s = newSet();
  setAdd(s, c);
  if (caseless) setFold(s);
  return { t: "set", bits: s };
}

// Named sets.
function classSet(letter: string): ByteSet | null {
  const s = newSet();
  switch (letter.toLowerCase()) {
    case "d":
      setRange(s, 0x30, 0x39);
      break;
    case "w":
      setRange(s, 0x30, 0x39), setRange(s, 0x41, 0x5a), setRange(s, 0x61, 0x7a), setAdd(s, 0x5f);
      break;
    case "s":
      setRange(s, 0x09, 0x0d), setAdd(s, 0x20);
      break;
    case "h":
      setAdd(s, 0x09), setAdd(s, 0x20), setAdd(s, 0xa0);
      break;
    case "v":
      setRange(s, 0x0a, 0x0d), setAdd(s, 0x85);
      break;
    default:
      return null;
  }
  if (letter !== letter.toLowerCase()) setNegate(s);
  return s;
}

const POSIX: Record<string, (s: ByteSet) => void> = {
  alpha: (s) => (setRange(s, 0x41, 0x5a), setRange(s, 0x61, 0x7a)),
  digit: (s) => setRange(s, 0x30, 0x39),
  alnum: (s) => (setRange(s, 0x30, 0x39), setRange(s, 0x41, 0x5a), setRange(s, 0x61, 0x7a)),
  upper: (s) => setRange(s, 0x41, 0x5a),
  lower: (s) => setRange(s, 0x61, 0x7a),
  space: (s) => (setRange(s, 0x09, 0x0d), setAdd(s, 0x20)),
  blank: (s) => (setAdd(s, 0x09), setAdd(s, 0x20)),
  punct: (s) => (setRange(s, 0x21, 0x2f), setRange(s, 0x3a, 0x40), setRange(s, 0x5b, 0x60), setRange(s, 0x7b, 0x7e)),
  print: (s) => setRange(s, 0x20, 0x7e),
  graph: (s) => setRange(s, 0x21, 0x7e),
  cntrl: (s) => (setRange(s, 0x00, 0x1f), setAdd(s, 0x7f)),
  xdigit: (s) => (setRange(s, 0x30, 0x39), setRange(s, 0x41, 0x46), setRange(s, 0x61, 0x66)),
  word: (s) => (setRange(s, 0x30, 0x39), setRange(s, 0x41, 0x5a), setRange(s, 0x61, 0x7a), setAdd(s, 0x5f)),
  ascii: (s) => setRange(s, 0x00, 0x7f),
};

interface Mode {
  i: boolean;
  s: boolean;
  m: boolean;
  x: boolean;
  U: boolean;
}

const isDigit = (ch: string): boolean => ch >= "0" && ch <= "9";
const isOct = (ch: string): boolean => ch >= "0" && ch <= "7";
const isHex = (ch: string): boolean => /^[0-9a-fA-F]$/.test(ch);
const isAlnum = (ch: string): boolean => /^[0-9A-Za-z]$/.test(ch);

class Parser {
  readonly src: string;
  pos = 0;
  mode: Mode;
  readonly dollarEndOnly: boolean;
  groupCount = 0;
  quoteEnd = -1;
  quoteResume = 0;
  readonly totalGroups: number;
  readonly names = new Map<string, number>();
  readonly refs: Array<{ node: { t: "backref"; group: number; caseless: boolean }; name: string | null; rel: number; at: number }> = [];

  constructor(src: string, flags: RegexFlags) {
    this.src = src;
    this.mode = { i: !!flags.caseless, s: !!flags.dotAll, m: !!flags.multiline, x: !!flags.extended, U: !!flags.ungreedy };
    this.dollarEndOnly = !!flags.dollarEndOnly;
    this.totalGroups = countGroups(src);
  }

  fail(reason: string, at = this.pos): never {
    throw new RegexError(reason, at);
  }
  peek(k = 0): string {
    return this.src[this.pos + k] ?? "";
  }
  eof(): boolean {
    return this.pos >= this.src.length;
  }

  skipExtended(): void {
    if (!this.mode.x) return;
    for (;;) {
      const ch = this.peek();
      if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || ch === "\f" || ch === "\v") this.pos++;
      else if (ch === "#") {
        while (!this.eof() && this.peek() !== "\n") this.pos++;
      } else return;
    }
  }

  parseAlt(): Node {
    const items: Node[] = [this.parseSeq()];
    while (this.peek() === "|") {
      this.pos++;
      items.push(this.parseSeq());
    }
    return items.length === 1 ? items[0] : { t: "alt", items };
  }

  parseSeq(): Node {
    const items: Node[] = [];
    for (;;) {
      if (this.quoteEnd >= 0) {
        // Inside \Q...\E: every character is literal; a quantifier after \E binds to the last one.
        if (this.pos >= this.quoteEnd) {
          this.pos = this.quoteResume;
          this.quoteEnd = -1;
          continue;
        }
        let atom = this.literal(this.src[this.pos], this.pos);
        this.pos++;
        if (this.pos >= this.quoteEnd) {
          this.pos = this.quoteResume;
          this.quoteEnd = -1;
          atom = this.parseQuantifiers(atom);
        }
        items.push(atom);
        continue;
      }
      this.skipExtended();
      if (this.eof() || this.peek() === "|" || this.peek() === ")") break;
      const atom = this.parseAtom();
      if (atom === null) continue;
      items.push(this.parseQuantifiers(atom));
    }
    if (items.length === 0) return { t: "empty" };
    return items.length === 1 ? items[0] : { t: "cat", items };
  }

  /** Reads `{n}`, `{n,}`, `{n,m}` at pos; returns null (pos unchanged) when it is not a quantifier. */
  readBraces(): { min: number; max: number } | null {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
    if (!m) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
    if (min > MAX_REPEAT || max > MAX_REPEAT) this.fail(`number too big in {} quantifier (max ${MAX_REPEAT})`);
    if (max !== -1 && max < min) this.fail("numbers out of order in {} quantifier");
    this.pos += m[0].length;
    return { min, max };
  }

  parseQuantifiers(atom: Node): Node {
    let node = atom;
    for (;;) {
      this.skipExtended();
      const ch = this.peek();
      let min: number, max: number;
      if (ch === "*") (min = 0), (max = -1), this.pos++;
      else if (ch === "+") (min = 1), (max = -1), this.pos++;
      else if (ch === "?") (min = 0), (max = 1), this.pos++;
      else if (ch === "{") {
        const b = this.readBraces();
        if (!b) return node;
        (min = b.min), (max = b.max);
      } else return node;
      if (node.t === "assert" || node.t === "empty") {
        // PCRE allows quantified assertions; treat {0,...} as optional (matches nothing) and others as once.
        node = min === 0 ? { t: "empty" } : node;
      }
      let greedy = !this.mode.U;
      let possessive = false;
      if (this.peek() === "?") (greedy = !greedy), this.pos++;
      else if (this.peek() === "+") (possessive = true), (greedy = true), this.pos++;
      if (node.t === "assert" || node.t === "empty") continue;
      node = { t: "repeat", min, max, greedy, possessive, body: node };
    }
  }

  parseAtom(): Node | null {
    const at = this.pos;
    const ch = this.src[this.pos++];
    switch (ch) {
      case "(":
        return this.parseGroup(at);
      case "[":
        return this.parseClass(at);
      case ".": {
        const s = newSet();
        setNegate(s);
        if (!this.mode.s) s[0] &= ~(1 << 10);
        return { t: "set", bits: s };
      }
      case "^":
        return { t: "assert", kind: this.mode.m ? A_MBOL : A_START };
      case "$":
        return { t: "assert", kind: this.mode.m ? A_MEOL : this.dollarEndOnly ? A_END : A_EOL };
      case "\\":
        return this.parseEscape(at);
      case "*":
      case "+":
      case "?":
        return this.fail(`quantifier "${ch}" does not follow a repeatable item`, at);
      case "{": {
        this.pos = at;
        if (this.readBraces()) this.fail("quantifier does not follow a repeatable item", at);
        this.pos = at + 1;
        return single(0x7b, false);
      }
      default:
        return this.literal(ch, at);
    }
  }

  literal(ch: string, at: number): Node {
    const code = ch.charCodeAt(0);
    if (code <= 0xff) return single(code, this.mode.i);
    // Rules are bytes: a non-latin-1 character in the pattern stands for its UTF-8 bytes.
    const bytes = new TextEncoder().encode(ch);
    if (ch.length === 1 && code >= 0xd800 && code <= 0xdfff) this.fail("unpaired surrogate in pattern", at);
    return { t: "cat", items: Array.from(bytes, (b) => single(b, false)) };
  }

  parseGroup(at: number): Node | null {
    if (this.peek() === "*") this.fail("backtracking control verbs (*VERB) are not supported", at);
    if (this.peek() !== "?") return this.capture(at, null);
    this.pos++;
    const c = this.peek();
    if (c === "#") {
      const close = this.src.indexOf(")", this.pos);
      if (close < 0) this.fail("missing ) after (?# comment", at);
      this.pos = close + 1;
      return null;
    }
    if (c === ":") return this.pos++, this.groupBody(at, (body) => ({ t: "group", index: -1, body }));
    if (c === ">") return this.pos++, this.groupBody(at, (body) => ({ t: "atomic", body }));
    if (c === "=" || c === "!") {
      this.pos++;
      return this.groupBody(at, (body) => ({ t: "look", behind: false, negated: c === "!", body }));
    }
    if (c === "<" && (this.peek(1) === "=" || this.peek(1) === "!")) {
      const negated = this.peek(1) === "!";
      this.pos += 2;
      return this.groupBody(at, (body) => {
        checkLookbehind(body, at);
        return { t: "look", behind: true, negated, body };
      });
    }
    if (c === "P" && this.peek(1) === "<") return (this.pos += 2), this.capture(at, this.readName(">"));
    if (c === "<") return this.pos++, this.capture(at, this.readName(">"));
    if (c === "'") return this.pos++, this.capture(at, this.readName("'"));
    if (c === "P" && this.peek(1) === "=") {
      this.pos += 2;
      const name = this.readName(")");
      return this.backref(at, name, 0);
    }
    if (c === "|") this.fail("branch reset groups (?|...) are not supported", at);
    if (c === "(") this.fail("conditional groups (?(...)...) are not supported", at);
    if (c === "R" || isDigit(c) || c === "&" || c === "+" || (c === "P" && this.peek(1) === ">")) {
      this.fail("recursion and subroutine calls are not supported", at);
    }
    if (c === "C") this.fail("callouts (?C) are not supported", at);
    // Inline option setting: (?imsxU-imsxU) or (?imsxU-imsxU:...)
    const mode = { ...this.mode };
    let on = true;
    for (;;) {
      const f = this.src[this.pos++];
      if (f === undefined) this.fail("missing ) after (? options", at);
      if (f === "-") {
        if (!on) this.fail("option letter expected after -", this.pos - 1);
        on = false;
      } else if (f === "i" || f === "s" || f === "m" || f === "x" || f === "U") mode[f] = on;
      else if (f === "J" || f === "n") this.fail(`inline option (?${f}) is not supported`, this.pos - 1);
      else if (f === ")") {
        this.mode = mode; // applies until the end of the enclosing group
        return null;
      } else if (f === ":") {
        const saved = this.mode;
        this.mode = mode;
        const body = this.parseAlt();
        this.mode = saved;
        this.expectClose(at);
        return { t: "group", index: -1, body };
      } else this.fail(`unknown group type or option letter "${f}" after (?`, this.pos - 1);
    }
  }

  groupBody(at: number, make: (body: Node) => Node): Node {
    const saved = this.mode;
    this.mode = { ...saved };
    const body = this.parseAlt();
    this.mode = saved;
    this.expectClose(at);
    return make(body);
  }

  expectClose(at: number): void {
    if (this.peek() !== ")") this.fail("missing ) to close the group", at);
    this.pos++;
  }

  capture(at: number, name: string | null): Node {
    const index = ++this.groupCount;
    if (name !== null) {
      if (this.names.has(name)) this.fail(`two named groups have the same name "${name}"`, at);
      this.names.set(name, index);
    }
    return this.groupBody(at, (body) => ({ t: "group", index, body }));
  }

  readName(close: string): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos));
    if (!m) this.fail("group name expected (letters, digits, underscore; not starting with a digit)");
    this.pos += m[0].length;
    if (this.peek() !== close) this.fail(`"${close}" expected after group name`);
    this.pos++;
    return m[0];
  }

  backref(at: number, name: string | null, num: number, rel = 0): Node {
    const node = { t: "backref" as const, group: num, caseless: this.mode.i };
    this.refs.push({ node, name, rel, at });
    return node;
  }

  parseEscape(at: number): Node | null {
    if (this.eof()) this.fail("\\ at end of pattern", at);
    const c = this.src[this.pos++];
    const cls = classSet(c);
    if (cls) {
      if (this.mode.i) setFold(cls);
      return { t: "set", bits: cls };
    }
    switch (c) {
      case "b":
        return { t: "assert", kind: A_WORDB };
      case "B":
        return { t: "assert", kind: A_NWORDB };
      case "A":
        return { t: "assert", kind: A_START };
      case "z":
        return { t: "assert", kind: A_END };
      case "Z":
        return { t: "assert", kind: A_EOL };
      case "G":
        return { t: "assert", kind: A_G };
      case "N": {
        const s = newSet();
        setNegate(s);
        s[0] &= ~(1 << 10);
        return { t: "set", bits: s };
      }
      case "R": {
        // (?>\r\n|[\n\x0b\x0c\r\x85])
        const v = newSet();
        setRange(v, 0x0a, 0x0d), setAdd(v, 0x85);
        const crlf: Node = { t: "cat", items: [single(13, false), single(10, false)] };
        return { t: "atomic", body: { t: "alt", items: [crlf, { t: "set", bits: v }] } };
      }
      case "Q": {
        const end = this.src.indexOf("\\E", this.pos);
        this.quoteEnd = end < 0 ? this.src.length : end;
        this.quoteResume = end < 0 ? this.src.length : end + 2;
        return null;
      }
      case "E":
        return null;
      case "k": {
        const open = this.peek();
        const close = open === "<" ? ">" : open === "'" ? "'" : open === "{" ? "}" : "";
        if (!close) this.fail("\\k must be followed by <name>, 'name' or {name}", at);
        this.pos++;
        return this.backref(at, this.readName(close), 0);
      }
      case "g": {
        if (this.peek() === "<" || this.peek() === "'") this.fail("subroutine calls \\g<...> are not supported", at);
        let m = /^\{(-?\d+)\}|^(-?\d+)/.exec(this.src.slice(this.pos));
        if (m) {
          this.pos += m[0].length;
          const n = Number(m[1] ?? m[2]);
          if (n === 0) this.fail("a back reference to group 0 is not allowed", at);
          return n < 0 ? this.backref(at, null, 0, n) : this.backref(at, null, n);
        }
        m = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(this.src.slice(this.pos));
        if (m) {
          this.pos += m[0].length;
          return this.backref(at, m[1], 0);
        }
        return this.fail("\\g is not followed by a group number or {name}", at);
      }
      case "K":
        return this.fail("\\K (reset match start) is not supported", at);
      case "p":
      case "P":
      case "X":
        return this.fail(`\\${c} needs Unicode properties, which byte-mode PCRE does not have`, at);
      case "C":
        return this.fail("\\C is not supported", at);
    }
    if (isDigit(c) && c !== "0") {
      // Back reference or octal, as PCRE decides: < 10, or no more than the number of groups → reference.
      const m = /^\d+/.exec(this.src.slice(this.pos - 1))!;
      const n = Number(m[0]);
      if (n < 10 || n <= this.totalGroups) {
        this.pos += m[0].length - 1;
        return this.backref(at, null, n);
      }
      if (!isOct(c)) this.fail(`reference to non-existent group ${n}`, at);
    }
    this.pos--;
    const b = this.escapedByte(at, false);
    return single(b, this.mode.i);
  }

  /** A single-byte escape (after the backslash, pos at the letter); shared by classes and atoms. */
  escapedByte(at: number, inClass: boolean): number {
    const c = this.src[this.pos++];
    switch (c) {
      case "n":
        return 0x0a;
      case "r":
        return 0x0d;
      case "t":
        return 0x09;
      case "f":
        return 0x0c;
      case "e":
        return 0x1b;
      case "a":
        return 0x07;
      case "x": {
        if (this.peek() === "{") {
          const m = /^\{([0-9a-fA-F]+)\}/.exec(this.src.slice(this.pos));
          if (!m) this.fail("\\x{ must be followed by hex digits and }", at);
          const v = parseInt(m[1], 16);
          if (v > 0xff) this.fail(`character value \\x{${m[1]}} is above 0xff (byte mode has no wide characters)`, at);
          this.pos += m[0].length;
          return v;
        }
        let v = 0;
        for (let k = 0; k < 2 && isHex(this.peek()); k++) v = v * 16 + parseInt(this.src[this.pos++], 16);
        return v;
      }
      case "o": {
        const m = /^\{([0-7]+)\}/.exec(this.src.slice(this.pos));
        if (!m) this.fail("\\o must be followed by {octal digits}", at);
        const v = parseInt(m[1], 8);
        if (v > 0xff) this.fail("octal value above \\377", at);
        this.pos += m[0].length;
        return v;
      }
      case "c": {
        const x = this.src[this.pos++];
        if (x === undefined || x.charCodeAt(0) > 0x7e) this.fail("\\c must be followed by a printable ASCII character", at);
        return x.toUpperCase().charCodeAt(0) ^ 0x40;
      }
    }
    if (isOct(c)) {
      let v = Number(c);
      for (let k = 0; k < 2 && isOct(this.peek()); k++) v = v * 8 + Number(this.src[this.pos++]);
      if (v > 0xff) this.fail("octal value above \\377", at);
      return v;
    }
    if (inClass && c === "b") return 0x08;
    if (isAlnum(c)) this.fail(`unrecognized escape \\${c}`, at);
    const code = c.charCodeAt(0);
    if (code > 0xff) this.fail("escaped character is not a byte", at);
    return code;
  }

  parseClass(at: number): Node {
    const s = newSet();
    let negated = false;
    if (this.peek() === "^") (negated = true), this.pos++;
    let first = true;
    // prev: the last single byte added (for ranges), -1 when the last item was a class or none.
    let prev = -1;
    for (;;) {
      if (this.eof()) this.fail("missing terminating ] for character class", at);
      const itemAt = this.pos;
      const ch = this.src[this.pos];
      if (ch === "]" && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (ch === "[" && (this.peek(1) === ":" || this.peek(1) === "." || this.peek(1) === "=")) {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos));
        if (m) {
          const fill = POSIX[m[2]];
          if (!fill) this.fail(`unknown POSIX class name "${m[2]}"`, itemAt);
          const p = newSet();
          fill(p);
          if (m[1]) setNegate(p);
          setUnion(s, p);
          this.pos += m[0].length;
          prev = -1;
          continue;
        }
        if (/^\[([.=]).*?\1\]/.test(this.src.slice(this.pos))) this.fail("POSIX collating elements are not supported", itemAt);
      }
      let byte: number;
      if (ch === "\\") {
        this.pos++;
        const e = this.peek();
        if (e === "") this.fail("\\ at end of pattern", itemAt);
        const cls = classSet(e);
        if (cls) {
          this.pos++;
          setUnion(s, cls);
          prev = -1;
          continue;
        }
        if (e === "Q") {
          this.pos++;
          const end = this.src.indexOf("\\E", this.pos);
          const text = this.src.slice(this.pos, end < 0 ? undefined : end);
          this.pos = end < 0 ? this.src.length : end + 2;
          for (const t of text) setAdd(s, t.charCodeAt(0) & 0xff), (prev = t.charCodeAt(0) & 0xff);
          continue;
        }
        if (e === "E") {
          this.pos++;
          continue;
        }
        if (e === "N" || e === "R" || e === "X") this.fail(`\\${e} is not allowed in a character class`, itemAt);
        byte = this.escapedByte(itemAt, true);
      } else {
        this.pos++;
        byte = ch.charCodeAt(0);
        if (byte > 0xff) this.fail("non-latin-1 character in a character class", itemAt);
      }
      // Range?
      if (this.peek() === "-" && this.peek(1) !== "]" && this.peek(1) !== "") {
        const save = this.pos;
        this.pos++;
        let hi: number;
        const h = this.peek();
        if (h === "\\") {
          this.pos++;
          if (classSet(this.peek())) {
            // [a-\d]: the '-' is literal
            this.pos = save;
            setAdd(s, byte);
            prev = byte;
            continue;
          }
          hi = this.escapedByte(save, true);
        } else if (h === "[" && /^\[:\^?[a-z]+:\]/.test(this.src.slice(this.pos))) {
          this.pos = save;
          setAdd(s, byte);
          continue;
        } else {
          this.pos++;
          hi = h.charCodeAt(0);
          if (hi > 0xff) this.fail("non-latin-1 character in a character class", this.pos - 1);
        }
        if (hi < byte) this.fail("range out of order in character class", itemAt);
        setRange(s, byte, hi);
        prev = -1;
        continue;
      }
      setAdd(s, byte);
      prev = byte;
    }
    void prev;
    if (this.mode.i) setFold(s);
    if (negated) setNegate(s);
    return { t: "set", bits: s };
  }

  resolveRefs(): boolean {
    for (const r of this.refs) {
      if (r.name !== null) {
        const g = this.names.get(r.name);
        if (g === undefined) this.fail(`reference to non-existent group name "${r.name}"`, r.at);
        r.node.group = g;
      } else if (r.rel < 0) {
        // \g{-n}: relative to the groups opened before the reference — resolved at parse time via `at`.
        const g = countGroups(this.src.slice(0, r.at)) + 1 + r.rel;
        if (g < 1) this.fail("relative back reference points before the first group", r.at);
        r.node.group = g;
      } else if (r.node.group > this.groupCount) {
        this.fail(`reference to non-existent group ${r.node.group}`, r.at);
      }
    }
    return this.refs.length > 0;
  }
}

/** Counts capturing groups by a quick scan (for PCRE's "\\12: back reference or octal?" rule). */
function countGroups(src: string): number {
  let n = 0;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === "\\") {
      if (src[i + 1] === "Q") {
        const e = src.indexOf("\\E", i + 2);
        i = e < 0 ? src.length : e + 1;
      } else i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") {
      inClass = true;
      if (src[i + 1] === "^") i++;
      if (src[i + 1] === "]") i++;
      continue;
    }
    if (c === "(") {
      if (src[i + 1] !== "?" && src[i + 1] !== "*") n++;
      else if (src[i + 1] === "?" && (src[i + 2] === "'" || (src[i + 2] === "<" && /[A-Za-z_]/.test(src[i + 3] ?? "")) ||
        (src[i + 2] === "P" && src[i + 3] === "<"))) n++;
    }
  }
  return n;
}

/** Fixed length of a node, or -1 when it varies (for lookbehind). Top-level alternatives may differ. */
export function fixedLength(n: Node): number {
  switch (n.t) {
    case "empty":
    case "assert":
    case "look":
      return 0;
    case "set":
      return 1;
    case "cat": {
      let sum = 0;
      for (const it of n.items) {
        const l = fixedLength(it);
        if (l < 0) return -1;
        sum += l;
      }
      return sum;
    }
    case "alt": {
      const l0 = fixedLength(n.items[0]);
      for (const it of n.items) if (fixedLength(it) !== l0) return -1;
      return l0;
    }
    case "group":
    case "atomic":
      return fixedLength(n.body);
    case "repeat": {
      if (n.min !== n.max) return -1;
      const l = fixedLength(n.body);
      return l < 0 ? -1 : l * n.min;
    }
    case "backref":
      return -1;
  }
}

function checkLookbehind(body: Node, at: number): void {
  const branches = body.t === "alt" ? body.items : [body];
  for (const b of branches) {
    if (fixedLength(b) < 0) throw new RegexError("lookbehind assertion is not fixed length", at);
  }
}

/** Parses a PCRE pattern (the text between the slashes) into an AST. Cold; throws `RegexError`. */
export function parseRegex(pattern: string, flags: RegexFlags = {}): RegexAst {
  const p = new Parser(pattern, flags);
  const root = p.parseAlt();
  if (!p.eof()) p.fail(p.peek() === ")" ? "unmatched closing parenthesis" : "unexpected character");
  const hasBackrefs = p.resolveRefs();
  return { root, groupCount: p.groupCount, names: p.names, hasBackrefs };
}

/**
 * Splits a Suricata `pcre` option value (`/pattern/flags`, quotes already removed) into the pattern,
 * the regex flags and the remaining Suricata-only modifier letters (R U I P H D M C S Y B O …).
 */
export function splitPcreOption(value: string): { pattern: string; flags: RegexFlags; modifiers: string } {
  if (value[0] !== "/") throw new RegexError("pcre value must start with /", 0);
  const close = value.lastIndexOf("/");
  if (close <= 0) throw new RegexError("pcre value has no closing /", value.length);
  const pattern = value.slice(1, close);
  const flags: RegexFlags = {};
  let modifiers = "";
  for (const f of value.slice(close + 1)) {
    if (f === "i") flags.caseless = true;
    else if (f === "s") flags.dotAll = true;
    else if (f === "m") flags.multiline = true;
    else if (f === "x") flags.extended = true;
    else if (f === "A") flags.anchored = true;
    else if (f === "E") flags.dollarEndOnly = true;
    else if (f === "G") flags.ungreedy = true;
    else modifiers += f;
  }
  return { pattern, flags, modifiers };
}
