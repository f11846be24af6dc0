// The Windows update data validator: a small valid file reads; mistakes are reported at file:line:col.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { showProblem } from "./fields.ts";
import { parseWindowsData } from "./windows-data.ts";

const GOOD = `versions:
  - { os: "6.1.7601", names: ["Windows 7 SP1", "Windows Server 2008 R2 SP1"], ubr: false }
  - { os: "10.0.19045", names: ["Windows 10 22H2"], ubr: true }
updates:
  - os: ["6.1.7601"]
    cumulative:
      - { kb: KB4012215, month: "2017-03" }
      - { kb: KB4499164, month: "2019-05" }
  - os: ["10.0.19045"]
    cumulative:
      - { kb: KB5033372, month: "2023-12", ubr: 3803 }
`;

test("a valid file reads", () => {
  const r = parseWindowsData(GOOD, "w.yaml");
  assert.equal(r.problems, []);
  assert.equal(r.data!.versions.get("6.1.7601"), { os: "6.1.7601", names: ["Windows 7 SP1", "Windows Server 2008 R2 SP1"], hasUbr: false });
  assert.equal(r.data!.cumulative.get("KB5033372"), { kb: "KB5033372", month: "2023-12", ubr: 3803, os: ["10.0.19045"] });
});

test("mistakes are reported at file:line:col", () => {
  const p = (from: string, to: string): string[] => {
    assert.ok(GOOD.includes(from), from);
    return parseWindowsData(GOOD.replace(from, to), "w.yaml").problems.map(showProblem);
  };
  assert.equal(p('"2019-05"', '"2016-05"'), ['w.yaml:8:33: updates must be in release order: 2016-05 after 2017-03']);
  assert.equal(p("KB4499164", "KB4012215"), ["w.yaml:8:15: KB4012215 is listed twice"]);
  assert.equal(p(', ubr: 3803 }', ' }'), ['w.yaml:11:9: missing key "ubr" in a cumulative update']);
  assert.equal(p('ubr: false }', 'ubr: true }'), ["w.yaml:2:84: ubr must be false for 6.1.7601 (only 10.0.x reports an update build revision)"]);
  assert.equal(p('os: ["10.0.19045"]', 'os: ["10.0.19044"]'), ["w.yaml:9:9: os 10.0.19044 is not in versions"]);
  assert.equal(p('month: "2017-03"', 'month: "2017-3"'), ['w.yaml:7:33: month "2017-3" is not a month (YYYY-MM)']);
});

test.run();
