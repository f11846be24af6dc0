// `tsugi scan` through runScan on a temporary packs directory (two patches written here): the text
// table, the JSON shape, --help, and problems (bad inventory, bad metadata) as file:line:col with exit 2.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runScan } from "./cli.ts";

function run(argv: string[]): { code: number; out: string; err: string } {
  const log = console.log;
  const error = console.error;
  let out = "";
  let err = "";
  console.log = (...a: unknown[]) => void (out += a.join(" ") + "\n");
  console.error = (...a: unknown[]) => void (err += a.join(" ") + "\n");
  try {
    return { code: runScan(argv), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const META = (id: string, sid: number, cve: string, affected: string): string => `id: ${id}
title: "t"
cve: [${cve}]
cvss: { score: 9.8, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }
severity: critical
application_type: smb-server
issued: 2026-11-25
auto: true
rules: [${sid}]
description: d
references: [https://example.org/a]
affected:
${affected}`;

function packs(): string {
  const root = mkdtempSync(join(tmpdir(), "tsugi-scan-"));
  const add = (id: string, sid: number, cve: string, affected: string): void => {
    mkdirSync(join(root, "vpatch", id), { recursive: true });
    writeFileSync(join(root, "vpatch", id, `${id}.vpatch.yaml`), META(id, sid, cve, affected));
    writeFileSync(join(root, "vpatch", id, `${id}.rules`),
      `drop tcp any any -> any 445 (msg:"x"; content:"x"; metadata: cve ${cve}, tsugi_patch ${id}; sid:${sid}; rev:1;)\n`);
  };
  add("bluekeep", 7100010, "CVE-2019-0708", '  windows:\n    - { os: "6.1.7601", kb: [KB4499175, KB4499164], month: "2019-05" }\n');
  add("openssl-x", 7100050, "CVE-2023-0286",
    '  packages:\n    - cpe: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*"\n      names: [openssl]\n      fixed: { debian-11: "1.1.1n-0+deb11u5", debian-12: not-affected }\n');
  mkdirSync(join(root, "data"));
  writeFileSync(join(root, "data", "windows.yaml"),
    'versions:\n  - { os: "6.1.7601", names: ["Windows 7 SP1"], ubr: false }\nupdates:\n  - os: ["6.1.7601"]\n    cumulative: [{ kb: KB4534310, month: "2020-01" }]\n');
  return root;
}

const example = (n: string): string => fileURLToPath(new URL(`./examples/${n}.json`, import.meta.url));

test("text table and JSON", () => {
  const dir = packs();
  try {
    const t = run(["--inventory", example("windows-7-unpatched"), "--packs", dir]);
    assert.is(t.code, 0, t.err);
    assert.match(t.out, "inventory: Windows 7 Professional SP1 6.1.7601 (windows)");
    assert.match(t.out, /7100010\s+assign\s+CVE-2019-0708\s+Windows 7 SP1 6\.1\.7601 without KB4499175, KB4499164 or a monthly rollup from 2019-05 or later/);
    assert.match(t.out, "2 rules: 1 assign, 0 recommend, 0 unassign, 1 not-applicable");
    const j = run(["--inventory", example("debian-11"), "--packs", dir, "--json"]);
    assert.is(j.code, 0, j.err);
    const v = JSON.parse(j.out);
    assert.equal(v.inventory, { platform: "linux", id: "debian", version: "11" });
    assert.equal(v.summary, { assign: 1, recommend: 0, unassign: 0, "not-applicable": 1 });
    assert.equal(v.rules[1], {
      sid: 7100050, cve: ["CVE-2023-0286"], patch: "openssl-x", decision: "assign",
      reason: "openssl 1.1.1n-0+deb11u4 < fixed 1.1.1n-0+deb11u5 (debian-11)",
    });
    const d12 = JSON.parse(run(["--inventory", example("debian-12"), "--packs", dir, "--json"]).out);
    assert.is(d12.rules[1].decision, "not-applicable");
    assert.is(d12.rules[1].reason, "no affected product: openssl in debian-12 was never affected");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("problems: exit 2 with file:line:col; --help; bad arguments", () => {
  const dir = packs();
  try {
    const inv = join(dir, "bad.json");
    writeFileSync(inv, '{"os": {"platform": "windows", "name": "W", "version": "6.1"}}');
    const b = run(["--inventory", inv, "--packs", dir]);
    assert.is(b.code, 2);
    assert.match(b.err, `${inv}:1:56: os.version "6.1" is not a Windows version`);
    writeFileSync(join(dir, "vpatch", "bluekeep", "bluekeep.vpatch.yaml"), META("bluekeep", 7100010, "CVE-2019-0708", "  windows: []\n"));
    const m = run(["--inventory", example("debian-12"), "--packs", dir]);
    assert.is(m.code, 2);
    assert.match(m.err, `${join(dir, "vpatch", "bluekeep", "bluekeep.vpatch.yaml")}:13:12: affected.windows is empty`);
    // rules without metadata could never be assigned: a problem, as is metadata under another name
    renameSync(join(dir, "vpatch", "bluekeep", "bluekeep.vpatch.yaml"), join(dir, "vpatch", "bluekeep", "bk.vpatch.yaml"));
    const n = run(["--inventory", example("debian-12"), "--packs", dir]);
    assert.is(n.code, 2);
    assert.match(n.err, `${join(dir, "vpatch", "bluekeep")}:1:1: virtual patch "bluekeep" has no metadata (bluekeep.vpatch.yaml)`);
    assert.match(n.err, `bk.vpatch.yaml:1:1: the metadata file must be named bluekeep.vpatch.yaml`);
    assert.is(run(["--help"]).code, 0);
    assert.match(run(["--help"]).out, "usage: tsugi scan");
    assert.is(run([]).code, 2);
    assert.is(run(["--inventory"]).code, 2);
    assert.is(run(["--inventory", "x", "--bogus"]).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the built-in packs scan every example inventory", () => {
  for (const n of ["windows-7-unpatched", "windows-10-22h2", "debian-11", "debian-12"]) {
    const r = run(["--inventory", example(n), "--json"]);
    assert.is(r.code, 0, `${n}: ${r.err}`);
    assert.ok(Array.isArray(JSON.parse(r.out).rules));
  }
});

test.run();
