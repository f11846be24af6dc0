/**
 * The app-layer parsers and protocol probes an engine runs with, in one place: adding a protocol
 * touches this file and the parser's own folder.
 *
 * Cold path: builds parser pools (memory is allocated here, once).
 *
 * @example
 * ```ts
 * import { defaultParsers, defaultProbes } from "./registry.ts";
 * const parsers = defaultParsers();
 * const probes = defaultProbes();
 * ```
 */
import type { ProbeEntry } from "./dispatch.ts";
import type { AppParser } from "./parser.ts";

/** Every parser, with default pool sizes. */
export function defaultParsers(): AppParser[] {
  return [];
}

/** Content probes, with the ports that make each one tried first. */
export function defaultProbes(): ProbeEntry[] {
  return [];
}
