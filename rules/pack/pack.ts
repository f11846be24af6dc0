/**
 * Rule packs: one signed JSON file carrying every `*.rules` and `*.yaml` of a pack directory, so an
 * agent or gateway can check, before applying anything, that the pack is whole and comes from the
 * holder of the signing key. Build (validate + sign), verify (signature and every file hash) and diff
 * (added / changed / removed rules and files). Format: docs/packs.md.
 *
 * The signature is Ed25519 (`node:crypto`) over `canonicalJson(pack without "signature")`: JSON with
 * object keys sorted by UTF-16 code unit at every level, arrays in order, no whitespace.
 *
 * Node only (node:crypto, node:fs) and cold path only: never imported by `engine/`. Never trusts a pack
 * it has not verified: `verifyPack` refuses anything unsigned, signed by another key, altered after
 * signing, or in an unknown format, with a one-line reason.
 *
 * @example
 * ```ts
 * import { buildPack, collectSources, generateKeys, loadPrivateKey, loadPublicKey, verifyPack } from "./pack.ts";
 * generateKeys("/tmp/k");
 * const r = buildPack(collectSources("rules/packs"), { version: "1.0.0", privateKey: loadPrivateKey("/tmp/k.key") });
 * const v = verifyPack(JSON.stringify(r.pack), loadPublicKey("/tmp/k.pub"));
 * console.log(v.ok); // true
 * ```
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { buildRuleSet } from "../build.ts";
import { loadPolicy } from "../../engine/policy/load.ts";
import { compilePolicy } from "../../engine/policy/compiled.ts";
import { checkVpatchFolder, parseVpatchMeta, type RuleFacts } from "../recommend/meta.ts";
import type { Problem } from "../recommend/fields.ts";
import { parseWindowsData } from "../recommend/windows-data.ts";
import { compileAppSignatures } from "../../engine/appid/compile.ts";
import { filesUnder } from "../packs/builtin.ts";

export const PACK_FORMAT = "tsugi-pack/1";

export interface PackFile {
  /** Relative to the pack directory, `/`-separated. */
  path: string;
  /** sha256 of the UTF-8 content, hex. */
  sha256: string;
  /** Bytes of the UTF-8 content. */
  size: number;
  content: string;
}

export interface PackRule {
  gid: number;
  sid: number;
  rev: number;
  msg: string;
  /** The `files[].path` the rule comes from. */
  file: string;
  /** sha256 of the rule's text (one logical line), hex. */
  sha256: string;
}

export interface PackSignature {
  alg: "ed25519";
  /** First 16 hex digits of sha256(public key SPKI DER). */
  keyId: string;
  /** base64 Ed25519 signature of canonicalJson(pack without signature). */
  value: string;
}

export interface Pack {
  format: typeof PACK_FORMAT;
  version: string;
  /** ISO 8601 build time. */
  created: string;
  files: PackFile[];
  rules: PackRule[];
  signature?: PackSignature;
}

export interface PackSource {
  path: string;
  content: string;
}

const sha256 = (s: string | Uint8Array): string => createHash("sha256").update(s).digest("hex");

/** JSON with sorted object keys at every level and no whitespace: the bytes the signature covers. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
}

/** First 16 hex digits of sha256 of the public key's SPKI DER encoding. */
export function keyId(key: KeyObject): string {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return sha256(pub.export({ type: "spki", format: "der" })).slice(0, 16);
}

/** Writes NAME.key (PKCS#8 PEM, mode 0600) and NAME.pub (SPKI PEM); refuses to overwrite either. */
export function generateKeys(name: string): { keyFile: string; pubFile: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const keyFile = `${name}.key`;
  const pubFile = `${name}.pub`;
  writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
  chmodSync(keyFile, 0o600);
  writeFileSync(pubFile, publicKey.export({ type: "spki", format: "pem" }), { flag: "wx" });
  return { keyFile, pubFile, keyId: keyId(publicKey) };
}

function loadKey(file: string, kind: "private" | "public"): KeyObject {
  const pem = readFileSync(file, "utf8");
  let key: KeyObject;
  try {
    key = kind === "private" ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (e) {
    throw new Error(`${file}: not a ${kind} key in PEM form (${(e as Error).message})`);
  }
  if (key.type !== kind) throw new Error(`${file}: expected a ${kind} key, found a ${key.type} key`);
  if (key.asymmetricKeyType !== "ed25519") {
    throw new Error(`${file}: expected an Ed25519 key, found ${key.asymmetricKeyType ?? "unknown"}`);
  }
  return key;
}

/** Reads an Ed25519 private key (PKCS#8 PEM); throws an Error naming the file when it is not one. */
export const loadPrivateKey = (file: string): KeyObject => loadKey(file, "private");
/** Reads an Ed25519 public key (SPKI PEM, or a private key's public half); throws naming the file. */
export const loadPublicKey = (file: string): KeyObject => loadKey(file, "public");

/** Every `*.rules` and `*.yaml` under `dir` (recursive), sorted by relative `/`-separated path. */
export function collectSources(dir: string): PackSource[] {
  return filesUnder(dir, [".rules", ".yaml"])
    .map((full) => ({ path: relative(dir, full).split(sep).join("/"), content: readFileSync(full, "utf8") }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export interface BuildPackOptions {
  version: string;
  privateKey: KeyObject;
  /** Default: now. */
  created?: Date;
  /** Prefix for file names in problems (the directory as the user wrote it), default none. */
  displayDir?: string;
  vars?: Record<string, string>;
}

export interface BuildPackResult {
  /** null when any problem was found. */
  pack: Pack | null;
  /** Each problem as `file:line:col: message`. */
  problems: string[];
}

/** Virtual-patch metadata files: validated as metadata (rules/recommend/meta.ts), not as policies. */
export const VPATCH_META_SUFFIX = ".vpatch.yaml";

/** `*.vpatch.yaml`: the metadata's own problems, then the cross-check against the folder's rules. */
function vpatchProblems(text: string, file: string, folder: string, rules: readonly RuleFacts[]): Problem[] {
  const r = parseVpatchMeta(text, file);
  if (r.meta === undefined) return r.problems;
  return checkVpatchFolder(r.meta, folder, rules);
}

/** `data/*.yaml` (data the packs ship, each with its validator), or null for any other file. */
function dataFileProblems(s: PackSource): Problem[] | null {
  const m = /(?:^|\/)data\/([^/]+\.yaml)$/.exec(s.path);
  if (m === null) return null;
  if (m[1] === "windows.yaml") return parseWindowsData(s.content, s.path).problems;
  return [{ file: s.path, line: 1, col: 1, message: `unknown data file "${m[1]}" (data/ holds: windows.yaml)` }];
}

/**
 * Virtual patches must be complete to ship: every `vpatch/<id>/` folder with rules has its
 * `<id>.vpatch.yaml`, and no rule file still carries a `TODO` left by `tsugi rules new`.
 */
function vpatchCompleteness(sources: readonly PackSource[]): Problem[] {
  const out: Problem[] = [];
  const metas = new Set(sources.filter((s) => s.path.endsWith(VPATCH_META_SUFFIX)).map((s) => s.path));
  for (const s of sources) {
    const m = /(?:^|\/)vpatch\/([^/]+)\/[^/]+\.rules$/.exec(s.path);
    if (m === null) continue;
    const folder = s.path.slice(0, s.path.lastIndexOf("/"));
    const meta = `${folder}/${m[1]}${VPATCH_META_SUFFIX}`;
    if (!metas.has(meta)) out.push({ file: s.path, line: 1, col: 1, message: `virtual patch "${m[1]}" has no metadata (${meta})` });
    const lines = s.content.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const col = lines[i].indexOf("TODO");
      if (col >= 0) {
        out.push({ file: s.path, line: i + 1, col: col + 1, message: "TODO: this virtual patch is not filled in yet (tsugi rules new scaffold)" });
        break;
      }
    }
  }
  return out;
}

/**
 * Validates every source (rules compile; `*.vpatch.yaml` metadata and `data/*.yaml` by their validators;
 * other `*.yaml` as policies that load and compile) and signs the pack; any problem fails.
 */
export function buildPack(sources: PackSource[], opts: BuildPackOptions): BuildPackResult {
  const show = (p: string): string => (opts.displayDir ? join(opts.displayDir, p) : p);
  const problems: string[] = [];
  if (sources.length === 0) problems.push(`${opts.displayDir ?? "."}: no *.rules or *.yaml files`);
  const ruleSources = sources.filter((s) => s.path.endsWith(".rules")).map((s) => ({ file: s.path, text: s.content }));
  const built = buildRuleSet(ruleSources, { vars: opts.vars });
  for (const p of built.problems) problems.push(`${show(p.pos.file)}:${p.pos.line}:${p.pos.col}: ${p.message}`);
  for (const s of sources) {
    if (!s.path.endsWith(".yaml")) continue;
    const data = dataFileProblems(s);
    if (data !== null) {
      problems.push(...data.map((p) => `${show(p.file)}:${p.line}:${p.col}: ${p.message}`));
      continue;
    }
    if (/(?:^|\/)apps\/[^/]+\.yaml$/.test(s.path)) {
      try {
        compileAppSignatures(s.content, show(s.path));
      } catch (e) {
        if (!(e instanceof Error)) throw e;
        problems.push(e.message);
      }
      continue;
    }
    if (s.path.endsWith(VPATCH_META_SUFFIX)) {
      const dir = s.path.includes("/") ? s.path.slice(0, s.path.lastIndexOf("/")) : "";
      const rules = built.parsed.filter((r) => r.pos.file.slice(0, Math.max(0, r.pos.file.lastIndexOf("/"))) === dir);
      const folder = dir.split("/").pop() || ".";
      for (const p of vpatchProblems(s.content, s.path, folder, rules)) problems.push(`${show(p.file)}:${p.line}:${p.col}: ${p.message}`);
      continue;
    }
    try {
      compilePolicy(loadPolicy(s.content, show(s.path)), []);
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      problems.push(...e.message.split("\n"));
    }
  }
  problems.push(...vpatchCompleteness(sources).map((p) => `${show(p.file)}:${p.line}:${p.col}: ${p.message}`));
  if (problems.length > 0) return { pack: null, problems };
  const files: PackFile[] = sources.map((s) => ({
    path: s.path,
    sha256: sha256(s.content),
    size: Buffer.byteLength(s.content, "utf8"),
    content: s.content,
  }));
  const rules: PackRule[] = built.parsed.map((r) => ({
    gid: r.gid,
    sid: r.sid,
    rev: r.rev,
    msg: r.msg,
    file: r.pos.file,
    sha256: sha256(r.text),
  }));
  const unsigned: Pack = {
    format: PACK_FORMAT,
    version: opts.version,
    created: (opts.created ?? new Date()).toISOString(),
    files,
    rules,
  };
  return { pack: signPack(unsigned, opts.privateKey), problems };
}

/** Returns a copy of `pack` signed with `privateKey` (any previous signature replaced). */
export function signPack(pack: Pack, privateKey: KeyObject): Pack {
  const { signature: _old, ...body } = pack;
  const value = sign(null, Buffer.from(canonicalJson(body), "utf8"), privateKey).toString("base64");
  return { ...body, signature: { alg: "ed25519", keyId: keyId(privateKey), value } };
}

export type VerifyResult = { ok: true; pack: Pack } | { ok: false; error: string };

const isStr = (v: unknown): v is string => typeof v === "string";
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Checks the shape of a parsed pack (format and fields, not the signature); returns the first problem. */
export function checkShape(v: unknown): string | null {
  if (!isObj(v) || !("format" in v)) return "not a Tsugi pack (no \"format\" field)";
  if (v.format !== PACK_FORMAT) return `unknown format ${JSON.stringify(v.format)} (this tsugi reads ${PACK_FORMAT})`;
  if (!isStr(v.version) || !isStr(v.created)) return "malformed pack: version and created must be strings";
  if (!Array.isArray(v.files) || !Array.isArray(v.rules)) return "malformed pack: files and rules must be arrays";
  for (const f of v.files as unknown[]) {
    if (!isObj(f) || !isStr(f.path) || !isStr(f.sha256) || !isInt(f.size) || !isStr(f.content)) {
      return "malformed pack: every file needs path, sha256, size and content";
    }
  }
  for (const r of v.rules as unknown[]) {
    if (!isObj(r) || !isInt(r.gid) || !isInt(r.sid) || !isInt(r.rev) || !isStr(r.msg) || !isStr(r.file) || !isStr(r.sha256)) {
      return "malformed pack: every rule needs gid, sid, rev, msg, file and sha256";
    }
  }
  return null;
}

/** Parses pack JSON without verifying the signature (for diff); the error is one line. */
export function parsePack(text: string): VerifyResult {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not JSON (${(e as Error).message})` };
  }
  const shape = checkShape(v);
  return shape === null ? { ok: true, pack: v as Pack } : { ok: false, error: shape };
}

/**
 * Verifies a pack's text against a public key: format, signature present, key id, every file's path,
 * size and sha256, every rule's file, then the Ed25519 signature. The first failure is the error.
 */
export function verifyPack(text: string, publicKey: KeyObject): VerifyResult {
  const parsed = parsePack(text);
  if (!parsed.ok) return parsed;
  const pack = parsed.pack;
  const s: unknown = pack.signature;
  if (s === undefined || s === null) return { ok: false, error: "unsigned pack (no signature)" };
  if (!isObj(s) || !isStr(s.keyId) || !isStr(s.value)) return { ok: false, error: "malformed signature" };
  if (s.alg !== "ed25519") return { ok: false, error: `unsupported signature algorithm ${JSON.stringify(s.alg)}` };
  const want = keyId(publicKey);
  if (s.keyId !== want) return { ok: false, error: `wrong key: pack signed by key ${s.keyId}, given key is ${want}` };
  const paths = new Set<string>();
  for (const f of pack.files) {
    if (f.path === "" || f.path.startsWith("/") || f.path.split("/").includes("..") || f.path.includes("\\")) {
      return { ok: false, error: `file ${JSON.stringify(f.path)}: unsafe path` };
    }
    if (paths.has(f.path)) return { ok: false, error: `file ${f.path}: listed twice` };
    paths.add(f.path);
    if (Buffer.byteLength(f.content, "utf8") !== f.size) return { ok: false, error: `file ${f.path}: size mismatch` };
    if (sha256(f.content) !== f.sha256) return { ok: false, error: `file ${f.path}: sha256 hash mismatch` };
  }
  for (const r of pack.rules) {
    if (!paths.has(r.file)) return { ok: false, error: `rule ${r.gid}:${r.sid}: its file ${r.file} is not in the pack` };
  }
  const { signature: _s, ...body } = pack;
  const good = verify(null, Buffer.from(canonicalJson(body), "utf8"), publicKey, Buffer.from(s.value, "base64"));
  if (!good) return { ok: false, error: "signature mismatch: the pack was changed after it was signed" };
  return { ok: true, pack };
}

export interface RuleRef {
  gid: number;
  sid: number;
  rev: number;
  msg: string;
  file: string;
}

export interface ChangedRule extends RuleRef {
  oldRev: number;
  /** The rule text changed (sha256 differs); false when only rev did. */
  textChanged: boolean;
}

export interface PackDiff {
  added: RuleRef[];
  changed: ChangedRule[];
  removed: RuleRef[];
  files: { added: string[]; changed: string[]; removed: string[] };
}

const ref = (r: PackRule): RuleRef => ({ gid: r.gid, sid: r.sid, rev: r.rev, msg: r.msg, file: r.file });
const bySid = (a: RuleRef, b: RuleRef): number => a.gid - b.gid || a.sid - b.sid;

/** Rules (by gid:sid) and files (by path) added, changed or removed from `old` to `next`. */
export function diffPacks(old: Pack, next: Pack): PackDiff {
  const oldRules = new Map(old.rules.map((r) => [`${r.gid}:${r.sid}`, r]));
  const newRules = new Map(next.rules.map((r) => [`${r.gid}:${r.sid}`, r]));
  const d: PackDiff = { added: [], changed: [], removed: [], files: { added: [], changed: [], removed: [] } };
  for (const [k, r] of newRules) {
    const o = oldRules.get(k);
    if (o === undefined) d.added.push(ref(r));
    else if (o.rev !== r.rev || o.sha256 !== r.sha256) {
      d.changed.push({ ...ref(r), oldRev: o.rev, textChanged: o.sha256 !== r.sha256 });
    }
  }
  for (const [k, r] of oldRules) if (!newRules.has(k)) d.removed.push(ref(r));
  d.added.sort(bySid);
  d.changed.sort(bySid);
  d.removed.sort(bySid);
  const oldFiles = new Map(old.files.map((f) => [f.path, f.sha256]));
  const newFiles = new Map(next.files.map((f) => [f.path, f.sha256]));
  for (const [p, h] of newFiles) {
    const o = oldFiles.get(p);
    if (o === undefined) d.files.added.push(p);
    else if (o !== h) d.files.changed.push(p);
  }
  for (const p of oldFiles.keys()) if (!newFiles.has(p)) d.files.removed.push(p);
  d.files.added.sort();
  d.files.changed.sort();
  d.files.removed.sort();
  return d;
}
