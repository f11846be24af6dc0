/**
 * From rule text to a loaded rule set in one call: parse every source (positions kept per file),
 * compile what parsed into the engine's signatures with our own regex engine and the multi-pattern
 * prefilter, and report every rule that was left out and why. Pure (no I/O): callers read the files.
 *
 * @example
 * ```ts
 * import { buildRuleSet } from "./build.ts";
 * const r = buildRuleSet([{ file: "local.rules", text: 'alert tcp any any -> any 80 (msg:"x"; content:"evil"; sid:1;)' }]);
 * console.log(r.loaded, r.problems.length); // 1 0
 * ```
 */
import type { RuleProblem, SourcePos } from "./ast.ts";
import type { Rule } from "./ast.ts";
import { compileRules } from "./compile.ts";
import { parseRules } from "./parse.ts";
import { compileRegex } from "../engine/detect/regex/regex.ts";
import { MpmBuilder } from "../engine/detect/mpm/builder.ts";
import type { PatternScanner, RuleSet, ScannerPattern } from "../engine/detect/ruleset.ts";

export interface RuleSource {
  file: string;
  text: string;
}

export interface BuildOptions {
  vars?: Record<string, string>;
  /** Any problem makes the whole build fail (no rule set). */
  strict?: boolean;
  generation?: number;
}

export interface BuildResult {
  ruleSet: RuleSet;
  /** Rules seen, loaded (parsed and compiled), and every problem (parse and compile). */
  rules: number;
  loaded: number;
  problems: RuleProblem[];
  parsed: Rule[];
}

function scanner(patterns: ScannerPattern[]): PatternScanner {
  const b = new MpmBuilder();
  for (let i = 0; i < patterns.length; i++) b.add(patterns[i].bytes, patterns[i].nocase, i);
  return b.build();
}

/** Compiles parsed rules with the engine's regex engine and multi-pattern prefilter. */
export function compileParsed(parsed: Rule[], generation?: number): { ruleSet: RuleSet; problems: RuleProblem[] } {
  return compileRules(parsed, {
    compileRegex: (pattern, flags) => compileRegex(pattern, flags),
    scanner,
    generation,
  });
}

export function buildRuleSet(sources: RuleSource[], opts: BuildOptions = {}): BuildResult {
  const seenSids = new Map<string, SourcePos>();
  const parsed: Rule[] = [];
  const problems: RuleProblem[] = [];
  let rules = 0;
  for (const src of sources) {
    const r = parseRules(src.text, src.file, { vars: opts.vars, seenSids });
    parsed.push(...r.rules);
    problems.push(...r.problems);
    rules += r.count;
  }
  const { ruleSet, problems: compileProblems } = compileParsed(parsed, opts.generation);
  problems.push(...compileProblems);
  return { ruleSet, rules, loaded: ruleSet.signatures.length, problems, parsed };
}
