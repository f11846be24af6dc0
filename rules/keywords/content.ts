/**
 * `content` (and `uricontent`, which is `content` in http.uri): the bytes to find, as Suricata writes
 * them: a quoted string mixing text and `|41 42|` hex, with `\"` `\;` `\:` `\\` escapes, optionally
 * negated by a leading `!`. The match goes to the open sticky buffer's block, else the payload block.
 *
 * Cold path only; never per packet.
 *
 * @example
 * ```ts
 * import { contentBytes } from "./content.ts";
 * contentBytes('"GET |20|/"'); // { bytes: Uint8Array [71,69,84,32,47], negated: false }
 * ```
 */
import type { ContentMatch } from "../ast.ts";
import { BUF_HTTP_URI } from "../../engine/detect/buffers.ts";
import type { Keyword, KeywordCtx } from "./keyword.ts";

const HEX = "0123456789abcdefABCDEF";

/** Decodes a content value; returns an error message string for bad input. */
export function contentBytes(value: string): { bytes: Uint8Array; negated: boolean } | string {
  let v = value.trim();
  let negated = false;
  if (v[0] === "!") {
    negated = true;
    v = v.slice(1).trimStart();
  }
  if (v.length < 2 || v[0] !== '"' || v[v.length - 1] !== '"') return "content must be a quoted string";
  const s = v.slice(1, -1);
  const out: number[] = [];
  let hex = false;
  let nibble = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "|") {
      if (hex && nibble >= 0) return `odd number of hex digits before "|" at ${i}`;
      hex = !hex;
      continue;
    }
    if (hex) {
      if (c === " " || c === "\t") {
        if (nibble >= 0) return `hex digits must come in pairs (at ${i})`;
        continue;
      }
      const h = HEX.indexOf(c);
      if (h < 0) return `invalid hex character ${JSON.stringify(c)} inside |...|`;
      const d = h >= 16 ? h - 6 : h;
      if (nibble < 0) nibble = d;
      else {
        out.push((nibble << 4) | d);
        nibble = -1;
      }
      continue;
    }
    if (c === "\\") {
      const n = s[i + 1];
      if (n === '"' || n === ";" || n === ":" || n === "\\") {
        out.push(n.charCodeAt(0));
        i++;
        continue;
      }
      return n === undefined ? "content ends with a lone backslash" : `escape "\\${n}" is not allowed in content (only \\" \\; \\: \\\\)`;
    }
    if (c === '"') return 'unescaped \'"\' inside content (write \\" or |22|)';
    const code = c.charCodeAt(0);
    if (code > 0x7f) {
      for (const b of new TextEncoder().encode(c)) out.push(b);
    } else out.push(code);
  }
  if (hex) return 'unclosed "|" in content';
  if (out.length === 0) return "content is empty";
  return { bytes: Uint8Array.from(out), negated };
}

/** Parses a content value into a fresh `ContentMatch` at the keyword's position (fails on bad input). */
export function newContent(value: string, ctx: KeywordCtx): ContentMatch {
  const r = contentBytes(value);
  if (typeof r === "string") return ctx.fail(`${ctx.name}: ${r}`);
  return {
    kind: "content",
    pos: ctx.pos,
    bytes: r.bytes,
    negated: r.negated,
    nocase: false,
    startsWith: false,
    endsWith: false,
    fastPattern: false,
    fastPatternOnly: false,
    rawbytes: false,
  };
}

export const content: Keyword = {
  name: "content",
  value: "required",
  parse(value, ctx) {
    ctx.addMatch(newContent(value, ctx));
  },
};

export const uricontent: Keyword = {
  name: "uricontent",
  value: "required",
  parse(value, ctx) {
    if (ctx.sticky !== null) return ctx.fail(`"uricontent" cannot be used while a sticky buffer is open (use pkt_data first)`);
    const m = newContent(value, ctx);
    ctx.addMatch(m);
    ctx.moveTo(m, BUF_HTTP_URI);
  },
};
