/**
 * The distinct `pcre:` values of the ET Open ruleset in the shared corpus, split into pattern, regex
 * flags and Suricata-only modifiers. Used by the regex tests (compile coverage, differential runs) and
 * `bench/regex.ts`. Returns null when the corpus is absent (see `corpusDir`).
 *
 * @example
 * ```ts
 * import { etPcrePatterns } from "./regex-corpus.ts";
 * const pats = etPcrePatterns(); // [{ value: "/foo/i", pattern: "foo", flags: { caseless: true }, modifiers: "" }, …]
 * ```
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { corpusDir } from "../datapath/pcap/corpus.ts";
import { splitPcreOption } from "../engine/detect/regex/regex.ts";
import type { RegexFlags } from "../engine/detect/regex/regex.ts";

export interface EtPcre {
  value: string;
  pattern: string;
  flags: RegexFlags;
  modifiers: string;
}

export function etPcrePatterns(): EtPcre[] | null {
  const root = corpusDir();
  if (root === null) return null;
  const dir = join(root, "rulesets", "et-open-2024-04");
  const seen = new Set<string>();
  const out: EtPcre[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".rules")).sort()) {
    const text = readFileSync(join(dir, f), "latin1");
    // The option value runs to the first unescaped ';' (quotes inside are allowed), as Suricata reads it.
    for (const m of text.matchAll(/pcre:\s*!?"((?:[^;\\]|\\.)*)/g)) {
      const value = m[1].trimEnd().replace(/"$/, "");
      if (seen.has(value)) continue;
      seen.add(value);
      try {
        const { pattern, flags, modifiers } = splitPcreOption(value);
        out.push({ value, pattern, flags, modifiers });
      } catch {
        console.log(`note: ${f}: not a /pattern/flags pcre value: ${value}`);
      }
    }
  }
  return out;
}
