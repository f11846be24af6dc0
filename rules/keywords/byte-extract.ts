/**
 * `byte_extract:count, offset, name[, relative][, multiplier N][, big|little|dce][, string, hex|dec|oct]
 * [, align 2|4][, bitmask N]`: read a value into a variable later keywords use (offset, depth, byte_test …).
 *
 * Cold path only.
 *
 * @example
 * ```ts
 * // byte_extract:2,0,len,relative; content:"x"; within:len;
 * ```
 */
import type { ByteExtractMatch } from "../ast.ts";
import { checkCount, readByteOptions } from "./byte-options.ts";
import { splitArgs, type Keyword } from "./keyword.ts";

export const byteExtract: Keyword = {
  name: "byte_extract",
  value: "required",
  parse(value, ctx) {
    const p = splitArgs(value);
    if (p.length < 3) return ctx.fail(`"byte_extract" needs count, offset and a variable name`);
    const count = ctx.uint(p[0], 255, false);
    if (!/^-?[0-9]+$/.test(p[1])) return ctx.fail(`"byte_extract" offset must be a number`);
    const name = p[2];
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return ctx.fail(`"byte_extract" variable name ${JSON.stringify(name)} is not a name`);
    const o = readByteOptions(p.slice(3), ctx, ["multiplier", "align"]);
    checkCount(count, o, ctx, 23);
    const m: ByteExtractMatch = {
      kind: "byte_extract",
      pos: ctx.pos,
      count,
      offset: Number(p[1]),
      name,
      relative: o.relative,
      multiplier: 1,
      endian: o.endian,
      string: o.string,
      align: 0,
    };
    for (const { key, value: v } of o.extra) {
      if (key === "multiplier") m.multiplier = ctx.uint(v, 65535, false);
      else if (key === "align") {
        if (v !== "2" && v !== "4") return ctx.fail(`"byte_extract" align must be 2 or 4`);
        m.align = Number(v);
      }
    }
    if (m.multiplier === 0) return ctx.fail(`"byte_extract" multiplier must be at least 1`);
    if (o.bitmask !== undefined) m.bitmask = o.bitmask;
    ctx.byteVars.add(name);
    ctx.addMatch(m);
  },
};
