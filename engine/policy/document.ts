/**
 * The policy document reader: a YAML subset and JSON, parsed into a small tree (`Node`) in which every
 * mapping, list, key and scalar keeps the `file:line:col` it was written at, so the loader can point at
 * the exact value that is wrong. The subset covers what people write by hand in a policy: block
 * mappings and lists by indentation, flow lists and mappings (`[a, b]`, `{ ip: x }`, may span lines),
 * plain / 'single' / "double" quoted scalars, comments, `---`, `|` and `>` block scalars, null, booleans,
 * integers (decimal, 0x, 0o) and floats. Everything else (anchors, aliases, tags, several documents,
 * complex keys, directives) is refused with a message saying what to write instead.
 *
 * Deliberate differences from YAML 1.2: an unquoted value starting with `!` is a plain string (Tsugi's
 * negation, e.g. `!192.168.0.0/16`), not a tag; `yes`/`no`/`on`/`off` stay strings; quoted strings end on
 * their line; inside `[ ]` and `{ }` a key's `:` must be followed by a space unless the key is quoted.
 *
 * Cold path only (config loading): allocates freely; never runs per packet. Bad input never escapes as
 * anything but a `DocumentError`.
 *
 * @example
 * ```ts
 * import { parseDocument } from "./document.ts";
 * const doc = parseDocument("home_net: [10.0.0.0/8]\n", "policy.yaml");
 * if (doc.kind === "map") console.log(doc.entries[0].key, doc.entries[0].value.where.col); // home_net 11
 * ```
 */
import type { Where } from "./spec.ts";

export type Node =
  | { kind: "map"; entries: { key: string; keyWhere: Where; value: Node }[]; where: Where }
  | { kind: "seq"; items: Node[]; where: Where }
  | { kind: "scalar"; value: string | number | boolean | null; raw: string; quoted: boolean; where: Where };

export type MapNode = Extract<Node, { kind: "map" }>;
export type SeqNode = Extract<Node, { kind: "seq" }>;
export type ScalarNode = Extract<Node, { kind: "scalar" }>;

/** A document that cannot be read; `message` is `file:line:col: reason`. */
export class DocumentError extends Error {
  readonly where: Where;
  readonly reason: string;
  constructor(where: Where, reason: string) {
    super(`${where.file}:${where.line}:${where.col}: ${reason}`);
    this.name = "DocumentError";
    this.where = where;
    this.reason = reason;
  }
}

/** Deeper nesting than this is refused (it is never a real policy, and it bounds the recursion). */
export const MAX_DEPTH = 64;

/**
 * Parses a policy document. JSON when the first non-space character is `{` or `[`, YAML otherwise.
 * An empty YAML document is a null scalar at 1:1. Throws `DocumentError`.
 */
export function parseDocument(text: string, file: string): Node {
  let s = text.replace(/\r\n?/g, "\n");
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  const first = /\S/.exec(s);
  if (first !== null && (first[0] === "{" || first[0] === "[")) return new JsonReader(s, file).document();
  return new YamlReader(s, file).document();
}

/** Resolves an unquoted YAML scalar to null, a boolean, a number or (otherwise) the text itself. */
export function resolvePlain(text: string): string | number | boolean | null {
  if (text === "" || text === "~" || text === "null" || text === "Null" || text === "NULL") return null;
  if (text === "true" || text === "True" || text === "TRUE") return true;
  if (text === "false" || text === "False" || text === "FALSE") return false;
  if (/^[-+]?[0-9]+$/.test(text)) return Number(text);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^0o[0-7]+$/.test(text)) return parseInt(text.slice(2), 8);
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  if (/^[-+]?\.(inf|Inf|INF)$/.test(text)) return text[0] === "-" ? -Infinity : Infinity;
  if (/^\.(nan|NaN|NAN)$/.test(text)) return NaN;
  return text;
}

/** Shared cursor: position, 1-based line, start of the current line. */
class Cursor {
  pos = 0;
  line = 1;
  lineStart = 0;
  depth = 0;
  readonly s: string;
  readonly file: string;
  constructor(s: string, file: string) {
    this.s = s;
    this.file = file;
  }

  col(): number {
    return this.pos - this.lineStart + 1;
  }
  here(): Where {
    return { file: this.file, line: this.line, col: this.col() };
  }
  at(line: number, col: number): Where {
    return { file: this.file, line, col };
  }
  fail(reason: string, where: Where = this.here()): never {
    throw new DocumentError(where, reason);
  }
  newline(): void {
    this.pos++;
    this.line++;
    this.lineStart = this.pos;
  }
  mark(): [number, number, number] {
    return [this.pos, this.line, this.lineStart];
  }
  reset(m: [number, number, number]): void {
    this.pos = m[0];
    this.line = m[1];
    this.lineStart = m[2];
  }
  enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
  }
  /** Quotes a character for a message. */
  show(c: string | undefined): string {
    if (c === undefined) return "end of file";
    if (c === "\n") return "end of line";
    if (c === "\t") return "a tab";
    return JSON.stringify(c);
  }
}

const HEX = /^[0-9a-fA-F]+$/;

// ---------------------------------------------------------------------------------------------------
// YAML

class YamlReader extends Cursor {
  private blank(i: number): boolean {
    const c = this.s[i];
    return c === undefined || c === " " || c === "\t" || c === "\n";
  }
  private atDash(): boolean {
    return this.s[this.pos] === "-" && this.blank(this.pos + 1);
  }
  private atDocMarker(): boolean {
    if (this.pos !== this.lineStart) return false;
    const m = this.s.startsWith("---", this.pos) || this.s.startsWith("...", this.pos);
    return m && this.blank(this.pos + 3);
  }
  private skipInline(): boolean {
    const start = this.pos;
    while (this.s[this.pos] === " " || this.s[this.pos] === "\t") this.pos++;
    return this.pos > start;
  }
  private skipToEol(): void {
    while (this.pos < this.s.length && this.s[this.pos] !== "\n") this.pos++;
  }

  /** After a value: only spaces and a comment may follow on the line. Leaves pos at the newline/EOF. */
  private endOfLine(): void {
    const spaced = this.skipInline();
    const c = this.s[this.pos];
    if (c === "#" && (spaced || this.pos === this.lineStart)) this.skipToEol();
    else if (c === "#") this.fail("a comment needs a space before \"#\"");
    else if (c !== undefined && c !== "\n") this.fail(`unexpected ${this.show(c)} after the value`);
  }

  /**
   * Moves to the first content character of the next line that has any. The cursor must be at a newline,
   * at EOF or at a line start. Returns the indentation, or -1 at EOF or (when asked) at `---`/`...`.
   */
  private nextContentLine(stopAtMarker: boolean): number {
    if (this.s[this.pos] === "\n") this.newline();
    while (this.pos < this.s.length) {
      let tabCol = 0;
      while (this.s[this.pos] === " " || this.s[this.pos] === "\t") {
        if (this.s[this.pos] === "\t" && tabCol === 0) tabCol = this.col();
        this.pos++;
      }
      const c = this.s[this.pos];
      if (c === "\n") {
        this.newline();
        continue;
      }
      if (c === "#") {
        this.skipToEol();
        if (this.pos < this.s.length) this.newline();
        continue;
      }
      if (c === undefined) break;
      if (tabCol !== 0) {
        this.fail("tab character in indentation; indent with spaces", this.at(this.line, tabCol));
      }
      if (stopAtMarker && this.atDocMarker()) return -1;
      return this.col() - 1;
    }
    return -1;
  }

  document(): Node {
    let indent = this.nextContentLine(false);
    if (indent < 0) return { kind: "scalar", value: null, raw: "", quoted: false, where: this.at(1, 1) };
    if (this.s[this.pos] === "%" && indent === 0) this.fail("directives (%YAML, %TAG) are not supported");
    if (this.atDocMarker()) {
      if (this.s[this.pos] === ".") this.fail("\"...\" (end of document) before any content");
      this.pos += 3;
      const m = this.mark();
      this.skipInline();
      const c = this.s[this.pos];
      if (c !== undefined && c !== "\n" && c !== "#") this.fail("put the document on the line after \"---\"");
      this.reset(m);
      this.endOfLine();
      indent = this.nextContentLine(true);
      if (indent < 0) {
        if (this.pos >= this.s.length) {
          return { kind: "scalar", value: null, raw: "", quoted: false, where: this.at(1, 1) };
        }
        this.documentEnd();
      }
    }
    const root = this.blockNode(-1);
    if (this.nextContentLine(true) >= 0) {
      this.fail("unexpected content after the document; check the indentation");
    }
    if (this.pos < this.s.length) this.documentEnd();
    return root;
  }

  /** At `---` or `...` at column 1 after the document. */
  private documentEnd(): void {
    if (this.s[this.pos] === "-") {
      this.fail("several documents in one file are not supported; keep one policy per file");
    }
    this.pos += 3;
    this.endOfLine();
    if (this.nextContentLine(false) >= 0) this.fail("content after \"...\" (end of document)");
  }

  /** A block node at the current content character, which belongs to a parent indented `parent`. */
  private blockNode(parent: number): Node {
    this.enter();
    let node: Node;
    if (this.atDash()) node = this.blockSeq(this.col() - 1, false);
    else if (this.looksLikeKey()) node = this.blockMap(this.col() - 1);
    else {
      node = this.inlineValue(parent);
      this.endOfLine();
    }
    this.depth--;
    return node;
  }

  /** Whether the current line, from pos, is `key:` (followed by a blank or the end of the line). */
  private looksLikeKey(): boolean {
    const c = this.s[this.pos];
    if (c === "[" || c === "{") return false;
    if (c === "\"" || c === "'") {
      const m = this.mark();
      this.quoted();
      this.skipInline();
      const ok = this.s[this.pos] === ":" && this.blank(this.pos + 1);
      this.reset(m);
      return ok;
    }
    for (let i = this.pos; i < this.s.length; i++) {
      const ch = this.s[i];
      if (ch === "\n") return false;
      if (ch === ":" && this.blank(i + 1)) return true;
      if (ch === "#" && i > this.pos && (this.s[i - 1] === " " || this.s[i - 1] === "\t")) return false;
    }
    return false;
  }

  private blockMap(indent: number): Node {
    const where = this.here();
    const entries: { key: string; keyWhere: Where; value: Node }[] = [];
    const seen = new Map<string, Where>();
    for (;;) {
      if (this.atDash()) this.fail("a list item \"- \" cannot appear among the keys of a mapping");
      const keyWhere = this.here();
      let key: string;
      const c = this.s[this.pos];
      if (c === "\"" || c === "'") {
        const k = this.quoted();
        key = k.value as string;
        this.skipInline();
      } else {
        this.checkPlainStart(false);
        const start = this.pos;
        while (this.pos < this.s.length && this.s[this.pos] !== "\n") {
          if (this.s[this.pos] === ":" && this.blank(this.pos + 1)) break;
          this.pos++;
        }
        key = this.s.slice(start, this.pos).trimEnd();
        if (this.s[this.pos] !== ":") {
          this.reset([start, this.line, this.lineStart]);
          this.fail(`expected "key: value" here, found ${JSON.stringify(key)} without ":"`);
        }
        if (key === "") this.fail("missing key before \":\"");
      }
      if (this.s[this.pos] !== ":") this.fail(`expected ":" after the key ${JSON.stringify(key)}`);
      const first = seen.get(key);
      if (first !== undefined) {
        this.fail(`duplicate key ${JSON.stringify(key)} (first at line ${first.line}, column ${first.col})`, keyWhere);
      }
      seen.set(key, keyWhere);
      this.pos++; // ':'
      const value = this.mapValue(indent);
      entries.push({ key, keyWhere, value });
      const next = this.nextContentLine(true);
      if (next < indent) break;
      if (next > indent) {
        this.fail(
          `unexpected indentation: this mapping's keys start at column ${indent + 1}` +
            " (a value cannot continue on the next line; quote it or use \"|\" for multi-line text)",
        );
      }
    }
    return { kind: "map", entries, where };
  }

  /** The value after `key:`; leaves the cursor at the end of the value's last line. */
  private mapValue(indent: number): Node {
    const emptyWhere = this.here();
    const spaced = this.skipInline();
    const c = this.s[this.pos];
    if (c === undefined || c === "\n" || c === "#") {
      if (c === "#" && !spaced) this.fail("a comment needs a space before \"#\"");
      this.skipToEol();
      const m = this.mark();
      const next = this.nextContentLine(true);
      if (next > indent) return this.blockNode(indent);
      if (next === indent && this.atDash()) {
        this.enter();
        const seq = this.blockSeq(indent, true);
        this.depth--;
        return seq;
      }
      this.reset(m);
      return { kind: "scalar", value: null, raw: "", quoted: false, where: emptyWhere };
    }
    if (this.atDash()) this.fail("a list cannot start on the same line as its key; put \"- item\" on the next line");
    const v = this.inlineValue(indent);
    this.endOfLine();
    return v;
  }

  /** A block list whose dashes sit at column indent+1. */
  private blockSeq(indent: number, sameIndentAsKey: boolean): Node {
    const where = this.here();
    const items: Node[] = [];
    for (;;) {
      this.pos++; // '-'
      const afterDash = this.here();
      this.skipInline();
      const c = this.s[this.pos];
      if (c === undefined || c === "\n" || c === "#") {
        this.skipToEol();
        const m = this.mark();
        const next = this.nextContentLine(true);
        if (next > indent) items.push(this.blockNode(indent));
        else {
          this.reset(m);
          items.push({ kind: "scalar", value: null, raw: "", quoted: false, where: afterDash });
        }
      } else {
        items.push(this.blockNode(indent));
      }
      const next = this.nextContentLine(true);
      if (next < indent) break;
      if (next > indent) this.fail(`unexpected indentation: this list's items start at column ${indent + 1}`);
      if (!this.atDash()) {
        if (sameIndentAsKey) break;
        this.fail("expected a list item \"- \" at this indentation");
      }
    }
    return { kind: "seq", items, where };
  }

  /** Refuses the YAML features outside the subset when they would start a plain scalar. */
  private checkPlainStart(flow: boolean): void {
    const c = this.s[this.pos];
    const n = this.s[this.pos + 1];
    if (c === "&") this.fail("anchors (&name) are not supported; quote the value if it is text");
    if (c === "*") this.fail("aliases (*name) are not supported; quote the value if it is text, e.g. \"*\"");
    if (c === "?" && this.blank(this.pos + 1)) this.fail("complex keys (\"? \") are not supported");
    if (c === "!" && n === "!") this.fail("YAML tags (!!type) are not supported");
    if (c === "%" || c === "@" || c === "`") this.fail(`${this.show(c)} cannot start a plain value; quote the value`);
    if (c === "," || c === "]" || c === "}" || (!flow && (c === "[" || c === "{"))) {
      this.fail(`unexpected ${this.show(c)}`);
    }
    if (c === "#") this.fail("unexpected \"#\"; a comment needs a space before it");
    if (c === "|" || c === ">") this.fail("block scalars (| and >) are only allowed as a value on their own line");
  }

  /** A value that starts on the current line, in block context. */
  private inlineValue(parent: number): Node {
    const c = this.s[this.pos];
    if (c === "[" || c === "{") return this.flow();
    if (c === "\"" || c === "'") return this.quoted();
    if (c === "|" || c === ">") return this.blockScalar(parent);
    this.checkPlainStart(false);
    const where = this.here();
    const start = this.pos;
    let end = start;
    while (this.pos < this.s.length) {
      const ch = this.s[this.pos];
      if (ch === "\n") break;
      if (ch === "#" && (this.s[this.pos - 1] === " " || this.s[this.pos - 1] === "\t")) break;
      if (ch === ":" && this.blank(this.pos + 1)) {
        this.fail("unexpected \": \" inside a value; quote the value, or put a nested mapping on its own lines");
      }
      this.pos++;
      if (ch !== " " && ch !== "\t") end = this.pos;
    }
    this.pos = end;
    const raw = this.s.slice(start, end);
    return { kind: "scalar", value: resolvePlain(raw), raw, quoted: false, where };
  }

  /** `|` or `>` with optional chomping (+/-) and indentation digit; the text follows on deeper lines. */
  private blockScalar(parent: number): Node {
    const where = this.here();
    const start = this.pos;
    const literal = this.s[this.pos] === "|";
    this.pos++;
    let chomp = "";
    let explicit = 0;
    for (let k = 0; k < 2; k++) {
      const h = this.s[this.pos];
      if ((h === "+" || h === "-") && chomp === "") chomp = h;
      else if (h !== undefined && h >= "1" && h <= "9" && explicit === 0) explicit = h.charCodeAt(0) - 48;
      else break;
      this.pos++;
    }
    this.endOfLine();
    const lines: string[] = [];
    let contentIndent = explicit > 0 ? Math.max(parent, 0) + explicit : -1;
    let endMark = this.mark();
    while (this.pos < this.s.length) {
      // at the newline ending the previous line
      this.newline();
      let sp = 0;
      while (this.s[this.pos + sp] === " ") sp++;
      const after = this.s[this.pos + sp];
      if (after === "\n" || after === undefined) {
        lines.push("");
        this.pos += sp;
        if (after === undefined) break;
        continue;
      }
      if (contentIndent < 0) {
        if (sp <= parent) break;
        contentIndent = sp;
      }
      if (sp < contentIndent) break;
      this.pos += contentIndent;
      const from = this.pos;
      this.skipToEol();
      lines.push(this.s.slice(from, this.pos));
      endMark = this.mark();
    }
    this.reset(endMark);
    let trailing = 0;
    while (lines.length > 0 && lines[lines.length - 1] === "") {
      lines.pop();
      trailing++;
    }
    let text = literal ? lines.join("\n") : fold(lines);
    if (lines.length > 0 && chomp !== "-") text += "\n";
    if (chomp === "+") text += "\n".repeat(trailing);
    return { kind: "scalar", value: text, raw: this.s.slice(start, this.pos), quoted: true, where };
  }

  /** A flow list or mapping (may span lines). */
  private flow(): Node {
    this.enter();
    const node = this.s[this.pos] === "[" ? this.flowSeq() : this.flowMap();
    this.depth--;
    return node;
  }

  private skipFlowSpace(): void {
    for (;;) {
      const c = this.s[this.pos];
      if (c === " " || c === "\t") this.pos++;
      else if (c === "\n") this.newline();
      else if (c === "#" && this.pos > 0 && /\s/.test(this.s[this.pos - 1])) this.skipToEol();
      else return;
    }
  }

  private flowSeq(): Node {
    const where = this.here();
    this.pos++;
    const items: Node[] = [];
    for (;;) {
      this.skipFlowSpace();
      if (this.s[this.pos] === "]") break;
      items.push(this.flowNode("]"));
      this.skipFlowSpace();
      const c = this.s[this.pos];
      if (c === ",") {
        this.pos++;
        continue;
      }
      if (c === "]") break;
      if (c === undefined) this.fail(`missing "]" for the "[" at line ${where.line}, column ${where.col}`);
      if (this.line !== where.line) {
        this.fail(`expected "," or "]" (is the "]" for the "[" at line ${where.line}, column ${where.col} missing?)`);
      }
      if (c === ":") this.fail("\"key: value\" inside [ ] is not supported; use { key: value }");
      this.fail(`expected "," or "]", found ${this.show(c)}`);
    }
    this.pos++;
    return { kind: "seq", items, where };
  }

  private flowMap(): Node {
    const where = this.here();
    this.pos++;
    const entries: { key: string; keyWhere: Where; value: Node }[] = [];
    const seen = new Map<string, Where>();
    for (;;) {
      this.skipFlowSpace();
      if (this.s[this.pos] === "}") break;
      const keyWhere = this.here();
      const c = this.s[this.pos];
      if (c === "[" || c === "{") this.fail("a key must be plain or quoted text");
      if (c === undefined) this.fail(`missing "}" for the "{" at line ${where.line}, column ${where.col}`);
      const k = c === "\"" || c === "'" ? this.quoted() : this.flowPlain("}");
      const key = k.quoted ? String(k.value) : k.raw;
      if (!k.quoted && key === "") this.fail("missing key before \":\"");
      const first = seen.get(key);
      if (first !== undefined) {
        this.fail(`duplicate key ${JSON.stringify(key)} (first at line ${first.line}, column ${first.col})`, keyWhere);
      }
      seen.set(key, keyWhere);
      this.skipFlowSpace();
      let value: Node;
      if (this.s[this.pos] === ":") {
        this.pos++;
        const emptyWhere = this.here();
        this.skipFlowSpace();
        const v = this.s[this.pos];
        if (v === "," || v === "}") value = { kind: "scalar", value: null, raw: "", quoted: false, where: emptyWhere };
        else value = this.flowNode("}");
      } else {
        value = { kind: "scalar", value: null, raw: "", quoted: false, where: this.here() };
      }
      entries.push({ key, keyWhere, value });
      this.skipFlowSpace();
      const e = this.s[this.pos];
      if (e === ",") {
        this.pos++;
        continue;
      }
      if (e === "}") break;
      if (e === undefined) this.fail(`missing "}" for the "{" at line ${where.line}, column ${where.col}`);
      if (this.line !== where.line) {
        this.fail(`expected "," or "}" (is the "}" for the "{" at line ${where.line}, column ${where.col} missing?)`);
      }
      this.fail(`expected "," or "}", found ${this.show(e)}`);
    }
    this.pos++;
    return { kind: "map", entries, where };
  }

  private flowNode(close: string): Node {
    const c = this.s[this.pos];
    if (c === "[" || c === "{") return this.flow();
    if (c === "\"" || c === "'") return this.quoted();
    if (c === undefined) this.fail(`missing ${JSON.stringify(close)} at end of file`);
    return this.flowPlain(close);
  }

  /** A plain scalar inside [ ] or { }: ends at , [ ] { } ": " " #" or the end of the line. */
  private flowPlain(close: string): ScalarNode {
    this.checkPlainStart(true);
    if (this.s[this.pos] === "[" || this.s[this.pos] === "{") this.fail(`unexpected ${this.show(this.s[this.pos])}`);
    if (this.s[this.pos] === "|" || this.s[this.pos] === ">") {
      this.fail(`block scalars (| and >) are not allowed inside ${close === "]" ? "[ ]" : "{ }"}`);
    }
    const where = this.here();
    const start = this.pos;
    let end = start;
    while (this.pos < this.s.length) {
      const ch = this.s[this.pos];
      if (ch === "\n" || ch === "," || ch === "[" || ch === "]" || ch === "{" || ch === "}") break;
      if (ch === ":" && this.blank(this.pos + 1)) break;
      if (ch === "#" && (this.s[this.pos - 1] === " " || this.s[this.pos - 1] === "\t")) break;
      this.pos++;
      if (ch !== " " && ch !== "\t") end = this.pos;
    }
    this.pos = end;
    const raw = this.s.slice(start, end);
    return { kind: "scalar", value: resolvePlain(raw), raw, quoted: false, where };
  }

  /** A single- or double-quoted scalar, on one line. */
  private quoted(): ScalarNode {
    const where = this.here();
    const start = this.pos;
    const q = this.s[this.pos];
    this.pos++;
    let out = "";
    for (;;) {
      const c = this.s[this.pos];
      if (c === undefined || c === "\n") {
        this.fail(`unterminated string: the closing ${q} is missing (quoted values must end on their line)`, where);
      }
      if (c === q) {
        if (q === "'" && this.s[this.pos + 1] === "'") {
          out += "'";
          this.pos += 2;
          continue;
        }
        this.pos++;
        break;
      }
      if (c === "\\" && q === "\"") {
        out += this.escape();
        continue;
      }
      out += c;
      this.pos++;
    }
    return { kind: "scalar", value: out, raw: this.s.slice(start, this.pos), quoted: true, where };
  }

  private escape(): string {
    const where = this.here();
    const e = this.s[this.pos + 1];
    this.pos += 2;
    switch (e) {
      case "\"":
        return "\"";
      case "\\":
        return "\\";
      case "/":
        return "/";
      case " ":
        return " ";
      case "n":
        return "\n";
      case "t":
      case "\t":
        return "\t";
      case "r":
        return "\r";
      case "0":
        return "\0";
      case "a":
        return "\x07";
      case "b":
        return "\b";
      case "e":
        return "\x1b";
      case "f":
        return "\f";
      case "v":
        return "\v";
      case "x":
        return this.hexEscape(2, where);
      case "u":
        return this.hexEscape(4, where);
      case "U":
        return this.hexEscape(8, where);
      default:
        return this.fail(`unknown escape "\\${e === undefined || e === "\n" ? "" : e}" in a double-quoted string`, where);
    }
  }

  private hexEscape(digits: number, where: Where): string {
    const h = this.s.slice(this.pos, this.pos + digits);
    if (h.length !== digits || !HEX.test(h)) {
      this.fail(`"\\${digits === 2 ? "x" : digits === 4 ? "u" : "U"}" needs ${digits} hex digits`, where);
    }
    this.pos += digits;
    const cp = parseInt(h, 16);
    if (cp > 0x10ffff) this.fail(`"\\U${h}" is not a Unicode code point`, where);
    return digits === 8 ? String.fromCodePoint(cp) : String.fromCharCode(cp);
  }
}

/** Folds the lines of a `>` block scalar: single breaks between ordinary lines become spaces. */
function fold(lines: string[]): string {
  let out = "";
  let breaks = 0;
  let prevNormal = false;
  let started = false;
  for (const line of lines) {
    if (line === "") {
      breaks++;
      continue;
    }
    const normal = line[0] !== " " && line[0] !== "\t";
    if (!started) out += "\n".repeat(breaks);
    else if (breaks > 0) out += "\n".repeat(prevNormal && normal ? breaks : breaks + 1);
    else out += prevNormal && normal ? " " : "\n";
    out += line;
    started = true;
    breaks = 0;
    prevNormal = normal;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// JSON

const JSON_NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

class JsonReader extends Cursor {
  private ws(): void {
    for (;;) {
      const c = this.s[this.pos];
      if (c === " " || c === "\t" || c === "\r") this.pos++;
      else if (c === "\n") this.newline();
      else return;
    }
  }

  document(): Node {
    this.ws();
    const v = this.value();
    this.ws();
    if (this.pos < this.s.length) this.fail(`unexpected ${this.show(this.s[this.pos])} after the JSON value`);
    return v;
  }

  private value(): Node {
    const c = this.s[this.pos];
    const where = this.here();
    if (c === "{" || c === "[") {
      this.enter();
      const n = c === "{" ? this.object() : this.array();
      this.depth--;
      return n;
    }
    if (c === "\"") return this.string();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.s.startsWith(word, this.pos)) {
        this.pos += word.length;
        return { kind: "scalar", value: v, raw: word, quoted: false, where };
      }
    }
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    if (c === undefined) this.fail("unexpected end of input; expected a JSON value");
    if (c === "/" || c === "#") this.fail("comments are not allowed in JSON (write the policy in YAML to use them)");
    if (c === "'") this.fail("JSON strings use double quotes");
    return this.fail(`unexpected ${this.show(c)}; expected a JSON value (the file starts with "{" or "[" so it is read as JSON)`);
  }

  private number(): Node {
    const where = this.here();
    JSON_NUMBER.lastIndex = this.pos;
    const m = JSON_NUMBER.exec(this.s);
    if (m === null || m[0] === "-") this.fail("invalid number");
    const raw = m[0];
    this.pos += raw.length;
    const n = this.s[this.pos];
    if (n !== undefined && n >= "0" && n <= "9") this.fail("leading zeros are not allowed in JSON numbers", where);
    if (n === "." || n === "e" || n === "E") this.fail("invalid number", this.here());
    return { kind: "scalar", value: Number(raw), raw, quoted: false, where };
  }

  private string(): ScalarNode {
    const where = this.here();
    const start = this.pos;
    this.pos++;
    let out = "";
    for (;;) {
      const c = this.s[this.pos];
      if (c === undefined || c === "\n") this.fail("unterminated string: the closing \" is missing", where);
      if (c === "\"") break;
      if (c < " ") this.fail("control character in a string; escape it (\\t, \\u0000)");
      if (c === "\\") {
        const at = this.here();
        const e = this.s[this.pos + 1];
        this.pos += 2;
        const simple = e === undefined ? undefined : JSON_ESCAPES[e];
        if (simple !== undefined) out += simple;
        else if (e === "u") {
          const h = this.s.slice(this.pos, this.pos + 4);
          if (h.length !== 4 || !HEX.test(h)) this.fail("\"\\u\" needs 4 hex digits", at);
          out += String.fromCharCode(parseInt(h, 16));
          this.pos += 4;
        } else this.fail(`unknown escape "\\${e === undefined || e === "\n" ? "" : e}" in a JSON string`, at);
        continue;
      }
      out += c;
      this.pos++;
    }
    this.pos++;
    return { kind: "scalar", value: out, raw: this.s.slice(start, this.pos), quoted: true, where };
  }

  private array(): Node {
    const where = this.here();
    this.pos++;
    const items: Node[] = [];
    this.ws();
    if (this.s[this.pos] === "]") {
      this.pos++;
      return { kind: "seq", items, where };
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] === "]") this.fail("trailing comma before \"]\" is not allowed in JSON");
      items.push(this.value());
      this.ws();
      const c = this.s[this.pos];
      if (c === ",") {
        this.pos++;
        continue;
      }
      if (c === "]") break;
      if (c === undefined) this.fail(`missing "]" for the "[" at line ${where.line}, column ${where.col}`);
      this.fail(`expected "," or "]", found ${this.show(c)}`);
    }
    this.pos++;
    return { kind: "seq", items, where };
  }

  private object(): Node {
    const where = this.here();
    this.pos++;
    const entries: { key: string; keyWhere: Where; value: Node }[] = [];
    const seen = new Map<string, Where>();
    this.ws();
    if (this.s[this.pos] === "}") {
      this.pos++;
      return { kind: "map", entries, where };
    }
    for (;;) {
      this.ws();
      const c = this.s[this.pos];
      if (c === "}") this.fail("trailing comma before \"}\" is not allowed in JSON");
      if (c === undefined) this.fail(`missing "}" for the "{" at line ${where.line}, column ${where.col}`);
      if (c !== "\"") {
        this.fail(`expected a double-quoted key, found ${this.show(c)} (the file starts with "{" so it is read as JSON)`);
      }
      const keyWhere = this.here();
      const key = this.string().value as string;
      const first = seen.get(key);
      if (first !== undefined) {
        this.fail(`duplicate key ${JSON.stringify(key)} (first at line ${first.line}, column ${first.col})`, keyWhere);
      }
      seen.set(key, keyWhere);
      this.ws();
      if (this.s[this.pos] !== ":") this.fail(`expected ":" after the key, found ${this.show(this.s[this.pos])}`);
      this.pos++;
      this.ws();
      entries.push({ key, keyWhere, value: this.value() });
      this.ws();
      const e = this.s[this.pos];
      if (e === ",") {
        this.pos++;
        continue;
      }
      if (e === "}") break;
      if (e === undefined) this.fail(`missing "}" for the "{" at line ${where.line}, column ${where.col}`);
      this.fail(`expected "," or "}", found ${this.show(e)}`);
    }
    this.pos++;
    return { kind: "map", entries, where };
  }
}

const JSON_ESCAPES: Record<string, string> = {
  "\"": "\"",
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};
