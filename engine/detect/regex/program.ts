/**
 * Regex AST → program: fixed-width instructions in an Int32Array (op, a, b), byte sets as 256-bit rows
 * of a Uint32Array, plus what a prefilter can use (a required literal, the set of possible first bytes).
 * Counted repeats are expanded; the program size is capped so a hostile `{65535}` cannot eat memory.
 * Cold path (rule load): allocates freely, throws `RegexError`; never called per packet.
 *
 * @example
 * ```ts
 * import { parseRegex } from "./syntax.ts";
 * import { compileProgram } from "./program.ts";
 * const prog = compileProgram(parseRegex("ab+c"), false);
 * prog.backtrack; // false: runs in the linear-time Pike VM
 * ```
 */
import { A_G, A_START, fixedLength, RegexError, setCount, setHas } from "./syntax.ts";
import type { ByteSet, Node, RegexAst } from "./syntax.ts";

export const OP_BYTE = 0; // a: byte
export const OP_SET = 1; // a: set index
export const OP_ANY = 2;
export const OP_SPLIT = 3; // a: preferred pc, b: other pc
export const OP_JMP = 4; // a: pc
export const OP_SAVE = 5; // a: slot
export const OP_MATCH = 6;
export const OP_ASSERT = 7; // a: A_* kind
export const OP_BACKREF = 8; // a: group, b: 1 when caseless
export const OP_MARK = 9; // a: register (loop-entry position, for the empty-iteration check)
export const OP_CHKPROG = 10; // a: register, b: exit pc (taken when the iteration matched nothing)
export const OP_ATOMIC_BEGIN = 11;
export const OP_ATOMIC_END = 12;
export const OP_LOOK_BEGIN = 13; // a: LOOK_* bits, b: continuation pc (after LOOK_END)
export const OP_LOOK_END = 14;
export const OP_BACK = 15; // a: bytes to step back (lookbehind)

export const LOOK_NEG = 1;
export const LOOK_BEHIND = 2;

/** Instructions past this are refused (each is 3 int32s; the Pike VM scratch grows with it). */
export const MAX_PROGRAM = 40_000;

export interface Program {
  code: Int32Array;
  length: number;
  sets: Uint32Array;
  nslots: number;
  nregs: number;
  /** Needs the backtracking matcher (back references, lookaround, atomic groups, possessive repeats). */
  backtrack: boolean;
  /** The pattern itself anchors every match at the subject start. */
  anchoredStart: boolean;
  /** No match is shorter than this (bytes). */
  minLength: number;
  /** Bytes a match can start with (null: any, or the empty string can match). */
  firstBytes: Uint8Array | null;
  /** A byte string every match contains (null when none of length ≥ 2 is known). */
  requiredLiteral: Uint8Array | null;
  /** The literal is stored lower-cased and must be compared ignoring ASCII case. */
  requiredLiteralNocase: boolean;
}

class Emitter {
  code: number[] = [];
  sets: ByteSet[] = [];
  setKeys = new Map<string, number>();
  nregs = 0;
  backtrack = false;
  readonly captures: boolean;
  constructor(captures: boolean) {
    this.captures = captures;
  }

  get pc(): number {
    return this.code.length / 3;
  }
  emit(op: number, a = 0, b = 0): number {
    const pc = this.pc;
    if (pc >= MAX_PROGRAM) {
      throw new RegexError(`pattern too large: over ${MAX_PROGRAM} instructions after expanding counted repeats`, 0);
    }
    this.code.push(op, a, b);
    return pc;
  }
  patch(pc: number, field: 1 | 2, v: number): void {
    this.code[pc * 3 + field] = v;
  }

  node(n: Node): void {
    switch (n.t) {
      case "empty":
        return;
      case "set": {
        const count = setCount(n.bits);
        if (count === 256) this.emit(OP_ANY);
        else if (count === 1) {
          let c = 0;
          while (!setHas(n.bits, c)) c++;
          this.emit(OP_BYTE, c);
        } else this.emit(OP_SET, this.setIndex(n.bits));
        return;
      }
      case "cat":
        for (const it of n.items) this.node(it);
        return;
      case "alt": {
        const jumps: number[] = [];
        for (let i = 0; i < n.items.length; i++) {
          if (i < n.items.length - 1) {
            const split = this.emit(OP_SPLIT, 0, 0);
            this.patch(split, 1, this.pc);
            this.node(n.items[i]);
            jumps.push(this.emit(OP_JMP));
            this.patch(split, 2, this.pc);
          } else this.node(n.items[i]);
        }
        for (const j of jumps) this.patch(j, 1, this.pc);
        return;
      }
      case "group":
        if (n.index > 0 && this.captures) {
          this.emit(OP_SAVE, n.index * 2);
          this.node(n.body);
          this.emit(OP_SAVE, n.index * 2 + 1);
        } else this.node(n.body);
        return;
      case "assert":
        this.emit(OP_ASSERT, n.kind);
        return;
      case "backref":
        this.backtrack = true;
        this.emit(OP_BACKREF, n.group, n.caseless ? 1 : 0);
        return;
      case "atomic":
        this.backtrack = true;
        this.emit(OP_ATOMIC_BEGIN);
        this.node(n.body);
        this.emit(OP_ATOMIC_END);
        return;
      case "look": {
        this.backtrack = true;
        const begin = this.emit(OP_LOOK_BEGIN, (n.negated ? LOOK_NEG : 0) | (n.behind ? LOOK_BEHIND : 0));
        if (n.behind) {
          const branches = n.body.t === "alt" ? n.body.items : [n.body];
          this.node({ t: "alt", items: branches.map((b) => backThen(b)) });
        } else this.node(n.body);
        this.emit(OP_LOOK_END);
        this.patch(begin, 2, this.pc);
        return;
      }
      case "repeat":
        this.repeat(n);
        return;
    }
  }

  setIndex(bits: ByteSet): number {
    const key = bits.join(",");
    let i = this.setKeys.get(key);
    if (i === undefined) {
      i = this.sets.length;
      this.sets.push(bits);
      this.setKeys.set(key, i);
    }
    return i;
  }

  repeat(n: Extract<Node, { t: "repeat" }>): void {
    if (n.possessive) {
      this.node({ t: "atomic", body: { ...n, possessive: false } });
      return;
    }
    if (n.max === 0) return;
    for (let i = 0; i < n.min; i++) this.node(n.body);
    if (n.max === -1) {
      const empty = canBeEmpty(n.body);
      const loop = this.emit(OP_SPLIT);
      const bodyPc = this.pc;
      const reg = empty ? this.nregs++ : -1;
      if (empty) this.emit(OP_MARK, reg);
      this.node(n.body);
      const chk = empty ? this.emit(OP_CHKPROG, reg) : -1;
      this.emit(OP_JMP, loop);
      const exit = this.pc;
      this.patch(loop, n.greedy ? 1 : 2, bodyPc);
      this.patch(loop, n.greedy ? 2 : 1, exit);
      if (chk >= 0) this.patch(chk, 2, exit);
      return;
    }
    // x{min,max}: (x(x(x)?)?)? after the min copies.
    const splits: number[] = [];
    for (let i = n.min; i < n.max; i++) {
      splits.push(this.emit(OP_SPLIT));
      const bodyPc = this.pc;
      this.node(n.body);
      this.patch(splits[splits.length - 1], n.greedy ? 1 : 2, bodyPc);
    }
    const exit = this.pc;
    for (const s of splits) this.patch(s, n.greedy ? 2 : 1, exit);
  }
}

function backThen(b: Node): Node {
  // A lookbehind branch of fixed length L runs forward from pos-L; BACK is emitted via a marker node.
  return { t: "cat", items: [{ t: "assert", kind: -1 - fixedLength(b) }, b] };
}

export function canBeEmpty(n: Node): boolean {
  switch (n.t) {
    case "empty":
    case "assert":
    case "look":
    case "backref":
      return true;
    case "set":
      return false;
    case "cat":
      return n.items.every(canBeEmpty);
    case "alt":
      return n.items.some(canBeEmpty);
    case "group":
    case "atomic":
      return canBeEmpty(n.body);
    case "repeat":
      return n.min === 0 || canBeEmpty(n.body);
  }
}

/** Every match must start at the subject start (`^abc`, `\\A(?:x|^y)`): only one start position to try. */
export function startsAnchored(n: Node): boolean {
  switch (n.t) {
    case "assert":
      return n.kind === A_START || n.kind === A_G;
    case "cat":
      for (const it of n.items) {
        if (startsAnchored(it)) return true;
        if (!(it.t === "look" || (it.t === "assert"))) return false; // zero-width items may come first
      }
      return false;
    case "alt":
      return n.items.every(startsAnchored);
    case "group":
    case "atomic":
      return startsAnchored(n.body);
    case "repeat":
      return n.min >= 1 && startsAnchored(n.body);
    default:
      return false;
  }
}

/** Shortest length any match can have (lookarounds and back references count as 0). */
export function minLength(n: Node): number {
  switch (n.t) {
    case "set":
      return 1;
    case "cat":
      return n.items.reduce((a, it) => a + minLength(it), 0);
    case "alt":
      return Math.min(...n.items.map(minLength));
    case "group":
    case "atomic":
      return minLength(n.body);
    case "repeat":
      return n.min * minLength(n.body);
    default:
      return 0;
  }
}

/** Longest run of single-byte (or ASCII case-pair) nodes that every match must contain. */
function requiredLiteral(root: Node): { bytes: Uint8Array; nocase: boolean } | null {
  let best: number[] = [];
  let bestNocase = false;
  let run: number[] = [];
  let runNocase = false;
  const flush = (): void => {
    if (run.length > best.length) (best = run), (bestNocase = runNocase);
    run = [];
    runNocase = false;
  };
  const walk = (n: Node): void => {
    switch (n.t) {
      case "set": {
        const c = setCount(n.bits);
        let lo = 0;
        while (!setHas(n.bits, lo)) lo++;
        if (c === 1) run.push(lo);
        else if (c === 2 && lo >= 0x41 && lo <= 0x5a && setHas(n.bits, lo + 32)) run.push(lo + 32), (runNocase = true);
        else flush();
        return;
      }
      case "cat":
        for (const it of n.items) walk(it);
        return;
      case "group":
        walk(n.body);
        return;
      case "assert":
        return; // zero-width: the bytes either side are still adjacent
      case "repeat":
        if (n.min === 0) return flush();
        flush();
        walk(n.body);
        flush();
        return;
      default:
        flush();
    }
  };
  walk(root);
  flush();
  if (best.length < 2) return null;
  const bytes = Uint8Array.from(best, (c) => (bestNocase && c >= 0x41 && c <= 0x5a ? c + 32 : c));
  return { bytes, nocase: bestNocase };
}

function firstBytes(code: Int32Array, length: number, sets: Uint32Array): Uint8Array | null {
  const out = new Uint8Array(256);
  const seen = new Uint8Array(length);
  const stack = [0];
  while (stack.length > 0) {
    const pc = stack.pop()!;
    if (seen[pc]) continue;
    seen[pc] = 1;
    const op = code[pc * 3], a = code[pc * 3 + 1], b = code[pc * 3 + 2];
    switch (op) {
      case OP_BYTE:
        out[a] = 1;
        break;
      case OP_SET:
        for (let c = 0; c < 256; c++) if (sets[a * 8 + (c >> 5)] & (1 << (c & 31))) out[c] = 1;
        break;
      case OP_ANY:
      case OP_MATCH:
      case OP_BACKREF:
      case OP_BACK:
        return null;
      case OP_SPLIT:
        stack.push(a, b);
        break;
      case OP_JMP:
        stack.push(a);
        break;
      case OP_CHKPROG:
        stack.push(pc + 1, b);
        break;
      case OP_LOOK_BEGIN:
        stack.push(b);
        break;
      default:
        stack.push(pc + 1);
    }
  }
  return out;
}

/** Compiles a parsed regex. `captures`: emit SAVEs for groups (forced on when back references exist). */
export function compileProgram(ast: RegexAst, captures: boolean): Program {
  const e = new Emitter(captures || ast.hasBackrefs);
  e.emit(OP_SAVE, 0);
  e.node(ast.root);
  e.emit(OP_SAVE, 1);
  e.emit(OP_MATCH);
  // Lookbehind branch markers (assert kind < 0) become BACK n.
  for (let pc = 0; pc < e.pc; pc++) {
    if (e.code[pc * 3] === OP_ASSERT && e.code[pc * 3 + 1] < 0) {
      e.code[pc * 3] = OP_BACK;
      e.code[pc * 3 + 1] = -1 - e.code[pc * 3 + 1];
    }
  }
  const code = Int32Array.from(e.code);
  const sets = new Uint32Array(Math.max(1, e.sets.length) * 8);
  e.sets.forEach((s, i) => sets.set(s, i * 8));
  const lit = requiredLiteral(ast.root);
  return {
    code,
    length: e.pc,
    sets,
    nslots: e.captures ? (ast.groupCount + 1) * 2 : 2,
    nregs: e.nregs,
    minLength: minLength(ast.root),
    anchoredStart: startsAnchored(ast.root),
    backtrack: e.backtrack,
    firstBytes: firstBytes(code, e.pc, sets),
    requiredLiteral: lit ? lit.bytes : null,
    requiredLiteralNocase: lit ? lit.nocase : false,
  };
}

