/**
 * `isdataat:[!]N[, relative][, rawbytes]`: there are (not) at least N bytes at the position. N may be a
 * byte_extract variable.
 *
 * Cold path only.
 *
 * @example
 * ```ts
 * // isdataat:!1,relative;   (nothing after the previous match)
 * ```
 */
import type { IsDataAtMatch } from "../ast.ts";
import { splitArgs, type Keyword } from "./keyword.ts";

export const isdataat: Keyword = {
  name: "isdataat",
  value: "required",
  parse(value, ctx) {
    const p = splitArgs(value);
    let n = p[0];
    let negated = false;
    if (n.startsWith("!")) {
      negated = true;
      n = n.slice(1).trim();
    }
    const m: IsDataAtMatch = { kind: "isdataat", pos: ctx.pos, size: ctx.numOrVar(n, 65535), relative: false, negated, rawbytes: false };
    for (const o of p.slice(1)) {
      if (o === "relative") m.relative = true;
      else if (o === "rawbytes") m.rawbytes = true;
      else return ctx.fail(`"isdataat" has unknown option ${JSON.stringify(o)} (relative, rawbytes)`);
    }
    ctx.addMatch(m);
  },
};
