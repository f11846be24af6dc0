// The recommendation scan's decisions on small metadata fixtures (written here, not the real patches)
// against the example inventories and inline ones: KB installed, a later rollup, UBR below/at/above,
// Debian 11 vs 12, the upstream fallback, requires, auto:false, platform mismatch; and the speed bound.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { parseInventory, type Inventory } from "./inventory.ts";
import { parseVpatchMeta, type VpatchMeta } from "./meta.ts";
import { scan, type RuleDecision } from "./scan.ts";
import { emptyWindowsData, parseWindowsData } from "./windows-data.ts";

const windowsData = (() => {
  const file = new URL("../packs/data/windows.yaml", import.meta.url);
  const r = parseWindowsData(readFileSync(file, "utf8"), "windows.yaml");
  assert.equal(r.problems, []);
  return r.data!;
})();

const COMMON = `title: "t"
cvss: { score: 9.8, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }
severity: critical
application_type: smb-server
issued: 2026-11-25
description: d
references: [https://example.org/a]
`;

function meta(id: string, body: string): VpatchMeta {
  const r = parseVpatchMeta(`id: ${id}\n${COMMON}${body}`, `${id}.vpatch.yaml`);
  assert.equal(r.problems, [], id);
  return r.meta!;
}

const PATCHES: VpatchMeta[] = [
  meta("ms17-010", `cve: [CVE-2017-0144]
auto: true
rules: [7100000, 7100001]
affected:
  windows:
    - { os: "6.1.7601", kb: [KB4012212, KB4012215], month: "2017-03" }
    - { os: "10.0.14393", kb: [KB4013429], month: "2017-03", ubr: 953 }
`),
  meta("bluekeep", `cve: [CVE-2019-0708]
auto: true
rules: [7100010]
requires: [7100020]
affected:
  windows:
    - { os: "6.1.7601", kb: [KB4499175, KB4499164], month: "2019-05" }
    - { os: "5.1.2600", kb: [KB4500331], month: "2019-05" }
`),
  meta("rdp-common", `cve: [CVE-2019-0708]
auto: true
rules: [7100020]
affected:
  appliances:
    - { cpe: "cpe:2.3:a:example:rdp_gateway:*:*:*:*:*:*:*:*", versions: [{ before: "2.0" }] }
`),
  meta("printnightmare", `cve: [CVE-2021-34527]
auto: false
rules: [7100030]
affected:
  windows:
    - { os: "10.0.19045", kb: [KB5004945], month: "2021-07", ubr: 1083 }
    - { os: "6.1.7601", kb: [KB5004953, KB5004951], month: "2021-07" }
`),
  meta("log4shell", `cve: [CVE-2021-44228]
auto: true
rules: [7100040]
affected:
  software:
    - cpe: "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*"
      names: ["Apache Log4j"]
      versions: [{ from: "2.0-beta9", before: "2.15.0" }]
`),
  meta("openssl-x", `cve: [CVE-2023-0286]
auto: true
rules: [7100050]
affected:
  packages:
    - cpe: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*"
      names: [openssl, libssl1.1, libssl3]
      versions: [{ from: "1.1.1", before: "1.1.1t" }, { from: "3.0.0", before: "3.0.8" }]
      fixed:
        debian-11: "1.1.1n-0+deb11u5"
        debian-12: "3.0.8-1"
`),
];

function example(name: string): Inventory {
  const file = new URL(`./examples/${name}.json`, import.meta.url);
  const r = parseInventory(readFileSync(file, "utf8"), `${name}.json`);
  assert.equal(r.problems, [], name);
  return r.inventory!;
}

function inline(text: string): Inventory {
  const r = parseInventory(text, "inline.json");
  assert.equal(r.problems, []);
  return r.inventory!;
}

function bySid(rules: RuleDecision[], sid: number): RuleDecision {
  const r = rules.find((x) => x.sid === sid);
  assert.ok(r, `sid ${sid}`);
  return r!;
}

test("Windows 7 with the old MS17-010 security-only KB: MS17-010 unassigned, BlueKeep assigned", () => {
  const r = scan(example("windows-7-unpatched"), PATCHES, windowsData);
  assert.is(bySid(r.rules, 7100000).decision, "unassign");
  assert.is(bySid(r.rules, 7100000).reason, "KB4012212 installed");
  assert.is(bySid(r.rules, 7100001).decision, "unassign", "every rule of the patch");
  const bk = bySid(r.rules, 7100010);
  assert.is(bk.decision, "assign");
  assert.is(bk.reason, "Windows 7 SP1 6.1.7601 without KB4499175, KB4499164 or a monthly rollup from 2019-05 or later");
  assert.equal(bk.cve, ["CVE-2019-0708"]);
  assert.is(bk.patch, "bluekeep");
  assert.is(bySid(r.rules, 7100040).decision, "not-applicable");
  assert.match(bySid(r.rules, 7100040).reason, /Apache Log4j not installed/);
  assert.match(bySid(r.rules, 7100050).reason, /openssl, libssl1.1 or libssl3: Linux packages; this is a Windows system/);
});

test("Windows 7 with a later monthly rollup: the 2017-03 and 2019-05 fixes are contained", () => {
  const inv = inline(`{"os":{"platform":"windows","name":"Windows 7 Enterprise","version":"6.1.7601"},
    "hotfixes":["KB4534310"],"software":[]}`);
  const r = scan(inv, PATCHES, windowsData);
  assert.is(bySid(r.rules, 7100000).decision, "unassign");
  assert.is(bySid(r.rules, 7100000).reason, "KB4534310 (2020-01 monthly rollup) contains the 2017-03 fix");
  assert.is(bySid(r.rules, 7100010).decision, "unassign");
  assert.is(bySid(r.rules, 7100010).reason, "KB4534310 (2020-01 monthly rollup) contains the 2019-05 fix");
  assert.is(bySid(r.rules, 7100020).decision, "not-applicable", "nothing requires it now");
  // without the Windows data a rollup means nothing: only the advisory's own KBs count
  const bare = scan(inv, PATCHES, emptyWindowsData());
  assert.is(bySid(bare.rules, 7100000).decision, "assign");
  // an earlier rollup does not contain a later fix
  const old = inline(`{"os":{"platform":"windows","name":"Windows Server 2008 R2 Standard","version":"6.1.7601"},
    "hotfixes":["KB4489878"],"software":[]}`);
  const o = scan(old, PATCHES, windowsData);
  assert.is(bySid(o.rules, 7100000).reason, "KB4489878 (2019-03 monthly rollup) contains the 2017-03 fix");
  assert.is(bySid(o.rules, 7100010).decision, "assign");
  assert.match(bySid(o.rules, 7100010).reason, /^Windows Server 2008 R2 SP1 6\.1\.7601 without/);
});

test("Windows 10: UBR below, at and above the fixed revision; auto:false recommends", () => {
  const at = (ubr: number): RuleDecision =>
    bySid(scan(inline(`{"os":{"platform":"windows","name":"Windows 10 Pro","version":"10.0.19045","build":19045,"ubr":${ubr}},
      "hotfixes":[],"software":[]}`), PATCHES, windowsData).rules, 7100030);
  const below = at(1082);
  assert.is(below.decision, "recommend");
  assert.is(below.reason, "Windows 10 22H2 10.0.19045 at UBR 10.0.19045.1082 < 10.0.19045.1083 and without KB5004945");
  assert.is(at(1083).decision, "unassign");
  const above = at(3803);
  assert.is(above.decision, "unassign");
  assert.is(above.reason, "UBR 10.0.19045.3803 ≥ 10.0.19045.1083: a later cumulative update contains the fix");
  // no ubr in the inventory: the installed LCU's UBR from the data
  const noUbr = scan(inline(`{"os":{"platform":"windows","name":"Windows 10 Pro","version":"10.0.19045"},
    "hotfixes":["KB5033372"],"software":[]}`), PATCHES, windowsData);
  assert.is(bySid(noUbr.rules, 7100030).reason,
    "UBR 10.0.19045.3803 (from installed KB5033372) ≥ 10.0.19045.1083: a later cumulative update contains the fix");
  // version 10.0.19045.NNNN carries the UBR too
  const four = scan(inline(`{"os":{"platform":"windows","name":"Windows 10 Pro","version":"10.0.19045.1000"},
    "hotfixes":[],"software":[]}`), PATCHES, windowsData);
  assert.is(bySid(four.rules, 7100030).decision, "recommend");
  assert.match(bySid(four.rules, 7100000).reason, /not an affected Windows version \(6\.1\.7601, 10\.0\.14393\)/);
});

test("Windows software: name prefix, affected range, fixed above it", () => {
  const r = scan(example("windows-10-22h2"), PATCHES, windowsData);
  const l = bySid(r.rules, 7100040);
  assert.is(l.decision, "assign");
  assert.is(l.reason, "Apache Log4j 2 2.14.1 is affected (≥ 2.0-beta9, < 2.15.0)");
  const fixed = scan(inline(`{"os":{"platform":"windows","name":"Windows 10 Pro","version":"10.0.19045","ubr":100},
    "hotfixes":[],"software":[{"name":"apache log4j 2","version":"2.17.1"}]}`), PATCHES, windowsData);
  assert.is(bySid(fixed.rules, 7100040).decision, "unassign");
  assert.is(bySid(fixed.rules, 7100040).reason, "apache log4j 2 2.17.1 ≥ 2.15.0: outside the affected versions");
  const older = scan(inline(`{"os":{"platform":"windows","name":"Windows 10 Pro","version":"10.0.19045","ubr":100},
    "hotfixes":[],"software":[{"name":"Apache Log4j","version":"1.2.17"}]}`), PATCHES, windowsData);
  assert.is(bySid(older.rules, 7100040).decision, "not-applicable");
});

test("Debian 11 and 12 give different decisions for one package; unlisted releases use upstream ranges", () => {
  const d11 = bySid(scan(example("debian-11"), PATCHES, windowsData).rules, 7100050);
  assert.is(d11.decision, "assign");
  assert.is(d11.reason, "openssl 1.1.1n-0+deb11u4 < fixed 1.1.1n-0+deb11u5 (debian-11)");
  const d12 = bySid(scan(example("debian-12"), PATCHES, windowsData).rules, 7100050);
  assert.is(d12.decision, "unassign");
  assert.is(d12.reason, "openssl 3.0.11-1~deb12u2 ≥ fixed 3.0.8-1 (debian-12)");
  const d10 = scan(inline(`{"os":{"platform":"linux","id":"debian","version":"10.13"},
    "packages":[{"name":"libssl1.1","version":"1.1.1n-0+deb10u3","arch":"amd64"}]}`), PATCHES, windowsData);
  assert.is(bySid(d10.rules, 7100050).decision, "assign");
  assert.is(bySid(d10.rules, 7100050).reason,
    "libssl1.1 1.1.1n-0+deb10u3 is affected (≥ 1.1.1, < 1.1.1t) (debian-10 has no fixed version listed: judged by the upstream version)");
  const rocky = scan(inline(`{"os":{"platform":"linux","id":"rocky","version":"9.3"},
    "packages":[{"name":"openssl","version":"1:3.0.7-25.el9_3","arch":"x86_64"}]}`), PATCHES, windowsData);
  assert.is(bySid(rocky.rules, 7100050).decision, "assign", "rpm: epoch and release stripped, upstream 3.0.7 < 3.0.8");
  const none = scan(inline(`{"os":{"platform":"linux","id":"debian","version":"12"},"packages":[]}`), PATCHES, windowsData);
  assert.is(bySid(none.rules, 7100050).decision, "not-applicable");
  assert.is(bySid(none.rules, 7100050).reason, "no affected product: openssl, libssl1.1 or libssl3 not installed");
  assert.match(bySid(none.rules, 7100000).reason, /affects Windows 6\.1\.7601, 10\.0\.14393; this is a Linux system/);
});

test("requires: a rule required by an assigned rule is assigned, by a recommended one recommended", () => {
  const r = scan(example("windows-7-unpatched"), PATCHES, windowsData);
  const dep = bySid(r.rules, 7100020);
  assert.is(dep.decision, "assign");
  assert.is(dep.reason, "required by sid 7100010");
  const manual = PATCHES.map((p) => (p.id === "bluekeep" ? { ...p, auto: false } : p));
  const m = scan(example("windows-7-unpatched"), manual, windowsData);
  assert.is(bySid(m.rules, 7100010).decision, "recommend");
  assert.is(bySid(m.rules, 7100020).decision, "recommend");
  assert.is(bySid(m.rules, 7100020).reason, "required by sid 7100010");
  const missing = PATCHES.filter((p) => p.id !== "rdp-common");
  assert.equal(scan(example("windows-7-unpatched"), missing, windowsData).warnings, [
    "sid 7100010 (bluekeep) requires sid 7100020, which no loaded virtual patch has",
  ]);
});

test("summary counts every rule once, rules come sorted by sid", () => {
  const r = scan(example("windows-7-unpatched"), PATCHES, windowsData);
  assert.equal(r.rules.map((x) => x.sid), [7100000, 7100001, 7100010, 7100020, 7100030, 7100040, 7100050]);
  assert.equal(r.summary, { assign: 2, recommend: 1, unassign: 2, "not-applicable": 2 });
});

test.run();
