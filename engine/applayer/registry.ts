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
import { ALPROTO_HTTP1 } from "./proto.ts";
import { Http1Parser } from "./http1/parser.ts";
import { probeHttp1 } from "./http1/probe.ts";

/** Every parser, with default pool sizes. */
export function defaultParsers(): AppParser[] {
  return [new Http1Parser()];
}

/** Content probes, with the ports that make each one tried first. */
export function defaultProbes(): ProbeEntry[] {
  return [
    { proto: ALPROTO_HTTP1, probe: probeHttp1, ports: [80, 8080, 8000, 3128], tcp: true, udp: false },
  ];
}
