/**
 * Overlap resolution for IP fragments: which fragment's bytes a target host keeps when two fragments
 * cover the same bytes. The six target policies are Suricata's (defrag.c), checked against the
 * Sturges/Novak overlap pattern its unit tests use (see `defragmenter.test.ts`).
 *
 * The model: fragments are laid down in arrival order; a byte already owned by an older fragment is
 * taken over by the newer one only when `newWins(policy, new, old)` says so, judged on the two
 * fragments' original extents [start, end):
 *
 * | policy  | the newer fragment wins a byte when…                                  |
 * |---------|-----------------------------------------------------------------------|
 * | first   | never (the first copy of a byte stays)                                |
 * | last    | always (the latest copy of a byte wins)                               |
 * | bsd     | it starts before the older one                                        |
 * | linux   | it starts before the older one, or at the same offset                  |
 * | windows | it starts before the older one and ends after it (covers it strictly) |
 * | solaris | it starts before the older one and ends at or after its end           |
 *
 * Hot path: `newWins` is called per reassembled byte; it allocates nothing and never throws.
 * `policyCode` runs when a configuration is loaded (cold).
 *
 * @example
 * ```ts
 * import { POLICY_BSD, newWins, policyCode } from "./policy.ts";
 * console.log(policyCode("bsd") === POLICY_BSD); // true
 * console.log(newWins(POLICY_BSD, 8, 40, 32, 48)); // true: the new fragment starts first
 * ```
 */
import type { TargetPolicy } from "../config.ts";

export const POLICY_FIRST = 0;
export const POLICY_LAST = 1;
export const POLICY_BSD = 2;
export const POLICY_LINUX = 3;
export const POLICY_WINDOWS = 4;
export const POLICY_SOLARIS = 5;

/** The numeric code of a target policy name (cold path; unknown names are a configuration error). */
export function policyCode(name: TargetPolicy): number {
  switch (name) {
    case "first":
      return POLICY_FIRST;
    case "last":
      return POLICY_LAST;
    case "bsd":
      return POLICY_BSD;
    case "linux":
      return POLICY_LINUX;
    case "windows":
      return POLICY_WINDOWS;
    case "solaris":
      return POLICY_SOLARIS;
    default:
      throw new Error(
        `defrag.policy: unknown target policy "${String(name)}" (expected first, last, bsd, linux, windows or solaris)`,
      );
  }
}

/**
 * True when a newer fragment [ns, ne) takes a byte over from an older fragment [os, oe) under
 * `policy` (a POLICY_* code).
 */
export function newWins(policy: number, ns: number, ne: number, os: number, oe: number): boolean {
  switch (policy) {
    case POLICY_FIRST:
      return false;
    case POLICY_LAST:
      return true;
    case POLICY_BSD:
      return ns < os;
    case POLICY_LINUX:
      return ns <= os;
    case POLICY_WINDOWS:
      return ns < os && ne > oe;
    case POLICY_SOLARIS:
      return ns < os && ne >= oe;
    default:
      return false;
  }
}
