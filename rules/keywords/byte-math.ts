/**
 * `byte_math:bytes N|var, offset N, oper +|-|*|/|<<|>>, rvalue N|var, result NAME[, relative][, endian big|little|dce]
 * [, string hex|dec|oct][, dce][, bitmask N]`: read a value, combine it, store the result in a variable.
 *
 * Cold path only.
 *
 * @example
 * ```ts
 * // byte_math:bytes 2, offset 0, oper *, rvalue 2, result len, relative;
 * ```
 */
import type { ByteMathMatch } from "../ast.ts";
import { checkCount, readByteOptions, readCount } from "./byte-options.ts";
import { splitArgs, type Keyword } from "./keyword.ts";

const OPERS = ["+", "-", "*", "/", "<<", ">>"];

export const byteMath: Keyword = {
  name: "byte_math",
  value: "required",
  parse(value, ctx) {
    const o = readByteOptions(splitArgs(value), ctx, ["bytes", "offset", "oper", "rvalue", "result"]);
    const get = (k: string): string => {
      const e = o.extra.find((x) => x.key === k);
      if (e === undefined || e.value === "") return ctx.fail(`"byte_math" needs "${k}"`);
      return e.value;
    };
    const { count, countVar } = readCount(get("bytes"), ctx);
    if (countVar === undefined) checkCount(count, o, ctx, 10);
    const oper = get("oper");
    if (!OPERS.includes(oper)) return ctx.fail(`"byte_math" oper must be one of + - * / << >>`);
    const result = get("result");
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(result)) return ctx.fail(`"byte_math" result ${JSON.stringify(result)} is not a name`);
    const rvalue = ctx.numOrVar(get("rvalue"), 0xffffffff);
    if (oper === "/" && "num" in rvalue && rvalue.num === 0) return ctx.fail(`"byte_math" divides by zero`);
    const m: ByteMathMatch = {
      kind: "byte_math",
      pos: ctx.pos,
      count,
      offset: ctx.numOrVar(get("offset"), 0x7fffffff),
      oper: oper as ByteMathMatch["oper"],
      rvalue,
      result,
      relative: o.relative,
      endian: o.endian,
      string: o.string,
    };
    if (countVar !== undefined) m.countVar = countVar;
    if (o.bitmask !== undefined) m.bitmask = o.bitmask;
    ctx.byteVars.add(result);
    ctx.addMatch(m);
  },
};
