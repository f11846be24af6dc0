/**
 * The built-in packs: where `rules/packs/` is at run time, and its virtual-patch rule files, so
 * `tsugi inspect` without `-S` (and later the agent and gateway) check traffic against every virtual
 * patch Tsugi ships. The directory is found beside the code (`rules/packs/` when running from the
 * source tree, `../rules/packs/` from the bundled `dist/tsugi.js`) or named by `TSUGI_PACKS`.
 *
 * Cold path only (start-up): reads files, allocates freely; never runs per packet. A missing packs
 * directory is an error naming every place that was tried (fail closed: no silent empty rule set).
 *
 * @example
 * ```ts
 * import { builtinRuleFiles } from "./builtin.ts";
 * const files = builtinRuleFiles(); // [{ file: ".../vpatch/ms17-010/ms17-010.rules", text: "drop smb …" }, …]
 * ```
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The packs directory; throws an Error listing the places tried when none exists. */
export function builtinPacksDir(): string {
  const tried: string[] = [];
  const env = process.env.TSUGI_PACKS;
  const candidates = env !== undefined && env !== ""
    ? [env]
    : [fileURLToPath(new URL(".", import.meta.url)), fileURLToPath(new URL("../rules/packs/", import.meta.url))];
  for (const c of candidates) {
    tried.push(c);
    if (existsSync(join(c, "vpatch")) && statSync(join(c, "vpatch")).isDirectory()) return c.endsWith(sep) ? c.slice(0, -1) : c;
  }
  throw new Error(`built-in packs not found (looked for a vpatch/ folder in ${tried.join(", ")}; set TSUGI_PACKS=DIR)`);
}

/** Every file under `dir` whose name ends with `suffix` (or one of them), recursively, sorted by path. */
export function filesUnder(dir: string, suffix: string | readonly string[]): string[] {
  const suffixes = typeof suffix === "string" ? [suffix] : suffix;
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && suffixes.some((x) => e.name.endsWith(x))) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** The virtual-patch rule files of the built-in packs (`vpatch/**\/*.rules`), as `{ file, text }`. */
export function builtinRuleFiles(dir = builtinPacksDir()): { file: string; text: string }[] {
  return filesUnder(join(dir, "vpatch"), ".rules").map((file) => ({ file, text: readFileSync(file, "latin1") }));
}
