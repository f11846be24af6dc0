/**
 * `tsugi scan --inventory FILE [--json] [--packs DIR]`: the recommendation scan from the command line.
 * Loads every virtual patch's metadata (`vpatch/<id>/<id>.vpatch.yaml`, cross-checked against the rules
 * beside it) and the Windows update data (`data/windows.yaml`) from the packs directory (default: the
 * built-in packs), reads the inventory, and prints each rule's decision with its reason.
 *
 * Node only (reads files) and cold. Bad input is a `file:line:col: message` line and exit code 2.
 *
 * @example
 * ```ts
 * import { runScan } from "./cli.ts";
 * process.exitCode = runScan(["--inventory", "rules/recommend/examples/debian-12.json", "--json"]);
 * ```
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseRules } from "../parse.ts";
import { builtinPacksDir } from "../packs/builtin.ts";
import { showProblem, type Problem } from "./fields.ts";
import { parseInventory, type Inventory } from "./inventory.ts";
import { checkVpatchFolder, parseVpatchMeta, type VpatchMeta } from "./meta.ts";
import { scan, type ScanResult } from "./scan.ts";
import { emptyWindowsData, parseWindowsData, type WindowsData } from "./windows-data.ts";

export const SCAN_USAGE = `usage: tsugi scan --inventory FILE [--json] [--packs DIR]

Decides, for every rule of every virtual patch, whether this machine needs it:
  assign          an affected product is present and vulnerable (the patch may be applied automatically)
  recommend       vulnerable, but the patch is marked not automatic: an administrator decides
  unassign        the product is present and fixed (the reason names the KB, UBR, rollup or package version)
  not-applicable  no affected product in the inventory

  --inventory FILE  the machine's inventory (JSON; format in docs/recommend.md)
  --json            print { rules: [{ sid, cve, patch, decision, reason }], summary, inventory, warnings }
  --packs DIR       the packs directory (default: the built-in packs; vpatch/*/ and data/windows.yaml)
  -h, --help        this text

Exit 0 on success, 2 when the inventory, the metadata or the arguments have a problem.`;

interface ScanArgs {
  inventory: string;
  json: boolean;
  packs: string;
}

function parseArgs(args: string[]): ScanArgs | string | "help" {
  const a: ScanArgs = { inventory: "", json: false, packs: "" };
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    if (v === "-h" || v === "--help") return "help";
    if (v === "--json") a.json = true;
    else if (v === "--inventory" || v === "--packs") {
      const f = args[++i];
      if (f === undefined || f.startsWith("--")) return `${v} needs a ${v === "--packs" ? "directory" : "file"}`;
      if (v === "--inventory") a.inventory = f;
      else a.packs = f;
    } else return `unknown option "${v}"`;
  }
  if (a.inventory === "") return "--inventory FILE is required";
  return a;
}

/**
 * Every patch's metadata in `dir/vpatch/*` (`<folder>/<folder>.vpatch.yaml`), each cross-checked against
 * its folder's rules; a folder with rules but no metadata is a problem (its rules could never be assigned).
 */
export function loadVpatches(dir: string): { patches: VpatchMeta[]; problems: Problem[] } {
  const patches: VpatchMeta[] = [];
  const problems: Problem[] = [];
  const root = join(dir, "vpatch");
  if (!existsSync(root)) return { patches, problems: [{ file: root, line: 1, col: 1, message: "no vpatch/ folder here" }] };
  for (const d of readdirSync(root, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    const folder = join(root, d.name);
    const files = readdirSync(folder);
    const own = `${d.name}.vpatch.yaml`;
    if (!files.includes(own) && files.some((x) => x.endsWith(".rules"))) {
      problems.push({ file: folder, line: 1, col: 1, message: `virtual patch "${d.name}" has no metadata (${own})` });
    }
    for (const f of files.filter((x) => x.endsWith(".vpatch.yaml"))) {
      const file = join(folder, f);
      if (f !== own) {
        problems.push({ file, line: 1, col: 1, message: `the metadata file must be named ${own}` });
        continue;
      }
      const r = parseVpatchMeta(readFileSync(file, "utf8"), file);
      if (r.meta === undefined) {
        problems.push(...r.problems);
        continue;
      }
      const rules = files.filter((x) => x.endsWith(".rules"))
        .flatMap((x) => parseRules(readFileSync(join(folder, x), "latin1"), join(folder, x)).rules);
      const cross = checkVpatchFolder(r.meta, basename(folder), rules);
      problems.push(...cross);
      if (cross.length === 0) patches.push(r.meta);
    }
  }
  patches.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { patches, problems };
}

/** `dir/data/windows.yaml`, or empty data (with a note) when the packs carry none. */
export function loadWindowsData(dir: string): { data: WindowsData; problems: Problem[]; missing: boolean } {
  const file = join(dir, "data", "windows.yaml");
  if (!existsSync(file)) return { data: emptyWindowsData(), problems: [], missing: true };
  const r = parseWindowsData(readFileSync(file, "utf8"), file);
  return { data: r.data ?? emptyWindowsData(), problems: r.problems, missing: false };
}

function describeOs(inv: Inventory): string {
  const os = inv.os;
  if (os.platform === "linux") return `${os.id} ${os.version} (linux)`;
  return `${os.name} ${os.version}${os.ubr !== undefined ? `.${os.ubr}` : ""} (windows)`;
}

function printTable(inv: Inventory, r: ScanResult): void {
  console.log(`inventory: ${describeOs(inv)}`);
  const rows = r.rules.map((x) => [String(x.sid), x.decision, x.cve.join(","), x.reason]);
  const head = ["sid", "decision", "cve", "reason"];
  const w = [0, 1, 2].map((i) => Math.max(head[i].length, ...rows.map((row) => row[i].length)));
  const line = (c: string[]): string => `${c[0].padEnd(w[0])}  ${c[1].padEnd(w[1])}  ${c[2].padEnd(w[2])}  ${c[3]}`;
  console.log(line(head));
  for (const row of rows) console.log(line(row));
  const s = r.summary;
  console.log(`${r.rules.length} rules: ${s.assign} assign, ${s.recommend} recommend, ${s.unassign} unassign, ` +
    `${s["not-applicable"]} not-applicable`);
  for (const x of r.warnings) console.log(`warning: ${x}`);
}

/** `tsugi scan …`; returns the exit code. */
export function runScan(args: string[]): number {
  const a = parseArgs(args);
  if (a === "help") {
    console.log(SCAN_USAGE);
    return 0;
  }
  if (typeof a === "string") {
    console.error(`tsugi scan: ${a}\n\n${SCAN_USAGE}`);
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(a.inventory, "utf8");
  } catch (e) {
    console.error(`tsugi scan: cannot read ${a.inventory}: ${(e as Error).message}`);
    return 2;
  }
  let dir: string;
  try {
    dir = a.packs !== "" ? a.packs : builtinPacksDir();
  } catch (e) {
    console.error(`tsugi scan: ${(e as Error).message}`);
    return 2;
  }
  const inv = parseInventory(text, a.inventory);
  const vp = loadVpatches(dir);
  const wd = loadWindowsData(dir);
  const problems = [...inv.problems, ...vp.problems, ...wd.problems];
  if (problems.length > 0 || inv.inventory === undefined) {
    for (const p of problems) console.error(showProblem(p));
    return 2;
  }
  if (wd.missing) console.error(`tsugi scan: note: ${join(dir, "data", "windows.yaml")} not found; rollups are not recognised`);
  const result = scan(inv.inventory, vp.patches, wd.data);
  if (a.json) {
    console.log(JSON.stringify({
      rules: result.rules,
      summary: result.summary,
      inventory: inv.inventory.os,
      warnings: result.warnings,
    }, null, 2));
  } else printTable(inv.inventory, result);
  return 0;
}
