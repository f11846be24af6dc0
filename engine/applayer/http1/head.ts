/**
 * HTTP/1.x message heads: `HttpHead` keeps the raw start line + header block of one request or
 * response (a copy, so it survives across packets); `HeadView` is what inspection reads, derived from
 * a head on demand: the normalised header block ("Name: value\r\n", folded lines joined, duplicates
 * joined with ", " as libhtp does), one "Name: value" view per header, the header-names buffer, the
 * single-header values (Host, User-Agent, Cookie …), the normalised URI and host, and the framing
 * facts (Content-Length, chunked, Content-Encoding, Upgrade).
 *
 * Never allocates after construction; never throws. `derive` raises events only when given a sink
 * (the first derivation of a head); re-deriving for a later inspection point is silent.
 *
 * @example
 * ```ts
 * import { HeadView, HttpHead, derive, HDR_HOST } from "./head.ts";
 * const head = new HttpHead(16384); // filled by the parser
 * const view = new HeadView(16384, 128);
 * derive(head, true, view, null, uriNormalizer);
 * if (view.known[HDR_HOST * 2] >= 0) console.log("has Host");
 * ```
 */
import type { AppSink } from "../parser.ts";
import type { UriNormalizer } from "./uri.ts";
import {
  A_HTTP_DOUBLE_ENCODED_URI,
  A_HTTP_DUPLICATE_CL_IN_REQUEST,
  A_HTTP_DUPLICATE_CL_IN_RESPONSE,
  A_HTTP_HOST_HEADER_AMBIGUOUS,
  A_HTTP_INVALID_CL_IN_REQUEST,
  A_HTTP_INVALID_CL_IN_RESPONSE,
  A_HTTP_INVALID_REQUEST_FIELD_FOLDING,
  A_HTTP_INVALID_RESPONSE_FIELD_FOLDING,
  A_HTTP_INVALID_TE_IN_REQUEST,
  A_HTTP_INVALID_TE_IN_RESPONSE,
  A_HTTP_METHOD_DELIM_NON_COMPLIANT,
  A_HTTP_MISSING_HOST_HEADER,
  A_HTTP_REQUEST_FIELD_MISSING_COLON,
  A_HTTP_REQUEST_HEADER_INVALID,
  A_HTTP_REQUEST_HEADER_REPETITION,
  A_HTTP_REQUEST_LINE_INVALID,
  A_HTTP_REQUEST_LINE_LEADING_WHITESPACE,
  A_HTTP_REQUEST_TOO_MANY_HEADERS,
  A_HTTP_RESPONSE_FIELD_MISSING_COLON,
  A_HTTP_RESPONSE_HEADER_INVALID,
  A_HTTP_RESPONSE_HEADER_REPETITION,
  A_HTTP_RESPONSE_INVALID_PROTOCOL,
  A_HTTP_RESPONSE_INVALID_STATUS,
  A_HTTP_RESPONSE_TOO_MANY_HEADERS,
  A_HTTP_URI_DELIM_NON_COMPLIANT,
} from "./events.ts";

// Headers with a buffer or a framing role of their own. HDR_COOKIE is Cookie in a request, Set-Cookie in a response.
export const HDR_HOST = 0;
export const HDR_USER_AGENT = 1;
export const HDR_COOKIE = 2;
export const HDR_CONTENT_TYPE = 3;
export const HDR_REFERER = 4;
export const HDR_LOCATION = 5;
export const HDR_SERVER = 6;
export const HDR_CONTENT_LENGTH = 7;
export const HDR_ACCEPT = 8;
export const HDR_ACCEPT_ENCODING = 9;
export const HDR_ACCEPT_LANGUAGE = 10;
export const HDR_CONNECTION = 11;
export const HDR_TRANSFER_ENCODING = 12;
export const HDR_CONTENT_ENCODING = 13;
export const HDR_UPGRADE = 14;
const KNOWN_COUNT = 15;

const KNOWN_NAMES = [
  "host",
  "user-agent",
  "cookie",
  "content-type",
  "referer",
  "location",
  "server",
  "content-length",
  "accept",
  "accept-encoding",
  "accept-language",
  "connection",
  "transfer-encoding",
  "content-encoding",
  "upgrade",
].map((s) => new TextEncoder().encode(s));
const SET_COOKIE = new TextEncoder().encode("set-cookie");
// Candidate known header by (name length, last letter): one comparison per header instead of fifteen.
// Slot value HDR_* + 1, 0 for none; [0] for requests, [1] for responses (Cookie vs Set-Cookie).
const KNOWN_SLOTS = [new Int8Array(32 * 32), new Int8Array(32 * 32)];
for (let r = 0; r < 2; r++) {
  for (let k = 0; k < KNOWN_COUNT; k++) {
    const name = k === HDR_COOKIE && r === 1 ? SET_COOKIE : KNOWN_NAMES[k];
    KNOWN_SLOTS[r][name.length * 32 + (name[name.length - 1] & 31)] = k + 1;
  }
}
const REQ_SLOTS = KNOWN_SLOTS[0];
const RESP_SLOTS = KNOWN_SLOTS[1];
const TOK_CHUNKED = new TextEncoder().encode("chunked");
const TOK_GZIP = new TextEncoder().encode("gzip");
const TOK_XGZIP = new TextEncoder().encode("x-gzip");
const TOK_DEFLATE = new TextEncoder().encode("deflate");
const TOK_XDEFLATE = new TextEncoder().encode("x-deflate");
const TOK_H2C = new TextEncoder().encode("h2c");
const TOK_CLOSE = new TextEncoder().encode("close");

export const ENC_NONE = 0;
export const ENC_GZIP = 1;
export const ENC_DEFLATE = 2;

/** Content-Length not present / not a valid number. */
export const CL_NONE = -1;
export const CL_INVALID = -2;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** Case-insensitive equality of `a[as .. as+n)` and `b[bs .. bs+n)`. */
function eqNoCase(a: Uint8Array, as: number, b: Uint8Array, bs: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (lower(a[as + i]) !== lower(b[bs + i])) return false;
  return true;
}

/** Whether the comma-separated list `b[s .. e)` holds `tok` (case-insensitive, whitespace trimmed). */
export function hasToken(b: Uint8Array, s: number, e: number, tok: Uint8Array): boolean {
  let i = s;
  while (i < e) {
    while (i < e && (isWs(b[i]) || b[i] === 0x2c)) i++;
    let j = i;
    while (j < e && b[j] !== 0x2c) j++;
    let te = j;
    while (te > i && isWs(b[te - 1])) te--;
    if (te - i === tok.length && eqNoCase(b, i, tok, 0, tok.length)) return true;
    i = j;
  }
  return false;
}

/** The raw start line + header block of one message, as received (up to the capacity). */
export class HttpHead {
  readonly raw: Uint8Array;
  /** Bytes stored in `raw`. */
  len = 0;
  /** Bytes of the head seen (larger than `len` when the head was longer than the capacity). */
  seen = 0;
  /** Length of the start line without its line ending; -1 while it is incomplete. */
  lineLen = -1;
  /** Offset in `raw` where header lines begin (after the start line's line ending). */
  headersOff = 0;
  /** Bytes in the line being received, without CR (line-end detection). */
  curLine = 0;
  /** The head is complete (empty line seen, or a one-line HTTP/0.9 request). */
  complete = false;

  constructor(cap: number) {
    this.raw = new Uint8Array(cap);
  }

  clear(): void {
    this.len = 0;
    this.seen = 0;
    this.lineLen = -1;
    this.headersOff = 0;
    this.curLine = 0;
    this.complete = false;
  }
}

/** What inspection reads for one head; rebuilt by `derive`. */
export class HeadView {
  readonly buf: Uint8Array;
  len = 0;
  /** "Name: value" views in `buf` (one per header after joining duplicates). */
  readonly hdrStart: Int32Array;
  readonly hdrLen: Int32Array;
  hdrCount = 0;
  /** `buf[0 .. headerLen)` is the normalised block without Cookie (request) / Set-Cookie (response). */
  headerLen = 0;
  namesStart = 0;
  namesLen = 0;
  /** Per HDR_*: start, len of the joined value in `buf`; start -1 when absent. */
  readonly known = new Int32Array(KNOWN_COUNT * 2);
  // Start line tokens (offsets in the head's raw): method/protocol, uri/status, protocol/message.
  t0s = 0;
  t0l = 0;
  t1s = 0;
  t1l = 0;
  t2s = 0;
  t2l = 0;
  /** Normalised URI and host in `buf` (request). hostStart -1 when there is no host. */
  uriStart = 0;
  uriLen = 0;
  hostStart = -1;
  hostLen = 0;
  /** Raw host: from an absolute URI (in the head's raw) when `hostRawInHead`, else the Host value in `buf`. */
  hostRawInHead = false;
  hostRawStart = -1;
  hostRawLen = 0;
  /** HTTP/0.9 request (no protocol). */
  http09 = false;
  /** Response status code, NaN when invalid. */
  status = NaN;
  /** Protocol says HTTP/1.0 (or older). */
  oldProto = false;
  contentLength = CL_NONE;
  chunked = false;
  encoding = ENC_NONE;
  upgradeH2c = false;
  hasUpgrade = false;
  connClose = false;

  // Scratch: header entries in the head's raw.
  private readonly eNameS: Int32Array;
  private readonly eNameL: Int32Array;
  private readonly eValS: Int32Array;
  private readonly eValE: Int32Array;
  private readonly eFlags: Uint8Array;
  entries = 0;

  constructor(maxHeaderBytes: number, maxHeaders: number) {
    this.buf = new Uint8Array(maxHeaderBytes * 2 + 1024);
    this.hdrStart = new Int32Array(maxHeaders);
    this.hdrLen = new Int32Array(maxHeaders);
    this.eNameS = new Int32Array(maxHeaders);
    this.eNameL = new Int32Array(maxHeaders);
    this.eValS = new Int32Array(maxHeaders);
    this.eValE = new Int32Array(maxHeaders);
    this.eFlags = new Uint8Array(maxHeaders);
  }

  private put(c: number): void {
    if (this.len < this.buf.length) this.buf[this.len++] = c;
  }

  private putRange(src: Uint8Array, s: number, e: number): void {
    const n = Math.min(e - s, this.buf.length - this.len);
    const buf = this.buf;
    let j = this.len;
    for (let i = s, stop = s + n; i < stop; i++) buf[j++] = src[i];
    if (n > 0) this.len = j;
  }

  /** Copies a header value, joining folded lines with one space (entries flagged 2; others use putRange). */
  private putValue(src: Uint8Array, s: number, e: number): void {
    let i = s;
    while (i < e) {
      const c = src[i];
      if (c === 0x0d || c === 0x0a) {
        while (i < e && (src[i] === 0x0d || src[i] === 0x0a || isWs(src[i]))) i++;
        this.put(0x20);
        continue;
      }
      this.put(c);
      i++;
    }
  }

  /** Splits the start line; `raw[0 .. lineLen)`. */
  private startLine(raw: Uint8Array, lineLen: number, request: boolean, sink: AppSink | null): void {
    let i = 0;
    const e = lineLen;
    if (request) {
      if (i < e && isWs(raw[i])) {
        if (sink !== null) sink.event(A_HTTP_REQUEST_LINE_LEADING_WHITESPACE);
        while (i < e && isWs(raw[i])) i++;
      }
    }
    this.t0s = i;
    while (i < e && !isWs(raw[i])) i++;
    this.t0l = i - this.t0s;
    let d = i;
    while (i < e && isWs(raw[i])) i++;
    if (sink !== null && request && (i - d > 1 || (i > d && raw[d] !== 0x20))) sink.event(A_HTTP_METHOD_DELIM_NON_COMPLIANT);
    this.t1s = i;
    if (request) {
      while (i < e && !isWs(raw[i])) i++;
    } else {
      while (i < e && !isWs(raw[i])) i++;
    }
    this.t1l = i - this.t1s;
    d = i;
    while (i < e && isWs(raw[i])) i++;
    if (sink !== null && request && i < e && (i - d > 1 || raw[d] !== 0x20)) sink.event(A_HTTP_URI_DELIM_NON_COMPLIANT);
    this.t2s = i;
    let te = e;
    while (te > i && isWs(raw[te - 1])) te--;
    this.t2l = te - i;
    if (request) {
      this.http09 = this.t2l === 0;
      if (sink !== null && (this.t0l === 0 || this.t1l === 0)) sink.event(A_HTTP_REQUEST_LINE_INVALID);
      const p = this.t2s;
      this.oldProto = this.t2l === 0 ||
        (this.t2l >= 8 && raw[p + 5] === 0x31 && raw[p + 6] === 0x2e && raw[p + 7] === 0x30) ||
        (this.t2l >= 8 && raw[p + 5] === 0x30);
    } else {
      const p = this.t0s;
      const protoOk = this.t0l >= 5 && (raw[p] | 0x20) === 0x68 && (raw[p + 1] | 0x20) === 0x74 &&
        (raw[p + 2] | 0x20) === 0x74 && (raw[p + 3] | 0x20) === 0x70 && raw[p + 4] === 0x2f;
      if (!protoOk && sink !== null) sink.event(A_HTTP_RESPONSE_INVALID_PROTOCOL);
      this.oldProto = this.t0l >= 8 && (raw[p + 5] === 0x30 || (raw[p + 5] === 0x31 && raw[p + 7] === 0x30));
      let code = 0;
      let ok = this.t1l === 3;
      for (let k = 0; k < this.t1l && ok; k++) {
        const c = raw[this.t1s + k];
        if (c < 0x30 || c > 0x39) ok = false;
        else code = code * 10 + (c - 0x30);
      }
      if (ok && code < 100) ok = false;
      this.status = ok ? code : NaN;
      if (!ok && sink !== null) sink.event(A_HTTP_RESPONSE_INVALID_STATUS);
    }
  }

  /** Fills this view from `head` (see module comment). `sink` non-null: raise events (first time only). */
  derive(head: HttpHead, request: boolean, sink: AppSink | null, uri: UriNormalizer): void {
    const raw = head.raw;
    this.len = 0;
    this.hdrCount = 0;
    this.entries = 0;
    this.known.fill(-1);
    this.contentLength = CL_NONE;
    this.chunked = false;
    this.encoding = ENC_NONE;
    this.upgradeH2c = false;
    this.hasUpgrade = false;
    this.connClose = false;
    this.hostStart = -1;
    this.hostLen = 0;
    this.hostRawStart = -1;
    this.hostRawLen = 0;
    this.hostRawInHead = false;
    this.status = NaN;
    this.http09 = false;
    this.uriStart = 0;
    this.uriLen = 0;
    const lineLen = head.lineLen >= 0 ? head.lineLen : head.len;
    this.startLine(raw, lineLen, request, sink);

    // 1. Header entries from the raw block.
    const maxH = this.eNameS.length;
    const end = head.len;
    let i = head.headersOff;
    let tooMany = false;
    while (i < end) {
      let le = raw.indexOf(0x0a, i);
      if (le < 0 || le > end) le = end;
      let ce = le;
      if (ce > i && raw[ce - 1] === 0x0d) ce--;
      if (ce === i) break; // the empty line: end of headers
      if (isWs(raw[i])) {
        // Folded continuation of the previous header.
        if (this.entries > 0) {
          const k = this.entries - 1;
          let ve = ce;
          while (ve > i && isWs(raw[ve - 1])) ve--;
          let s = i;
          while (s < ve && isWs(raw[s])) s++;
          if (ve > s) {
            if (this.eValS[k] >= this.eValE[k]) this.eValS[k] = s;
            else this.eFlags[k] |= 2; // the value now spans lines: putValue joins them
            this.eValE[k] = ve;
          }
        } else if (sink !== null) {
          sink.event(request ? A_HTTP_INVALID_REQUEST_FIELD_FOLDING : A_HTTP_INVALID_RESPONSE_FIELD_FOLDING);
        }
        i = le + 1;
        continue;
      }
      if (this.entries >= maxH) {
        tooMany = true;
        i = le + 1;
        continue;
      }
      let colon = raw.indexOf(0x3a, i);
      if (colon < 0 || colon > ce) colon = ce;
      const n = this.entries++;
      this.eFlags[n] = 0;
      if (colon === ce) {
        if (sink !== null) sink.event(request ? A_HTTP_REQUEST_FIELD_MISSING_COLON : A_HTTP_RESPONSE_FIELD_MISSING_COLON);
        let ne = ce;
        while (ne > i && isWs(raw[ne - 1])) ne--;
        this.eNameS[n] = i;
        this.eNameL[n] = ne - i;
        this.eValS[n] = ce;
        this.eValE[n] = ce;
      } else {
        let ne = colon;
        while (ne > i && isWs(raw[ne - 1])) ne--;
        if (sink !== null && (ne === i || ne !== colon)) {
          sink.event(request ? A_HTTP_REQUEST_HEADER_INVALID : A_HTTP_RESPONSE_HEADER_INVALID);
        }
        this.eNameS[n] = i;
        this.eNameL[n] = ne - i;
        let vs = colon + 1;
        while (vs < ce && isWs(raw[vs])) vs++;
        let ve = ce;
        while (ve > vs && isWs(raw[ve - 1])) ve--;
        this.eValS[n] = vs;
        this.eValE[n] = ve;
      }
      i = le + 1;
    }
    if (tooMany && sink !== null) sink.event(request ? A_HTTP_REQUEST_TOO_MANY_HEADERS : A_HTTP_RESPONSE_TOO_MANY_HEADERS);

    // 2. Normalised block: non-cookie headers first (contiguous: http.header), cookies after.
    let repeated = false;
    for (let pass = 0; pass < 2; pass++) {
      for (let a = 0; a < this.entries; a++) {
        if ((this.eFlags[a] & 1) !== 0) continue;
        const cookie = this.isCookie(raw, a, request);
        if (cookie !== (pass === 1)) continue;
        const ls = this.len;
        this.putRange(raw, this.eNameS[a], this.eNameS[a] + this.eNameL[a]);
        this.put(0x3a);
        this.put(0x20);
        const vs = this.len;
        if ((this.eFlags[a] & 2) === 0) this.putRange(raw, this.eValS[a], this.eValE[a]);
        else this.putValue(raw, this.eValS[a], this.eValE[a]);
        for (let b = a + 1; b < this.entries; b++) {
          if (this.eNameL[b] !== this.eNameL[a] || !eqNoCase(raw, this.eNameS[a], raw, this.eNameS[b], this.eNameL[a])) continue;
          this.eFlags[b] |= 1;
          repeated = true;
          this.put(0x2c);
          this.put(0x20);
          if ((this.eFlags[b] & 2) === 0) this.putRange(raw, this.eValS[b], this.eValE[b]);
          else this.putValue(raw, this.eValS[b], this.eValE[b]);
        }
        const ve = this.len;
        if (this.hdrCount < this.hdrStart.length) {
          this.hdrStart[this.hdrCount] = ls;
          this.hdrLen[this.hdrCount++] = ve - ls;
        }
        const k = this.knownId(raw, a, request);
        if (k >= 0 && this.known[k * 2] < 0) {
          this.known[k * 2] = vs;
          this.known[k * 2 + 1] = ve - vs;
        }
        this.put(0x0d);
        this.put(0x0a);
      }
      if (pass === 0) this.headerLen = this.len;
    }
    for (let a = 0; a < this.entries; a++) this.eFlags[a] &= ~1;
    if (repeated && sink !== null) sink.event(request ? A_HTTP_REQUEST_HEADER_REPETITION : A_HTTP_RESPONSE_HEADER_REPETITION);

    // 3. Header names: "\r\nName1\r\nName2\r\n\r\n" (each joined header once).
    this.namesStart = this.len;
    this.put(0x0d);
    this.put(0x0a);
    for (let h = 0; h < this.hdrCount; h++) {
      const s = this.hdrStart[h];
      let c = s;
      while (c < s + this.hdrLen[h] && this.buf[c] !== 0x3a) c++;
      this.putRange(this.buf, s, c);
      this.put(0x0d);
      this.put(0x0a);
    }
    this.put(0x0d);
    this.put(0x0a);
    this.namesLen = this.len - this.namesStart;

    // 4. Framing.
    this.framing(request, sink);

    // 5. Request: normalised URI and host.
    if (request) {
      this.uriStart = this.len;
      const room = this.buf.length - this.len;
      this.uriLen = uri.normalize(raw, this.t1s, this.t1l, this.buf, this.len, room);
      this.len += this.uriLen;
      if (uri.doubleEncoded && sink !== null) sink.event(A_HTTP_DOUBLE_ENCODED_URI);
      const hs = this.known[HDR_HOST * 2];
      const hl = this.known[HDR_HOST * 2 + 1];
      if (hs >= 0) {
        this.hostRawStart = hs;
        this.hostRawLen = hl;
      }
      if (uri.absolute && uri.hostLen > 0) {
        this.putHost(raw, uri.hostStart, uri.hostLen);
        if (hs < 0) {
          this.hostRawInHead = true;
          this.hostRawStart = uri.hostStart;
          this.hostRawLen = uri.hostLen;
        } else if (sink !== null) {
          const ns = this.hostStart;
          const nl = this.hostLen;
          this.putHost(this.buf, hs, hl);
          if (this.hostLen !== nl || !eqNoCase(this.buf, ns, this.buf, this.hostStart, nl)) {
            sink.event(A_HTTP_HOST_HEADER_AMBIGUOUS);
          }
          this.hostStart = ns;
          this.hostLen = nl;
        }
      } else if (hs >= 0) {
        this.putHost(this.buf, hs, hl);
      } else if (sink !== null && !this.http09 && !this.oldProto) {
        sink.event(A_HTTP_MISSING_HOST_HEADER);
      }
    }
  }

  /** Appends the host `src[s .. s+n)` lower-cased without port and trailing dots; sets hostStart/Len. */
  private putHost(src: Uint8Array, s: number, n: number): void {
    let e = s + n;
    if (n > 0 && src[s] === 0x5b) {
      let c = s;
      while (c < e && src[c] !== 0x5d) c++;
      if (c < e) e = c + 1;
    } else {
      let c = e;
      while (c > s && src[c - 1] >= 0x30 && src[c - 1] <= 0x39) c--;
      if (c > s && src[c - 1] === 0x3a) e = c - 1;
    }
    while (e > s && src[e - 1] === 0x2e) e--;
    this.hostStart = this.len;
    for (let i = s; i < e; i++) this.put(lower(src[i]));
    this.hostLen = this.len - this.hostStart;
  }

  private isCookie(raw: Uint8Array, a: number, request: boolean): boolean {
    const name = request ? KNOWN_NAMES[HDR_COOKIE] : SET_COOKIE;
    return this.eNameL[a] === name.length && eqNoCase(raw, this.eNameS[a], name, 0, name.length);
  }

  private knownId(raw: Uint8Array, a: number, request: boolean): number {
    const n = this.eNameL[a];
    if (n === 0 || n >= 32) return -1;
    const s = this.eNameS[a];
    const k = (request ? REQ_SLOTS : RESP_SLOTS)[n * 32 + (raw[s + n - 1] & 31)] - 1;
    if (k < 0) return -1;
    const name = k === HDR_COOKIE && !request ? SET_COOKIE : KNOWN_NAMES[k];
    return eqNoCase(raw, s, name, 0, n) ? k : -1;
  }

  private framing(request: boolean, sink: AppSink | null): void {
    const b = this.buf;
    // Content-Length: digits, optional surrounding whitespace; duplicates (joined ", ") must agree.
    const cs = this.known[HDR_CONTENT_LENGTH * 2];
    if (cs >= 0) {
      const ce = cs + this.known[HDR_CONTENT_LENGTH * 2 + 1];
      let value = -1;
      let invalid = false;
      let dup = false;
      let i = cs;
      while (i <= ce) {
        let j = i;
        while (j < ce && b[j] !== 0x2c) j++;
        let s = i;
        let e = j;
        while (s < e && isWs(b[s])) s++;
        while (e > s && isWs(b[e - 1])) e--;
        let v = 0;
        if (e === s || e - s > 15) invalid = true;
        for (let k = s; k < e; k++) {
          const c = b[k];
          if (c < 0x30 || c > 0x39) {
            invalid = true;
            break;
          }
          v = v * 10 + (c - 0x30);
        }
        if (value >= 0 && v !== value) invalid = true;
        if (value >= 0) dup = true;
        value = v;
        i = j + 1;
      }
      if (dup && sink !== null) sink.event(request ? A_HTTP_DUPLICATE_CL_IN_REQUEST : A_HTTP_DUPLICATE_CL_IN_RESPONSE);
      if (invalid) {
        this.contentLength = CL_INVALID;
        if (sink !== null) sink.event(request ? A_HTTP_INVALID_CL_IN_REQUEST : A_HTTP_INVALID_CL_IN_RESPONSE);
      } else this.contentLength = value;
    }
    const ts = this.known[HDR_TRANSFER_ENCODING * 2];
    if (ts >= 0) {
      const te = ts + this.known[HDR_TRANSFER_ENCODING * 2 + 1];
      this.chunked = hasToken(b, ts, te, TOK_CHUNKED);
      const exact = te - ts === TOK_CHUNKED.length && eqNoCase(b, ts, TOK_CHUNKED, 0, TOK_CHUNKED.length);
      if (!exact && sink !== null) sink.event(request ? A_HTTP_INVALID_TE_IN_REQUEST : A_HTTP_INVALID_TE_IN_RESPONSE);
    }
    const es = this.known[HDR_CONTENT_ENCODING * 2];
    if (es >= 0) {
      const ee = es + this.known[HDR_CONTENT_ENCODING * 2 + 1];
      if (hasToken(b, es, ee, TOK_GZIP) || hasToken(b, es, ee, TOK_XGZIP)) this.encoding = ENC_GZIP;
      else if (hasToken(b, es, ee, TOK_DEFLATE) || hasToken(b, es, ee, TOK_XDEFLATE)) this.encoding = ENC_DEFLATE;
    }
    const us = this.known[HDR_UPGRADE * 2];
    if (us >= 0) {
      this.hasUpgrade = true;
      this.upgradeH2c = hasToken(b, us, us + this.known[HDR_UPGRADE * 2 + 1], TOK_H2C);
    }
    const ks = this.known[HDR_CONNECTION * 2];
    if (ks >= 0) this.connClose = hasToken(b, ks, ks + this.known[HDR_CONNECTION * 2 + 1], TOK_CLOSE);
  }
}
