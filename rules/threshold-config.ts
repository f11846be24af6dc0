/**
 * Suricata's threshold.config: `suppress`, `threshold`, `event_filter` and `rate_filter` lines into typed
 * entries with their positions, so a false positive on one host can be silenced without disabling the
 * rule everywhere. `gen_id 0, sig_id 0` means every rule (as Suricata). Addresses in `suppress ... ip`
 * accept the rule-header syntax (`10.0.0.0/8`, `[a,b]`, `!x`, `$HOME_NET`).
 *
 * Cold path only; no I/O (callers pass the text).
 *
 * @example
 * ```ts
 * import { parseThresholdConfig } from "./threshold-config.ts";
 * const { entries } = parseThresholdConfig("suppress gen_id 1, sig_id 2000, track by_src, ip 10.0.0.0/8", "threshold.config");
 * console.log(entries[0].kind, entries[0].sid); // "suppress" 2000
 * ```
 */
import type { AddrSet, RuleProblem, SourcePos, Threshold } from "./ast.ts";
import { ExprError, parseAddrExpr } from "./address.ts";
import { readThreshold } from "./keywords/threshold.ts";
import { defaultVars } from "./vars.ts";
import { didYouMean } from "../engine/policy/suggest.ts";

export type ThresholdEntry =
  | { kind: "suppress"; pos: SourcePos; gid: number; sid: number; track: "by_src" | "by_dst" | "by_either" | null; addrs: AddrSet | null }
  | { kind: "threshold" | "event_filter"; pos: SourcePos; gid: number; sid: number; threshold: Threshold }
  | {
    kind: "rate_filter";
    pos: SourcePos;
    gid: number;
    sid: number;
    threshold: Threshold;
    newAction: "alert" | "drop" | "pass" | "reject";
    timeout: number;
  };

const DIRECTIVES = ["suppress", "threshold", "event_filter", "rate_filter"];

class LineProblem extends Error {
  constructor(
    message: string,
    readonly col: number,
  ) {
    super(message);
  }
}

interface Pair {
  key: string;
  value: string;
  col: number;
}

/** Parses threshold.config text; each bad line is one problem, the rest still load. */
export function parseThresholdConfig(
  text: string,
  file: string,
  vars: Record<string, string> = {},
): { entries: ThresholdEntry[]; problems: RuleProblem[] } {
  const v = defaultVars(vars);
  const entries: ThresholdEntry[] = [];
  const problems: RuleProblem[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, "");
    const body = raw.trimStart();
    if (body === "" || body.startsWith("#")) continue;
    const indent = raw.length - body.length;
    const pos: SourcePos = { file, line: i + 1, col: indent + 1 };
    try {
      entries.push(parseLine(body, indent, pos, v));
    } catch (e) {
      if (!(e instanceof LineProblem)) throw e;
      problems.push({ pos: { file, line: i + 1, col: e.col }, reason: "invalid threshold.config line", message: e.message });
    }
  }
  return { entries, problems };
}

function parseLine(body: string, indent: number, pos: SourcePos, vars: Record<string, string>): ThresholdEntry {
  const sp = body.search(/\s/);
  const directive = sp < 0 ? body : body.slice(0, sp);
  if (!DIRECTIVES.includes(directive)) {
    throw new LineProblem(`unknown directive ${JSON.stringify(directive)}${didYouMean(directive, DIRECTIVES)} (suppress, threshold, event_filter, rate_filter)`, pos.col);
  }
  // Split "key value" pairs on commas outside brackets (ip [a,b] holds commas).
  const pairs: Pair[] = [];
  let depth = 0;
  let start = sp < 0 ? body.length : sp + 1;
  for (let j = start; j <= body.length; j++) {
    const c = body[j];
    if (c === "[") depth++;
    else if (c === "]") depth--;
    if (j === body.length || (c === "," && depth === 0)) {
      const part = body.slice(start, j);
      const t = part.trim();
      const col = indent + start + (part.length - part.trimStart().length) + 1;
      if (t !== "") {
        const m = /^([a-z_]+)\s+(.+)$/.exec(t);
        if (m === null) throw new LineProblem(`expected "key value", got ${JSON.stringify(t)}`, col);
        if (pairs.some((p) => p.key === m[1])) throw new LineProblem(`"${m[1]}" given twice`, col);
        pairs.push({ key: m[1], value: m[2].trim(), col });
      }
      start = j + 1;
    }
  }
  const get = (k: string): Pair | undefined => pairs.find((p) => p.key === k);
  const num = (k: string): number => {
    const p = get(k);
    if (p === undefined) throw new LineProblem(`${directive} needs "${k}"`, pos.col);
    if (!/^[0-9]+$/.test(p.value) || Number(p.value) > 0xffffffff) throw new LineProblem(`"${k}" must be a whole number`, p.col);
    return Number(p.value);
  };
  const gid = num("gen_id");
  const sid = num("sig_id");
  const allowed = (keys: string[]) => {
    for (const p of pairs) {
      if (!keys.includes(p.key)) throw new LineProblem(`${directive} does not take "${p.key}"${didYouMean(p.key, keys)}`, p.col);
    }
  };
  if (directive === "suppress") {
    allowed(["gen_id", "sig_id", "track", "ip"]);
    const track = get("track");
    const ip = get("ip");
    if ((track === undefined) !== (ip === undefined)) throw new LineProblem(`suppress needs both "track" and "ip", or neither`, (track ?? ip ?? { col: pos.col }).col);
    if (track !== undefined && track.value !== "by_src" && track.value !== "by_dst" && track.value !== "by_either") {
      throw new LineProblem(`suppress "track" must be by_src, by_dst or by_either`, track.col);
    }
    let addrs: AddrSet | null = null;
    if (ip !== undefined) {
      try {
        addrs = parseAddrExpr(ip.value, vars);
      } catch (e) {
        if (e instanceof ExprError) throw new LineProblem(e.message, ip.col + "ip ".length + e.offset);
        throw e;
      }
    }
    return { kind: "suppress", pos, gid, sid, track: (track?.value ?? null) as "by_src" | "by_dst" | "by_either" | null, addrs };
  }
  const rest = pairs.filter((p) => p.key !== "gen_id" && p.key !== "sig_id");
  const restText = rest.map((p) => `${p.key} ${p.value}`).join(", ");
  const firstCol = rest.length > 0 ? rest[0].col : pos.col;
  if (directive === "rate_filter") {
    allowed(["gen_id", "sig_id", "track", "count", "seconds", "new_action", "timeout"]);
    const core = rest.filter((p) => p.key !== "new_action" && p.key !== "timeout").map((p) => `${p.key} ${p.value}`).join(", ");
    const t = readThreshold(core, pos, "rate_filter", ["track", "count", "seconds"]);
    if (typeof t === "string") throw new LineProblem(`rate_filter: ${t}`, firstCol);
    const na = get("new_action");
    if (na === undefined || !["alert", "drop", "pass", "reject"].includes(na.value)) {
      throw new LineProblem(`rate_filter "new_action" must be alert, drop, pass or reject`, na?.col ?? pos.col);
    }
    const timeout = num("timeout");
    return { kind: "rate_filter", pos, gid, sid, threshold: t, newAction: na.value as "alert" | "drop" | "pass" | "reject", timeout };
  }
  allowed(["gen_id", "sig_id", "type", "track", "count", "seconds"]);
  const t = readThreshold(restText, pos, null, ["type", "track", "count", "seconds"]);
  if (typeof t === "string") throw new LineProblem(`${directive}: ${t}`, firstCol);
  return { kind: directive as "threshold" | "event_filter", pos, gid, sid, threshold: t };
}
