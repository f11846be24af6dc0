/**
 * `pcre:[!]"/pattern/flags"` with Suricata's modifier letters: flags `i s m x A E G`, `R` (relative),
 * `O` (override match limits), `B` (accepted, no effect, as Suricata), and the buffer letters
 * `U I P Q H D M C S Y V W Z`, which place the pcre in that HTTP buffer's block (not allowed while a
 * sticky buffer is open). `(?P<pkt_x>..)` / `(?P<flow_x>..)` named groups become captures.
 *
 * Cold path only. The pattern itself is compiled by the detection engine's own regex engine.
 *
 * @example
 * ```ts
 * // pcre:"/^GET\s+\/admin/Ui";  → a caseless pcre in the http.uri block
 * ```
 */
import type { PcreMatch } from "../ast.ts";
import * as B from "../../engine/detect/buffers.ts";
import type { Keyword } from "./keyword.ts";

const BUFFER_LETTERS: Record<string, number> = {
  U: B.BUF_HTTP_URI,
  I: B.BUF_HTTP_URI_RAW,
  P: B.BUF_HTTP_REQUEST_BODY,
  Q: B.BUF_FILE_DATA,
  H: B.BUF_HTTP_HEADER,
  D: B.BUF_HTTP_HEADER_RAW,
  M: B.BUF_HTTP_METHOD,
  C: B.BUF_HTTP_COOKIE,
  S: B.BUF_HTTP_STAT_CODE,
  Y: B.BUF_HTTP_STAT_MSG,
  V: B.BUF_HTTP_USER_AGENT,
  W: B.BUF_HTTP_HOST,
  Z: B.BUF_HTTP_HOST_RAW,
};

/** Suricata inspects http.response_body through the file_data buffer: the two are one buffer there. */
function sameBuffer(a: number, b: number): boolean {
  const n = (x: number) => (x === B.BUF_HTTP_RESPONSE_BODY ? B.BUF_FILE_DATA : x);
  return n(a) === n(b);
}

/** 1-based capture group number of the group opening at `at` (counts capturing "(" before it). */
function groupNumber(p: string, at: number): number {
  let n = 0;
  let inClass = false;
  for (let i = 0; i <= at; i++) {
    const c = p[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "(") {
      const named = p.startsWith("(?P<", i) || (p.startsWith("(?<", i) && p[i + 3] !== "=" && p[i + 3] !== "!");
      if (p[i + 1] !== "?" || named) n++;
    }
  }
  return n;
}

export const pcre: Keyword = {
  name: "pcre",
  value: "required",
  parse(value, ctx) {
    let v = value.trim();
    let negated = false;
    if (v[0] === "!") {
      negated = true;
      v = v.slice(1).trimStart();
    }
    if (v.length < 2 || v[0] !== '"' || v[v.length - 1] !== '"') return ctx.fail(`pcre must be a quoted "/pattern/flags"`);
    v = v.slice(1, -1);
    const last = v.lastIndexOf("/");
    if (v[0] !== "/" || last <= 0) return ctx.fail(`pcre must look like "/pattern/flags", got ${JSON.stringify(v)}`);
    const pattern = v.slice(1, last).replace(/((?:^|[^\\])(?:\\\\)*)\\\//g, "$1/");
    if (pattern === "") return ctx.fail("pcre pattern is empty");
    const m: PcreMatch = {
      kind: "pcre",
      pos: ctx.pos,
      pattern,
      caseless: false,
      dotAll: false,
      multiline: false,
      extended: false,
      anchored: false,
      dollarEndOnly: false,
      ungreedy: false,
      relative: false,
      negated,
      overrideLimits: false,
      captures: [],
    };
    let buffer = -1;
    for (const f of v.slice(last + 1)) {
      switch (f) {
        case "i": m.caseless = true; break;
        case "s": m.dotAll = true; break;
        case "m": m.multiline = true; break;
        case "x": m.extended = true; break;
        case "A": m.anchored = true; break;
        case "E": m.dollarEndOnly = true; break;
        case "G": m.ungreedy = true; break;
        case "R": m.relative = true; break;
        case "O": m.overrideLimits = true; break;
        case "B": break; // Snort's "rawbytes" letter: Suricata accepts and ignores it
        default: {
          const b = BUFFER_LETTERS[f];
          if (b === undefined) return ctx.fail(`unknown pcre modifier "${f}"`);
          if (buffer >= 0 && buffer !== b) return ctx.fail(`pcre has two buffer modifiers; at most one of U I P Q H D M C S Y V W Z`);
          buffer = b;
        }
      }
    }
    const capRe = /\(\?P<([A-Za-z]+)_([A-Za-z0-9_]+)>/g;
    for (let c = capRe.exec(pattern); c !== null; c = capRe.exec(pattern)) {
      const scope = c[1];
      if (scope !== "pkt" && scope !== "flow") continue;
      m.captures.push({ group: groupNumber(pattern, c.index), name: c[2], scope });
    }
    if (buffer >= 0 && ctx.sticky !== null && !sameBuffer(ctx.sticky.buffer, buffer)) {
      return ctx.fail(`pcre buffer modifier "${B.bufferName(buffer)}" cannot be used while sticky buffer "${B.bufferName(ctx.sticky.buffer)}" is open`);
    }
    let block = ctx.addMatch(m);
    if (buffer >= 0 && ctx.sticky === null) block = ctx.moveTo(m, buffer);
    if (m.relative && ctx.sticky === null && ctx.previousIn(block, m) === null) {
      return ctx.fail(`pcre with /R (relative) needs a preceding match in the same buffer`);
    }
  },
};
