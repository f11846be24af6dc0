// The built-in packs as shipped: everything in rules/packs/ builds into a signed pack exactly as
// `tsugi pack build rules/packs` does (every rule compiles, every metadata file validates and agrees
// with its folder, the Windows data, the app signatures and the templates load, no patch is left
// unfinished), the signature verifies, and the pack carries every rule the engine loads.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { generateKeyPairSync } from "node:crypto";
import { buildPack, collectSources, verifyPack } from "../pack/pack.ts";
import { builtinPacksDir, builtinRuleFiles } from "./builtin.ts";
import { buildRuleSet } from "../build.ts";

test("the built-in packs build, sign and verify as tsugi pack build does", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const r = buildPack(collectSources(builtinPacksDir()), { version: "test", privateKey });
  assert.equal(r.problems, []);
  const v = verifyPack(JSON.stringify(r.pack), publicKey);
  assert.ok(v.ok, v.ok ? "" : v.error);
  const loaded = buildRuleSet(builtinRuleFiles());
  assert.equal(loaded.problems, []);
  assert.is(r.pack?.rules.length, loaded.ruleSet.signatures.length);
  assert.ok(loaded.ruleSet.signatures.length >= 70, `${loaded.ruleSet.signatures.length} rules`);
  for (const dir of ["vpatch/", "apps/", "templates/", "data/"]) {
    assert.ok(r.pack?.files.some((f) => f.path.startsWith(dir)), `no ${dir} in the pack`);
  }
});

test.run();
