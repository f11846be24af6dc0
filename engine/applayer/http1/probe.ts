/**
 * HTTP/1.x protocol detection by content: a request starts with a method (the common ones and the
 * WebDAV / UPnP / SVN ones attacks also use) followed by a space; a response starts with `HTTP/`.
 * Needs more bytes while what has arrived is a proper prefix of one of those.
 *
 * Never allocates (the method table is built at module load); never throws.
 *
 * @example
 * ```ts
 * import { probeHttp1 } from "./probe.ts";
 * probeHttp1(0, new TextEncoder().encode("GET / HTTP/1.1\r\n"), 0, 16); // ALPROTO_HTTP1
 * probeHttp1(0, new TextEncoder().encode("GE"), 0, 2);                 // PROBE_NEED_MORE
 * ```
 */
import type { Probe } from "../parser.ts";
import { PROBE_NEED_MORE } from "../parser.ts";
import { ALPROTO_HTTP1, ALPROTO_UNKNOWN } from "../proto.ts";

const enc = new TextEncoder();
const PREFIXES: readonly Uint8Array[] = [
  "GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "CONNECT ", "TRACE ", "PATCH ",
  "PROPFIND ", "PROPPATCH ", "MKCOL ", "COPY ", "MOVE ", "LOCK ", "UNLOCK ", "SEARCH ", "REPORT ",
  "MKACTIVITY ", "CHECKOUT ", "CHECKIN ", "MERGE ", "NOTIFY ", "SUBSCRIBE ", "UNSUBSCRIBE ", "M-SEARCH ",
  "VERSION-CONTROL ", "MKWORKSPACE ", "UPDATE ", "LABEL ", "BASELINE-CONTROL ", "ACL ", "BCOPY ",
  "BDELETE ", "BMOVE ", "BPROPFIND ", "BPROPPATCH ", "POLL ", "MKCALENDAR ", "ORDERPATCH ", "PURGE ",
  "HTTP/",
].map((s) => enc.encode(s));

/** Detects HTTP/1.x in either direction (see module comment). */
export const probeHttp1: Probe = (_dir: number, buf: Uint8Array, off: number, len: number): number => {
  let more = false;
  for (let p = 0; p < PREFIXES.length; p++) {
    const pre = PREFIXES[p];
    const n = len < pre.length ? len : pre.length;
    let i = 0;
    while (i < n && buf[off + i] === pre[i]) i++;
    if (i === n) {
      if (n === pre.length) return ALPROTO_HTTP1;
      more = true;
    }
  }
  return more ? PROBE_NEED_MORE : ALPROTO_UNKNOWN;
};
