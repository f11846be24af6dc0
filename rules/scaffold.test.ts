// `tsugi rules new`: the scaffold is complete, loads as rules, never overwrites, picks a free sid, and
// its test stubs fail until filled in.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildRuleSet } from "./build.ts";
import { ACT_DROP } from "../engine/detect/signature.ts";
import { runRulesNew, SCAFFOLD_SID_FIRST, scaffoldVpatch } from "./scaffold.ts";

const repo = fileURLToPath(new URL("..", import.meta.url));

/** A packs folder inside the repository (so the stub test resolves uvu and tsx), removed at the end. */
function packsDir(): string {
  mkdirSync(join(repo, "out"), { recursive: true });
  return mkdtempSync(join(repo, "out", "scaffold-"));
}

test("scaffolds rule, metadata, tests and traffic notes; the rule loads and names its CVE", () => {
  const packs = packsDir();
  try {
    const r = scaffoldVpatch({ cve: "cve-2099-1234", packsDir: packs, today: "2026-11-25" });
    assert.equal(r.id, "cve-2099-1234");
    assert.equal(r.sid, SCAFFOLD_SID_FIRST);
    for (const f of ["cve-2099-1234.rules", "cve-2099-1234.vpatch.yaml", "cve-2099-1234.test.ts", "traffic/README.md"]) {
      assert.ok(existsSync(join(r.dir, f)), f);
    }
    const rules = readFileSync(join(r.dir, "cve-2099-1234.rules"), "utf8");
    const built = buildRuleSet([{ file: "x.rules", text: rules }]);
    assert.equal(built.problems, []);
    assert.equal(built.ruleSet.signatures.map((s) => [s.sid, s.action]), [[SCAFFOLD_SID_FIRST, ACT_DROP]]);
    assert.match(rules, /cve CVE-2099-1234/);
    const meta = readFileSync(join(r.dir, "cve-2099-1234.vpatch.yaml"), "utf8");
    assert.match(meta, /issued: 2026-11-25/);
    assert.match(meta, /TODO/);
    // the next one takes the next sid; an existing folder is refused and left as it was
    assert.equal(scaffoldVpatch({ cve: "CVE-2099-1235", packsDir: packs }).sid, SCAFFOLD_SID_FIRST + 1);
    writeFileSync(join(r.dir, "cve-2099-1234.rules"), "kept");
    assert.throws(() => scaffoldVpatch({ cve: "CVE-2099-1234", packsDir: packs }), /already exists/);
    assert.equal(readFileSync(join(r.dir, "cve-2099-1234.rules"), "utf8"), "kept");
    assert.throws(() => scaffoldVpatch({ cve: "CVE-2099-9999", packsDir: packs, id: "x", sid: SCAFFOLD_SID_FIRST + 1 }), /already used/);
    assert.throws(() => scaffoldVpatch({ cve: "MS17-010", packsDir: packs }), /not a CVE id/);
    assert.throws(() => scaffoldVpatch({ cve: "CVE-2099-1111", packsDir: packs, id: "Bad Name" }), /lower-case/);
  } finally {
    rmSync(packs, { recursive: true, force: true });
  }
});

test("the scaffolded tests fail until filled in", () => {
  const packs = packsDir();
  try {
    const r = scaffoldVpatch({ cve: "CVE-2099-4242", packsDir: packs });
    const run = spawnSync(process.execPath, ["--import", "tsx", join(r.dir, `${r.id}.test.ts`)], { cwd: repo, encoding: "utf8" });
    assert.not.equal(run.status, 0);
    assert.match(run.stdout + run.stderr, /not filled in yet/);
  } finally {
    rmSync(packs, { recursive: true, force: true });
  }
});

test("CLI: usage errors exit 2", () => {
  const err = console.error;
  console.error = () => {};
  try {
    assert.equal(runRulesNew([]), 2);
    assert.equal(runRulesNew(["CVE-2099-1", "CVE-2099-2"]), 2);
    assert.equal(runRulesNew(["--bogus"]), 2);
  } finally {
    console.error = err;
  }
});

test.run();
