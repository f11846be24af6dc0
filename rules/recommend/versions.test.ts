// Version orderings from each platform's own rules: Debian Policy §5.6.12 (and dpkg's own test
// suite's classic pairs), rpmvercmp (rpm's tests: tilde and caret), Windows builds, generic software.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compareDpkg, compareGeneric, compareRpm, compareWindows, describeRange, inRange, type VersionCompare } from "./versions.ts";

/** Asserts that `list` is strictly increasing under `cmp`, in both directions of every pair. */
function ascending(cmp: VersionCompare, list: string[]): void {
  for (let i = 0; i < list.length; i++) {
    for (let j = 0; j < list.length; j++) {
      const c = Math.sign(cmp(list[i], list[j]));
      assert.is(c, Math.sign(i - j), `${list[i]} vs ${list[j]}: expected ${Math.sign(i - j)}, got ${c}`);
    }
  }
}

test("dpkg: tilde, epoch, revision, letters before non-letters, numeric digit runs", () => {
  ascending(compareDpkg, ["1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a", "1.0+", "1.0.1", "1.1", "1.10", "1:0.9", "2:0.1"]);
  assert.ok(compareDpkg("1.0~rc1", "1.0") < 0);
  assert.ok(compareDpkg("1:0.9", "2.0") > 0);
  assert.ok(compareDpkg("1.0-1", "1.0-1+deb11u1") < 0);
  assert.ok(compareDpkg("1.0-1+deb11u1", "1.0-1+deb11u2") < 0);
  assert.ok(compareDpkg("1.1.1n-0+deb11u4", "1.1.1n-0+deb11u5") < 0);
  assert.ok(compareDpkg("3.0.11-1~deb12u1", "3.0.11-1") < 0, "a backport (~) sorts before the release it precedes");
  assert.is(compareDpkg("1.0", "1.0-0"), 0, "no revision = revision 0");
  assert.is(compareDpkg("0:1.0", "1.0"), 0, "no epoch = epoch 0");
  assert.is(compareDpkg("1.001", "1.1"), 0, "digit runs compare numerically");
  assert.ok(compareDpkg("2.30-1", "2.4-1") > 0);
  assert.ok(compareDpkg("1.0.1e-2+deb7u4", "1.0.1e-2+deb7u5") < 0);
  assert.ok(compareDpkg("1.2-3-4", "1.2-3-5") < 0, "the revision starts after the last hyphen");
});

test("rpm: alnum segments, digits beat letters, ~ before everything, ^ after the end only", () => {
  ascending(compareRpm, ["1.0~rc1", "1.0", "1.0^git1", "1.0a", "1.0.1", "1.1", "1.10"]);
  assert.ok(compareRpm("1.0~rc1-1", "1.0-1") < 0);
  assert.ok(compareRpm("1:0.9-1", "2.0-1") > 0);
  assert.ok(compareRpm("1.0e-16.el6_5.7", "1.0e-16.el6_5.8") < 0);
  assert.ok(compareRpm("1.0.1e-16.el6_5.7", "1.0.1e-15.el6") > 0);
  assert.ok(compareRpm("1.0.1e-42.el7_9", "1.0.1e-16.el6_5.7") > 0);
  assert.is(compareRpm("1.0-1", "1.0"), 0, "a missing release is not compared");
  assert.is(compareRpm("1.01", "1.1"), 0, "numeric segments ignore leading zeros");
  assert.is(compareRpm("1_0", "1.0"), 0, "separators do not count");
  assert.ok(compareRpm("2.0.1", "2.0a") > 0, "a number beats letters in the same place");
  assert.ok(compareRpm("1.0^", "1.0") > 0 && compareRpm("1.0^", "1.0.1") < 0);
  assert.ok(compareRpm("1.0~rc1^git1", "1.0~rc1") > 0 && compareRpm("1.0~rc1^git1", "1.0~rc2") < 0);
});

test("windows: numeric major.minor.build.ubr", () => {
  ascending(compareWindows, ["5.1.2600", "6.1.7601", "6.1.7601.24000", "6.3.9600", "10.0.19045.1151", "10.0.19045.3803", "10.0.22621"]);
  assert.is(compareWindows("10.0.19045", "10.0.19045.0"), 0);
});

test("generic: pre-releases before the release, patch levels after, numbers numerically", () => {
  ascending(compareGeneric, [
    "2.0-beta9", "2.0-rc1", "2.0-rc2", "2.0", "2.0p1", "2.0.1", "2.9", "2.10", "2.15.0", "15.2.858.10",
  ]);
  ascending(compareGeneric, ["1.0.1", "1.0.1a", "1.0.1f", "1.0.1g", "1.0.2"]);
  assert.is(compareGeneric("2.0", "2.0.0"), 0);
  assert.is(compareGeneric("2.0-final", "2.0"), 0);
  assert.is(compareGeneric("2.0.RC1", "2.0-rc1"), 0, "case and separators do not count");
  assert.ok(compareGeneric("5.3.17", "5.3.18") < 0);
});

test("ranges: from inclusive, before exclusive, through inclusive", () => {
  const r = { from: "2.0-beta9", before: "2.15.0" };
  assert.ok(inRange("2.0-beta9", r, compareGeneric));
  assert.ok(inRange("2.14.1", r, compareGeneric));
  assert.not.ok(inRange("2.15.0", r, compareGeneric));
  assert.not.ok(inRange("1.2.17", r, compareGeneric));
  const t = { from: "6.0.0", through: "6.0.4" };
  assert.ok(inRange("6.0.4", t, compareGeneric));
  assert.not.ok(inRange("6.0.5", t, compareGeneric));
  assert.ok(inRange("0.1", {}, compareGeneric));
  assert.is(describeRange(r), "≥ 2.0-beta9, < 2.15.0");
});

test.run();
