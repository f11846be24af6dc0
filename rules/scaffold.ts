/**
 * `tsugi rules new CVE-YYYY-NNNNN`: scaffolds a virtual patch in the built-in packs so a new critical
 * CVE can be covered within hours: `vpatch/<id>/<id>.rules` (a `drop` rule to write), `<id>.vpatch.yaml`
 * (the metadata the recommendation scan needs) and `<id>.test.ts` (attack and benign traffic tests),
 * plus `traffic/README.md`. Every scaffolded piece fails until it is filled in: the rule and metadata
 * carry `TODO` markers the pack build refuses, and each test throws "not filled in yet".
 *
 * Cold path (a developer command): reads and writes files; never overwrites an existing patch.
 *
 * @example
 * ```ts
 * import { scaffoldVpatch } from "./scaffold.ts";
 * const r = scaffoldVpatch({ cve: "CVE-2099-12345", packsDir: "rules/packs" });
 * console.log(r.dir, r.sid); // rules/packs/vpatch/cve-2099-12345 7190000
 * ```
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { builtinPacksDir, filesUnder } from "./packs/builtin.ts";
import { parseRules } from "./parse.ts";

/** Sids of scaffolded patches come from this block (rapid response), the next free one first. */
export const SCAFFOLD_SID_FIRST = 7190000;
export const SCAFFOLD_SID_LAST = 7199999;

const CVE_RE = /^CVE-\d{4}-\d{4,7}$/;
const ID_RE = /^[a-z0-9][a-z0-9-]*$/;

export interface ScaffoldOptions {
  cve: string;
  /** The packs directory (its `vpatch/` gets the new folder). */
  packsDir: string;
  /** Folder and patch id; default: the CVE id in lower case. */
  id?: string;
  /** Default: the next free sid in the rapid-response block. */
  sid?: number;
  /** Today as YYYY-MM-DD (tests pin it). */
  today?: string;
}

export interface ScaffoldResult {
  dir: string;
  id: string;
  sid: number;
  files: string[];
}

/** The sids of the rules in the `.rules` files under `dir` (as the rule parser reads them). */
function sidsUnder(dir: string): Set<number> {
  const out = new Set<number>();
  if (!existsSync(dir)) return out;
  for (const f of filesUnder(dir, ".rules")) {
    for (const r of parseRules(readFileSync(f, "latin1"), f).rules) out.add(r.sid);
  }
  return out;
}

/** Writes the scaffold; throws an Error naming what is wrong (bad CVE id, folder exists, sid taken). */
export function scaffoldVpatch(o: ScaffoldOptions): ScaffoldResult {
  const cve = o.cve.toUpperCase();
  if (!CVE_RE.test(cve)) throw new Error(`"${o.cve}" is not a CVE id (CVE-YYYY-NNNN…)`);
  const id = o.id ?? cve.toLowerCase();
  if (!ID_RE.test(id)) throw new Error(`patch id "${id}": use lower-case letters, digits and "-"`);
  const vpatch = join(o.packsDir, "vpatch");
  const dir = join(vpatch, id);
  if (existsSync(dir)) throw new Error(`${dir} already exists (choose another --id; nothing was written)`);
  const taken = sidsUnder(vpatch);
  let sid = o.sid ?? -1;
  if (sid === -1) {
    for (let s = SCAFFOLD_SID_FIRST; s <= SCAFFOLD_SID_LAST; s++) {
      if (!taken.has(s)) {
        sid = s;
        break;
      }
    }
    if (sid === -1) throw new Error(`no free sid left in ${SCAFFOLD_SID_FIRST}-${SCAFFOLD_SID_LAST} (give --sid N)`);
  } else if (!Number.isInteger(sid) || sid < 1 || sid > 0xffffffff) throw new Error(`--sid ${o.sid}: not a sid`);
  else if (taken.has(sid)) throw new Error(`sid ${sid} is already used by a built-in virtual patch`);
  const today = o.today ?? new Date().toISOString().slice(0, 10);
  // the test imports the packs' test support relative to its own folder
  const testing = fileURLToPath(new URL("./packs/testing.ts", import.meta.url));
  let rel = relative(dir, testing).split(sep).join("/");
  if (!rel.startsWith(".")) rel = "./" + rel;

  const files: [string, string][] = [
    [`${id}.rules`, rulesText(cve, id, sid)],
    [`${id}.vpatch.yaml`, metaText(cve, id, sid, today)],
    [`${id}.test.ts`, testText(cve, id, sid, rel)],
    [join("traffic", "README.md"), trafficText(cve, id)],
  ];
  mkdirSync(join(dir, "traffic"), { recursive: true });
  for (const [name, text] of files) writeFileSync(join(dir, name), text, { flag: "wx" });
  return { dir, id, sid, files: files.map(([n]) => join(dir, n)) };
}

function rulesText(cve: string, id: string, sid: number): string {
  return `# ${cve}: TODO one line on the vulnerability and the mechanism this rule blocks.
# Block the MECHANISM (the malformed length, the traversal, the lookup, the opnum with its bad argument),
# not one proof of concept's bytes. Use "drop" and "any" addresses unless the direction is intrinsic.
# The pack build refuses this file while it says TODO.
drop tcp any any -> any any (msg:"TSUGI VPATCH ${cve} TODO what is blocked"; flow:established,to_server; content:"TODO"; classtype:attempted-admin; metadata: cve ${cve}, tsugi_patch ${id}; sid:${sid}; rev:1;)
`;
}

function metaText(cve: string, id: string, sid: number, today: string): string {
  return `# Virtual-patch metadata (schema: docs/packs.md "Virtual-patch metadata"). Replace every TODO.
id: ${id}
title: "${cve}: TODO product and vulnerability"
cve: [${cve}]
cvss:
  score: TODO          # NVD's CVSS v3.x base score
  vector: TODO         # e.g. "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
severity: TODO         # low | medium | high | critical (must agree with the score)
application_type: TODO # smb-server, rdp-server, dcerpc-server, http-server, web-application, ...
issued: ${today}
auto: true             # false: the scan only recommends it
rules: [${sid}]
description: >
  TODO one paragraph: what the vulnerability is, how it is exploited on the wire, what the rule blocks.
references:
  - TODO the vendor advisory URL
  - https://nvd.nist.gov/vuln/detail/${cve}
affected:
  TODO: fill windows (os + kb + month [+ ubr]), software (cpe + names + versions), packages (cpe + names + fixed per release) or appliances (cpe + versions)
`;
}

function testText(cve: string, id: string, sid: number, testing: string): string {
  return `// Virtual patch ${id} (${cve}): attack traffic must be blocked in prevent mode, benign traffic of the
// same protocol must raise nothing from the whole built-in pack.
// Traffic: TODO say where each capture or crafted packet comes from (a real client and server in network
// namespaces captured by traffic/capture.sh, or a packet builder modelled on the advisory).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packRig } from "${testing}";

const SID = ${sid};

/** Marks what is still to be written: the test fails until it is replaced by real traffic. */
function todo(what: string): void {
  throw new Error(\`${id}: not filled in yet: \${what}\`);
}

test("attack variant 1 is blocked", () => {
  const rig = packRig();
  todo("attack traffic variant 1 (e.g. replay(rig, traffic/attack-1.pcap))");
  assert.ok(rig.blockedBy(SID));
});

test("attack variant 2 (another encoding, segmentation or tool) is blocked", () => {
  const rig = packRig();
  todo("attack traffic variant 2");
  assert.ok(rig.blockedBy(SID));
});

test("benign traffic of the same protocol raises nothing", () => {
  const rig = packRig();
  todo("benign traffic of the same protocol");
  assert.equal(rig.alertSids(), []);
});

test.run();
`;
}

function trafficText(cve: string, id: string): string {
  return `# Traffic for ${id} (${cve})

Captures the tests replay. Prefer real clients and servers: a \`capture.sh\` here builds hosts in network
namespaces (addresses in 198.18.0.0/15 or fd00::/8 only), runs the client against the server, captures
with \`tcpdump -w\`, and deletes the namespaces at the end. Keep each pcap small (< 200 KB). Where no real
client exists, build packets in the test with \`datapath/craft.ts\` after the public advisory, and say so
in the test's top comment.
`;
}

export const RULES_NEW_HELP = `usage: tsugi rules new CVE-YYYY-NNNNN [--id NAME] [--sid N] [--packs DIR]

Scaffolds a virtual patch in DIR/vpatch/NAME/ (default DIR: the built-in packs, rules/packs; NAME: the
CVE id in lower case): NAME.rules, NAME.vpatch.yaml, NAME.test.ts and traffic/README.md. Everything it
writes fails until filled in (TODO markers refused by 'tsugi pack build', tests that throw), so a
half-done patch cannot ship. Sids come from ${SCAFFOLD_SID_FIRST}-${SCAFFOLD_SID_LAST}, the next free one.
Never overwrites: an existing folder is an error. Exit 0 written, 2 usage or file error.`;

/** The CLI entry for `tsugi rules new`; returns the exit code. */
export function runRulesNew(args: string[]): number {
  let cve = "";
  let id: string | undefined;
  let sid: number | undefined;
  let packs = "";
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === "-h" || a === "--help") {
        console.log(RULES_NEW_HELP);
        return 0;
      } else if (a === "--id") id = value();
      else if (a === "--sid") sid = Number(value());
      else if (a === "--packs") packs = value();
      else if (a.startsWith("-")) throw new Error(`unknown option "${a}"`);
      else if (cve === "") cve = a;
      else throw new Error(`one CVE id at a time ("${a}" is extra)`);
    } catch (e) {
      console.error(`tsugi rules new: ${(e as Error).message}\n\n${RULES_NEW_HELP}`);
      return 2;
    }
  }
  if (cve === "") {
    console.error(`tsugi rules new: which CVE?\n\n${RULES_NEW_HELP}`);
    return 2;
  }
  try {
    const r = scaffoldVpatch({ cve, packsDir: packs !== "" ? packs : builtinPacksDir(), id, sid });
    for (const f of r.files) console.log(`wrote ${f}`);
    console.log(`
${cve} scaffolded as ${r.id} (sid ${r.sid}). Next:
  1. write the rule in ${r.id}.rules (the mechanism, not one PoC), check it: tsugi rules check ${join(r.dir, r.id + ".rules")}
  2. capture attack and benign traffic (traffic/README.md) and fill in ${r.id}.test.ts
  3. fill in ${r.id}.vpatch.yaml (CVSS, affected products, fixing updates, references)
  4. npm test; then tsugi pack build ${dirname(dirname(r.dir))} -o pack.json --key KEY`);
    return 0;
  } catch (e) {
    console.error(`tsugi rules new: ${(e as Error).message}`);
    return 2;
  }
}
