/**
 * The built-in application signatures (`rules/packs/apps/apps.yaml`) for the CLI: reads the file
 * beside the other built-in packs and compiles it.
 *
 * Cold path only (start-up): reads a file, allocates freely; never runs per packet. A broken file is an
 * error naming file:line:col (fail closed: no silent empty signature set).
 *
 * @example
 * ```ts
 * import { loadAppSignatures } from "./apps.ts";
 * const tables = loadAppSignatures(); // AppIdTables with every shipped application
 * ```
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileAppSignatures } from "../../engine/appid/compile.ts";
import type { AppIdTables } from "../../engine/appid/tables.ts";
import { builtinPacksDir } from "./builtin.ts";

/** Path of the shipped signature file. */
export function appSignaturesFile(dir = builtinPacksDir()): string {
  return join(dir, "apps", "apps.yaml");
}

/** Reads and compiles the shipped application signatures (throws AppSignatureError / Error). */
export function loadAppSignatures(file = appSignaturesFile()): AppIdTables {
  return compileAppSignatures(readFileSync(file, "utf8"), file);
}
