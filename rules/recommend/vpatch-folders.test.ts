// Every real virtual-patch folder under rules/packs/vpatch/ that has metadata validates: its
// <id>.vpatch.yaml reads without problems and agrees with the folder's .rules (id, sids both ways, drop,
// CVEs, tsugi_patch); a folder without metadata fails (as `tsugi pack build` does); the shipped Windows
// update data validates; and the real set decides the example inventories as the advisories say.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { showProblem } from "./fields.ts";
import { loadVpatches } from "./cli.ts";
import { parseInventory } from "./inventory.ts";
import { scan } from "./scan.ts";
import { parseWindowsData } from "./windows-data.ts";

const packs = fileURLToPath(new URL("../packs/", import.meta.url));
const vpatch = join(packs, "vpatch");

test("every virtual-patch folder's metadata validates against its rules", () => {
  const { patches: metas, problems } = loadVpatches(packs);
  assert.equal(problems.map(showProblem), []);
  assert.is(metas.length, readdirSync(vpatch, { withFileTypes: true }).filter((e) => e.isDirectory()).length);
  // sids are unique across patches
  const seen = new Map<number, string>();
  for (const m of metas) {
    for (const sid of m.rules) {
      assert.not.ok(seen.has(sid), `sid ${sid} in both ${seen.get(sid)} and ${m.id}`);
      seen.set(sid, m.id);
    }
  }
  // and the real set scans an example inventory with one decision per rule
  const inv = parseInventory(readFileSync(new URL("./examples/windows-7-unpatched.json", import.meta.url), "utf8"), "w7.json").inventory!;
  const wd = parseWindowsData(readFileSync(join(packs, "data", "windows.yaml"), "utf8"), "windows.yaml").data!;
  const s = scan(inv, metas, wd);
  assert.is(s.rules.length, seen.size);
  const decisionOf = (r: ReturnType<typeof scan>, patch: string): string[] => [...new Set(r.rules.filter((x) => x.patch === patch).map((x) => x.decision))];
  assert.equal(decisionOf(s, "ms17-010"), ["unassign"]); // KB4012212 (the March 2017 security-only update) is installed
  assert.equal(decisionOf(s, "bluekeep"), ["assign"]);
  assert.equal(decisionOf(s, "petitpotam"), ["recommend"]); // not automatic: a person decides
  assert.equal(decisionOf(s, "smbghost"), ["not-applicable"]); // Windows 10 1903/1909 only
  // Debian 11 shipped a vulnerable liblog4j2-java (fixed in a security update); Debian 12 never did
  const deb = (n: string) => parseInventory(readFileSync(new URL(`./examples/${n}.json`, import.meta.url), "utf8"), n).inventory!;
  assert.equal(decisionOf(scan(deb("debian-11"), metas, wd), "log4shell"), ["assign"]);
  assert.equal(decisionOf(scan(deb("debian-12"), metas, wd), "log4shell"), ["not-applicable"]);
});

test("the shipped Windows update data validates", () => {
  const file = join(packs, "data", "windows.yaml");
  const r = parseWindowsData(readFileSync(file, "utf8"), file);
  assert.equal(r.problems.map(showProblem), []);
  assert.is(r.data!.versions.size, 25);
  assert.equal(r.data!.cumulative.get("KB4534310"), { kb: "KB4534310", month: "2020-01", os: ["6.1.7601"] });
  assert.is(r.data!.cumulative.get("KB5033372")?.ubr, 3803);
});

test.run();
