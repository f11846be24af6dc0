import { test } from "uvu";
import * as assert from "uvu/assert";
import { TARGET_POLICIES } from "../config.ts";
import type { TargetPolicy } from "../config.ts";
import {
  newWins,
  POLICY_BSD,
  POLICY_FIRST,
  POLICY_LAST,
  POLICY_LINUX,
  POLICY_SOLARIS,
  POLICY_WINDOWS,
  policyCode,
} from "./policy.ts";

test("every configured policy name has a distinct code", () => {
  const codes = TARGET_POLICIES.map((n) => policyCode(n));
  assert.is(new Set(codes).size, TARGET_POLICIES.length);
  assert.throws(() => policyCode("hpux" as TargetPolicy), /unknown target policy "hpux"/);
});

test("who wins an overlap, per policy: [new start, new end, old start, old end]", () => {
  const cases: [number, number, number, number][] = [
    [8, 40, 32, 48], // starts before, ends inside
    [48, 72, 48, 72], // exact duplicate
    [72, 96, 80, 88], // covers strictly
    [96, 120, 104, 120], // starts before, same end
    [128, 136, 120, 144], // inside
    [160, 168, 160, 176], // same start, shorter
  ];
  const want: Record<number, boolean[]> = {
    [POLICY_FIRST]: [false, false, false, false, false, false],
    [POLICY_LAST]: [true, true, true, true, true, true],
    [POLICY_BSD]: [true, false, true, true, false, false],
    [POLICY_LINUX]: [true, true, true, true, false, true],
    [POLICY_WINDOWS]: [false, false, true, false, false, false],
    [POLICY_SOLARIS]: [false, false, true, true, false, false],
  };
  for (const [policy, expected] of Object.entries(want)) {
    const got = cases.map(([ns, ne, os, oe]) => newWins(Number(policy), ns, ne, os, oe));
    assert.equal(got, expected, `policy ${policy}`);
  }
});

test.run();
