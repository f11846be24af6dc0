/**
 * The inventory an agent reports for the recommendation scan, and its validator (JSON, or YAML, read
 * with positions, so every problem is `file:line:col: message`):
 *
 * - Windows: `{ os: { platform: "windows", name, version: "10.0.19045", build, ubr, arch },
 *   hotfixes: ["KB5034441", …], software: [{ name, version, publisher }] }`
 * - Linux: `{ os: { platform: "linux", id: "debian", version: "12" }, packages: [{ name, version, arch }] }`
 *
 * Pure and cold (no I/O; runs on Node and Deno). Never throws for bad input.
 *
 * @example
 * ```ts
 * import { parseInventory } from "./inventory.ts";
 * const { inventory, problems } = parseInventory('{"os":{"platform":"linux","id":"debian","version":"12"},"packages":[]}', "inv.json");
 * console.log(inventory?.os.platform, problems.length); // linux 0
 * ```
 */
import type { Node } from "../../engine/policy/document.ts";
import { FieldReader, type Problem } from "./fields.ts";
import { KB_RE } from "./meta.ts";

export interface WindowsOs {
  platform: "windows";
  name: string;
  /** `major.minor.build` (a fourth part given in the file becomes `ubr` when `ubr` is absent). */
  version: string;
  build?: number;
  ubr?: number;
  arch?: string;
}

export interface LinuxOs {
  platform: "linux";
  /** os-release ID: debian, ubuntu, rhel, rocky, … */
  id: string;
  /** os-release VERSION_ID: "12", "22.04", "8.9". */
  version: string;
}

export interface SoftwareItem {
  name: string;
  version: string;
  publisher?: string;
}

export interface PackageItem {
  name: string;
  version: string;
  arch?: string;
}

export type Inventory =
  | { os: WindowsOs; hotfixes: string[]; software: SoftwareItem[] }
  | { os: LinuxOs; packages: PackageItem[] };

export type WindowsInventory = Extract<Inventory, { os: WindowsOs }>;
export type LinuxInventory = Extract<Inventory, { os: LinuxOs }>;

const nullish = (n: Node | undefined): n is undefined => n === undefined || (n.kind === "scalar" && n.value === null);

/** Reads and validates an inventory; `inventory` only when there are no problems. */
export function parseInventory(text: string, file: string): { inventory?: Inventory; problems: Problem[] } {
  const r = new FieldReader(file);
  const root = r.parse(text);
  const m = root && r.map(root, "an inventory");
  if (m === null) return { problems: r.problems };
  const osNode = m.entries.find((e) => e.key === "os")?.value;
  const osMap = osNode && r.map(osNode, "os");
  const platNode = osMap?.entries.find((e) => e.key === "platform")?.value;
  const platform = platNode && !nullish(platNode) ? r.str(platNode, "os.platform") : null;
  if (osNode === undefined) r.report(m.where, "missing key \"os\" in the inventory");
  else if (osMap && platNode === undefined) r.report(osMap.where, "missing key \"platform\" in os (windows or linux)");
  else if (platNode && platform !== null && platform !== "windows" && platform !== "linux") {
    r.report(platNode.where, `os.platform ${JSON.stringify(platform)} is not "windows" or "linux"`);
  }
  if (platform === "windows" && osMap) {
    const f = r.fields(m, ["os", "hotfixes", "software"], ["os"], "a Windows inventory");
    const of = r.fields(osMap, ["platform", "name", "version", "build", "ubr", "arch"], ["platform", "name", "version"], "os");
    const os: WindowsOs = { platform: "windows", name: "", version: "" };
    const name = of.get("name")?.value;
    if (!nullish(name)) os.name = r.str(name, "os.name") ?? "";
    const ver = of.get("version")?.value;
    let fourth: number | undefined;
    if (!nullish(ver)) {
      const v = r.pattern(ver, "os.version", /^[0-9]+\.[0-9]+\.[0-9]+(\.[0-9]+)?$/, "a Windows version (e.g. 10.0.19045)");
      if (v !== null) {
        const parts = v.split(".");
        os.version = parts.slice(0, 3).join(".");
        if (parts.length === 4) fourth = Number(parts[3]);
      }
    }
    const build = of.get("build")?.value;
    if (!nullish(build)) {
      const b = r.int(build, "os.build", 0, 0xffffffff);
      if (b !== null && os.version !== "" && String(b) !== os.version.split(".")[2]) {
        r.report(build.where, `os.build ${b} does not agree with os.version ${os.version}`);
      } else if (b !== null) os.build = b;
    }
    const ubr = of.get("ubr")?.value;
    if (!nullish(ubr)) {
      const u = r.int(ubr, "os.ubr", 0, 0xffffffff);
      if (u !== null) os.ubr = u;
    } else if (fourth !== undefined) os.ubr = fourth;
    const arch = of.get("arch")?.value;
    if (!nullish(arch)) os.arch = r.str(arch, "os.arch") ?? undefined;
    const hf = f.get("hotfixes")?.value;
    const hotfixes = nullish(hf) ? [] : r.strList(hf, "hotfixes", false, (n) => {
      const s = r.str(n, "hotfix");
      if (s === null) return null;
      const up = s.toUpperCase();
      if (!KB_RE.test(up)) {
        r.report(n.where, `hotfix ${JSON.stringify(s)} is not a KB number (KB followed by 6 or 7 digits)`);
        return null;
      }
      return up;
    });
    const sw = f.get("software")?.value;
    const software: SoftwareItem[] = [];
    for (const i of nullish(sw) ? [] : r.list(sw, "software", false) ?? []) {
      const im = r.map(i, "a software item");
      if (im === null) continue;
      const sf = r.fields(im, ["name", "version", "publisher"], ["name", "version"], "a software item");
      const n = sf.get("name")?.value;
      const v = sf.get("version")?.value;
      const p = sf.get("publisher")?.value;
      const item: SoftwareItem = {
        name: nullish(n) ? "" : r.str(n, "name") ?? "",
        version: nullish(v) ? "" : r.str(v, "version") ?? "",
      };
      if (!nullish(p)) item.publisher = r.str(p, "publisher") ?? undefined;
      software.push(item);
    }
    return r.problems.length === 0 ? { inventory: { os, hotfixes, software }, problems: [] } : { problems: r.problems };
  }
  if (platform === "linux" && osMap) {
    const f = r.fields(m, ["os", "packages"], ["os", "packages"], "a Linux inventory");
    const of = r.fields(osMap, ["platform", "id", "version"], ["platform", "id", "version"], "os");
    const os: LinuxOs = { platform: "linux", id: "", version: "" };
    const id = of.get("id")?.value;
    if (!nullish(id)) os.id = r.pattern(id, "os.id", /^[a-z0-9][a-z0-9._-]*$/, "an os-release ID (lower case, e.g. debian)") ?? "";
    const ver = of.get("version")?.value;
    if (!nullish(ver)) os.version = r.pattern(ver, "os.version", /^[0-9A-Za-z][0-9A-Za-z._-]*$/, "an os-release VERSION_ID (e.g. 12, 22.04)") ?? "";
    const pk = f.get("packages")?.value;
    const packages: PackageItem[] = [];
    for (const i of nullish(pk) ? [] : r.list(pk, "packages", false) ?? []) {
      const im = r.map(i, "a package");
      if (im === null) continue;
      const pf = r.fields(im, ["name", "version", "arch"], ["name", "version"], "a package");
      const n = pf.get("name")?.value;
      const v = pf.get("version")?.value;
      const a = pf.get("arch")?.value;
      const item: PackageItem = {
        name: nullish(n) ? "" : r.str(n, "name") ?? "",
        version: nullish(v) ? "" : r.pattern(v, "version", /^\S+$/, "a package version (no spaces)") ?? "",
      };
      if (!nullish(a)) item.arch = r.str(a, "arch") ?? undefined;
      packages.push(item);
    }
    return r.problems.length === 0 ? { inventory: { os, packages }, problems: [] } : { problems: r.problems };
  }
  if (r.problems.length === 0) r.report(m.where, "the inventory's os.platform must be \"windows\" or \"linux\"");
  return { problems: r.problems };
}
