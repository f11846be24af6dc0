/**
 * Application-layer protocol ids, with the names Suricata writes in EVE `app_proto` and reads in rule
 * headers (`alert http ...`) and `app-layer-protocol:`. Plain numbers so per-flow state stays in typed
 * arrays (`FlowTable.appProto`).
 *
 * @example
 * ```ts
 * import { ALPROTO_HTTP1, alprotoName, alprotoByName } from "./proto.ts";
 * alprotoName(ALPROTO_HTTP1); // "http"
 * alprotoByName("http2");     // ALPROTO_HTTP2
 * ```
 */

export const ALPROTO_UNKNOWN = 0;
export const ALPROTO_HTTP1 = 1;
export const ALPROTO_HTTP2 = 2;
export const ALPROTO_TLS = 3;
export const ALPROTO_DNS = 4;
export const ALPROTO_SMB = 5;
export const ALPROTO_DCERPC = 6;
export const ALPROTO_RDP = 7;
export const ALPROTO_SSH = 8;
export const ALPROTO_FTP = 9;
export const ALPROTO_FTPDATA = 10;
export const ALPROTO_SMTP = 11;
export const ALPROTO_IMAP = 12;
export const ALPROTO_POP3 = 13;
/** Detection gave up: the flow's protocol was not recognised (Suricata's "failed"). */
export const ALPROTO_FAILED = 14;
export const ALPROTO_QUIC = 15;
export const ALPROTO_COUNT = 16;

const NAMES: readonly string[] = [
  "",
  "http",
  "http2",
  "tls",
  "dns",
  "smb",
  "dcerpc",
  "rdp",
  "ssh",
  "ftp",
  "ftp-data",
  "smtp",
  "imap",
  "pop3",
  "failed",
  "quic",
];

/** The EVE / rule name of a protocol id ("" for unknown). */
export function alprotoName(id: number): string {
  return id >= 0 && id < NAMES.length ? NAMES[id] : "";
}

/**
 * The id for a rule-language protocol name, or -1. `http` names HTTP/1 in EVE but matches both HTTP/1 and
 * HTTP/2 in rule headers (see `alprotoMatches`); `http1` is HTTP/1 only; `ssl` is an alias of `tls`.
 */
export function alprotoByName(name: string): number {
  switch (name) {
    case "http1":
      return ALPROTO_HTTP1;
    case "ssl":
      return ALPROTO_TLS;
    default:
      return NAMES.indexOf(name, 1);
  }
}

/**
 * Whether a flow whose protocol is `flowProto` satisfies a rule header naming `ruleProto`: `http` covers
 * HTTP/2, and `dcerpc` covers DCERPC carried over SMB named pipes (as in Suricata).
 */
export function alprotoMatches(ruleProto: number, flowProto: number): boolean {
  if (ruleProto === flowProto) return true;
  if (ruleProto === ALPROTO_HTTP1 && flowProto === ALPROTO_HTTP2) return true;
  return ruleProto === ALPROTO_DCERPC && flowProto === ALPROTO_SMB;
}
