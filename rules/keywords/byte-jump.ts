/**
 * `byte_jump:count, offset[, relative][, multiplier N][, big|little|dce][, string, hex|dec|oct][, align]
 * [, from_beginning|from_end][, post_offset N][, bitmask N]`: read a length and move the cursor by it.
 * `count` may be a byte_extract/byte_math variable; 0 reads nothing (only post_offset moves the cursor).
 *
 * Cold path only.
 *
 * @example
 * ```ts
 * // byte_jump:4,0,relative,little,align;
 * ```
 */
import type { ByteJumpMatch } from "../ast.ts";
import { checkCount, readByteOptions, readCount } from "./byte-options.ts";
import { splitArgs, type Keyword } from "./keyword.ts";

export const byteJump: Keyword = {
  name: "byte_jump",
  value: "required",
  parse(value, ctx) {
    const p = splitArgs(value);
    if (p.length < 2) return ctx.fail(`"byte_jump" needs count and offset`);
    const { count, countVar } = readCount(p[0], ctx);
    const o = readByteOptions(p.slice(2), ctx, ["multiplier", "align", "from_beginning", "from_end", "post_offset"]);
    if (countVar === undefined) checkCount(count, o, ctx, 23, true);
    const m: ByteJumpMatch = {
      kind: "byte_jump",
      pos: ctx.pos,
      count,
      offset: ctx.numOrVar(p[1], 0x7fffffff),
      relative: o.relative,
      multiplier: 1,
      endian: o.endian,
      string: o.string,
      align: false,
      fromBeginning: false,
      fromEnd: false,
      postOffset: 0,
    };
    for (const { key, value: v } of o.extra) {
      if (key === "multiplier") m.multiplier = ctx.uint(v, 65535, false);
      else if (key === "post_offset") {
        if (!/^-?[0-9]+$/.test(v)) return ctx.fail(`"byte_jump" post_offset needs a number`);
        m.postOffset = Number(v);
      } else if (v !== "") ctx.fail(`"byte_jump" option "${key}" takes no value`);
      else if (key === "align") m.align = true;
      else if (key === "from_beginning") m.fromBeginning = true;
      else if (key === "from_end") m.fromEnd = true;
    }
    if (m.fromBeginning && m.fromEnd) return ctx.fail(`"byte_jump": from_beginning and from_end cannot be combined`);
    if (m.multiplier === 0) return ctx.fail(`"byte_jump" multiplier must be at least 1`);
    if (countVar !== undefined) m.countVar = countVar;
    if (o.bitmask !== undefined) m.bitmask = o.bitmask;
    ctx.addMatch(m);
  },
};
