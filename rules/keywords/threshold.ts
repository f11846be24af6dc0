/**
 * `threshold:type limit|threshold|both, track by_src|by_dst|by_rule|by_both|by_flow, count N, seconds N`
 * and `detection_filter:track ..., count N, seconds N[, unique_on src_port|dst_port]`. The parser of the
 * `key value` list is shared with threshold.config (rules/threshold-config.ts).
 *
 * Cold path only.
 *
 * @example
 * ```ts
 * // threshold:type limit, track by_src, count 1, seconds 60;
 * ```
 */
import type { SourcePos, Threshold } from "../ast.ts";
import { splitArgs, type Keyword } from "./keyword.ts";

const TRACKS = ["by_src", "by_dst", "by_rule", "by_both", "by_flow"] as const;

/** Reads `key value, key value` pairs into a Threshold; returns an error message on bad input. */
export function readThreshold(
  value: string,
  pos: SourcePos,
  kind: Threshold["kind"] | null,
  allowed: readonly string[],
): Threshold | string {
  const seen = new Map<string, string>();
  for (const part of splitArgs(value)) {
    const m = /^([a-z_]+)\s+(\S+)$/.exec(part);
    if (m === null) return `expected "key value", got ${JSON.stringify(part)}`;
    if (!allowed.includes(m[1])) return `unknown option "${m[1]}" (allowed: ${allowed.join(", ")})`;
    if (seen.has(m[1])) return `"${m[1]}" given twice`;
    seen.set(m[1], m[2]);
  }
  let k = kind;
  if (k === null) {
    const type = seen.get("type");
    if (type !== "limit" && type !== "threshold" && type !== "both") return `"type" must be limit, threshold or both`;
    k = type;
  }
  const track = seen.get("track");
  if (track === undefined || !(TRACKS as readonly string[]).includes(track)) return `"track" must be one of ${TRACKS.join(", ")}`;
  const num = (key: string): number | string => {
    const v = seen.get(key);
    if (v === undefined) return `"${key}" is missing`;
    if (!/^[0-9]+$/.test(v) || Number(v) > 0xffffffff) return `"${key}" must be a whole number`;
    return Number(v);
  };
  const count = num("count");
  if (typeof count === "string") return count;
  const seconds = num("seconds");
  if (typeof seconds === "string") return seconds;
  if (count === 0 && k !== "detection_filter") return `"count" must be at least 1`;
  const t: Threshold = { pos, kind: k, track: track as Threshold["track"], count, seconds };
  const u = seen.get("unique_on");
  if (u !== undefined) {
    if (u !== "src_port" && u !== "dst_port") return `"unique_on" must be src_port or dst_port`;
    t.uniqueOn = u;
  }
  return t;
}

export const threshold: Keyword = {
  name: "threshold",
  value: "required",
  parse(value, ctx) {
    ctx.once("threshold", `"threshold" given twice (or with detection_filter)`);
    const t = readThreshold(value, ctx.pos, null, ["type", "track", "count", "seconds"]);
    if (typeof t === "string") return ctx.fail(`threshold: ${t}`);
    ctx.rule.threshold = t;
  },
};

export const detectionFilter: Keyword = {
  name: "detection_filter",
  value: "required",
  parse(value, ctx) {
    ctx.once("detection_filter", `"detection_filter" given twice`);
    const t = readThreshold(value, ctx.pos, "detection_filter", ["track", "count", "seconds", "unique_on"]);
    if (typeof t === "string") return ctx.fail(`detection_filter: ${t}`);
    ctx.rule.detectionFilter = t;
  },
};
