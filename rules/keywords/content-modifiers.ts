/**
 * The modifiers of the preceding `content`: `nocase rawbytes offset depth distance within startswith
 * endswith fast_pattern`, with Suricata's validation (no depth/offset together with a relative modifier,
 * depth and within not shorter than the content, each at most once, one fast_pattern per rule …).
 * One small keyword object per modifier, registered in keywords/index.ts.
 *
 * Cold path only.
 *
 * @example
 * ```ts
 * import { depth } from "./content-modifiers.ts";
 * // content:"abc"; depth:2;  → problem: depth 2 is smaller than the content length 3
 * ```
 */
import type { ContentMatch } from "../ast.ts";
import { BUF_PAYLOAD } from "../../engine/detect/buffers.ts";
import type { Keyword, KeywordCtx } from "./keyword.ts";

const rel = (m: ContentMatch) => m.distance !== undefined || m.within !== undefined;
const abs = (m: ContentMatch) => m.offset !== undefined || m.depth !== undefined;

function noOnly(m: ContentMatch, ctx: KeywordCtx): void {
  if (m.fastPatternOnly) return ctx.fail(`"${ctx.name}" cannot be combined with fast_pattern:only`);
}

type Positional = "offset" | "depth" | "distance" | "within";

/**
 * What offset, depth, distance and within check alike: once per content, absolute and relative
 * modifiers not mixed on one content, not with startswith, not with fast_pattern:only.
 */
function positional(field: Positional, ctx: KeywordCtx): ContentMatch {
  const { m } = ctx.lastContent();
  if (m[field] !== undefined) ctx.fail(`"${field}" given twice for the same content`);
  const absolute = field === "offset" || field === "depth";
  if (absolute && rel(m)) ctx.fail(`"${field}" cannot be combined with the relative "distance"/"within" on the same content`);
  if (!absolute && abs(m)) ctx.fail(`"${field}" cannot be combined with the absolute "offset"/"depth" on the same content`);
  if (m.startsWith) ctx.fail(`"${field}" cannot be combined with "startswith"`);
  noOnly(m, ctx);
  return m;
}

export const nocase: Keyword = {
  name: "nocase",
  value: "none",
  parse(_v, ctx) {
    const { m } = ctx.lastContent();
    if (m.nocase) return ctx.fail(`"nocase" given twice for the same content`);
    m.nocase = true;
  },
};

export const rawbytes: Keyword = {
  name: "rawbytes",
  value: "none",
  parse(_v, ctx) {
    const { m, block } = ctx.lastContent();
    if (block.buffer !== BUF_PAYLOAD) return ctx.fail(`"rawbytes" only applies to payload content, not to a sticky buffer`);
    m.rawbytes = true;
  },
};

export const offset: Keyword = {
  name: "offset",
  value: "required",
  parse(v, ctx) {
    const m = positional("offset", ctx);
    m.offset = ctx.numOrVar(v, 0xffffffff);
    if ("num" in m.offset && m.offset.num < 0) return ctx.fail(`"offset" must not be negative`);
  },
};

export const depth: Keyword = {
  name: "depth",
  value: "required",
  parse(v, ctx) {
    const m = positional("depth", ctx);
    const d = ctx.numOrVar(v, 0xffffffff);
    if ("num" in d) {
      if (d.num <= 0) return ctx.fail(`"depth" must be at least 1`);
      if (d.num < m.bytes.length) return ctx.fail(`depth ${d.num} is smaller than the content length ${m.bytes.length}`);
    }
    m.depth = d;
  },
};

export const distance: Keyword = {
  name: "distance",
  value: "required",
  parse(v, ctx) {
    const m = positional("distance", ctx);
    m.distance = ctx.numOrVar(v, 0x7fffffff);
  },
};

export const within: Keyword = {
  name: "within",
  value: "required",
  parse(v, ctx) {
    const m = positional("within", ctx);
    const w = ctx.numOrVar(v, 0x7fffffff);
    if ("num" in w) {
      if (w.num <= 0) return ctx.fail(`"within" must be at least 1`);
      if (w.num < m.bytes.length) return ctx.fail(`within ${w.num} is less than the content length ${m.bytes.length}`);
    }
    m.within = w;
  },
};

export const startswith: Keyword = {
  name: "startswith",
  value: "none",
  parse(_v, ctx) {
    const { m } = ctx.lastContent();
    if (m.startsWith) return ctx.fail(`"startswith" given twice for the same content`);
    if (abs(m) || rel(m)) return ctx.fail(`"startswith" cannot be combined with offset, depth, distance or within`);
    m.startsWith = true;
  },
};

export const endswith: Keyword = {
  name: "endswith",
  value: "none",
  parse(_v, ctx) {
    const { m } = ctx.lastContent();
    if (m.endsWith) return ctx.fail(`"endswith" given twice for the same content`);
    m.endsWith = true;
  },
};

export const fastPattern: Keyword = {
  name: "fast_pattern",
  value: "optional",
  parse(v, ctx) {
    const { m } = ctx.lastContent();
    ctx.once("fast_pattern", `"fast_pattern" can be set on only one content in a rule`);
    m.fastPattern = true;
    const t = v.trim();
    if (t === "") return;
    if (t === "only") {
      if (m.negated) return ctx.fail(`"fast_pattern:only" cannot be used on a negated content`);
      if (rel(m) || abs(m)) return ctx.fail(`"fast_pattern:only" cannot be combined with offset, depth, distance or within`);
      m.fastPatternOnly = true;
      return;
    }
    const p = /^(\d+)\s*,\s*(\d+)$/.exec(t);
    if (p === null) return ctx.fail(`"fast_pattern" takes no value, "only", or "OFFSET,LENGTH"; got ${JSON.stringify(t)}`);
    const off = Number(p[1]);
    const len = Number(p[2]);
    if (len === 0 || off + len > m.bytes.length) {
      return ctx.fail(`fast_pattern:${off},${len} is outside the content (length ${m.bytes.length})`);
    }
    if (m.negated) return ctx.fail(`"fast_pattern:${t}" cannot be used on a negated content`);
    m.fastPatternChop = { offset: off, length: len };
  },
};

export const prefilter: Keyword = {
  name: "prefilter",
  value: "none",
  parse(_v, ctx) {
    ctx.once("prefilter", `"prefilter" can be used only once in a rule`);
    ctx.rule.prefilter = true;
  },
};
