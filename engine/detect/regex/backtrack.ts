/**
 * Bounded backtracking matcher for what a Pike VM cannot do: back references, lookahead, lookbehind,
 * atomic groups and possessive repeats. Every instruction costs one step; past the step budget (or when
 * the backtrack stack is full) the call gives up and reports "no match" with `exceeded` set, so a
 * hostile subject costs at most the budget.
 * Hot path: allocates nothing (module-level stack and capture arrays grown by `reserveBacktrack` at
 * compile time), never throws on input.
 *
 * @example
 * ```ts
 * import { parseRegex } from "./syntax.ts";
 * import { compileProgram } from "./program.ts";
 * import { backtrackExec, reserveBacktrack } from "./backtrack.ts";
 * const prog = compileProgram(parseRegex("(a)\\1"), false);
 * reserveBacktrack(prog);
 * const slots = new Int32Array(prog.nslots);
 * backtrackExec(prog, new TextEncoder().encode("xaa"), 0, 3, false, slots, 100_000); // 1 (match)
 * ```
 */
import type { Program } from "./program.ts";
import {
  LOOK_BEHIND,
  LOOK_NEG,
  OP_ANY,
  OP_ASSERT,
  OP_ATOMIC_BEGIN,
  OP_ATOMIC_END,
  OP_BACK,
  OP_BACKREF,
  OP_BYTE,
  OP_CHKPROG,
  OP_JMP,
  OP_LOOK_BEGIN,
  OP_LOOK_END,
  OP_MARK,
  OP_MATCH,
  OP_SAVE,
  OP_SET,
  OP_SPLIT,
} from "./program.ts";
import { assertAt } from "./assert.ts";

// Stack frames: 4 int32s (kind, a, b, c).
const F_BRANCH = 0; // a: pc, b: pos
const F_SLOT = 1; // a: slot, b: old value
const F_REG = 2; // a: register, b: old value
const F_ATOMIC = 3; // a: pos at entry, c: previous marker
const F_LOOK = 4; // a: pos at entry, b: continuation pc * 4 + LOOK_* bits, c: previous marker

/** Backtrack stack depth (frames). 64 KB of `.*` needs one frame per byte. */
export const BACKTRACK_FRAMES = 1 << 18;

let stack = new Int32Array(0); // allocated by the first reserveBacktrack (no work at import)
let caps = new Int32Array(2);
let regs = new Int32Array(1);
let topMarker = -1; // index of the innermost open atomic/lookaround frame

/** Steps used by the last `backtrackExec`. */
export let backtrackSteps = 0;

export function reserveBacktrack(prog: Program): void {
  if (stack.length === 0) stack = new Int32Array(BACKTRACK_FRAMES * 4);
  if (caps.length < prog.nslots) caps = new Int32Array(prog.nslots);
  if (regs.length < prog.nregs) regs = new Int32Array(prog.nregs);
}

/** Removes frames from `m` up, keeping the capture/register restores (so later backtracking undoes them). */
function cut(m: number, sp: number): number {
  let w = m;
  for (let r = m; r < sp; r += 4) {
    const k = stack[r];
    if (k === F_SLOT || k === F_REG) {
      stack[w] = k;
      stack[w + 1] = stack[r + 1];
      stack[w + 2] = stack[r + 2];
      w += 4;
    }
  }
  return w;
}

/**
 * Returns 1 on a match (slots written to `out`), 0 on no match, -1 when the step budget or the stack ran
 * out (treated as no match by the caller, which counts it).
 */
export function backtrackExec(
  prog: Program,
  buf: Uint8Array,
  start: number,
  end: number,
  anchored: boolean,
  out: Int32Array,
  budget: number,
): number {
  const code = prog.code;
  const sets = prog.sets;
  const nslots = prog.nslots;
  const first = prog.firstBytes;
  let steps = 0;
  const last = anchored ? start : end - prog.minLength;
  for (let s = start; s <= last; s++) {
    if (first !== null && !anchored) {
      while (s < last && first[buf[s]] === 0) s++;
      if (s >= end || s > last) break;
    }
    for (let k = 0; k < nslots; k++) caps[k] = -1;
    let sp = 0;
    topMarker = -1;
    let pc = 0;
    let pos = s;
    for (;;) {
      if (++steps > budget) {
        backtrackSteps = steps;
        return -1;
      }
      const i = pc * 3;
      let fail = false;
      switch (code[i]) {
        case OP_BYTE:
          if (pos < end && buf[pos] === code[i + 1]) pos++, pc++;
          else fail = true;
          break;
        case OP_SET: {
          if (pos < end) {
            const c = buf[pos];
            if ((sets[code[i + 1] * 8 + (c >> 5)] & (1 << (c & 31))) !== 0) {
              pos++, pc++;
              break;
            }
          }
          fail = true;
          break;
        }
        case OP_ANY:
          if (pos < end) pos++, pc++;
          else fail = true;
          break;
        case OP_SPLIT:
          if (sp + 4 > stack.length) {
            backtrackSteps = steps;
            return -1;
          }
          stack[sp] = F_BRANCH;
          stack[sp + 1] = code[i + 2];
          stack[sp + 2] = pos;
          sp += 4;
          pc = code[i + 1];
          break;
        case OP_JMP:
          pc = code[i + 1];
          break;
        case OP_SAVE:
        case OP_MARK: {
          if (sp + 4 > stack.length) {
            backtrackSteps = steps;
            return -1;
          }
          const a = code[i + 1];
          const isSlot = code[i] === OP_SAVE;
          stack[sp] = isSlot ? F_SLOT : F_REG;
          stack[sp + 1] = a;
          stack[sp + 2] = isSlot ? caps[a] : regs[a];
          sp += 4;
          if (isSlot) caps[a] = pos;
          else regs[a] = pos;
          pc++;
          break;
        }
        case OP_CHKPROG:
          pc = regs[code[i + 1]] === pos ? code[i + 2] : pc + 1;
          break;
        case OP_MATCH:
          for (let k = 0; k < nslots; k++) out[k] = caps[k];
          backtrackSteps = steps;
          return 1;
        case OP_ASSERT:
          if (assertAt(code[i + 1], buf, pos, start, end)) pc++;
          else fail = true;
          break;
        case OP_BACKREF: {
          const g = code[i + 1];
          const gs = caps[g * 2], ge = caps[g * 2 + 1];
          if (gs < 0 || ge < 0) {
            fail = true; // PCRE: a reference to an unset group matches nothing
            break;
          }
          const len = ge - gs;
          if (pos + len > end) {
            fail = true;
            break;
          }
          const ci = code[i + 2] === 1;
          for (let k = 0; k < len; k++) {
            let a = buf[gs + k], b = buf[pos + k];
            if (ci) {
              if (a >= 0x41 && a <= 0x5a) a += 32;
              if (b >= 0x41 && b <= 0x5a) b += 32;
            }
            if (a !== b) {
              fail = true;
              break;
            }
          }
          steps += len >> 4;
          if (!fail) pos += len, pc++;
          break;
        }
        case OP_ATOMIC_BEGIN:
        case OP_LOOK_BEGIN:
          if (sp + 4 > stack.length) {
            backtrackSteps = steps;
            return -1;
          }
          stack[sp] = code[i] === OP_ATOMIC_BEGIN ? F_ATOMIC : F_LOOK;
          stack[sp + 1] = pos;
          stack[sp + 2] = code[i + 2] * 4 + code[i + 1];
          stack[sp + 3] = topMarker;
          topMarker = sp;
          sp += 4;
          pc++;
          break;
        case OP_ATOMIC_END: {
          const m = topMarker;
          topMarker = stack[m + 3];
          steps += (sp - m) >> 3;
          sp = cut(m, sp);
          pc++;
          break;
        }
        case OP_LOOK_END: {
          const m = topMarker;
          const at = stack[m + 1], cont = stack[m + 2] >> 2, bits = stack[m + 2] & 3;
          if ((bits & LOOK_BEHIND) !== 0 && pos !== at) {
            fail = true; // this lookbehind branch did not end where it started; try the next
            break;
          }
          topMarker = stack[m + 3];
          steps += (sp - m) >> 3;
          sp = cut(m, sp);
          if ((bits & LOOK_NEG) !== 0) fail = true;
          else pos = at, pc = cont;
          break;
        }
        case OP_BACK: {
          const n = code[i + 1];
          if (pos - n < start) fail = true;
          else pos -= n, pc++;
          break;
        }
        default:
          fail = true;
      }
      if (!fail) continue;
      // Backtrack: pop until a branch (or a negative lookaround whose body failed: it succeeds).
      let resumed = false;
      while (sp > 0) {
        sp -= 4;
        const k = stack[sp];
        if (k === F_BRANCH) {
          pc = stack[sp + 1];
          pos = stack[sp + 2];
          resumed = true;
          break;
        } else if (k === F_SLOT) caps[stack[sp + 1]] = stack[sp + 2];
        else if (k === F_REG) regs[stack[sp + 1]] = stack[sp + 2];
        else {
          topMarker = stack[sp + 3];
          if (k === F_LOOK && (stack[sp + 2] & LOOK_NEG) !== 0) {
            // The body of a negative lookaround failed: the assertion holds.
            pos = stack[sp + 1];
            pc = stack[sp + 2] >> 2;
            resumed = true;
            break;
          }
        }
      }
      if (!resumed) break;
    }
  }
  backtrackSteps = steps;
  return 0;
}
