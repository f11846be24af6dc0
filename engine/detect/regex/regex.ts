/**
 * Tsugi's byte-level PCRE engine, public face: `compileRegex(pattern, flags)` (cold, throws `RegexError`)
 * gives a `Regex` whose `exec(buf, start, end)` searches a `Uint8Array` without allocating. Patterns
 * without back references or lookaround run in a linear-time Pike VM; the rest in a backtracker with a
 * step budget per call (`budgetExceeded` counts the calls that hit it; they report no match).
 * `^ $ \A \z \Z` see `start`/`end` as the subject's ends (Suricata passes the buffer from the relative
 * offset as the subject for `R`). Never use JS RegExp here (strings, allocation).
 *
 * @example
 * ```ts
 * import { compileRegex } from "./regex.ts";
 * const re = compileRegex("foo\\d+bar", { caseless: true, captures: true });
 * const buf = new TextEncoder().encode("xxFOO12barxx");
 * if (re.exec(buf, 0, buf.length)) console.log(re.matchStart, re.matchEnd); // 2 10
 * ```
 */
import { parseRegex } from "./syntax.ts";
import type { RegexFlags } from "./syntax.ts";
import { compileProgram } from "./program.ts";
import type { Program } from "./program.ts";
import { pikeExec, pikeSteps, reservePike } from "./pike.ts";
import { backtrackExec, backtrackSteps, reserveBacktrack } from "./backtrack.ts";

export { RegexError, splitPcreOption } from "./syntax.ts";
export type { RegexFlags } from "./syntax.ts";

export const DEFAULT_STEP_BUDGET = 100_000;

export class Regex {
  readonly source: string;
  readonly flags: Readonly<RegexFlags>;
  /** Capturing groups in the pattern (group 0, the whole match, not counted). */
  readonly groupCount: number;
  /** Group names → numbers. */
  readonly names: ReadonlyMap<string, number>;
  /** Runs in the bounded backtracker (back references, lookaround, atomic, possessive). */
  readonly backtracking: boolean;
  /** A byte string every match contains, for a prefilter (null when none of ≥ 2 bytes is known). */
  readonly requiredLiteral: Uint8Array | null;
  /** `requiredLiteral` is lower-case and must be compared ignoring ASCII case. */
  readonly requiredLiteralNocase: boolean;
  readonly stepBudget: number;
  /** After a successful `exec`: the match, [matchStart, matchEnd). */
  matchStart = -1;
  matchEnd = -1;
  /** Index 0 is the whole match; groups 1..groupCount are filled only with `captures: true`; -1 unset. */
  readonly groupStart: Int32Array;
  readonly groupEnd: Int32Array;
  /** Calls that ran out of step budget (and so reported no match). */
  budgetExceeded = 0;
  /** Work done by the last call (VM steps), for tests and profiling. */
  lastSteps = 0;

  readonly #prog: Program;
  readonly #slots: Int32Array;
  readonly #anchored: boolean;

  constructor(source: string, flags: RegexFlags) {
    this.source = source;
    this.flags = { ...flags };
    const ast = parseRegex(source, flags);
    const prog = compileProgram(ast, !!flags.captures);
    this.#prog = prog;
    this.groupCount = ast.groupCount;
    this.names = ast.names;
    this.backtracking = prog.backtrack;
    this.requiredLiteral = prog.requiredLiteral;
    this.requiredLiteralNocase = prog.requiredLiteralNocase;
    this.stepBudget = flags.stepBudget ?? DEFAULT_STEP_BUDGET;
    this.#anchored = !!flags.anchored || prog.anchoredStart;
    this.#slots = new Int32Array(Math.max(prog.nslots, 2));
    this.groupStart = new Int32Array(ast.groupCount + 1).fill(-1);
    this.groupEnd = new Int32Array(ast.groupCount + 1).fill(-1);
    if (prog.backtrack) reserveBacktrack(prog);
    else reservePike(prog);
  }

  /** Searches buf[start, end); true on a match (then `matchStart`/`matchEnd`/groups are set). */
  exec(buf: Uint8Array, start: number, end: number): boolean {
    this.lastSteps = 0;
    if (start < 0) start = 0;
    if (end > buf.length) end = buf.length;
    if (start > end) return false;
    const lit = this.requiredLiteral;
    if (lit !== null && !containsLiteral(buf, start, end, lit, this.requiredLiteralNocase)) return false;
    const slots = this.#slots;
    let ok: boolean;
    if (this.#prog.backtrack) {
      const r = backtrackExec(this.#prog, buf, start, end, this.#anchored, slots, this.stepBudget);
      this.lastSteps = backtrackSteps;
      if (r < 0) this.budgetExceeded++;
      ok = r === 1;
    } else {
      ok = pikeExec(this.#prog, buf, start, end, this.#anchored, slots);
      this.lastSteps = pikeSteps;
    }
    if (!ok) return false;
    this.matchStart = slots[0];
    this.matchEnd = slots[1];
    const gs = this.groupStart, ge = this.groupEnd;
    gs[0] = slots[0];
    ge[0] = slots[1];
    const n = this.#prog.nslots >> 1;
    for (let g = 1; g < n; g++) {
      gs[g] = slots[g * 2];
      ge[g] = slots[g * 2 + 1];
    }
    return true;
  }
}

// Candidate positions come from Uint8Array.prototype.indexOf (a native byte scan); no allocation.
function containsLiteral(buf: Uint8Array, start: number, end: number, lit: Uint8Array, nocase: boolean): boolean {
  const m = lit.length;
  const last = end - m;
  const f = lit[0];
  const fu = nocase && f >= 0x61 && f <= 0x7a ? f - 32 : f;
  let nextLo = start - 1, nextUp = fu === f ? end : start - 1;
  let i = start;
  while (i <= last) {
    if (nextLo < i) {
      nextLo = buf.indexOf(f, i);
      if (nextLo < 0 || nextLo > last) nextLo = end;
    }
    if (nextUp < i) {
      nextUp = buf.indexOf(fu, i);
      if (nextUp < 0 || nextUp > last) nextUp = end;
    }
    i = nextLo < nextUp ? nextLo : nextUp;
    if (i > last) return false;
    let k = 1;
    if (nocase) {
      for (; k < m; k++) {
        let b = buf[i + k];
        if (b >= 0x41 && b <= 0x5a) b += 32;
        if (b !== lit[k]) break;
      }
    } else {
      while (k < m && buf[i + k] === lit[k]) k++;
    }
    if (k === m) return true;
    i++;
  }
  return false;
}

/** Compiles a PCRE pattern (the text between the slashes) with the given flags. Cold; throws RegexError. */
export function compileRegex(pattern: string, flags: RegexFlags = {}): Regex {
  return new Regex(pattern, flags);
}
