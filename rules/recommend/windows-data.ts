/**
 * The offline Windows update data the recommendation scan needs (`rules/packs/data/windows.yaml`): for
 * each Windows version its names and whether it reports an update build revision (UBR), and for each
 * servicing line its cumulative updates (monthly rollups, Windows 10/11 LCUs) as KB + month (+ UBR).
 * A cumulative update contains every fix released before it, so a machine with a rollup of month M
 * installed has every fix whose first update came out in month M or earlier.
 *
 * Pure and cold (no I/O; runs on Node and Deno). Never throws for bad input.
 *
 * @example
 * ```ts
 * import { parseWindowsData } from "./windows-data.ts";
 * const { data } = parseWindowsData(text, "data/windows.yaml");
 * data?.cumulative.get("KB4499164"); // { kb: "KB4499164", month: "2019-05", os: ["6.1.7601"] }
 * ```
 */
import { FieldReader, type Problem } from "./fields.ts";
import { KB_RE, MONTH_RE, WINDOWS_VERSIONS } from "./meta.ts";

export interface WindowsVersionInfo {
  os: string;
  /** Product names, client first: ["Windows 7 SP1", "Windows Server 2008 R2 SP1"]. */
  names: string[];
  /** Whether the version reports an update build revision (10.0.x) that orders its updates. */
  hasUbr: boolean;
}

/** One cumulative update (monthly rollup or LCU) and the versions it applies to. */
export interface CumulativeUpdate {
  kb: string;
  month: string;
  ubr?: number;
  os: string[];
}

export interface WindowsData {
  versions: Map<string, WindowsVersionInfo>;
  /** By KB id. */
  cumulative: Map<string, CumulativeUpdate>;
}

/** An empty data set (a scan without Windows data: only the advisory's own KBs and UBRs count). */
export const emptyWindowsData = (): WindowsData => ({ versions: new Map(), cumulative: new Map() });

/** Reads and validates the Windows update data; `data` only when there are no problems. */
export function parseWindowsData(text: string, file: string): { data?: WindowsData; problems: Problem[] } {
  const r = new FieldReader(file);
  const root = r.parse(text);
  const m = root && r.map(root, "the Windows update data");
  if (m === null) return { problems: r.problems };
  const f = r.fields(m, ["versions", "updates"], ["versions", "updates"], "the Windows update data");
  const data = emptyWindowsData();
  const vs = f.get("versions")?.value;
  for (const i of (vs && r.list(vs, "versions", true)) ?? []) {
    const vm = r.map(i, "a versions item");
    if (vm === null) continue;
    const vf = r.fields(vm, ["os", "names", "ubr"], ["os", "names", "ubr"], "a versions item");
    const osNode = vf.get("os")?.value;
    const os = osNode ? r.str(osNode, "os") : null;
    if (osNode && os !== null && !WINDOWS_VERSIONS.includes(os)) {
      r.report(osNode.where, `os ${JSON.stringify(os)} is not a Windows version Tsugi knows (${WINDOWS_VERSIONS.join(", ")})`);
      continue;
    }
    if (os !== null && osNode && data.versions.has(os)) r.report(osNode.where, `os ${os} is listed twice`);
    const namesNode = vf.get("names")?.value;
    const names = namesNode ? r.strList(namesNode, "names", true, (n) => r.str(n, "name")) : [];
    const ubrNode = vf.get("ubr")?.value;
    const hasUbr = ubrNode ? r.bool(ubrNode, "ubr") : null;
    if (os !== null && hasUbr !== null && hasUbr !== os.startsWith("10.") && ubrNode) {
      r.report(ubrNode.where, `ubr must be ${os.startsWith("10.")} for ${os} (only 10.0.x reports an update build revision)`);
    }
    if (os !== null && hasUbr !== null) data.versions.set(os, { os, names, hasUbr });
  }
  const us = f.get("updates")?.value;
  for (const i of (us && r.list(us, "updates", true)) ?? []) {
    const um = r.map(i, "an updates item");
    if (um === null) continue;
    const uf = r.fields(um, ["os", "cumulative"], ["os", "cumulative"], "an updates item");
    const osNode = uf.get("os")?.value;
    const oses = osNode ? r.strList(osNode, "os", true, (n) => r.str(n, "os")) : [];
    for (const os of oses) {
      if (!data.versions.has(os) && osNode) r.report(osNode.where, `os ${os} is not in versions`);
    }
    const ubr = oses.length > 0 && oses.every((o) => o.startsWith("10."));
    const cs = uf.get("cumulative")?.value;
    let lastMonth = "";
    for (const c of (cs && r.list(cs, "cumulative", true)) ?? []) {
      const cm = r.map(c, "a cumulative update");
      if (cm === null) continue;
      const cf = r.fields(cm, ["kb", "month", "ubr"], ubr ? ["kb", "month", "ubr"] : ["kb", "month"], "a cumulative update");
      const kbNode = cf.get("kb")?.value;
      const monthNode = cf.get("month")?.value;
      const kb = kbNode ? r.pattern(kbNode, "kb", KB_RE, "a KB number (KB followed by 6 or 7 digits)") : null;
      const month = monthNode ? r.pattern(monthNode, "month", MONTH_RE, "a month (YYYY-MM)") : null;
      const ubrNode = cf.get("ubr")?.value;
      let u: number | undefined;
      if (ubrNode) {
        if (!ubr) r.report(ubrNode.where, "ubr is only for Windows 10.0.x updates");
        else u = r.int(ubrNode, "ubr", 0, 0xffffffff) ?? undefined;
      }
      if (month !== null && monthNode && month < lastMonth) {
        r.report(monthNode.where, `updates must be in release order: ${month} after ${lastMonth}`);
      }
      if (month !== null) lastMonth = month;
      if (kb === null || month === null || !kbNode) continue;
      if (data.cumulative.has(kb)) {
        r.report(kbNode.where, `${kb} is listed twice`);
        continue;
      }
      data.cumulative.set(kb, u === undefined ? { kb, month, os: oses } : { kb, month, ubr: u, os: oses });
    }
  }
  return r.problems.length === 0 ? { data, problems: [] } : { problems: r.problems };
}
