/**
 * Reading a checked document (virtual-patch metadata, the Windows update data, an inventory) field by
 * field out of `parseDocument`'s tree, collecting every problem as `file:line:col: message` instead of
 * stopping at the first: unknown keys with "did you mean", missing keys, wrong kinds, bad syntax.
 *
 * Pure and cold (no I/O; runs on Node and Deno). Never throws for bad input: a `DocumentError` from the
 * reader becomes a problem too.
 *
 * @example
 * ```ts
 * import { FieldReader } from "./fields.ts";
 * const r = new FieldReader("x.yaml");
 * const root = r.parse("idd: a\n");
 * const m = root && r.map(root, "the document");
 * if (m) r.fields(m, ["id"], ["id"]); // problems: x.yaml:1:1: unknown key "idd" (did you mean "id"?), …
 * ```
 */
import { DocumentError, parseDocument } from "../../engine/policy/document.ts";
import type { MapNode, Node, ScalarNode } from "../../engine/policy/document.ts";
import type { Where } from "../../engine/policy/spec.ts";
import { didYouMean } from "../../engine/policy/suggest.ts";

/** One problem with a checked document. */
export interface Problem {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** `file:line:col: message`. */
export const showProblem = (p: Problem): string => `${p.file}:${p.line}:${p.col}: ${p.message}`;

/** The entries of a map by key, with where each key was written. */
export type Fields = Map<string, { value: Node; keyWhere: Where }>;

export class FieldReader {
  readonly problems: Problem[] = [];
  constructor(readonly file: string) {}

  report(where: Where, message: string): void {
    this.problems.push({ file: where.file, line: where.line, col: where.col, message });
  }

  /** The document tree, or null (with the reader's error as a problem). */
  parse(text: string): Node | null {
    try {
      return parseDocument(text, this.file);
    } catch (e) {
      if (!(e instanceof DocumentError)) throw e;
      this.report(e.where, e.reason);
      return null;
    }
  }

  map(n: Node, what: string): MapNode | null {
    if (n.kind === "map") return n;
    this.report(n.where, `${what} must be a mapping (key: value), found ${kindOf(n)}`);
    return null;
  }

  /** The map's entries; unknown keys (with a suggestion) and missing required keys are problems. */
  fields(m: MapNode, allowed: readonly string[], required: readonly string[], what = "this mapping"): Fields {
    const out: Fields = new Map();
    for (const e of m.entries) {
      if (!allowed.includes(e.key)) {
        this.report(e.keyWhere, `unknown key ${JSON.stringify(e.key)} in ${what}${didYouMean(e.key, allowed)}` +
          ` (allowed: ${allowed.join(", ")})`);
        continue;
      }
      out.set(e.key, { value: e.value, keyWhere: e.keyWhere });
    }
    for (const k of required) {
      const v = out.get(k);
      if (v === undefined) {
        if (!m.entries.some((e) => e.key === k)) this.report(m.where, `missing key "${k}" in ${what}`);
      } else if (v.value.kind === "scalar" && v.value.value === null) this.report(v.value.where, `"${k}" has no value`);
    }
    return out;
  }

  /** A non-empty text value; plain numbers are taken as written (`1.0` stays "1.0"). */
  str(n: Node, what: string): string | null {
    if (n.kind !== "scalar" || n.value === null || typeof n.value === "boolean") {
      this.report(n.where, `${what} must be text, found ${kindOf(n)}`);
      return null;
    }
    const s = typeof n.value === "string" ? n.value : n.raw;
    if (s.trim() === "") {
      this.report(n.where, `${what} is empty`);
      return null;
    }
    return s;
  }

  /** Text that must match `re`; `syntax` says what was expected. */
  pattern(n: Node, what: string, re: RegExp, syntax: string): string | null {
    const s = this.str(n, what);
    if (s === null) return null;
    if (!re.test(s)) {
      this.report(n.where, `${what} ${JSON.stringify(s)} is not ${syntax}`);
      return null;
    }
    return s;
  }

  int(n: Node, what: string, min: number, max: number): number | null {
    if (n.kind !== "scalar" || typeof n.value !== "number" || !Number.isInteger(n.value)) {
      this.report(n.where, `${what} must be an integer, found ${kindOf(n)}`);
      return null;
    }
    if (n.value < min || n.value > max) {
      this.report(n.where, `${what} ${n.value} is out of range (${min}–${max})`);
      return null;
    }
    return n.value;
  }

  num(n: Node, what: string): number | null {
    if (n.kind !== "scalar" || typeof n.value !== "number" || !Number.isFinite(n.value)) {
      this.report(n.where, `${what} must be a number, found ${kindOf(n)}`);
      return null;
    }
    return n.value;
  }

  bool(n: Node, what: string): boolean | null {
    if (n.kind !== "scalar" || typeof n.value !== "boolean") {
      this.report(n.where, `${what} must be true or false, found ${kindOf(n)}`);
      return null;
    }
    return n.value;
  }

  /** A list's items (a block or flow list); `nonEmpty` makes `[]` a problem. */
  list(n: Node, what: string, nonEmpty: boolean): Node[] | null {
    if (n.kind !== "seq") {
      this.report(n.where, `${what} must be a list, found ${kindOf(n)}`);
      return null;
    }
    if (nonEmpty && n.items.length === 0) {
      this.report(n.where, `${what} is empty`);
      return null;
    }
    return n.items;
  }

  /** A list of texts each checked by `item`; duplicates are problems. Returns the good ones. */
  strList(n: Node, what: string, nonEmpty: boolean, item: (n: Node) => string | null): string[] {
    const items = this.list(n, what, nonEmpty);
    if (items === null) return [];
    const out: string[] = [];
    const seen = new Set<string>();
    for (const i of items) {
      const s = item(i);
      if (s === null) continue;
      if (seen.has(s.toLowerCase())) this.report(i.where, `${JSON.stringify(s)} is listed twice in ${what}`);
      seen.add(s.toLowerCase());
      out.push(s);
    }
    return out;
  }
}

/** What a node is, for messages. */
export function kindOf(n: Node): string {
  if (n.kind === "map") return "a mapping";
  if (n.kind === "seq") return "a list";
  return describeScalar(n);
}

function describeScalar(n: ScalarNode): string {
  if (n.value === null) return "nothing";
  if (typeof n.value === "boolean") return `${n.value}`;
  if (typeof n.value === "number") return `the number ${n.raw}`;
  return `the text ${JSON.stringify(n.value.length > 40 ? n.value.slice(0, 40) + "…" : n.value)}`;
}
