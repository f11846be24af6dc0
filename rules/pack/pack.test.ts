// Signed rule packs: keygen/build/verify round trip through the CLI on a temp directory (two rule files
// and a firewall template), every kind of tampering refused, another key refused, bad rules and
// policies fail the build with file:line:col, and diff finds added/changed/removed rules and files.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runPack } from "./cli.ts";
import {
  buildPack,
  canonicalJson,
  collectSources,
  diffPacks,
  loadPrivateKey,
  loadPublicKey,
  PACK_FORMAT,
  signPack,
  verifyPack,
} from "./pack.ts";
import type { Pack } from "./pack.ts";
import { scaffoldVpatch } from "../scaffold.ts";

const templates = fileURLToPath(new URL("../packs/templates/", import.meta.url));
const RULE_A = 'alert tcp any any -> any 80 (msg:"evil http"; content:"evil"; sid:1000001; rev:1;)\n';
const RULE_B = '# smb\ndrop tcp any any -> any 445 (msg:"bad smb"; content:"bad"; sid:1000002; rev:2;)\n';

function run(argv: string[]): { code: number; out: string; err: string } {
  const log = console.log;
  const error = console.error;
  let out = "";
  let err = "";
  console.log = (...a: unknown[]) => void (out += a.join(" ") + "\n");
  console.error = (...a: unknown[]) => void (err += a.join(" ") + "\n");
  try {
    return { code: runPack(argv), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** A fresh temp dir with a pack source dir `src/` and a key pair `k`. */
function fixture(): { root: string; src: string; key: string; pub: string } {
  const root = mkdtempSync(join(tmpdir(), "tsugi-pack-"));
  const src = join(root, "src");
  mkdirSync(join(src, "sub"), { recursive: true });
  writeFileSync(join(src, "a.rules"), RULE_A);
  writeFileSync(join(src, "sub", "b.rules"), RULE_B);
  copyFileSync(join(templates, "block-outbound-smb.yaml"), join(src, "block-outbound-smb.yaml"));
  writeFileSync(join(src, "notes.txt"), "not collected");
  const k = run(["keygen", "-o", join(root, "k")]);
  assert.is(k.code, 0, k.err);
  return { root, src, key: join(root, "k.key"), pub: join(root, "k.pub") };
}

function built(f: { src: string; key: string }, version = "1.0.0"): Pack {
  const r = buildPack(collectSources(f.src), { version, privateKey: loadPrivateKey(f.key) });
  assert.equal(r.problems, []);
  assert.ok(r.pack);
  return r.pack as Pack;
}

const clone = (p: Pack): Pack => JSON.parse(JSON.stringify(p)) as Pack;

test("canonicalJson sorts keys at every level and keeps array order", () => {
  assert.is(canonicalJson({ b: 1, a: [{ d: "x", c: null }, 2], e: undefined }), '{"a":[{"c":null,"d":"x"},2],"b":1}');
});

test("keygen, build, verify round trip through the CLI", () => {
  const f = fixture();
  try {
    assert.is(statSync(f.key).mode & 0o777, 0o600);
    assert.match(readFileSync(f.key, "utf8"), "BEGIN PRIVATE KEY");
    assert.match(readFileSync(f.pub, "utf8"), "BEGIN PUBLIC KEY");
    assert.is(run(["keygen", "-o", join(f.root, "k")]).code, 2, "refuses to overwrite a key");

    const out = join(f.root, "pack.json");
    const b = run(["build", f.src, "-o", out, "--key", f.key, "--version", "2025.1"]);
    assert.is(b.code, 0, b.err);
    const pack = JSON.parse(readFileSync(out, "utf8")) as Pack;
    assert.is(pack.format, PACK_FORMAT);
    assert.is(pack.version, "2025.1");
    assert.ok(!Number.isNaN(Date.parse(pack.created)));
    assert.equal(pack.files.map((x) => x.path), ["a.rules", "block-outbound-smb.yaml", "sub/b.rules"]);
    assert.equal(pack.rules.map((r) => [r.gid, r.sid, r.rev, r.msg, r.file]), [
      [1, 1000001, 1, "evil http", "a.rules"],
      [1, 1000002, 2, "bad smb", "sub/b.rules"],
    ]);
    assert.is(pack.signature?.alg, "ed25519");
    assert.match(pack.signature?.keyId ?? "", /^[0-9a-f]{16}$/);

    const v = run(["verify", out, "--key", f.pub]);
    assert.is(v.code, 0, v.err);
    assert.match(v.out, "version 2025.1");
    assert.match(v.out, "3 files, 2 rules");

    for (const sub of ["keygen", "build", "verify", "diff"]) {
      const h = run([sub, "--help"]);
      assert.is(h.code, 0);
      assert.match(h.out, `usage: tsugi pack ${sub}`);
    }
  } finally {
    rmSync(f.root, { recursive: true, force: true });
  }
});

test("tampering with a file, a rule, the version or the signature is refused", () => {
  const f = fixture();
  try {
    const pub = loadPublicKey(f.pub);
    const pack = built(f);
    assert.ok(verifyPack(JSON.stringify(pack), pub).ok);
    const refused = (p: unknown, want: string | RegExp): void => {
      const v = verifyPack(JSON.stringify(p), pub);
      assert.is(v.ok, false);
      if (!v.ok) assert.match(v.error, want);
    };

    let t = clone(pack);
    t.files[0].content = t.files[0].content.replace("evil", "EVIL");
    refused(t, "file a.rules: sha256 hash mismatch");

    t = clone(pack); // content and its hash both changed: only the signature can tell
    t.files[0].content = RULE_A.replace("evil", "good");
    t.files[0].sha256 = (buildPack([{ path: "a.rules", content: t.files[0].content }], {
      version: "x",
      privateKey: loadPrivateKey(f.key),
    }).pack as Pack).files[0].sha256;
    refused(t, "signature mismatch");

    t = clone(pack);
    t.rules[1].rev = 9;
    refused(t, "signature mismatch");

    t = clone(pack);
    t.rules.pop();
    refused(t, "signature mismatch");

    t = clone(pack);
    t.version = "9.9.9";
    refused(t, "signature mismatch");

    t = clone(pack);
    const sig = Buffer.from(t.signature?.value ?? "", "base64");
    sig[0] ^= 1;
    (t.signature as { value: string }).value = sig.toString("base64");
    refused(t, "signature mismatch");

    t = clone(pack);
    delete t.signature;
    refused(t, "unsigned pack");

    refused({ ...clone(pack), format: "tsugi-pack/2" }, 'unknown format "tsugi-pack/2"');
    refused({ hello: 1 }, "not a Tsugi pack");
    const notJson = verifyPack("{", pub);
    assert.ok(!notJson.ok && notJson.error.startsWith("not JSON"));

    // and through the CLI: exit 1, one line naming the problem
    t = clone(pack);
    t.version = "evil";
    const file = join(f.root, "tampered.json");
    writeFileSync(file, JSON.stringify(t));
    const v = run(["verify", file, "--key", f.pub]);
    assert.is(v.code, 1);
    assert.is(v.err.trim().split("\n").length, 1);
    assert.match(v.err, "REFUSED: signature mismatch");
  } finally {
    rmSync(f.root, { recursive: true, force: true });
  }
});

test("a pack signed with another key is refused, even when it claims the right key id", () => {
  const f = fixture();
  try {
    const pack = built(f);
    assert.is(run(["keygen", "-o", join(f.root, "other")]).code, 0);
    const other = loadPrivateKey(join(f.root, "other.key"));
    const v1 = verifyPack(JSON.stringify(pack), loadPublicKey(join(f.root, "other.pub")));
    assert.ok(!v1.ok && v1.error.startsWith("wrong key"), JSON.stringify(v1));

    const forged = signPack(pack, other);
    (forged.signature as { keyId: string }).keyId = pack.signature?.keyId ?? "";
    const v2 = verifyPack(JSON.stringify(forged), loadPublicKey(f.pub));
    assert.ok(!v2.ok && v2.error.startsWith("signature mismatch"), JSON.stringify(v2));
  } finally {
    rmSync(f.root, { recursive: true, force: true });
  }
});

test("a bad rule or policy fails the build with file:line:col and writes nothing", () => {
  const f = fixture();
  try {
    writeFileSync(join(f.src, "sub", "bad.rules"), '\nalert tcp any any -> any 80 (msg:"x"; conten:"a"; sid:7;)\n');
    const out = join(f.root, "pack.json");
    const b = run(["build", f.src, "-o", out, "--key", f.key]);
    assert.is(b.code, 1);
    assert.match(b.err, join(f.src, "sub", "bad.rules") + ":2:");
    assert.match(b.err, /bad\.rules:2:\d+: unknown keyword "conten"/);
    assert.not.ok(existsSync(out));

    rmSync(join(f.src, "sub", "bad.rules"));
    writeFileSync(join(f.src, "bad.yaml"), "firewall:\n  rules:\n    - name: x\n      action: denny\n");
    const r = buildPack(collectSources(f.src), { version: "1", privateKey: loadPrivateKey(f.key) });
    assert.is(r.pack, null);
    assert.ok(r.problems.some((p) => /^bad\.yaml:4:\d+: .*denny/.test(p)), r.problems.join("\n"));
  } finally {
    rmSync(f.root, { recursive: true, force: true });
  }
});

const VPATCH_META = `id: demo-1
title: "demo"
cve: [CVE-2017-0144]
cvss: { score: 8.1, vector: "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H" }
severity: high
application_type: smb-server
issued: 2026-11-25
auto: true
rules: [7100900]
description: d
references: [https://example.org/x]
affected:
  windows:
    - { os: "6.1.7601", kb: [KB4012212], month: "2017-03" }
`;
const VPATCH_RULE =
  'drop tcp any any -> any 445 (msg:"demo"; content:"x"; metadata: cve CVE-2017-0144, tsugi_patch demo-1; sid:7100900; rev:1;)\n';

test("*.vpatch.yaml is checked as metadata (with its folder's rules), data/*.yaml by its validator", () => {
  const f = fixture();
  try {
    const dir = join(f.src, "vpatch", "demo-1");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "demo-1.rules"), VPATCH_RULE);
    writeFileSync(join(dir, "demo-1.vpatch.yaml"), VPATCH_META);
    mkdirSync(join(f.src, "data"));
    writeFileSync(join(f.src, "data", "windows.yaml"), 'versions:\n  - { os: "6.1.7601", names: ["Windows 7 SP1"], ubr: false }\nupdates:\n  - os: ["6.1.7601"]\n    cumulative: [{ kb: KB4534310, month: "2020-01" }]\n');
    const ok = buildPack(collectSources(f.src), { version: "1", privateKey: loadPrivateKey(f.key) });
    assert.equal(ok.problems, []);
    assert.ok(ok.pack?.files.some((x) => x.path === "vpatch/demo-1/demo-1.vpatch.yaml"));

    writeFileSync(join(dir, "demo-1.vpatch.yaml"), VPATCH_META.replace("severity: high", "severity: hihg").replace("[7100900]", "[7100901]"));
    writeFileSync(join(f.src, "data", "windows.yaml"), 'versions: []\nupdate: []\n');
    const bad = buildPack(collectSources(f.src), { version: "1", privateKey: loadPrivateKey(f.key), displayDir: "packs" });
    assert.is(bad.pack, null);
    const want = [
      'packs/data/windows.yaml:1:11: versions is empty',
      'packs/data/windows.yaml:2:1: unknown key "update" in the Windows update data (did you mean "updates"?)',
      'packs/vpatch/demo-1/demo-1.vpatch.yaml:5:11: severity "hihg" is not one of none, low, medium, high, critical',
    ];
    for (const w of want) assert.ok(bad.problems.some((p) => p.startsWith(w)), `${w}\n${bad.problems.join("\n")}`);
    writeFileSync(join(dir, "demo-1.vpatch.yaml"), VPATCH_META.replace("[7100900]", "[7100901]"));
    writeFileSync(join(f.src, "data", "windows.yaml"), "versions: []\nupdates: []\n");
    const cross = buildPack(collectSources(f.src), { version: "1", privateKey: loadPrivateKey(f.key), displayDir: "packs" });
    assert.ok(cross.problems.includes(
      'packs/vpatch/demo-1/demo-1.rules:1:1: sid 7100900 is not listed in "rules:" of vpatch/demo-1/demo-1.vpatch.yaml',
    ), cross.problems.join("\n"));
    assert.ok(cross.problems.some((p) => p.startsWith("packs/vpatch/demo-1/demo-1.vpatch.yaml:9:9: sid 7100901 is listed")));
  } finally {
    rmSync(f.root, { recursive: true, force: true });
  }
});

test("a scaffolded patch (TODO left), a patch without metadata and bad app signatures fail the build", () => {
  const f = fixture();
  try {
    const dir = join(f.src, "vpatch", "demo-1");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "demo-1.rules"), VPATCH_RULE);
    writeFileSync(join(dir, "demo-1.vpatch.yaml"), VPATCH_META);
    mkdirSync(join(f.src, "vpatch", "bare"));
    writeFileSync(join(f.src, "vpatch", "bare", "bare.rules"), 'drop tcp any any -> any 1 (msg:"bare"; content:"y"; sid:7100950; rev:1;)\n');
    scaffoldVpatch({ cve: "CVE-2099-0001", packsDir: f.src });
    mkdirSync(join(f.src, "apps"));
    writeFileSync(join(f.src, "apps", "apps.yaml"), "apps:\n  - name: x\n    colour: blue\n");
    const r = buildPack(collectSources(f.src), { version: "1", privateKey: loadPrivateKey(f.key), displayDir: "packs" });
    assert.is(r.pack, null);
    const has = (re: RegExp) => assert.ok(r.problems.some((p) => re.test(p)), `${re}\n${r.problems.join("\n")}`);
    has(/^packs\/vpatch\/bare\/bare\.rules:1:1: virtual patch "bare" has no metadata \(vpatch\/bare\/bare\.vpatch\.yaml\)/);
    has(/^packs\/vpatch\/cve-2099-0001\/cve-2099-0001\.rules:1:\d+: TODO: this virtual patch is not filled in yet/);
    has(/^packs\/vpatch\/cve-2099-0001\/cve-2099-0001\.vpatch\.yaml:\d+:\d+: /);
    has(/^packs\/apps\/apps\.yaml:3:5: /);
  } finally {
    rmSync(f.root, { recursive: true, force: true });
  }
});

test("diff lists added, changed and removed rules and files", () => {
  const f = fixture();
  try {
    const old = built(f, "1");
    writeFileSync(join(f.src, "sub", "b.rules"), RULE_B.replace("rev:2", "rev:3"));
    writeFileSync(join(f.src, "a.rules"), RULE_A.replace('"evil"', '"eviler"') +
      'alert tcp any any -> any 80 (msg:"new one"; content:"n"; sid:1000003;)\n');
    writeFileSync(join(f.src, "c.rules"), 'alert udp any any -> any 53 (msg:"dns"; content:"d"; sid:1000004;)\n');
    rmSync(join(f.src, "block-outbound-smb.yaml"));
    const next = built(f, "2");
    const d = diffPacks(old, next);
    assert.equal(d.added.map((r) => `${r.gid}:${r.sid} ${r.msg}`), ["1:1000003 new one", "1:1000004 dns"]);
    assert.equal(d.changed.map((r) => [r.sid, r.oldRev, r.rev, r.textChanged]), [
      [1000001, 1, 1, true],
      [1000002, 2, 3, true],
    ]);
    assert.equal(d.removed, []);
    assert.equal(d.files, { added: ["c.rules"], changed: ["a.rules", "sub/b.rules"], removed: ["block-outbound-smb.yaml"] });
    const back = diffPacks(next, old);
    assert.equal(back.removed.map((r) => r.sid), [1000003, 1000004]);

    const o = join(f.root, "old.json");
    const n = join(f.root, "new.json");
    writeFileSync(o, JSON.stringify(old));
    writeFileSync(n, JSON.stringify(next));
    const j = run(["diff", o, n, "--json"]);
    assert.is(j.code, 0, j.err);
    assert.equal(JSON.parse(j.out), JSON.parse(JSON.stringify(d)));
    const txt = run(["diff", o, n]);
    assert.match(txt.out, '+ 1:1000003 rev 0 "new one"');
    assert.match(txt.out, '~ 1:1000002 "bad smb" (rev 2 -> 3, text changed');
    assert.is(run(["diff", o, join(f.root, "missing.json")]).code, 2);
  } finally {
    rmSync(f.root, { recursive: true, force: true });
  }
});

test.run();
