/**
 * The recommendation scan (推奨設定検索): which virtual patches a machine needs. For every rule of every
 * patch it decides `assign` (affected product present and vulnerable, patch automatic), `recommend`
 * (vulnerable, patch not automatic), `unassign` (product present and fixed: names the KB, the UBR, the
 * later rollup or the package version that fixed it) or `not-applicable` (no affected product), with a
 * reason a person can check. Rules a needed rule `requires` are assigned (recommended) with it.
 *
 * Pure (no I/O; runs on Node and Deno; shared by agent and gateway). Fast: the inventory is indexed once
 * (hotfix set, software by name prefix, packages by name) so each patch costs a few map lookups and the
 * scan grows linearly in inventory size + metadata size.
 *
 * @example
 * ```ts
 * import { scan } from "./scan.ts";
 * const r = scan(inventory, patches, windowsData);
 * for (const x of r.rules) console.log(x.sid, x.decision, x.reason);
 * console.log(r.summary); // { assign: 3, recommend: 1, unassign: 2, "not-applicable": 40 }
 * ```
 */
import type { Inventory, LinuxInventory, PackageItem, SoftwareItem, WindowsInventory } from "./inventory.ts";
import type { PackageAffected, SoftwareAffected, VpatchMeta, WindowsAffected } from "./meta.ts";
import {
  compareDpkg,
  compareGeneric,
  compareRpm,
  describeRange,
  inRange,
  splitDpkg,
  splitRpm,
  type VersionCompare,
  type VersionRange,
} from "./versions.ts";
import type { CumulativeUpdate, WindowsData } from "./windows-data.ts";

export type Decision = "assign" | "recommend" | "unassign" | "not-applicable";

export interface RuleDecision {
  sid: number;
  cve: string[];
  patch: string;
  decision: Decision;
  reason: string;
}

export interface ScanResult {
  /** One per rule, by sid. */
  rules: RuleDecision[];
  summary: Record<Decision, number>;
  /** Things the scan could not use (a `requires` naming an unknown sid), one line each. */
  warnings: string[];
}

/** How one affected product stands on this machine. */
type Finding = { state: "vulnerable" | "fixed" | "absent"; reason: string };

const DPKG_IDS = new Set(["debian", "ubuntu", "raspbian", "linuxmint", "kali", "devuan", "pop"]);
const RPM_IDS = new Set([
  "rhel", "centos", "rocky", "almalinux", "fedora", "amzn", "ol", "sles", "sled", "opensuse", "opensuse-leap",
  "opensuse-tumbleweed", "suse",
]);

/** The package family of a Linux distribution (os-release ID), or null when unknown. */
export function packageFamily(id: string): "dpkg" | "rpm" | null {
  if (DPKG_IDS.has(id)) return "dpkg";
  if (RPM_IDS.has(id)) return "rpm";
  return null;
}

const norm = (s: string): string => s.trim().toLowerCase().replace(/\s+/g, " ");

// Strings derived from the metadata alone are computed once per metadata object, not once per scan:
// a pack's patches are scanned against many inventories (bench: 20,000 rules in well under 100 ms).
const normOfName = new Map<string, string>();
const normCached = (s: string): string => {
  let n = normOfName.get(s);
  if (n === undefined) {
    n = norm(s);
    if (normOfName.size < 1 << 16) normOfName.set(s, n);
  }
  return n;
};
const joined = new WeakMap<readonly unknown[], string>();
/** `f(xs)` for a metadata list, remembered for that list object. */
function once<T>(xs: readonly T[], f: (xs: readonly T[]) => string): string {
  let v = joined.get(xs);
  if (v === undefined) {
    v = f(xs);
    joined.set(xs, v);
  }
  return v;
}

const PREFIX_LENGTHS = [1, 2, 4, 8, 16, 32];

/** Software by case-insensitive name prefix: buckets keyed by the first 1, 2, 4 … 32 characters. */
class SoftwareIndex {
  private readonly byPrefix = PREFIX_LENGTHS.map(() => new Map<string, { norm: string; item: SoftwareItem }[]>());
  constructor(items: readonly SoftwareItem[]) {
    for (const item of items) {
      const n = norm(item.name);
      for (let k = 0; k < PREFIX_LENGTHS.length && PREFIX_LENGTHS[k] <= n.length; k++) {
        const key = n.slice(0, PREFIX_LENGTHS[k]);
        const m = this.byPrefix[k];
        const b = m.get(key);
        if (b === undefined) m.set(key, [{ norm: n, item }]);
        else b.push({ norm: n, item });
      }
    }
  }
  /** Installed software whose name starts with `name` (case-insensitive). */
  find(name: string): SoftwareItem[] {
    const n = normCached(name);
    if (n === "") return [];
    let k = 0;
    while (k + 1 < PREFIX_LENGTHS.length && PREFIX_LENGTHS[k + 1] <= n.length) k++;
    const bucket = this.byPrefix[k].get(n.slice(0, PREFIX_LENGTHS[k]));
    if (bucket === undefined) return [];
    const out: SoftwareItem[] = [];
    for (const e of bucket) if (e.norm.startsWith(n)) out.push(e.item);
    return out;
  }
}

/** What the scan knows about a Windows machine after one pass over its inventory. */
interface WindowsFacts {
  inv: WindowsInventory;
  os: string;
  display: string;
  hasUbr: boolean;
  ubr: number | undefined;
  /** Where the UBR came from when the inventory had none (the installed LCU). */
  ubrFrom: string;
  hotfixes: Set<string>;
  /** The latest installed cumulative update of this OS known to the Windows data. */
  latest: CumulativeUpdate | undefined;
  software: SoftwareIndex;
}

function windowsFacts(inv: WindowsInventory, data: WindowsData): WindowsFacts {
  const os = inv.os.version;
  const info = data.versions.get(os);
  const server = /server/i.test(inv.os.name);
  const name = info?.names.find((n) => /server/i.test(n) === server) ?? info?.names[0] ?? inv.os.name;
  const hotfixes = new Set(inv.hotfixes.map((k) => k.toUpperCase()));
  let latest: CumulativeUpdate | undefined;
  for (const kb of hotfixes) {
    const cu = data.cumulative.get(kb);
    if (cu === undefined || !cu.os.includes(os)) continue;
    if (latest === undefined || cu.month > latest.month || (cu.month === latest.month && (cu.ubr ?? 0) > (latest.ubr ?? 0))) {
      latest = cu;
    }
  }
  const hasUbr = info?.hasUbr ?? os.startsWith("10.");
  let ubr = inv.os.ubr;
  let ubrFrom = "";
  if (ubr === undefined && latest?.ubr !== undefined) {
    ubr = latest.ubr;
    ubrFrom = ` (from installed ${latest.kb})`;
  }
  return { inv, os, display: `${name} ${os}`, hasUbr, ubr, ubrFrom, hotfixes, latest, software: new SoftwareIndex(inv.software) };
}

const orList = (xs: string[]): string => (xs.length <= 1 ? xs.join("") : `${xs.slice(0, -1).join(", ")} or ${xs[xs.length - 1]}`);

function windowsFinding(w: WindowsFacts, entries: readonly WindowsAffected[]): Finding {
  const e = entries.find((x) => x.os === w.os);
  if (e === undefined) {
    return { state: "absent", reason: `${w.display} is not an affected Windows version (${once(entries, (es) => es.map((x) => x.os).join(", "))})` };
  }
  for (const kb of e.kb) if (w.hotfixes.has(kb)) return { state: "fixed", reason: `${kb} installed` };
  const kind = w.hasUbr ? "cumulative update" : "monthly rollup";
  if (w.hasUbr && w.ubr !== undefined && e.ubr !== undefined) {
    const have = `${w.os}.${w.ubr}`;
    const need = `${w.os}.${e.ubr}`;
    if (w.ubr >= e.ubr) {
      return { state: "fixed", reason: `UBR ${have}${w.ubrFrom} ≥ ${need}: a later cumulative update contains the fix` };
    }
    return { state: "vulnerable", reason: `${w.display} at UBR ${have}${w.ubrFrom} < ${need} and without ${orList(e.kb)}` };
  }
  if (w.latest !== undefined && w.latest.month >= e.month) {
    return { state: "fixed", reason: `${w.latest.kb} (${w.latest.month} ${kind}) contains the ${e.month} fix` };
  }
  return { state: "vulnerable", reason: `${w.display} without ${e.kb.join(", ")} or a ${kind} from ${e.month} or later` };
}

/** Installed version against ranges: inside any → vulnerable; above one → fixed; else absent. */
function rangeFinding(what: string, version: string, ranges: readonly VersionRange[], cmp: VersionCompare, note: string): Finding {
  if (ranges.length === 0) {
    return { state: "vulnerable", reason: `${what}${note}: no affected range is known, assumed affected` };
  }
  for (const r of ranges) {
    if (inRange(version, r, cmp)) return { state: "vulnerable", reason: `${what} is affected (${describeRange(r)})${note}` };
  }
  for (const r of ranges) {
    if (r.before !== undefined && cmp(version, r.before) >= 0) {
      return { state: "fixed", reason: `${what} ≥ ${r.before}: outside the affected versions${note}` };
    }
    if (r.through !== undefined && cmp(version, r.through) > 0) {
      return { state: "fixed", reason: `${what} > ${r.through}: outside the affected versions${note}` };
    }
  }
  return { state: "absent", reason: `${what} predates the affected versions${note}` };
}

function softwareFinding(w: WindowsFacts, e: SoftwareAffected): Finding {
  const found: SoftwareItem[] = [];
  for (const n of e.names) for (const s of w.software.find(n)) if (!found.includes(s)) found.push(s);
  if (found.length === 0) return { state: "absent", reason: `${once(e.names, (n) => orList([...n]))} not installed` };
  for (const kb of e.kb) if (w.hotfixes.has(kb)) return { state: "fixed", reason: `${kb} installed (fixes ${found[0].name})` };
  let best: Finding | null = null;
  for (const s of found) {
    const f = rangeFinding(`${s.name} ${s.version}`, s.version, e.versions, compareGeneric, "");
    best = pick(best, f);
  }
  return best ?? { state: "absent", reason: "" };
}

interface LinuxFacts {
  inv: LinuxInventory;
  family: "dpkg" | "rpm" | null;
  cmp: VersionCompare;
  releases: string[];
  packages: Map<string, PackageItem[]>;
}

function linuxFacts(inv: LinuxInventory): LinuxFacts {
  const family = packageFamily(inv.os.id);
  const packages = new Map<string, PackageItem[]>();
  for (const p of inv.packages) {
    const k = p.name.toLowerCase();
    const b = packages.get(k);
    if (b === undefined) packages.set(k, [p]);
    else b.push(p);
  }
  const major = inv.os.version.split(".")[0];
  const releases = [`${inv.os.id}-${inv.os.version}`];
  if (major !== inv.os.version) releases.push(`${inv.os.id}-${major}`);
  const cmp = family === "dpkg" ? compareDpkg : family === "rpm" ? compareRpm : compareGeneric;
  return { inv, family, cmp, releases, packages };
}

/** The upstream part of a package version: dpkg's upstream, rpm's version (no epoch, no revision). */
function upstreamOf(family: "dpkg" | "rpm" | null, v: string): string {
  return family === "rpm" ? splitRpm(v).version : splitDpkg(v).upstream;
}

function packageFinding(l: LinuxFacts, e: PackageAffected): Finding {
  const found: PackageItem[] = [];
  for (const n of e.names) for (const p of l.packages.get(n.toLowerCase()) ?? []) found.push(p);
  if (found.length === 0) return { state: "absent", reason: `${once(e.names, (n) => orList([...n]))} not installed` };
  let release: string | undefined;
  for (const r of l.releases) {
    if (e.fixed.has(r)) {
      release = r;
      break;
    }
  }
  let best: Finding | null = null;
  for (const p of found) {
    let f: Finding;
    if (release !== undefined) {
      const fixed = e.fixed.get(release) as string;
      if (fixed === "not-affected") f = { state: "absent", reason: `${p.name} in ${release} was never affected` };
      else if (l.cmp(p.version, fixed) < 0) {
        f = { state: "vulnerable", reason: `${p.name} ${p.version} < fixed ${fixed} (${release})` };
      } else f = { state: "fixed", reason: `${p.name} ${p.version} ≥ fixed ${fixed} (${release})` };
    } else {
      const up = upstreamOf(l.family, p.version);
      const fam = l.family === null ? `; unknown distribution "${l.inv.os.id}"` : "";
      const note = ` (${l.releases[l.releases.length - 1]} has no fixed version listed: judged by the upstream version${fam})`;
      f = rangeFinding(`${p.name} ${p.version}`, up, e.versions, compareGeneric, note);
    }
    best = pick(best, f);
  }
  return best ?? { state: "absent", reason: "" };
}

const RANK = { vulnerable: 2, fixed: 1, absent: 0 } as const;

/** The finding that decides: vulnerable over fixed over absent (the first of equals). */
function pick(a: Finding | null, b: Finding): Finding {
  return a === null || RANK[b.state] > RANK[a.state] ? b : a;
}

/** One patch against a machine: the deciding finding, with every "absent" reason joined. */
function evaluate(p: VpatchMeta, w: WindowsFacts | null, l: LinuxFacts | null): Finding {
  let best: Finding | null = null;
  const absent: string[] = [];
  const add = (f: Finding): void => {
    if (f.state === "absent") absent.push(f.reason);
    best = pick(best, f);
  };
  const a = p.affected;
  if (a.windows.length > 0) {
    if (w !== null) add(windowsFinding(w, a.windows));
    else add({ state: "absent", reason: `affects Windows ${a.windows.map((x) => x.os).join(", ")}; this is a Linux system` });
  }
  if (a.software.length > 0) {
    if (w !== null) for (const s of a.software) add(softwareFinding(w, s));
    else add({ state: "absent", reason: `${orList(a.software.flatMap((s) => s.names))}: Windows software; this is a Linux system` });
  }
  if (a.packages.length > 0) {
    if (l !== null) for (const pk of a.packages) add(packageFinding(l, pk));
    else add({ state: "absent", reason: `${orList(a.packages.flatMap((p) => p.names))}: Linux packages; this is a Windows system` });
  }
  if (a.appliances.length > 0) {
    const names = a.appliances.map((x) => x.cpe.split(":").slice(3, 5).join(" ")).join(", ");
    add({ state: "absent", reason: `${names}: a network appliance, not in an endpoint inventory (the gateway protects it)` });
  }
  const b = best as Finding | null;
  if (b === null) return { state: "absent", reason: "no affected product listed" };
  if (b.state === "absent") return { state: "absent", reason: `no affected product: ${absent.join("; ")}` };
  return b;
}

/**
 * Decides every rule of `patches` for the machine `inventory` describes. `windows` is the offline
 * Windows update data (rollups and cumulative updates); pass `emptyWindowsData()` to count only the KBs
 * and UBRs the metadata itself names.
 */
export function scan(inventory: Inventory, patches: readonly VpatchMeta[], windows: WindowsData): ScanResult {
  const w = inventory.os.platform === "windows" ? windowsFacts(inventory as WindowsInventory, windows) : null;
  const l = inventory.os.platform === "linux" ? linuxFacts(inventory as LinuxInventory) : null;
  const rules: RuleDecision[] = [];
  const bySid = new Map<number, RuleDecision>();
  const requires = new Map<number, readonly number[]>();
  for (const p of patches) {
    const f = evaluate(p, w, l);
    const decision: Decision = f.state === "vulnerable" ? (p.auto ? "assign" : "recommend") : f.state === "fixed"
      ? "unassign"
      : "not-applicable";
    for (const sid of p.rules) {
      const d: RuleDecision = { sid, cve: p.cve, patch: p.id, decision, reason: f.reason };
      rules.push(d);
      bySid.set(sid, d);
      if (p.requires.length > 0) requires.set(sid, p.requires);
    }
  }
  const warnings: string[] = [];
  const work = rules.filter((r) => (r.decision === "assign" || r.decision === "recommend") && requires.has(r.sid));
  while (work.length > 0) {
    const r = work.pop() as RuleDecision;
    for (const sid of requires.get(r.sid) ?? []) {
      const t = bySid.get(sid);
      if (t === undefined) {
        warnings.push(`sid ${r.sid} (${r.patch}) requires sid ${sid}, which no loaded virtual patch has`);
        continue;
      }
      const stronger = r.decision === "assign" ? t.decision !== "assign" : t.decision !== "assign" && t.decision !== "recommend";
      if (!stronger) continue;
      t.decision = r.decision;
      t.reason = `required by sid ${r.sid}`;
      if (requires.has(t.sid)) work.push(t);
    }
  }
  rules.sort((a, b) => a.sid - b.sid);
  const summary: Record<Decision, number> = { assign: 0, recommend: 0, unassign: 0, "not-applicable": 0 };
  for (const r of rules) summary[r.decision]++;
  return { rules, summary, warnings };
}
