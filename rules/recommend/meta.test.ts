// The virtual-patch metadata validator and folder cross-check: a complete valid file reads into the
// expected VpatchMeta, and each kind of mistake is reported at its file:line:col with a useful message.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseRules } from "../parse.ts";
import { checkCpe, checkVpatchFolder, parseVpatchMeta } from "./meta.ts";
import { showProblem } from "./fields.ts";

const GOOD = `id: ms17-010
title: "MS17-010: SMBv1 remote code execution"
cve: [CVE-2017-0143, CVE-2017-0144]
cvss:
  score: 8.1
  vector: "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H"
severity: high
application_type: smb-server
issued: 2026-11-25
auto: true
rules: [7100000, 7100001]
requires: []
description: >
  SMBv1 transaction handling overflows.
references:
  - https://learn.microsoft.com/en-us/security-updates/securitybulletins/2017/ms17-010
affected:
  windows:
    - os: "6.1.7601"
      kb: [KB4012212, KB4012215]
      month: "2017-03"
    - { os: "10.0.14393", kb: [KB4013429], month: "2017-03", ubr: 953 }
  software:
    - cpe: "cpe:2.3:a:microsoft:exchange_server:2019:*:*:*:*:*:*:*"
      names: ["Microsoft Exchange Server 2019"]
      versions: [{ from: "15.2.0", before: "15.2.858.10" }]
      kb: [KB5001779]
  packages:
    - cpe: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*"
      names: [openssl]
      versions: [{ from: 1.0.1, before: "1.0.1g" }]
      fixed:
        debian-7: "1.0.1e-2+deb7u5"
        debian-11: not-affected
  appliances:
    - cpe: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"
      versions: [{ from: "6.0.0", through: "6.0.4" }]
`;

function problems(text: string): string[] {
  return parseVpatchMeta(text, "p.vpatch.yaml").problems.map(showProblem);
}

test("a complete metadata file reads into VpatchMeta", () => {
  const r = parseVpatchMeta(GOOD, "ms17-010.vpatch.yaml");
  assert.equal(r.problems, []);
  const m = r.meta!;
  assert.is(m.id, "ms17-010");
  assert.equal(m.cve, ["CVE-2017-0143", "CVE-2017-0144"]);
  assert.equal(m.cvss, { score: 8.1, vector: "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H" });
  assert.is(m.severity, "high");
  assert.is(m.applicationType, "smb-server");
  assert.is(m.issued, "2026-11-25");
  assert.is(m.auto, true);
  assert.equal(m.rules, [7100000, 7100001]);
  assert.equal(m.affected.windows.map((w) => [w.os, w.kb, w.month, w.ubr]), [
    ["6.1.7601", ["KB4012212", "KB4012215"], "2017-03", undefined],
    ["10.0.14393", ["KB4013429"], "2017-03", 953],
  ]);
  assert.equal(m.affected.software[0].kb, ["KB5001779"]);
  assert.equal(m.affected.packages[0].versions, [{ from: "1.0.1", before: "1.0.1g" }], "a plain 1.0.1 stays text");
  assert.equal([...m.affected.packages[0].fixed], [["debian-7", "1.0.1e-2+deb7u5"], ["debian-11", "not-affected"]]);
  assert.equal(m.affected.appliances[0].versions, [{ from: "6.0.0", through: "6.0.4" }]);
});

test("each field's mistakes are reported at file:line:col", () => {
  const cases: [string, string, string][] = [
    ["id: ms17-010", "id: MS17_010", 'p.vpatch.yaml:1:5: id "MS17_010" is not an id'],
    ["title:", "titel:", 'p.vpatch.yaml:2:1: unknown key "titel" in the metadata (did you mean "title"?)'],
    ["CVE-2017-0144]", "CVE-17-0144]", 'p.vpatch.yaml:3:22: CVE id "CVE-17-0144" is not a CVE id'],
    ["score: 8.1", "score: 9.1", 'p.vpatch.yaml:7:11: severity "high" does not agree with cvss.score 9.1'],
    ["AV:N/AC:H", "AV:X/AC:H", "p.vpatch.yaml:6:11: cvss.vector \"CVSS:3.0/AV:X/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H\" is not a CVSS v3 vector"],
    ["application_type: smb-server", "application_type: smb", 'p.vpatch.yaml:8:19: application_type "smb" is not one of'],
    ["issued: 2026-11-25", "issued: 2026-02-30", 'p.vpatch.yaml:9:9: issued "2026-02-30" is not a date'],
    ["auto: true", "auto: yes", "p.vpatch.yaml:10:7: auto must be true or false, found the text \"yes\""],
    ["rules: [7100000, 7100001]", "rules: [7100000, 7100000]", "p.vpatch.yaml:11:18: sid 7100000 is listed twice in rules"],
    ["requires: []", "requires: [7100001]", "p.vpatch.yaml:12:12: sid 7100001 requires itself"],
    ["  - https://learn", "  - http://learn", 'p.vpatch.yaml:16:5: reference "http://learn.microsoft.com'],
    ['os: "6.1.7601"', 'os: "6.1.7600"', 'p.vpatch.yaml:19:11: os "6.1.7600" is not a Windows version Tsugi knows'],
    ["KB4012212, KB4012215", "KB4012212, KB40122", 'p.vpatch.yaml:20:23: KB "KB40122" is not a KB number'],
    ['month: "2017-03"\n', 'month: "2017-13"\n', 'p.vpatch.yaml:21:14: month "2017-13" is not a month'],
    [", ubr: 953 }", " }", 'p.vpatch.yaml:22:7: missing key "ubr" for 10.0.14393'],
    ["exchange_server:2019:*:*:*:*:*:*:*", "exchange_server:2019:*:*:*:*:*:*", "p.vpatch.yaml:24:12: cpe \"cpe:2.3:a:microsoft:exchange_server:2019:*:*:*:*:*:*\" has 12 colon-separated parts, a CPE 2.3 name has 13"],
    ['before: "15.2.858.10"', 'before: "15.1"', "p.vpatch.yaml:26:18: an empty range: from 15.2.0 is not below before 15.1"],
    ["debian-7:", "debian7:", 'p.vpatch.yaml:33:9: release "debian7" is not <os.id>-<version>'],
    ['through: "6.0.4"', 'through: "6.0.4", before: "6.0.5"', "p.vpatch.yaml:37:18: a range has either before (exclusive) or through (inclusive), not both"],
    ["affected:\n", "affectd:\n", 'p.vpatch.yaml:17:1: unknown key "affectd" in the metadata (did you mean "affected"?)'],
  ];
  for (const [from, to, want] of cases) {
    assert.ok(GOOD.includes(from), from);
    const got = problems(GOOD.replace(from, to));
    assert.ok(got.some((p) => p.startsWith(want)), `${to}: wanted ${want}\n got ${got.join("\n")}`);
  }
  assert.equal(problems("id: [\n"), ['p.vpatch.yaml:2:1: missing "]" at end of file']);
  assert.ok(problems("id: x\n").some((p) => p === 'p.vpatch.yaml:1:1: missing key "cve" in the metadata'));
});

test("CPE 2.3 syntax", () => {
  assert.is(checkCpe("cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*"), null);
  assert.is(checkCpe("cpe:2.3:a:vendor:pro\\:duct:*:*:*:*:*:*:*:*"), null, "an escaped colon stays in its part");
  assert.match(checkCpe("cpe:2.3:x:apache:log4j:*:*:*:*:*:*:*:*") ?? "", /must be a \(application\)/);
  assert.match(checkCpe("cpe:/a:apache:log4j") ?? "", /parts/);
  assert.match(checkCpe("cpe:2.3:a:*:log4j:*:*:*:*:*:*:*:*") ?? "", /vendor/);
});

const RULES = `drop smb any any -> any any (msg:"a"; content:"x"; metadata: cve CVE-2017-0144, tsugi_patch ms17-010; sid:7100000; rev:1;)
alert smb any any -> any any (msg:"b"; content:"y"; metadata: cve CVE-2017-0199, tsugi_patch ms17-010; sid:7100002; rev:1;)
drop smb any any -> any any (msg:"c"; content:"z"; sid:7100003; rev:1;)
`;

test("folder cross-check: id, sids both ways, drop, the rules' CVEs and tsugi_patch", () => {
  const m = parseVpatchMeta(GOOD, "vpatch/ms17-010/ms17-010.vpatch.yaml").meta!;
  const { rules } = parseRules(RULES, "vpatch/ms17-010/ms17-010.rules");
  assert.is(rules.length, 3);
  const got = checkVpatchFolder(m, "ms17-010", rules).map(showProblem);
  assert.equal(got, [
    'vpatch/ms17-010/ms17-010.rules:2:1: sid 7100002 is not listed in "rules:" of vpatch/ms17-010/ms17-010.vpatch.yaml',
    'vpatch/ms17-010/ms17-010.rules:2:1: sid 7100002: a virtual patch uses the action "drop", not "alert"',
    'vpatch/ms17-010/ms17-010.rules:2:1: sid 7100002: metadata names CVE-2017-0199, which is not in "cve:" of vpatch/ms17-010/ms17-010.vpatch.yaml',
    'vpatch/ms17-010/ms17-010.rules:3:1: sid 7100003 is not listed in "rules:" of vpatch/ms17-010/ms17-010.vpatch.yaml',
    'vpatch/ms17-010/ms17-010.rules:3:1: sid 7100003: metadata names no CVE (add "metadata: cve CVE-…, tsugi_patch ms17-010;")',
    'vpatch/ms17-010/ms17-010.rules:3:1: sid 7100003: metadata has no "tsugi_patch ms17-010"',
    'vpatch/ms17-010/ms17-010.vpatch.yaml:11:18: sid 7100001 is listed in "rules:" but no rule in ms17-010/*.rules has it',
  ]);
  const other = checkVpatchFolder(m, "ms17-011", rules.slice(0, 1)).map(showProblem);
  assert.ok(other.includes('vpatch/ms17-010/ms17-010.vpatch.yaml:1:5: id "ms17-010" must be the folder name "ms17-011"'), other.join("\n"));
  assert.ok(other.some((p) => p.includes("the metadata file must be named ms17-011.vpatch.yaml")));
});

test.run();
