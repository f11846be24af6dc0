/**
 * Virtual-patch metadata (`rules/packs/vpatch/<id>/<id>.vpatch.yaml`): its type, the validator that
 * reads it with every problem as `file:line:col: message` (schema: docs/recommend.md), and the
 * cross-check of a patch folder (metadata against the rules beside it: ids, sids, `drop`, CVEs).
 *
 * Pure and cold (no I/O; runs on Node and Deno): callers read the files. Never throws for bad input.
 *
 * @example
 * ```ts
 * import { parseVpatchMeta } from "./meta.ts";
 * const { meta, problems } = parseVpatchMeta(text, "vpatch/ms17-010/ms17-010.vpatch.yaml");
 * for (const p of problems) console.log(`${p.file}:${p.line}:${p.col}: ${p.message}`);
 * ```
 */
import type { Node } from "../../engine/policy/document.ts";
import type { Where } from "../../engine/policy/spec.ts";
import { FieldReader, type Fields, type Problem } from "./fields.ts";
import { compareGeneric, type VersionRange } from "./versions.ts";

export type Severity = "none" | "low" | "medium" | "high" | "critical";
export const SEVERITIES: readonly Severity[] = ["none", "low", "medium", "high", "critical"];

export const APPLICATION_TYPES = [
  "smb-server", "smb-client", "rdp-server", "dcerpc-server", "http-server", "web-application", "web-client",
  "office-document", "mail-client", "tls-server", "vpn-appliance", "network-appliance",
] as const;
export type ApplicationType = (typeof APPLICATION_TYPES)[number];

/** Windows kernel versions the schema knows (`major.minor.build`). */
export const WINDOWS_VERSIONS: readonly string[] = [
  "5.1.2600", "5.2.3790", "6.0.6002", "6.1.7601", "6.2.9200", "6.3.9600",
  ...[10240, 10586, 14393, 15063, 16299, 17134, 17763, 18362, 18363, 19041, 19042, 19043, 19044, 19045, 20348, 22000,
    22621, 22631, 26100].map((b) => `10.0.${b}`),
];

/** The Windows OS itself is affected: first fixed by `kb` (released `month`; `ubr` for 10.0.x). */
export interface WindowsAffected {
  os: string;
  kb: string[];
  month: string;
  ubr?: number;
  where: Where;
}

/** An application in a Windows inventory's `software` list. */
export interface SoftwareAffected {
  cpe: string;
  names: string[];
  versions: VersionRange[];
  kb: string[];
  where: Where;
}

/** A Linux distribution package: upstream ranges, and fixed versions per release (`debian-11`). */
export interface PackageAffected {
  cpe: string;
  names: string[];
  versions: VersionRange[];
  /** Release (`<os.id>-<version>`) → fixed package version, or "not-affected". */
  fixed: Map<string, string>;
  where: Where;
}

/** A network product no endpoint inventory carries. */
export interface ApplianceAffected {
  cpe: string;
  versions: VersionRange[];
  where: Where;
}

export interface VpatchMeta {
  id: string;
  title: string;
  cve: string[];
  cvss: { score: number; vector: string };
  severity: Severity;
  applicationType: ApplicationType;
  issued: string;
  auto: boolean;
  rules: number[];
  requires: number[];
  description: string;
  references: string[];
  affected: {
    windows: WindowsAffected[];
    software: SoftwareAffected[];
    packages: PackageAffected[];
    appliances: ApplianceAffected[];
  };
  /** The metadata file, and where each top-level key's value and each `rules` item was written. */
  file: string;
  at: Record<string, Where>;
  ruleAt: Where[];
}

const TOP_KEYS = [
  "id", "title", "cve", "cvss", "severity", "application_type", "issued", "auto", "rules", "requires",
  "description", "references", "affected",
] as const;
const REQUIRED_TOP = TOP_KEYS.filter((k) => k !== "requires");

export const ID_RE = /^[a-z0-9][a-z0-9-]*$/;
export const CVE_RE = /^CVE-[0-9]{4}-[0-9]{4,}$/;
export const KB_RE = /^KB[0-9]{6,7}$/;
export const MONTH_RE = /^[0-9]{4}-(0[1-9]|1[0-2])$/;
export const CVSS3_RE = /^CVSS:3\.[01]\/AV:[NALP]\/AC:[LH]\/PR:[NLH]\/UI:[NR]\/S:[UC]\/C:[NLH]\/I:[NLH]\/A:[NLH]$/;
/** `<os.id>-<version>`: debian-11, ubuntu-22.04, rhel-8, amzn-2023, opensuse-leap-15.5. */
export const RELEASE_RE = /^[a-z][a-z0-9-]*?-[0-9]+(\.[0-9]+)*$/;

/** The severity CVSS v3 gives a base score. */
export function severityOf(score: number): Severity {
  if (score === 0) return "none";
  if (score < 4) return "low";
  if (score < 7) return "medium";
  if (score < 9) return "high";
  return "critical";
}

/** Whether `s` is a real calendar date `YYYY-MM-DD`. */
export function isDate(s: string): boolean {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(s);
  if (m === null) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[mo - 1];
}

/** The 13 parts of a CPE 2.3 formatted string (colons escaped with `\` stay inside a part), or a reason. */
export function checkCpe(s: string): string | null {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\" && i + 1 < s.length) {
      cur += c + s[++i];
      continue;
    }
    if (c === ":") {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  parts.push(cur);
  if (parts.length !== 13) return `has ${parts.length} colon-separated parts, a CPE 2.3 name has 13`;
  if (parts[0] !== "cpe" || parts[1] !== "2.3") return "must start with \"cpe:2.3:\"";
  if (!/^[aoh]$/.test(parts[2])) return `part "${parts[2]}" must be a (application), o (OS) or h (hardware)`;
  for (let i = 3; i < 13; i++) {
    if (parts[i] === "") return `part ${i + 1} is empty (write * for any)`;
    if (/\s/.test(parts[i])) return `part ${i + 1} contains a space`;
  }
  if (parts[3] === "*" || parts[3] === "-") return "the vendor (part 4) must be named";
  if (parts[4] === "*" || parts[4] === "-") return "the product (part 5) must be named";
  return null;
}

/** Whether `s` is an absolute https URL with a host. */
function isHttpsUrl(s: string): boolean {
  if (!/^https:\/\/[^\s/?#]+[^\s]*$/.test(s)) return false;
  try {
    return new URL(s).hostname !== "";
  } catch {
    return false;
  }
}

/** Reads and validates one `*.vpatch.yaml`; `meta` is present only when there are no problems. */
export function parseVpatchMeta(text: string, file: string): { meta?: VpatchMeta; problems: Problem[] } {
  const r = new FieldReader(file);
  const root = r.parse(text);
  const m = root && r.map(root, "virtual-patch metadata");
  if (m === null) return { problems: r.problems };
  const f = r.fields(m, TOP_KEYS, REQUIRED_TOP, "the metadata");
  const get = (k: string): Node | null => {
    const v = f.get(k)?.value;
    return v === undefined || (v.kind === "scalar" && v.value === null) ? null : v;
  };
  const at: Record<string, Where> = {};
  for (const [k, v] of f) at[k] = v.value.where;
  const meta: VpatchMeta = {
    id: "", title: "", cve: [], cvss: { score: 0, vector: "" }, severity: "none", applicationType: "smb-server",
    issued: "", auto: false, rules: [], requires: [], description: "", references: [],
    affected: { windows: [], software: [], packages: [], appliances: [] }, file, at, ruleAt: [],
  };
  let n: Node | null;
  if ((n = get("id"))) meta.id = r.pattern(n, "id", ID_RE, "an id ([a-z0-9][a-z0-9-]*, e.g. ms17-010)") ?? "";
  if ((n = get("title"))) meta.title = r.str(n, "title") ?? "";
  if ((n = get("cve"))) {
    meta.cve = r.strList(n, "cve", true, (i) => r.pattern(i, "CVE id", CVE_RE, "a CVE id (CVE-YYYY-NNNN…)"));
  }
  let scoreNode: Node | null = null;
  if ((n = get("cvss"))) {
    const cm = r.map(n, "cvss");
    if (cm) {
      const cf = r.fields(cm, ["score", "vector"], ["score", "vector"], "cvss");
      const s = cf.get("score")?.value;
      if (s && !(s.kind === "scalar" && s.value === null)) {
        const v = r.num(s, "cvss.score");
        if (v !== null && (v < 0 || v > 10 || Math.round(v * 10) !== v * 10)) {
          r.report(s.where, `cvss.score ${v} must be 0.0–10.0 with one decimal`);
        } else if (v !== null) {
          meta.cvss.score = v;
          scoreNode = s;
        }
      }
      const vec = cf.get("vector")?.value;
      if (vec && !(vec.kind === "scalar" && vec.value === null)) {
        meta.cvss.vector = r.pattern(
          vec, "cvss.vector", CVSS3_RE, "a CVSS v3 vector (CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H)",
        ) ?? "";
      }
    }
  }
  if ((n = get("severity"))) {
    const s = r.str(n, "severity");
    if (s !== null && !(SEVERITIES as readonly string[]).includes(s)) {
      r.report(n.where, `severity ${JSON.stringify(s)} is not one of ${SEVERITIES.join(", ")}`);
    } else if (s !== null) {
      meta.severity = s as Severity;
      if (scoreNode !== null && severityOf(meta.cvss.score) !== s) {
        r.report(n.where, `severity "${s}" does not agree with cvss.score ${meta.cvss.score} (CVSS v3: ` +
          `${severityOf(meta.cvss.score)}; none 0, low 0.1–3.9, medium 4.0–6.9, high 7.0–8.9, critical 9.0–10)`);
      }
    }
  }
  if ((n = get("application_type"))) {
    const s = r.str(n, "application_type");
    if (s !== null && !(APPLICATION_TYPES as readonly string[]).includes(s)) {
      r.report(n.where, `application_type ${JSON.stringify(s)} is not one of ${APPLICATION_TYPES.join(", ")}`);
    } else if (s !== null) meta.applicationType = s as ApplicationType;
  }
  if ((n = get("issued"))) {
    const s = r.str(n, "issued");
    if (s !== null && !isDate(s)) r.report(n.where, `issued ${JSON.stringify(s)} is not a date (YYYY-MM-DD)`);
    else if (s !== null) meta.issued = s;
  }
  if ((n = get("auto"))) meta.auto = r.bool(n, "auto") ?? false;
  if ((n = get("rules"))) {
    const items = r.list(n, "rules", true) ?? [];
    const seen = new Set<number>();
    for (const i of items) {
      const sid = r.int(i, "sid", 1, 0xffffffff);
      if (sid === null) continue;
      if (seen.has(sid)) r.report(i.where, `sid ${sid} is listed twice in rules`);
      seen.add(sid);
      meta.rules.push(sid);
      meta.ruleAt.push(i.where);
    }
  }
  const req = f.get("requires")?.value;
  if (req && !(req.kind === "scalar" && req.value === null)) {
    for (const i of r.list(req, "requires", false) ?? []) {
      const sid = r.int(i, "sid", 1, 0xffffffff);
      if (sid !== null && meta.rules.includes(sid)) r.report(i.where, `sid ${sid} requires itself (it is in rules)`);
      else if (sid !== null) meta.requires.push(sid);
    }
  }
  if ((n = get("description"))) meta.description = r.str(n, "description") ?? "";
  if ((n = get("references"))) {
    meta.references = r.strList(n, "references", true, (i) => {
      const s = r.str(i, "reference");
      if (s === null || isHttpsUrl(s)) return s;
      r.report(i.where, `reference ${JSON.stringify(s)} is not an https URL`);
      return null;
    });
  }
  if ((n = get("affected"))) readAffected(r, n, meta);
  return r.problems.length === 0 ? { meta, problems: [] } : { problems: r.problems };
}

function readAffected(r: FieldReader, n: Node, meta: VpatchMeta): void {
  const am = r.map(n, "affected");
  if (am === null) return;
  const f = r.fields(am, ["windows", "software", "packages", "appliances"], [], "affected");
  const items = (k: string): Node[] => {
    const v = f.get(k)?.value;
    if (v === undefined || (v.kind === "scalar" && v.value === null)) return [];
    return r.list(v, `affected.${k}`, true) ?? [];
  };
  const windows = items("windows");
  const software = items("software");
  const packages = items("packages");
  const appliances = items("appliances");
  if (windows.length + software.length + packages.length + appliances.length === 0 && r.problems.length === 0) {
    r.report(am.where, "affected lists no product (give at least one of windows, software, packages, appliances)");
  }
  const seenOs = new Set<string>();
  for (const i of windows) {
    const w = readWindows(r, i);
    if (w === null) continue;
    if (seenOs.has(w.os)) r.report(w.where, `Windows ${w.os} is listed twice in affected.windows`);
    seenOs.add(w.os);
    meta.affected.windows.push(w);
  }
  for (const i of software) {
    const m = r.map(i, "an affected.software item");
    if (m === null) continue;
    const sf = r.fields(m, ["cpe", "names", "versions", "kb"], ["cpe", "names", "versions"], "affected.software");
    const kb = sf.get("kb")?.value;
    meta.affected.software.push({
      cpe: cpe(r, sf),
      names: names(r, sf),
      versions: ranges(r, sf, true),
      kb: kb && !(kb.kind === "scalar" && kb.value === null) ? r.strList(kb, "kb", false, (k) => kbId(r, k)) : [],
      where: m.where,
    });
  }
  for (const i of packages) {
    const m = r.map(i, "an affected.packages item");
    if (m === null) continue;
    const pf = r.fields(m, ["cpe", "names", "versions", "fixed"], ["cpe", "names"], "affected.packages");
    const fixed = new Map<string, string>();
    const fx = pf.get("fixed")?.value;
    if (fx && !(fx.kind === "scalar" && fx.value === null)) {
      const fm = r.map(fx, "fixed");
      for (const e of fm?.entries ?? []) {
        if (!RELEASE_RE.test(e.key)) {
          r.report(e.keyWhere, `release ${JSON.stringify(e.key)} is not <os.id>-<version> (e.g. debian-11, rhel-8, ubuntu-22.04)`);
          continue;
        }
        const v = r.str(e.value, `fixed.${e.key}`);
        if (v === null) continue;
        if (/\s/.test(v)) r.report(e.value.where, `fixed.${e.key} ${JSON.stringify(v)} is not a package version`);
        else fixed.set(e.key, v);
      }
    }
    const versions = ranges(r, pf, false);
    if (!pf.has("versions") && !pf.has("fixed")) r.report(m.where, "a package needs versions (upstream ranges) or fixed (per release)");
    meta.affected.packages.push({ cpe: cpe(r, pf), names: names(r, pf), versions, fixed, where: m.where });
  }
  for (const i of appliances) {
    const m = r.map(i, "an affected.appliances item");
    if (m === null) continue;
    const pf = r.fields(m, ["cpe", "versions"], ["cpe", "versions"], "affected.appliances");
    meta.affected.appliances.push({ cpe: cpe(r, pf), versions: ranges(r, pf, true), where: m.where });
  }
}

function kbId(r: FieldReader, n: Node): string | null {
  return r.pattern(n, "KB", KB_RE, "a KB number (KB followed by 6 or 7 digits, e.g. KB4012212)");
}

function readWindows(r: FieldReader, n: Node): WindowsAffected | null {
  const m = r.map(n, "an affected.windows item");
  if (m === null) return null;
  const before = r.problems.length;
  const f = r.fields(m, ["os", "kb", "month", "ubr"], ["os", "kb", "month"], "affected.windows");
  const osNode = f.get("os")?.value;
  let os = "";
  if (osNode) {
    const s = r.pattern(osNode, "os", /^[0-9]+\.[0-9]+\.[0-9]+$/, "a Windows version major.minor.build (e.g. 6.1.7601, 10.0.19045)");
    if (s !== null && !WINDOWS_VERSIONS.includes(s)) {
      r.report(osNode.where, `os ${JSON.stringify(s)} is not a Windows version Tsugi knows (${WINDOWS_VERSIONS.join(", ")})`);
    } else if (s !== null) os = s;
  }
  const kbNode = f.get("kb")?.value;
  const kb = kbNode ? r.strList(kbNode, "kb", true, (k) => kbId(r, k)) : [];
  const monthNode = f.get("month")?.value;
  const month = monthNode ? r.pattern(monthNode, "month", MONTH_RE, "a month (YYYY-MM)") ?? "" : "";
  const ubrNode = f.get("ubr")?.value;
  let ubr: number | undefined;
  if (ubrNode && !(ubrNode.kind === "scalar" && ubrNode.value === null)) {
    ubr = r.int(ubrNode, "ubr", 0, 0xffffffff) ?? undefined;
    if (os !== "" && !os.startsWith("10.")) {
      r.report(ubrNode.where, `ubr applies only to Windows 10.0.<build> (${os} has no update build revision)`);
    }
  } else if (os.startsWith("10.")) {
    r.report(m.where, `missing key "ubr" for ${os} (the fixed update build revision, e.g. ${os}.953)`);
  }
  if (r.problems.length > before) return null;
  return ubr === undefined ? { os, kb, month, where: m.where } : { os, kb, month, ubr, where: m.where };
}

function cpe(r: FieldReader, f: Fields): string {
  const n = f.get("cpe")?.value;
  if (n === undefined) return "";
  const s = r.str(n, "cpe");
  if (s === null) return "";
  const why = checkCpe(s);
  if (why !== null) {
    r.report(n.where, `cpe ${JSON.stringify(s)} ${why} (cpe:2.3:a:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other)`);
    return "";
  }
  return s;
}

function names(r: FieldReader, f: Fields): string[] {
  const n = f.get("names")?.value;
  return n ? r.strList(n, "names", true, (i) => r.str(i, "name")) : [];
}

/** `versions:` — a list of `{ from, before | through }`; bounds in order (generic version order). */
function ranges(r: FieldReader, f: Fields, required: boolean): VersionRange[] {
  const n = f.get("versions")?.value;
  if (n === undefined || (n.kind === "scalar" && n.value === null && !required)) return [];
  const out: VersionRange[] = [];
  for (const i of r.list(n, "versions", true) ?? []) {
    const m = r.map(i, "a version range");
    if (m === null) continue;
    const rf = r.fields(m, ["from", "before", "through"], [], "a version range");
    const v = (k: string): string | undefined => {
      const x = rf.get(k)?.value;
      if (x === undefined) return undefined;
      const s = r.str(x, k);
      if (s !== null && /\s/.test(s)) {
        r.report(x.where, `${k} ${JSON.stringify(s)} is not a version (no spaces)`);
        return undefined;
      }
      return s ?? undefined;
    };
    const range: VersionRange = {};
    const from = v("from");
    const before = v("before");
    const through = v("through");
    if (from !== undefined) range.from = from;
    if (before !== undefined) range.before = before;
    if (through !== undefined) range.through = through;
    if (rf.has("before") && rf.has("through")) {
      r.report(m.where, "a range has either before (exclusive) or through (inclusive), not both");
    } else if (!rf.has("from") && !rf.has("before") && !rf.has("through")) {
      r.report(m.where, "an empty range: give from, and before or through");
    }
    const upper = range.before ?? range.through;
    if (from !== undefined && upper !== undefined) {
      const c = compareGeneric(from, upper);
      if (c > 0 || (c === 0 && range.before !== undefined)) {
        r.report(m.where, `an empty range: from ${from} is not below ${range.before !== undefined ? "before" : "through"} ${upper}`);
      }
    }
    out.push(range);
  }
  return out;
}

/** What the cross-check needs of a parsed rule (rules/ast.ts `Rule` has all of it). */
export interface RuleFacts {
  sid: number;
  header: { action: string };
  metadata: Record<string, string[]>;
  pos: Where;
}

/**
 * Checks a patch folder: the metadata's `id` is the folder name and the file is `<id>.vpatch.yaml`;
 * every sid in the folder's rules is in `rules:` and every listed sid has a rule; each rule is `drop`
 * and its `metadata` names its CVEs (`cve CVE-…`, each among the metadata's `cve:`) and the patch
 * (`tsugi_patch <id>`). `rules` are the rules parsed from the folder's `.rules` files.
 */
export function checkVpatchFolder(meta: VpatchMeta, folder: string, rules: readonly RuleFacts[]): Problem[] {
  const out: Problem[] = [];
  const report = (w: Where, message: string): void => void out.push({ file: w.file, line: w.line, col: w.col, message });
  const idAt = meta.at.id ?? { file: meta.file, line: 1, col: 1 };
  if (meta.id !== folder) report(idAt, `id "${meta.id}" must be the folder name "${folder}"`);
  const base = meta.file.split("/").pop() ?? meta.file;
  if (base !== `${folder}.vpatch.yaml`) report({ file: meta.file, line: 1, col: 1 }, `the metadata file must be named ${folder}.vpatch.yaml`);
  const listed = new Set(meta.rules);
  const present = new Set<number>();
  const cves = new Set(meta.cve);
  for (const rule of rules) {
    present.add(rule.sid);
    if (!listed.has(rule.sid)) {
      report(rule.pos, `sid ${rule.sid} is not listed in "rules:" of ${meta.file}`);
    }
    if (rule.header.action !== "drop") {
      report(rule.pos, `sid ${rule.sid}: a virtual patch uses the action "drop", not "${rule.header.action}"`);
    }
    const rc = rule.metadata.cve ?? [];
    if (rc.length === 0) report(rule.pos, `sid ${rule.sid}: metadata names no CVE (add "metadata: cve CVE-…, tsugi_patch ${folder};")`);
    for (const c of rc) {
      if (!CVE_RE.test(c)) report(rule.pos, `sid ${rule.sid}: metadata "cve ${c}" is not a CVE id`);
      else if (!cves.has(c)) report(rule.pos, `sid ${rule.sid}: metadata names ${c}, which is not in "cve:" of ${meta.file}`);
    }
    const tp = rule.metadata.tsugi_patch ?? [];
    if (tp.length === 0) report(rule.pos, `sid ${rule.sid}: metadata has no "tsugi_patch ${folder}"`);
    else if (tp.some((p) => p !== folder)) report(rule.pos, `sid ${rule.sid}: metadata "tsugi_patch ${tp.join(", ")}" must be "${folder}"`);
  }
  meta.rules.forEach((sid, i) => {
    if (!present.has(sid)) report(meta.ruleAt[i] ?? idAt, `sid ${sid} is listed in "rules:" but no rule in ${folder}/*.rules has it`);
  });
  return out;
}
