/**
 * Reads rule files from disk (Node only: uses node:fs) and parses them with `parseRules`; one map of
 * seen signatures across all files so duplicates between files are found too.
 *
 * Cold path only. Never imported by engine/ (which must stay free of I/O).
 *
 * @example
 * ```ts
 * import { parseRuleFile } from "./load.ts";
 * const { rules, problems } = parseRuleFile("local.rules");
 * ```
 */
import { readFileSync } from "node:fs";
import type { RuleProblem, SourcePos } from "./ast.ts";
import { parseRules, type ParseOptions, type ParseResult } from "./parse.ts";

/** Parses one rules file; an unreadable file is one problem (reason "unreadable file"), not an exception. */
export function parseRuleFile(path: string, opts: ParseOptions = {}): ParseResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const p: RuleProblem = {
      pos: { file: path, line: 0, col: 0 },
      reason: "unreadable file",
      message: `cannot read ${path}: ${(e as Error).message}`,
    };
    return { rules: [], problems: [p], count: 0 };
  }
  return parseRules(text, path, opts);
}

/** Parses several files with one duplicate-sid map. */
export function parseRuleFiles(paths: string[], opts: ParseOptions = {}): ParseResult & { files: number } {
  const seenSids = opts.seenSids ?? new Map<string, SourcePos>();
  const out: ParseResult & { files: number } = { rules: [], problems: [], count: 0, files: 0 };
  for (const p of paths) {
    const r = parseRuleFile(p, { ...opts, seenSids });
    out.files++;
    out.count += r.count;
    for (const x of r.rules) out.rules.push(x);
    for (const x of r.problems) out.problems.push(x);
  }
  return out;
}
