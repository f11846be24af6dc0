/**
 * `bsize:N|<N|>N|N<>M`: the length of the sticky buffer it follows. Only in a sticky buffer (as
 * Suricata); a content longer than an exact or maximum bsize can never match and is reported.
 *
 * Cold path only.
 *
 * @example
 * ```ts
 * // http.host; bsize:<20; content:"evil";
 * ```
 */
import type { Keyword } from "./keyword.ts";

export const bsize: Keyword = {
  name: "bsize",
  value: "required",
  parse(value, ctx) {
    if (ctx.sticky === null) return ctx.fail(`"bsize" needs a sticky buffer before it`);
    const cmp = ctx.numCmp(value, 0xffffffff);
    const block = ctx.sticky;
    const max = cmp.op === "=" ? cmp.a : cmp.op === "<" ? cmp.a - 1 : cmp.op === "<=" ? cmp.a : cmp.op === "range" ? cmp.b - 1 : Infinity;
    for (const m of block.matches) {
      if (m.kind === "content" && !m.negated && m.bytes.length > max) {
        return ctx.fail(`bsize ${value.trim()} can never hold content of length ${m.bytes.length}`);
      }
    }
    ctx.addMatch({ kind: "bsize", pos: ctx.pos, cmp }, block);
  },
};
