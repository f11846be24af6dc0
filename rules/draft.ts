/**
 * The rule under construction: holds the `Rule` being filled and implements `KeywordCtx`, the view
 * keyword modules get (which block payload keywords go to, the last content, legacy-modifier moves,
 * shared value parsers). One `RuleDraft` per rule; thrown away after the rule is finished.
 *
 * Cold path only (rule loading); never used per packet.
 *
 * @example
 * ```ts
 * import { RuleDraft } from "./draft.ts";
 * // const d = new RuleDraft(rule, classifications); d.begin("content", pos); keyword.parse(value, d);
 * ```
 */
import type { BlockMatch, BufferBlock, ContentMatch, NumCmp, NumOrVar, Rule, SourcePos } from "./ast.ts";
import type { ClassificationTable } from "./classification.ts";
import { BUF_PAYLOAD, bufferName } from "../engine/detect/buffers.ts";
import { KeywordError, type KeywordCtx } from "./keywords/keyword.ts";

const NUM = /^(?:0x[0-9a-fA-F]+|[0-9]+)$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export class RuleDraft implements KeywordCtx {
  name = "";
  pos: SourcePos;
  sticky: BufferBlock | null = null;
  readonly byteVars = new Set<string>();
  private readonly facts = new Set<string>();
  private last: { m: ContentMatch; block: BufferBlock } | null = null;
  /** Whether a `priority` keyword set the priority (it wins over the classtype's). */
  priorityGiven = false;

  constructor(
    readonly rule: Rule,
    readonly classifications: ClassificationTable,
  ) {
    this.pos = rule.pos;
  }

  /** Called before each keyword's `parse`. */
  begin(name: string, pos: SourcePos): void {
    this.name = name;
    this.pos = pos;
  }

  fail(message: string, reason?: string): never {
    throw new KeywordError(message, reason ?? `invalid ${this.name}`);
  }

  private payloadBlock(): BufferBlock {
    for (const b of this.rule.blocks) if (b.buffer === BUF_PAYLOAD) return b;
    const b: BufferBlock = { buffer: BUF_PAYLOAD, pos: this.pos, transforms: [], matches: [] };
    this.rule.blocks.push(b);
    return b;
  }

  target(): BufferBlock {
    return this.sticky ?? this.payloadBlock();
  }

  openSticky(buffer: number): void {
    if (buffer === BUF_PAYLOAD) {
      this.sticky = null;
      return;
    }
    const b: BufferBlock = { buffer, pos: this.pos, transforms: [], matches: [] };
    this.rule.blocks.push(b);
    this.sticky = b;
  }

  addMatch(m: BlockMatch, block?: BufferBlock): BufferBlock {
    const b = block ?? this.target();
    b.matches.push(m);
    if (m.kind === "content") this.last = { m, block: b };
    return b;
  }

  lastContent(): { m: ContentMatch; block: BufferBlock } {
    if (this.last === null) return this.fail(`"${this.name}" needs a preceding content`);
    return this.last;
  }

  previousIn(block: BufferBlock, m: BlockMatch | null): BlockMatch | null {
    const i = m === null ? block.matches.length : block.matches.indexOf(m);
    return i > 0 ? block.matches[i - 1] : null;
  }

  moveTo(m: BlockMatch, buffer: number): BufferBlock {
    for (const b of this.rule.blocks) {
      const i = b.matches.indexOf(m);
      if (i < 0) continue;
      if (b.buffer !== BUF_PAYLOAD) {
        this.fail(`"${this.name}" cannot move a match that is already in ${bufferName(b.buffer)}`);
      }
      b.matches.splice(i, 1);
      if (b.matches.length === 0) this.rule.blocks.splice(this.rule.blocks.indexOf(b), 1);
      break;
    }
    let dest: BufferBlock | null = null;
    for (const b of this.rule.blocks) if (b.buffer === buffer && b.transforms.length === 0 && b !== this.sticky) dest = b;
    if (dest === null) {
      dest = { buffer, pos: m.pos, transforms: [], matches: [] };
      this.rule.blocks.push(dest);
    }
    dest.matches.push(m);
    if (this.last !== null && this.last.m === m) this.last.block = dest;
    return dest;
  }

  uint(text: string, max = 0xffffffff, hex = true): number {
    const t = text.trim();
    if (!(hex ? NUM : /^[0-9]+$/).test(t)) return this.fail(`"${this.name}" needs a number, got ${JSON.stringify(t)}`);
    const n = Number(t);
    if (!Number.isSafeInteger(n) || n > max) return this.fail(`"${this.name}" value ${t} is out of range (0-${max})`);
    return n;
  }

  numOrVar(text: string, max = 0xffffffff): NumOrVar {
    const t = text.trim();
    if (NUM.test(t) || /^-[0-9]+$/.test(t)) {
      const n = Number(t);
      if (!Number.isSafeInteger(n) || Math.abs(n) > max) return this.fail(`"${this.name}" value ${t} is out of range`);
      return { num: n };
    }
    if (IDENT.test(t)) {
      if (!this.byteVars.has(t)) {
        this.fail(`"${this.name}" uses unknown variable "${t}" (byte_extract or byte_math must define it first)`);
      }
      return { var: t };
    }
    return this.fail(`"${this.name}" needs a number or a byte_extract variable, got ${JSON.stringify(t)}`);
  }

  numCmp(text: string, max: number): NumCmp {
    const t = text.trim();
    const num = (s: string): number => {
      if (!NUM.test(s)) return this.fail(`"${this.name}": ${JSON.stringify(t)} is not a number comparison`);
      const n = Number(s);
      if (n > max) return this.fail(`"${this.name}" value ${s} is out of range (0-${max})`);
      return n;
    };
    let m = /^([0-9a-fA-Fx]+)\s*(?:<>|-)\s*([0-9a-fA-Fx]+)$/.exec(t);
    if (m !== null) {
      const a = num(m[1]);
      const b = num(m[2]);
      if (a >= b) return this.fail(`"${this.name}" range ${t}: the first value must be below the second`);
      return { op: "range", a, b };
    }
    m = /^(<=|>=|<|>|!=|!|=)?\s*([0-9a-fA-Fx]+)$/.exec(t);
    if (m === null) return this.fail(`"${this.name}": ${JSON.stringify(t)} is not a number comparison (N, <N, >N, <=N, >=N, !N, N-M, N<>M)`);
    const a = num(m[2]);
    const op = m[1] === undefined || m[1] === "=" ? "=" : m[1] === "!" ? "!=" : (m[1] as NumCmp["op"]);
    if (op === "<" && a === 0) return this.fail(`"${this.name}:<0" can never match`);
    if (op === ">" && a >= max) return this.fail(`"${this.name}:>${a}" can never match`);
    return { op, a, b: 0 };
  }

  once(fact: string, message: string): void {
    if (this.facts.has(fact)) return this.fail(message);
    this.facts.add(fact);
  }
}
