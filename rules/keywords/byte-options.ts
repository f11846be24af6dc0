/**
 * The option tail byte_test, byte_jump, byte_extract and byte_math share: `relative`, endianness
 * (`big`, `little`, `dce`), `string` with a base (`hex`, `dec`, `oct`), `bitmask N`, and the options
 * particular to each keyword, read into one record the keyword checks.
 *
 * Cold path only.
 *
 * @example
 * ```ts
 * // readByteOptions(["relative", "little", "string", "dec"], ctx, [])
 * //   → { relative: true, endian: "little", string: "dec", ... }
 * ```
 */
import type { ByteEndian, ByteString } from "../ast.ts";
import type { KeywordCtx } from "./keyword.ts";

export interface ByteOptions {
  relative: boolean;
  endian: ByteEndian;
  string: ByteString;
  bitmask?: number;
  /** Keyword-specific words and `word value` pairs, in order. */
  extra: Array<{ key: string; value: string }>;
}

/** Reads the shared options; `allowed` lists the keyword's own words (`align`, `multiplier` …). */
export function readByteOptions(parts: string[], ctx: KeywordCtx, allowed: readonly string[]): ByteOptions {
  const o: ByteOptions = { relative: false, endian: "big", string: null, extra: [] };
  let endianSet = false;
  let sawString = false;
  for (const raw of parts) {
    const sp = raw.search(/\s/);
    const key = (sp < 0 ? raw : raw.slice(0, sp)).toLowerCase();
    const value = sp < 0 ? "" : raw.slice(sp + 1).trim();
    switch (key) {
      case "relative":
        o.relative = true;
        break;
      case "big":
      case "little":
      case "dce":
        if (endianSet) return ctx.fail(`"${ctx.name}" has two endianness options`);
        endianSet = true;
        o.endian = key;
        break;
      case "endian":
        if (value !== "big" && value !== "little" && value !== "dce") return ctx.fail(`"${ctx.name}" endian must be big, little or dce`);
        if (endianSet) return ctx.fail(`"${ctx.name}" has two endianness options`);
        endianSet = true;
        o.endian = value;
        break;
      case "string":
        sawString = true;
        o.string = "dec";
        if (value !== "") {
          if (value !== "hex" && value !== "dec" && value !== "oct") return ctx.fail(`"${ctx.name}" string base must be hex, dec or oct`);
          o.string = value;
        }
        break;
      case "hex":
      case "dec":
      case "oct":
        if (!sawString) return ctx.fail(`"${ctx.name}" base "${key}" needs "string" before it`);
        o.string = key;
        break;
      case "bitmask":
        if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) return ctx.fail(`"${ctx.name}" bitmask needs a number, got ${JSON.stringify(value)}`);
        o.bitmask = Number(value);
        if (o.bitmask === 0 || o.bitmask > 0xffffffff) return ctx.fail(`"${ctx.name}" bitmask must be 1-0xffffffff`);
        break;
      default:
        if (!allowed.includes(key)) return ctx.fail(`"${ctx.name}" has unknown option ${JSON.stringify(raw)}`);
        o.extra.push({ key, value });
    }
  }
  if (o.string !== null && o.endian === "dce") return ctx.fail(`"${ctx.name}": "dce" and "string" cannot be combined`);
  return o;
}

/**
 * The byte count: up to 8 for binary values, up to `strMax` for `string` ones. `zeroOk`: byte_test and
 * byte_jump take 0 as Suricata does (it checks only the upper bound; 0 bytes convert to the value 0, e.g.
 * `byte_jump:0,0,relative,post_offset -8;` just moves the cursor). byte_extract/byte_math need 1.
 */
export function checkCount(count: number, o: ByteOptions, ctx: KeywordCtx, strMax = 23, zeroOk = false): void {
  // Suricata also accepts 0 with "string" everywhere (ET uses byte_test:0,=,0,0,string,dec).
  if (count < 1 && o.string === null && !zeroOk) return ctx.fail(`"${ctx.name}" needs at least 1 byte`);
  if (o.string === null && count > 8) return ctx.fail(`"${ctx.name}" can convert at most 8 binary bytes (got ${count})`);
  if (o.string !== null && count > strMax) return ctx.fail(`"${ctx.name}" can convert at most ${strMax} string bytes (got ${count})`);
  if (o.endian === "dce" && count !== 1 && count !== 2 && count !== 4) return ctx.fail(`"${ctx.name}" with dce converts 1, 2 or 4 bytes`);
}

/**
 * The byte-count argument: a number (0-255, range-checked later by `checkCount`) or the name of a
 * byte_extract/byte_math variable (Suricata takes a count starting with a letter as a variable).
 */
export function readCount(text: string, ctx: KeywordCtx): { count: number; countVar?: string } {
  const t = text.trim();
  if (/^[A-Za-z]/.test(t)) {
    const v = ctx.numOrVar(t);
    if ("var" in v) return { count: 0, countVar: v.var };
  }
  return { count: ctx.uint(t, 255, false) };
}
