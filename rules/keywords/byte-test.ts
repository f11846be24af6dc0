/**
 * `byte_test:count, [!]op, value, offset[, relative][, big|little|dce][, string, hex|dec|oct][, bitmask N]`:
 * convert bytes at offset and compare. `count`, `value` and `offset` may be byte_extract/byte_math variables.
 *
 * Cold path only.
 *
 * @example
 * ```ts
 * // byte_test:2,>,1000,0,relative,little;
 * ```
 */
import type { ByteTestMatch } from "../ast.ts";
import { checkCount, readByteOptions, readCount } from "./byte-options.ts";
import { splitArgs, type Keyword } from "./keyword.ts";

const OPS = ["<", ">", "=", "&", "^", "<=", ">="] as const;

export const byteTest: Keyword = {
  name: "byte_test",
  value: "required",
  parse(value, ctx) {
    const p = splitArgs(value);
    if (p.length < 4) return ctx.fail(`"byte_test" needs count, operator, value and offset`);
    const { count, countVar } = readCount(p[0], ctx);
    let op = p[1].replace(/\s+/g, "");
    let negated = false;
    if (op.startsWith("!")) {
      negated = true;
      op = op.slice(1);
      if (op === "" || op === "=") op = "=";
    }
    if (!(OPS as readonly string[]).includes(op)) return ctx.fail(`"byte_test" operator ${JSON.stringify(p[1])} is not one of < > = ! & ^ <= >= (optionally with ! before)`);
    const o = readByteOptions(p.slice(4), ctx, []);
    if (countVar === undefined) checkCount(count, o, ctx, 23, true);
    const m: ByteTestMatch = {
      kind: "byte_test",
      pos: ctx.pos,
      count,
      op: op as ByteTestMatch["op"],
      negated,
      value: ctx.numOrVar(p[2], Number.MAX_SAFE_INTEGER),
      offset: ctx.numOrVar(p[3], 0x7fffffff),
      relative: o.relative,
      endian: o.endian,
      string: o.string,
    };
    if (countVar !== undefined) m.countVar = countVar;
    if (o.bitmask !== undefined) m.bitmask = o.bitmask;
    ctx.addMatch(m);
  },
};
