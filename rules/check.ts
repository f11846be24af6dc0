/**
 * `tsugi rules check [--json] [--strict] [--var NAME=VALUE]... FILE...`: parses rule files, prints each
 * problem as `file:line:col: message` and a summary (files, rules, loaded, skipped by reason), or with
 * `--json` exactly `{ files, rules, loaded, skipped, reasons, compileMs, heapMB }`.
 *
 * Node only (reads files, writes to stdout). Exit codes: 0 ok, 1 some rule skipped (only with
 * --strict), 2 usage error or no rule file readable.
 *
 * @example
 * ```ts
 * import { runRules } from "./check.ts";
 * process.exitCode = runRules(["check", "--json", "local.rules"]);
 * ```
 */
import { parseRuleFiles } from "./load.ts";
import { compileParsed } from "./build.ts";
import { runRulesNew } from "./scaffold.ts";

export const RULES_HELP = `usage: tsugi rules check [--json] [--strict] [--var NAME=VALUE]... FILE...
       tsugi rules new CVE-YYYY-NNNNN [--id NAME] [--sid N] [--packs DIR]

Parses Suricata-syntax rule files the way Tsugi loads them and reports every rule that cannot be
loaded as FILE:LINE:COL: MESSAGE, then a summary: files, rules, loaded, skipped by reason.
Variables default to Suricata's default suricata.yaml ($HOME_NET = [192.168.0.0/16,10.0.0.0/8,
172.16.0.0/12], $EXTERNAL_NET = !$HOME_NET, $HTTP_PORTS = 80 ...).

options:
  --json             print only {"files","rules","loaded","skipped","reasons":{reason:count},
                     "parseMs","compileMs","heapMB","rssMB"} (loaded: parsed and compiled for detection)
  --strict           exit 1 when any rule is skipped
  --var NAME=VALUE   set a variable (repeatable), e.g. --var HOME_NET=[10.1.0.0/16]
  -q, --quiet        do not print each problem (summary only)
  -h, --help         this text

exit codes:
  0  checked (rules may have been skipped unless --strict)
  1  --strict and at least one rule was skipped
  2  usage error, or a file could not be read

new: scaffolds a virtual patch (tsugi rules new --help)`;

/** Runs `tsugi rules ...`; returns the exit code. */
export function runRules(argv: string[]): number {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "-h" || sub === "--help" || sub === "help") {
    console.log(RULES_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub === "new") return runRulesNew(rest);
  if (sub !== "check") {
    console.error(`tsugi rules: unknown subcommand "${sub}" ("check" or "new")\n\n${RULES_HELP}`);
    return 2;
  }
  let json = false;
  let strict = false;
  let quiet = false;
  const vars: Record<string, string> = {};
  const files: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "--json") json = true;
    else if (a === "--strict") strict = true;
    else if (a === "-q" || a === "--quiet") quiet = true;
    else if (a === "-h" || a === "--help") {
      console.log(RULES_HELP);
      return 0;
    } else if (a === "--var" || a.startsWith("--var=")) {
      const v = a === "--var" ? rest[++i] : a.slice(6);
      const eq = v === undefined ? -1 : v.indexOf("=");
      if (v === undefined || eq <= 0) {
        console.error(`tsugi rules check: --var needs NAME=VALUE`);
        return 2;
      }
      vars[v.slice(0, eq).replace(/^\$/, "")] = v.slice(eq + 1);
    } else if (a.startsWith("-")) {
      console.error(`tsugi rules check: unknown option "${a}"\n\n${RULES_HELP}`);
      return 2;
    } else files.push(a);
  }
  if (files.length === 0) {
    console.error(`tsugi rules check: no rule files given\n\n${RULES_HELP}`);
    return 2;
  }
  const t0 = performance.now();
  const r = parseRuleFiles(files, { vars });
  const parseMs = Math.round(performance.now() - t0);
  // loaded means the detection engine can run it: parsed AND compiled (regexes, byte variables, prefilter)
  const compiled = compileParsed(r.rules);
  r.problems.push(...compiled.problems);
  const loaded = compiled.ruleSet.signatures.length;
  const compileMs = Math.round(performance.now() - t0);
  const mem = process.memoryUsage();
  const heapMB = Math.round((mem.heapUsed / 1048576) * 10) / 10;
  const rssMB = Math.round((mem.rss / 1048576) * 10) / 10;
  const reasons: Record<string, number> = {};
  let unreadable = 0;
  for (const p of r.problems) {
    if (p.reason === "unreadable file") unreadable++;
    else reasons[p.reason] = (reasons[p.reason] ?? 0) + 1;
  }
  const skipped = r.count - loaded;
  if (json) {
    console.log(JSON.stringify({ files: r.files, rules: r.count, loaded, skipped, reasons, parseMs, compileMs, heapMB, rssMB }));
  } else {
    if (!quiet) for (const p of r.problems) console.log(`${p.pos.file}:${p.pos.line}:${p.pos.col}: ${p.message}`);
    console.log(
      `${r.files} file(s), ${r.count} rule(s): ${loaded} loaded, ${skipped} skipped (parse ${parseMs} ms, parse+compile ${compileMs} ms, heap ${heapMB} MB, rss ${rssMB} MB)`,
    );
    const sorted = Object.entries(reasons).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    for (const [reason, n] of sorted) console.log(`  ${String(n).padStart(6)}  ${reason}`);
  }
  if (unreadable > 0 && unreadable === files.length) return 2;
  if (unreadable > 0) {
    for (const p of r.problems) if (p.reason === "unreadable file") console.error(p.message);
    return 2;
  }
  return strict && skipped > 0 ? 1 : 0;
}
