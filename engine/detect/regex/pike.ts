/**
 * Linear-time matcher: a Pike VM over a compiled program (threads in priority order, so the result is the
 * leftmost match PCRE's backtracking would find, with the same group positions). Work per byte is bounded
 * by the program size, so `(a*)*b` on 100 KB costs 100 KB × a constant.
 * Hot path: allocates nothing. Thread lists, capture rows and the closure stack live in module-level
 * typed arrays that `reservePike` (cold, at compile) grows to fit the largest program; JS runs one
 * `exec` at a time, so one set of scratch arrays serves every regex. Never throws on input.
 *
 * @example
 * ```ts
 * import { parseRegex } from "./syntax.ts";
 * import { compileProgram } from "./program.ts";
 * import { pikeExec, reservePike } from "./pike.ts";
 * const prog = compileProgram(parseRegex("b+"), false);
 * reservePike(prog);
 * const slots = new Int32Array(2);
 * pikeExec(prog, new TextEncoder().encode("abbc"), 0, 4, false, slots); // true; slots = [1, 3]
 * ```
 */
import type { Program } from "./program.ts";
import {
  OP_ANY,
  OP_ASSERT,
  OP_BYTE,
  OP_CHKPROG,
  OP_JMP,
  OP_MARK,
  OP_MATCH,
  OP_SAVE,
  OP_SET,
  OP_SPLIT,
} from "./program.ts";
import { assertAt } from "./assert.ts";

let cap = 0; // threads per list
let capSlots = 0; // slots per thread
let clistPc = new Int32Array(0);
let nlistPc = new Int32Array(0);
let clistCaps = new Int32Array(0);
let nlistCaps = new Int32Array(0);
let visited = new Int32Array(0);
let stack = new Int32Array(0);
let tmp = new Int32Array(0);
let gen = 0;

/** Work done by the last `pikeExec` (thread steps + closure steps), for linear-time tests. */
export let pikeSteps = 0;

/** Grows the shared scratch to fit `prog` (cold; call once per compiled program). */
export function reservePike(prog: Program): void {
  const n = prog.length + 1;
  const s = Math.max(prog.nslots, 2);
  if (n <= cap && s <= capSlots) return;
  cap = Math.max(cap, n);
  capSlots = Math.max(capSlots, s);
  clistPc = new Int32Array(cap);
  nlistPc = new Int32Array(cap);
  clistCaps = new Int32Array(cap * capSlots);
  nlistCaps = new Int32Array(cap * capSlots);
  visited = new Int32Array(cap);
  gen = 0;
  stack = new Int32Array(cap * 4 + 16);
  tmp = new Int32Array(capSlots);
}

// Follows the epsilon closure from `pc0` at `pos` (captures in `tmp`) and appends the consuming threads
// it reaches to the list; returns the new list length. Stack entries: pc >= 0, or (-1-slot, old value).
function addThread(
  prog: Program,
  listPc: Int32Array,
  listCaps: Int32Array,
  n: number,
  pc0: number,
  buf: Uint8Array,
  pos: number,
  start: number,
  end: number,
  g: number,
): number {
  const code = prog.code;
  const nslots = prog.nslots;
  let sp = 0;
  stack[sp++] = pc0;
  while (sp > 0) {
    const pc = stack[--sp];
    if (pc < 0) {
      tmp[-1 - pc] = stack[--sp];
      continue;
    }
    if (visited[pc] === g) continue;
    visited[pc] = g;
    pikeSteps++;
    const i = pc * 3;
    switch (code[i]) {
      case OP_JMP:
        stack[sp++] = code[i + 1];
        break;
      case OP_SPLIT:
        stack[sp++] = code[i + 2];
        stack[sp++] = code[i + 1];
        break;
      case OP_SAVE: {
        const slot = code[i + 1];
        stack[sp++] = tmp[slot];
        stack[sp++] = -1 - slot;
        tmp[slot] = pos;
        stack[sp++] = pc + 1;
        break;
      }
      case OP_ASSERT:
        if (assertAt(code[i + 1], buf, pos, start, end)) stack[sp++] = pc + 1;
        break;
      case OP_MARK:
      case OP_CHKPROG:
        // The empty-iteration check is the visited set's job here.
        stack[sp++] = pc + 1;
        break;
      default: {
        listPc[n] = pc;
        const row = n * nslots;
        for (let k = 0; k < nslots; k++) listCaps[row + k] = tmp[k];
        n++;
      }
    }
  }
  return n;
}

/**
 * Searches [start, end) for the leftmost match (anchored at `start` when asked); on success writes the
 * capture slots (slot 0/1 = match start/end; -1 unset) into `out` and returns true.
 */
export function pikeExec(
  prog: Program,
  buf: Uint8Array,
  start: number,
  end: number,
  anchored: boolean,
  out: Int32Array,
): boolean {
  const code = prog.code;
  const sets = prog.sets;
  const nslots = prog.nslots;
  const first = prog.firstBytes;
  const minLen = prog.minLength;
  let cPc = clistPc, cCaps = clistCaps, nPc = nlistPc, nCaps = nlistCaps;
  let cn = 0;
  let matched = false;
  pikeSteps = 0;
  if (gen > 0x3fffffff) {
    visited.fill(0);
    gen = 0;
  }
  let g = ++gen;
  for (let pos = start;; pos++) {
    if (!matched && (!anchored || pos === start) && end - pos >= minLen) {
      if (cn === 0) {
        g = ++gen; // stale marks from an empty step must not block pc 0
        if (first !== null && !anchored) {
          while (pos < end && first[buf[pos]] === 0) pos++;
          if (pos >= end) break;
        }
      }
      for (let k = 0; k < nslots; k++) tmp[k] = -1;
      cn = addThread(prog, cPc, cCaps, cn, 0, buf, pos, start, end, g);
    }
    if (cn === 0) {
      if (matched || anchored || end - pos < minLen || pos >= end) break;
      g = ++gen;
      continue;
    }
    const ng = ++gen;
    let nn = 0;
    const c = pos < end ? buf[pos] : -1;
    for (let t = 0; t < cn; t++) {
      const pc = cPc[t];
      const i = pc * 3;
      const op = code[i];
      pikeSteps++;
      let ok = false;
      if (op === OP_MATCH) {
        const row = t * nslots;
        for (let k = 0; k < nslots; k++) out[k] = cCaps[row + k];
        matched = true;
        break; // lower-priority threads lose
      } else if (c < 0) ok = false;
      else if (op === OP_BYTE) ok = code[i + 1] === c;
      else if (op === OP_SET) ok = (sets[code[i + 1] * 8 + (c >> 5)] & (1 << (c & 31))) !== 0;
      else if (op === OP_ANY) ok = true;
      if (ok) {
        const row = t * nslots;
        for (let k = 0; k < nslots; k++) tmp[k] = cCaps[row + k];
        nn = addThread(prog, nPc, nCaps, nn, pc + 1, buf, pos + 1, start, end, ng);
      }
    }
    let x = cPc;
    cPc = nPc;
    nPc = x;
    x = cCaps;
    cCaps = nCaps;
    nCaps = x;
    cn = nn;
    g = ng;
    if (pos >= end) break;
  }
  return matched;
}
