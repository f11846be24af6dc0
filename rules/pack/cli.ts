/**
 * `tsugi pack keygen | build | verify | diff`: the command line over `pack.ts` (signed rule packs).
 * Node only (reads and writes files, prints). Never writes a pack that failed validation, and never
 * reports a pack as good unless its signature and every file hash check.
 *
 * Exit codes: 0 ok; 1 the build found problems / the pack is refused; 2 usage error or unreadable input.
 *
 * @example
 * ```ts
 * import { runPack } from "./cli.ts";
 * process.exitCode = runPack(["verify", "pack.json", "--key", "release.pub"]);
 * ```
 */
import { readFileSync, writeFileSync } from "node:fs";
import {
  buildPack,
  collectSources,
  diffPacks,
  generateKeys,
  loadPrivateKey,
  loadPublicKey,
  parsePack,
  verifyPack,
} from "./pack.ts";
import type { Pack, PackDiff } from "./pack.ts";

export const PACK_HELP = `usage: tsugi pack <subcommand> [options]

Versioned, Ed25519-signed rule packs (format: docs/packs.md).

subcommands:
  keygen -o NAME                         write NAME.key (private, mode 0600) and NAME.pub
  build DIR -o FILE --key NAME.key [--version V]
                                         validate every *.rules and *.yaml under DIR and write a signed pack
  verify FILE --key NAME.pub             check the signature and every file hash
  diff OLD NEW [--json]                  rules and files added, changed and removed

Run 'tsugi pack <subcommand> --help' for details.

exit codes:
  0  ok
  1  build problems, or the pack is refused (unsigned, wrong key, altered, unknown format)
  2  usage error, or a file could not be read or written`;

const KEYGEN_HELP = `usage: tsugi pack keygen -o NAME

Generates an Ed25519 key pair: NAME.key (PKCS#8 PEM, mode 0600; keep it secret) and NAME.pub
(SPKI PEM; give it to whoever verifies packs). Refuses to overwrite existing files. Prints the key id
(first 16 hex digits of sha256 of the public key's DER form), which packs carry in signature.keyId.

exit codes: 0 written, 2 usage error or a file exists / cannot be written`;

const BUILD_HELP = `usage: tsugi pack build DIR -o FILE --key NAME.key [--version V] [--var NAME=VALUE]...

Collects every *.rules and *.yaml under DIR (recursively, sorted by relative path), validates them —
rule files compile as Tsugi loads them (every problem printed as file:line:col: message), YAML
policies load and compile — and writes FILE: one JSON pack with every file, every rule
(gid, sid, rev, msg, file, sha256 of its text), the version and build time, signed with NAME.key.
Any problem fails the build and no pack is written.

options:
  -o, --out FILE     the pack to write
  --key FILE         Ed25519 private key (from 'tsugi pack keygen')
  --version V        pack version (default: UTC build time as YYYYMMDD.HHMMSS)
  --var NAME=VALUE   rule variable (repeatable), as in 'tsugi rules check'

exit codes: 0 written, 1 validation problems, 2 usage error or unreadable DIR/key`;

const VERIFY_HELP = `usage: tsugi pack verify FILE --key NAME.pub

Checks the pack's format, that it is signed, that it was signed by NAME.pub's key, every file's
path, size and sha256, and the Ed25519 signature over everything else. On success prints the version,
build time, key id, number of files and rules. Otherwise prints one line saying what is wrong.

exit codes: 0 verified, 1 refused (unsigned, wrong key, signature mismatch, file hash mismatch,
unknown format, malformed), 2 usage error or unreadable file/key`;

const DIFF_HELP = `usage: tsugi pack diff OLD NEW [--json]

Lists rules (by gid:sid, with msg) added, changed (rev or rule text differs) and removed from OLD to
NEW, and files added, changed and removed. Does not verify signatures: run 'tsugi pack verify' first
on packs from elsewhere.

options:
  --json   print {"added":[...],"changed":[...],"removed":[...],"files":{"added","changed","removed"}}

exit codes: 0 compared, 2 usage error or a pack unreadable / not a pack`;

const isHelp = (a: string): boolean => a === "-h" || a === "--help";

interface Parsed {
  positional: string[];
  opts: Map<string, string>;
  flags: Set<string>;
  vars: Record<string, string>;
  error: string | null;
}

/** Options with a value: `--key X` or `--key=X`; flags: listed in `flagNames`. */
function parseArgs(argv: string[], valueNames: string[], flagNames: string[]): Parsed {
  const p: Parsed = { positional: [], opts: new Map(), flags: new Set(), vars: {}, error: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf("=");
    const name = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    if (valueNames.includes(name)) {
      const v = name === a ? argv[++i] : a.slice(eq + 1);
      if (v === undefined || v === "") {
        p.error = `${name} needs a value`;
        return p;
      }
      if (name === "--var") {
        const e = v.indexOf("=");
        if (e <= 0) {
          p.error = "--var needs NAME=VALUE";
          return p;
        }
        p.vars[v.slice(0, e).replace(/^\$/, "")] = v.slice(e + 1);
      } else p.opts.set(name === "-o" ? "--out" : name, v);
    } else if (flagNames.includes(a)) p.flags.add(a);
    else if (a.startsWith("-") && a !== "-") {
      p.error = `unknown option "${a}"`;
      return p;
    } else p.positional.push(a);
  }
  return p;
}

function usage(sub: string, msg: string, help: string): number {
  console.error(`tsugi pack ${sub}: ${msg}\n\n${help}`);
  return 2;
}

function defaultVersion(d: Date): string {
  const iso = d.toISOString(); // 2025-01-02T15:04:05.000Z
  return `${iso.slice(0, 10).replace(/-/g, "")}.${iso.slice(11, 19).replace(/:/g, "")}`;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    console.error(`tsugi pack: cannot read ${file}: ${(e as Error).message}`);
    return null;
  }
}

function keygen(argv: string[]): number {
  if (argv.some(isHelp)) return console.log(KEYGEN_HELP), 0;
  const p = parseArgs(argv, ["-o", "--out"], []);
  if (p.error !== null) return usage("keygen", p.error, KEYGEN_HELP);
  const name = p.opts.get("--out");
  if (name === undefined || p.positional.length > 0) return usage("keygen", "needs exactly -o NAME", KEYGEN_HELP);
  try {
    const k = generateKeys(name);
    console.log(`wrote ${k.keyFile} (private, mode 0600) and ${k.pubFile}; key id ${k.keyId}`);
    return 0;
  } catch (e) {
    console.error(`tsugi pack keygen: ${(e as Error).message}`);
    return 2;
  }
}

function build(argv: string[]): number {
  if (argv.some(isHelp)) return console.log(BUILD_HELP), 0;
  const p = parseArgs(argv, ["-o", "--out", "--key", "--version", "--var"], []);
  if (p.error !== null) return usage("build", p.error, BUILD_HELP);
  const out = p.opts.get("--out");
  const keyFile = p.opts.get("--key");
  if (p.positional.length !== 1) return usage("build", "needs exactly one DIR", BUILD_HELP);
  if (out === undefined) return usage("build", "needs -o FILE", BUILD_HELP);
  if (keyFile === undefined) return usage("build", "needs --key NAME.key", BUILD_HELP);
  const dir = p.positional[0];
  const now = new Date();
  let privateKey;
  let sources;
  try {
    privateKey = loadPrivateKey(keyFile);
    sources = collectSources(dir);
  } catch (e) {
    console.error(`tsugi pack build: ${(e as Error).message}`);
    return 2;
  }
  const r = buildPack(sources, {
    version: p.opts.get("--version") ?? defaultVersion(now),
    privateKey,
    created: now,
    displayDir: dir,
    vars: p.vars,
  });
  if (r.pack === null) {
    for (const line of r.problems) console.error(line);
    console.error(`tsugi pack build: ${r.problems.length} problem(s); no pack written`);
    return 1;
  }
  try {
    writeFileSync(out, JSON.stringify(r.pack) + "\n");
  } catch (e) {
    console.error(`tsugi pack build: cannot write ${out}: ${(e as Error).message}`);
    return 2;
  }
  const pk = r.pack;
  console.log(`wrote ${out}: version ${pk.version}, ${pk.files.length} files, ${pk.rules.length} rules, key ${pk.signature?.keyId}`);
  return 0;
}

function verifyCmd(argv: string[]): number {
  if (argv.some(isHelp)) return console.log(VERIFY_HELP), 0;
  const p = parseArgs(argv, ["--key"], []);
  if (p.error !== null) return usage("verify", p.error, VERIFY_HELP);
  const keyFile = p.opts.get("--key");
  if (p.positional.length !== 1) return usage("verify", "needs exactly one FILE", VERIFY_HELP);
  if (keyFile === undefined) return usage("verify", "needs --key NAME.pub", VERIFY_HELP);
  const file = p.positional[0];
  let key;
  try {
    key = loadPublicKey(keyFile);
  } catch (e) {
    console.error(`tsugi pack verify: ${(e as Error).message}`);
    return 2;
  }
  const text = readText(file);
  if (text === null) return 2;
  const v = verifyPack(text, key);
  if (!v.ok) {
    console.error(`tsugi pack verify: ${file}: REFUSED: ${v.error}`);
    return 1;
  }
  const pk = v.pack;
  console.log(`${file}: verified: version ${pk.version}, created ${pk.created}, key ${pk.signature?.keyId}, ${pk.files.length} files, ${pk.rules.length} rules`);
  return 0;
}

function printDiff(d: PackDiff): void {
  console.log(`rules: ${d.added.length} added, ${d.changed.length} changed, ${d.removed.length} removed`);
  for (const r of d.added) console.log(`+ ${r.gid}:${r.sid} rev ${r.rev} ${JSON.stringify(r.msg)} (${r.file})`);
  for (const r of d.changed) {
    const what = [r.oldRev !== r.rev ? `rev ${r.oldRev} -> ${r.rev}` : "", r.textChanged ? "text changed" : ""]
      .filter((s) => s !== "").join(", ");
    console.log(`~ ${r.gid}:${r.sid} ${JSON.stringify(r.msg)} (${what}; ${r.file})`);
  }
  for (const r of d.removed) console.log(`- ${r.gid}:${r.sid} rev ${r.rev} ${JSON.stringify(r.msg)} (${r.file})`);
  const f = d.files;
  console.log(`files: ${f.added.length} added, ${f.changed.length} changed, ${f.removed.length} removed`);
  for (const x of f.added) console.log(`+ ${x}`);
  for (const x of f.changed) console.log(`~ ${x}`);
  for (const x of f.removed) console.log(`- ${x}`);
}

function diffCmd(argv: string[]): number {
  if (argv.some(isHelp)) return console.log(DIFF_HELP), 0;
  const p = parseArgs(argv, [], ["--json"]);
  if (p.error !== null) return usage("diff", p.error, DIFF_HELP);
  if (p.positional.length !== 2) return usage("diff", "needs OLD and NEW", DIFF_HELP);
  const packs: Pack[] = [];
  for (const file of p.positional) {
    const text = readText(file);
    if (text === null) return 2;
    const r = parsePack(text);
    if (!r.ok) {
      console.error(`tsugi pack diff: ${file}: ${r.error}`);
      return 2;
    }
    packs.push(r.pack);
  }
  const d = diffPacks(packs[0], packs[1]);
  if (p.flags.has("--json")) console.log(JSON.stringify(d));
  else printDiff(d);
  return 0;
}

/** Runs `tsugi pack ...`; returns the exit code. */
export function runPack(argv: string[]): number {
  const [sub, ...rest] = argv;
  switch (sub) {
    case "keygen":
      return keygen(rest);
    case "build":
      return build(rest);
    case "verify":
      return verifyCmd(rest);
    case "diff":
      return diffCmd(rest);
    case undefined:
    case "help":
    case "-h":
    case "--help":
      console.log(PACK_HELP);
      return sub === undefined ? 2 : 0;
    default:
      console.error(`tsugi pack: unknown subcommand "${sub}"\n\n${PACK_HELP}`);
      return 2;
  }
}
