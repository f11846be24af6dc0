/**
 * The interface every rule keyword implements (Snort 3's ips_options, Suricata's sigmatch table): a
 * name, optional aliases, and `parse(value, ctx)` that checks the value and records it in the rule being
 * built through `ctx`. Also the small value parsers keywords share (numbers, comparisons, quoted
 * strings, comma lists).
 *
 * Cold path only (rule loading). A keyword reports bad input by `ctx.fail(...)` (which throws a
 * `KeywordError` the rule parser turns into a `file:line:col: message` problem), never by crashing.
 *
 * @example
 * ```ts
 * import type { Keyword } from "./keyword.ts";
 * export const ttl: Keyword = {
 *   name: "ttl",
 *   value: "required",
 *   parse(v, ctx) { ctx.rule.packet.ttl = ctx.numCmp(v, 255); },
 * };
 * ```
 */
import type { BlockMatch, BufferBlock, ContentMatch, NumCmp, NumOrVar, Rule, SourcePos } from "../ast.ts";
import type { ClassificationTable } from "../classification.ts";

/** A keyword that cannot be accepted as written; `reason` is the short class summaries count by. */
export class KeywordError extends Error {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

/** What a keyword sees while the rule is built. Implemented by `rules/draft.ts`. */
export interface KeywordCtx {
  /** The rule under construction (header filled in). */
  readonly rule: Rule;
  /** The keyword as written and where it starts. */
  readonly name: string;
  readonly pos: SourcePos;
  readonly classifications: ClassificationTable;
  /** Throws a KeywordError for this keyword; `reason` defaults to `invalid <keyword>`. */
  fail(message: string, reason?: string): never;
  /** The block payload keywords go to now: the open sticky buffer's, else the payload block. */
  target(): BufferBlock;
  /** The open sticky-buffer block, or null while keywords go to the payload. */
  readonly sticky: BufferBlock | null;
  /** Opens a new sticky-buffer block (`http.uri;`); `BUF_PAYLOAD` (`pkt_data;`) returns to the payload. */
  openSticky(buffer: number): void;
  /** Appends a match to `target()` (or `block`) and returns the block it went to. */
  addMatch(m: BlockMatch, block?: BufferBlock): BufferBlock;
  /** The most recent `content` of the rule and its block, or fail with "<name> needs a preceding content". */
  lastContent(): { m: ContentMatch; block: BufferBlock };
  /** The match before `m` in `block` (or the last one when `m` is null), or null. */
  previousIn(block: BufferBlock, m: BlockMatch | null): BlockMatch | null;
  /** Moves `m` from where it is to the block of `buffer` (legacy modifiers, pcre buffer letters). */
  moveTo(m: BlockMatch, buffer: number): BufferBlock;
  /** Variables defined by byte_extract / byte_math so far. */
  readonly byteVars: Set<string>;
  /** A number or a byte_extract/byte_math variable name. */
  numOrVar(text: string, max?: number): NumOrVar;
  /** An unsigned integer (decimal, or 0x hex when `hex`), at most `max`. */
  uint(text: string, max?: number, hex?: boolean): number;
  /** A comparison: `5`, `<5`, `>5`, `<=5`, `>=5`, `!5`, `!=5`, `=5`, `1-5`, `1<>5`. */
  numCmp(text: string, max: number): NumCmp;
  /** Set by `priority` so the classtype's priority does not override it. */
  priorityGiven: boolean;
  /** Marks a rule-wide fact once; fails when it was already marked (e.g. "fast_pattern"). */
  once(fact: string, message: string): void;
}

/** One rule keyword. */
export interface Keyword {
  name: string;
  aliases?: string[];
  /** Whether the keyword takes a value (`k:v;`), takes none (`k;`), or either. */
  value: "required" | "none" | "optional";
  parse(value: string, ctx: KeywordCtx): void;
}

/** Splits on commas outside double quotes, trimming each part. */
export function splitArgs(v: string): string[] {
  const out: string[] = [];
  let cur = "";
  let q = false;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === "\\" && i + 1 < v.length) {
      cur += c + v[i + 1];
      i++;
      continue;
    }
    if (c === '"') q = !q;
    if (c === "," && !q) {
      out.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/**
 * Strips the surrounding double quotes of a keyword value and undoes Suricata's option escapes
 * (`\"`, `\;`, `\\`, `\:`). Returns null when the value is not quoted.
 */
export function unquote(v: string): string | null {
  const t = v.trim();
  if (t.length < 2 || t[0] !== '"' || t[t.length - 1] !== '"') return null;
  let out = "";
  const body = t.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\" && i + 1 < body.length) {
      out += body[i + 1];
      i++;
    } else out += c;
  }
  return out;
}

/** `unquote` if quoted, else the trimmed value as is (msg, reference … accept both). */
export function maybeUnquote(v: string): string {
  return unquote(v) ?? v.trim();
}
