// Inventory validation: the example inventories read; each kind of mistake is reported at file:line:col.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { showProblem } from "./fields.ts";
import { parseInventory } from "./inventory.ts";

test("the example inventories read", () => {
  for (const n of ["windows-7-unpatched", "windows-10-22h2", "debian-11", "debian-12"]) {
    const r = parseInventory(readFileSync(new URL(`./examples/${n}.json`, import.meta.url), "utf8"), n);
    assert.equal(r.problems, [], n);
  }
  const w = parseInventory('{"os":{"platform":"windows","name":"W","version":"10.0.19045.3803"},"hotfixes":["kb5033372"]}', "x");
  assert.equal(w.inventory, {
    os: { platform: "windows", name: "W", version: "10.0.19045", ubr: 3803 },
    hotfixes: ["KB5033372"],
    software: [],
  });
});

test("mistakes are reported at file:line:col", () => {
  const p = (t: string): string[] => parseInventory(t, "inv.json").problems.map(showProblem);
  assert.equal(p('{"os":{"platform":"macos"}}'), ['inv.json:1:19: os.platform "macos" is not "windows" or "linux"']);
  assert.equal(p("{}"), ['inv.json:1:1: missing key "os" in the inventory']);
  assert.equal(p('{"os":{"platform":"windows","name":"W","version":"10.0"},\n"hotfixes":["KB12"]}'), [
    'inv.json:1:50: os.version "10.0" is not a Windows version (e.g. 10.0.19045)',
    'inv.json:2:13: hotfix "KB12" is not a KB number (KB followed by 6 or 7 digits)',
  ]);
  assert.equal(p('{"os":{"platform":"windows","name":"W","version":"10.0.19045","build":19044}}'), [
    "inv.json:1:71: os.build 19044 does not agree with os.version 10.0.19045",
  ]);
  assert.equal(p('{"os":{"platform":"linux","id":"debian","version":"12"},\n "packages":[{"nam":"bash","version":"5.2"}]}'), [
    'inv.json:2:15: unknown key "nam" in a package (did you mean "name"?) (allowed: name, version, arch)',
    'inv.json:2:14: missing key "name" in a package',
  ]);
  assert.equal(p('{"os":{"platform":"linux","id":"debian","version":"12"}}'), ['inv.json:1:1: missing key "packages" in a Linux inventory']);
  assert.equal(p('{"os":'), ["inv.json:1:7: unexpected end of input; expected a JSON value"]);
});

test.run();
