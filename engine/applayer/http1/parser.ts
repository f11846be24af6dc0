/**
 * HTTP/1.x app-layer parser (ALPROTO_HTTP1): requests and responses fed incrementally in both
 * directions, split at any byte; pipelining (responses pair with requests in order, tx ids from 0);
 * HTTP/0.9 one-line requests; Content-Length, chunked and until-close bodies; HEAD / 1xx / 204 / 304
 * without bodies; CONNECT and `Upgrade` + `101 Switching Protocols` end in PARSE_UPGRADE; gzip / deflate
 * bodies are decompressed (bounded by the body limit: a decompression bomb only fills the limit). At
 * each inspection point it fills every HTTP buffer of the transaction (request and response side as
 * available, direction-dependent ones by the inspecting direction) and calls `sink.tx`.
 *
 * Per-flow state lives in slots built at construction (heads and bodies copied into typed arrays, so
 * views survive across packets). Must never allocate or throw in `parse` / `gap` / `eof`.
 *
 * Limits, as in Suricata with libhtp: heads longer than `maxHeaderBytes` are inspected truncated
 * (`http.request_field_too_long`); bodies beyond the body limits are parsed but not kept. A request's body
 * stays available until the next request starts (pipelined requests with bodies keep only the latest).
 *
 * @example
 * ```ts
 * import { Http1Parser } from "./parser.ts";
 * const http = new Http1Parser({ maxStates: 1024 });
 * const slot = http.open();
 * http.parse(slot, DIR_TOSERVER, bytes, 0, bytes.length, sink); // sink.tx(0, 0, TX_REQUEST_LINE | ...)
 * http.close(slot);
 * ```
 */
import {
  BUF_FILE_DATA,
  BUF_HTTP_ACCEPT,
  BUF_HTTP_ACCEPT_ENC,
  BUF_HTTP_ACCEPT_LANG,
  BUF_HTTP_CONNECTION,
  BUF_HTTP_CONTENT_LEN,
  BUF_HTTP_CONTENT_TYPE,
  BUF_HTTP_COOKIE,
  BUF_HTTP_HEADER,
  BUF_HTTP_HEADER_NAMES,
  BUF_HTTP_HEADER_RAW,
  BUF_HTTP_HOST,
  BUF_HTTP_HOST_RAW,
  BUF_HTTP_LOCATION,
  BUF_HTTP_METHOD,
  BUF_HTTP_PROTOCOL,
  BUF_HTTP_REFERER,
  BUF_HTTP_REQUEST_BODY,
  BUF_HTTP_REQUEST_HEADER,
  BUF_HTTP_REQUEST_LINE,
  BUF_HTTP_RESPONSE_BODY,
  BUF_HTTP_RESPONSE_HEADER,
  BUF_HTTP_RESPONSE_LINE,
  BUF_HTTP_SERVER,
  BUF_HTTP_START,
  BUF_HTTP_STAT_CODE,
  BUF_HTTP_STAT_MSG,
  BUF_HTTP_URI,
  BUF_HTTP_URI_RAW,
  BUF_HTTP_USER_AGENT,
  FIELD_HTTP_STATUS,
  type InspectBuffers,
} from "../../detect/buffers.ts";
import {
  type AppParser,
  type AppSink,
  DIR_TOSERVER,
  PARSE_ERROR,
  PARSE_OK,
  PARSE_UPGRADE,
  TX_REQUEST_BODY,
  TX_REQUEST_DONE,
  TX_REQUEST_HEADERS,
  TX_REQUEST_LINE,
  TX_RESPONSE_BODY,
  TX_RESPONSE_DONE,
  TX_RESPONSE_HEADERS,
  TX_RESPONSE_LINE,
} from "../parser.ts";
import { ALPROTO_HTTP1, ALPROTO_HTTP2, ALPROTO_UNKNOWN } from "../proto.ts";
import { SlotPool } from "../slot-pool.ts";
import { FORMAT_AUTO, FORMAT_GZIP, INFLATE_DONE, INFLATE_NEED_INPUT, INFLATE_OUTPUT_FULL, InflaterPool } from "../inflate.ts";
import { type Http1Config, resolveHttp1Config } from "./config.ts";
import {
  A_HTTP_100_CONTINUE_ALREADY_SEEN,
  A_HTTP_GZIP_DECOMPRESSION_FAILED,
  A_HTTP_INVALID_REQUEST_CHUNK_LEN,
  A_HTTP_INVALID_RESPONSE_CHUNK_LEN,
  A_HTTP_REQUEST_CHUNK_EXTENSION,
  A_HTTP_REQUEST_FIELD_TOO_LONG,
  A_HTTP_RESPONSE_CHUNKED_OLD_PROTO,
  A_HTTP_RESPONSE_FIELD_TOO_LONG,
  A_HTTP_UNABLE_TO_MATCH_RESPONSE,
} from "./events.ts";
import {
  CL_INVALID,
  ENC_GZIP,
  ENC_NONE,
  HDR_ACCEPT,
  HDR_ACCEPT_ENCODING,
  HDR_ACCEPT_LANGUAGE,
  HDR_CONNECTION,
  HDR_CONTENT_LENGTH,
  HDR_CONTENT_TYPE,
  HDR_COOKIE,
  HDR_LOCATION,
  HDR_REFERER,
  HDR_SERVER,
  HDR_USER_AGENT,
  HeadView,
  HttpHead,
} from "./head.ts";
import { UriNormalizer } from "./uri.ts";

// Half (one direction) states.
const ST_START = 0;
const ST_HEAD = 1;
const ST_BODY = 2;
const ST_TUNNEL = 3;
const ST_ERROR = 4;
// Body framing.
const BODY_CL = 1;
const BODY_CHUNKED = 2;
const BODY_CLOSE = 3;
// Chunked sub-states.
const CH_SIZE = 0;
const CH_DATA = 1;
const CH_DATA_END = 2;
const CH_TRAILER = 3;
// bodyProcess results.
const BP_MORE = 0;
const BP_DONE = 1;
const BP_INVALID = 2;
// Tx flags.
const TXF_HEAD = 1;
const TXF_CONNECT = 2;
const TXF_HTTP09 = 4;
const TXF_UPGRADE = 8;
const TXF_H2C = 16;
const TXF_NOREQ = 32;
const TXF_CONTINUE_SEEN = 64;

const MAX_CHUNK_LINE = 1024;

class Tx {
  id = -1;
  progress = 0;
  flags = 0;
  readonly head: HttpHead;
  constructor(cap: number) {
    this.head = new HttpHead(cap);
  }
}

/** One direction of one flow. */
class Half {
  state = ST_START;
  txId = -1; // tx this direction is working on
  bodyMode = 0;
  remaining = 0;
  chState = CH_SIZE;
  chVal = 0;
  chDigits = 0;
  chAfter = false; // whitespace after the size digits
  chExt = false;
  chLine = 0;
  readonly body: Uint8Array;
  bodyLen = 0;
  bodyTx = -1;
  bodyNew = false;
  inflater = -1;
  compressed = false; // the body is being decompressed (an inflater was taken for it)
  tooLongRaised = false;
  constructor(bodyCap: number) {
    this.body = new Uint8Array(bodyCap);
  }
}

class Flow {
  readonly req: Half;
  readonly resp: Half;
  readonly txs: Tx[];
  txNext = 0; // id of the next request's tx
  respTx = 0; // id of the tx the next response pairs with
  readonly respHead: HttpHead;
  respHeadTx = -1;
  constructor(cfg: Http1Config) {
    this.req = new Half(cfg.requestBodyLimit);
    this.resp = new Half(cfg.responseBodyLimit);
    this.txs = [];
    for (let i = 0; i < cfg.maxTxPerFlow; i++) this.txs.push(new Tx(cfg.maxHeaderBytes));
    this.respHead = new HttpHead(cfg.maxHeaderBytes);
  }
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** Whether the request line `raw[0..n)` has a protocol token (three whitespace-separated parts). */
function hasProtocol(raw: Uint8Array, n: number): boolean {
  let i = 0;
  while (i < n && isWs(raw[i])) i++;
  let tokens = 0;
  while (i < n) {
    tokens++;
    while (i < n && !isWs(raw[i])) i++;
    while (i < n && isWs(raw[i])) i++;
  }
  return tokens >= 3;
}

export class Http1Parser implements AppParser {
  readonly proto = ALPROTO_HTTP1;
  upgradeTo = ALPROTO_UNKNOWN;
  /** After PARSE_UPGRADE: offset in the `buf` of that call where the new protocol's bytes begin. */
  upgradeAt = 0;
  readonly config: Http1Config;
  /** Counters: pipelined requests beyond maxTxPerFlow; no inflater free (`poolExhausted`: no free slot). */
  txOverflow = 0;
  inflaterExhausted = 0;

  private readonly flows: Flow[] = [];
  private readonly pool: SlotPool;
  private readonly inflaters: InflaterPool;
  private readonly uri = new UriNormalizer();
  private readonly reqView: HeadView;
  private readonly respView: HeadView;
  // Which (slot, tx) each view holds, so repeated inspection points do not re-derive.
  private reqViewSlot = -1;
  private reqViewTx = -1;
  private respViewSlot = -1;
  private respViewTx = -1;
  private pos = 0; // bodyProcess's resume point

  constructor(config: Partial<Http1Config> = {}) {
    const cfg = resolveHttp1Config(config);
    this.config = cfg;
    this.pool = new SlotPool(cfg.maxStates);
    for (let i = 0; i < cfg.maxStates; i++) this.flows.push(new Flow(cfg));
    this.inflaters = new InflaterPool(cfg.maxInflaters);
    this.reqView = new HeadView(cfg.maxHeaderBytes, cfg.maxHeaders);
    this.respView = new HeadView(cfg.maxHeaderBytes, cfg.maxHeaders);
  }

  /** `open` calls that found no free slot. */
  get poolExhausted(): number {
    return this.pool.exhausted;
  }

  open(): number {
    const slot = this.pool.take();
    if (slot < 0) return -1;
    const f = this.flows[slot];
    f.txNext = 0;
    f.respTx = 0;
    f.respHeadTx = -1;
    f.respHead.clear();
    for (let i = 0; i < f.txs.length; i++) f.txs[i].id = -1;
    this.resetHalf(f.req);
    this.resetHalf(f.resp);
    if (this.reqViewSlot === slot) this.reqViewSlot = -1;
    if (this.respViewSlot === slot) this.respViewSlot = -1;
    return slot;
  }

  close(slot: number): void {
    if (!this.pool.isUsed(slot)) return;
    const f = this.flows[slot];
    this.releaseInflater(f.req);
    this.releaseInflater(f.resp);
    if (this.reqViewSlot === slot) this.reqViewSlot = -1;
    if (this.respViewSlot === slot) this.respViewSlot = -1;
    this.pool.give(slot);
  }

  /** Flows currently open. */
  get openCount(): number {
    return this.pool.inUse;
  }

  parse(slot: number, dir: number, buf: Uint8Array, off: number, len: number, sink: AppSink): number {
    if (!this.pool.isUsed(slot)) return PARSE_ERROR;
    const f = this.flows[slot];
    const h = dir === DIR_TOSERVER ? f.req : f.resp;
    if (h.state === ST_TUNNEL) return PARSE_UPGRADE;
    if (h.state === ST_ERROR) return PARSE_ERROR;
    const r = dir === DIR_TOSERVER
      ? this.parseRequest(slot, f, buf, off, off + len, sink)
      : this.parseResponse(slot, f, buf, off, off + len, sink);
    if (r === PARSE_OK && h.state === ST_BODY && h.bodyNew) {
      h.bodyNew = false;
      this.emit(slot, f, h.txId, dir, sink);
    }
    return r;
  }

  gap(slot: number, dir: number, len: number): number {
    if (!this.pool.isUsed(slot)) return PARSE_ERROR;
    const f = this.flows[slot];
    const h = dir === DIR_TOSERVER ? f.req : f.resp;
    if (h.state === ST_BODY && h.bodyMode === BODY_CLOSE) {
      this.stopInflating(h);
      return PARSE_OK;
    }
    if (h.state === ST_BODY && (h.bodyMode === BODY_CL || (h.bodyMode === BODY_CHUNKED && h.chState === CH_DATA)) &&
      len < h.remaining) {
      h.remaining -= len;
      this.stopInflating(h);
      return PARSE_OK;
    }
    h.state = ST_ERROR;
    return PARSE_ERROR;
  }

  eof(slot: number, dir: number, sink: AppSink): void {
    if (!this.pool.isUsed(slot)) return;
    const f = this.flows[slot];
    const h = dir === DIR_TOSERVER ? f.req : f.resp;
    if (h.state === ST_HEAD) {
      // An unfinished head is inspected as it is.
      const head = dir === DIR_TOSERVER ? f.txs[h.txId % f.txs.length].head : f.respHead;
      if (head.len > 0) {
        if (head.lineLen < 0) {
          head.lineLen = head.len > 0 && head.raw[head.len - 1] === 0x0d ? head.len - 1 : head.len;
          head.headersOff = head.len;
        }
        head.complete = true;
        if (dir === DIR_TOSERVER) this.requestHeadDone(slot, f, sink, true);
        else this.responseHeadDone(slot, f, sink, 0, true);
      }
      if (h.state === ST_HEAD) h.state = ST_START;
    } else if (h.state === ST_BODY) {
      if (dir === DIR_TOSERVER) this.requestDone(slot, f, sink);
      else this.responseDone(slot, f, sink);
    }
  }

  // ---- requests ----

  private parseRequest(slot: number, f: Flow, buf: Uint8Array, pos: number, end: number, sink: AppSink): number {
    const h = f.req;
    while (pos < end) {
      if (h.state === ST_START) {
        const c = buf[pos];
        if (c === 0x0d || c === 0x0a) {
          pos++;
          continue;
        }
        const id = f.txNext++;
        if (id - f.respTx >= f.txs.length) {
          this.txOverflow++;
          f.respTx = id - f.txs.length + 1;
        }
        const tx = f.txs[id % f.txs.length];
        tx.id = id;
        tx.progress = 0;
        tx.flags = 0;
        tx.head.clear();
        if (this.reqViewSlot === slot && this.reqViewTx === id) this.reqViewSlot = -1;
        h.txId = id;
        h.tooLongRaised = false;
        h.state = ST_HEAD;
      } else if (h.state === ST_HEAD) {
        const head = f.txs[h.txId % f.txs.length].head;
        pos = this.headBytes(head, buf, pos, end, true);
        if (head.seen > head.raw.length && !h.tooLongRaised) {
          h.tooLongRaised = true;
          sink.event(A_HTTP_REQUEST_FIELD_TOO_LONG);
        }
        if (head.complete) this.requestHeadDone(slot, f, sink, false);
      } else if (h.state === ST_BODY) {
        const r = this.bodyProcess(h, buf, pos, end, true, sink);
        pos = this.pos;
        if (r === BP_DONE) this.requestDone(slot, f, sink);
        else if (r === BP_INVALID) {
          sink.event(A_HTTP_INVALID_REQUEST_CHUNK_LEN);
          if (h.bodyNew) {
            h.bodyNew = false;
            this.emit(slot, f, h.txId, DIR_TOSERVER, sink);
          }
          h.state = ST_ERROR;
          return PARSE_ERROR;
        }
      } else if (h.state === ST_TUNNEL) {
        return PARSE_UPGRADE;
      } else return PARSE_ERROR;
    }
    return PARSE_OK;
  }

  private requestHeadDone(slot: number, f: Flow, sink: AppSink, atEof: boolean): void {
    const h = f.req;
    const tx = f.txs[h.txId % f.txs.length];
    const v = this.reqView;
    v.derive(tx.head, true, sink, this.uri);
    this.reqViewSlot = slot;
    this.reqViewTx = tx.id;
    const raw = tx.head.raw;
    const m = v.t0s;
    if (v.t0l === 4 && raw[m] === 0x48 && raw[m + 1] === 0x45 && raw[m + 2] === 0x41 && raw[m + 3] === 0x44) {
      tx.flags |= TXF_HEAD;
    }
    if (v.t0l === 7 && raw[m] === 0x43 && raw[m + 1] === 0x4f && raw[m + 2] === 0x4e && raw[m + 6] === 0x54) {
      tx.flags |= TXF_CONNECT;
    }
    if (v.http09) tx.flags |= TXF_HTTP09;
    if (v.hasUpgrade) tx.flags |= TXF_UPGRADE;
    if (v.upgradeH2c) tx.flags |= TXF_H2C;
    tx.progress |= TX_REQUEST_LINE | TX_REQUEST_HEADERS;
    // Body framing: chunked wins over Content-Length (RFC 7230 3.3.3).
    this.releaseInflater(h);
    h.bodyTx = tx.id;
    h.bodyLen = 0;
    h.bodyNew = false;
    h.compressed = false;
    h.bodyMode = 0;
    if (!atEof && !v.http09) {
      if (v.chunked) this.startChunked(h);
      else if (v.contentLength > 0) {
        h.bodyMode = BODY_CL;
        h.remaining = v.contentLength;
      }
    }
    if (h.bodyMode !== 0) {
      if (v.encoding !== ENC_NONE) this.startInflating(h, v.encoding);
      h.state = ST_BODY;
      this.emit(slot, f, tx.id, DIR_TOSERVER, sink);
    } else {
      tx.progress |= TX_REQUEST_DONE;
      h.state = ST_START;
      this.emit(slot, f, tx.id, DIR_TOSERVER, sink);
    }
  }

  private requestDone(slot: number, f: Flow, sink: AppSink): void {
    const h = f.req;
    const tx = f.txs[h.txId % f.txs.length];
    if (tx.id === h.txId) {
      tx.progress |= TX_REQUEST_DONE;
      if (h.bodyLen > 0) tx.progress |= TX_REQUEST_BODY;
    }
    h.bodyNew = false;
    this.releaseInflater(h);
    h.state = ST_START;
    this.emit(slot, f, h.txId, DIR_TOSERVER, sink);
  }

  // ---- responses ----

  private parseResponse(slot: number, f: Flow, buf: Uint8Array, pos: number, end: number, sink: AppSink): number {
    const h = f.resp;
    while (pos < end) {
      if (h.state === ST_START) {
        const c = buf[pos];
        if (c === 0x0d || c === 0x0a) {
          pos++;
          continue;
        }
        if (f.respTx >= f.txNext) {
          // A response with no request: a tx of its own.
          sink.event(A_HTTP_UNABLE_TO_MATCH_RESPONSE);
          const id = f.txNext++;
          const t = f.txs[id % f.txs.length];
          t.id = id;
          t.progress = 0;
          t.flags = TXF_NOREQ;
          t.head.clear();
          f.respTx = id;
        }
        const tx = f.txs[f.respTx % f.txs.length];
        h.txId = f.respTx;
        h.tooLongRaised = false;
        f.respHead.clear();
        f.respHeadTx = f.respTx;
        if (this.respViewSlot === slot) this.respViewSlot = -1;
        if ((tx.flags & TXF_HTTP09) !== 0 && tx.id === f.respTx) {
          // HTTP/0.9: the response is a body until the connection closes.
          tx.progress |= TX_RESPONSE_LINE | TX_RESPONSE_HEADERS;
          this.beginResponseBody(h, BODY_CLOSE, 0);
          continue;
        }
        h.state = ST_HEAD;
      } else if (h.state === ST_HEAD) {
        const head = f.respHead;
        pos = this.headBytes(head, buf, pos, end, false);
        if (head.seen > head.raw.length && !h.tooLongRaised) {
          h.tooLongRaised = true;
          sink.event(A_HTTP_RESPONSE_FIELD_TOO_LONG);
        }
        if (head.complete) {
          const r = this.responseHeadDone(slot, f, sink, pos, false);
          if (r !== PARSE_OK) return r;
        }
      } else if (h.state === ST_BODY) {
        const r = this.bodyProcess(h, buf, pos, end, false, sink);
        pos = this.pos;
        if (r === BP_DONE) this.responseDone(slot, f, sink);
        else if (r === BP_INVALID) {
          // libhtp: an invalid response chunk length turns the rest into a body until close.
          sink.event(A_HTTP_INVALID_RESPONSE_CHUNK_LEN);
          h.bodyMode = BODY_CLOSE;
        }
      } else if (h.state === ST_TUNNEL) {
        return PARSE_UPGRADE;
      } else return PARSE_ERROR;
    }
    return PARSE_OK;
  }

  private beginResponseBody(h: Half, mode: number, remaining: number): void {
    this.releaseInflater(h);
    h.bodyTx = h.txId;
    h.bodyLen = 0;
    h.bodyNew = false;
    h.compressed = false;
    h.bodyMode = mode;
    h.remaining = remaining;
    if (mode === BODY_CHUNKED) this.startChunked(h);
    h.state = ST_BODY;
  }

  private responseHeadDone(slot: number, f: Flow, sink: AppSink, pos: number, atEof: boolean): number {
    const h = f.resp;
    const tx = f.txs[h.txId % f.txs.length];
    const v = this.respView;
    v.derive(f.respHead, false, sink, this.uri);
    this.respViewSlot = slot;
    this.respViewTx = h.txId;
    const status = v.status;
    const own = tx.id === h.txId;
    const flags = own ? tx.flags : 0;
    if (status >= 100 && status < 200 && status !== 101 && !atEof) {
      // Interim response: the real one follows for the same tx.
      if (status === 100 && own) {
        if ((tx.flags & TXF_CONTINUE_SEEN) !== 0) sink.event(A_HTTP_100_CONTINUE_ALREADY_SEEN);
        tx.flags |= TXF_CONTINUE_SEEN;
      }
      f.respHead.clear();
      this.respViewSlot = -1;
      h.state = ST_START;
      return PARSE_OK;
    }
    if (own) tx.progress |= TX_RESPONSE_LINE | TX_RESPONSE_HEADERS;
    const upgrade = (status === 101 && (flags & TXF_UPGRADE) !== 0) ||
      ((flags & TXF_CONNECT) !== 0 && status >= 200 && status < 300);
    if (upgrade) {
      if (own) tx.progress |= TX_RESPONSE_DONE;
      this.emit(slot, f, h.txId, 1, sink);
      this.upgradeTo = status === 101 && (flags & TXF_H2C) !== 0 ? ALPROTO_HTTP2 : ALPROTO_UNKNOWN;
      this.upgradeAt = pos;
      f.req.state = ST_TUNNEL;
      h.state = ST_TUNNEL;
      return PARSE_UPGRADE;
    }
    let mode = 0;
    let remaining = 0;
    if (!atEof && (flags & TXF_HEAD) === 0 && status !== 204 && status !== 304 && status !== 101) {
      if (v.chunked) {
        mode = BODY_CHUNKED;
        if (v.oldProto) sink.event(A_HTTP_RESPONSE_CHUNKED_OLD_PROTO);
      } else if (v.contentLength >= 0) {
        if (v.contentLength > 0) {
          mode = BODY_CL;
          remaining = v.contentLength;
        }
      } else if (v.contentLength === CL_INVALID || v.contentLength < 0) mode = BODY_CLOSE;
    }
    if (mode !== 0) {
      this.beginResponseBody(h, mode, remaining);
      if (v.encoding !== ENC_NONE) this.startInflating(h, v.encoding);
      this.emit(slot, f, h.txId, 1, sink);
    } else {
      h.bodyTx = -1;
      h.bodyLen = 0;
      this.responseDone(slot, f, sink);
    }
    return PARSE_OK;
  }

  private responseDone(slot: number, f: Flow, sink: AppSink): void {
    const h = f.resp;
    const tx = f.txs[h.txId % f.txs.length];
    if (tx.id === h.txId) {
      tx.progress |= TX_RESPONSE_DONE;
      if (h.bodyLen > 0) tx.progress |= TX_RESPONSE_BODY;
    }
    h.bodyNew = false;
    this.releaseInflater(h);
    h.state = ST_START;
    this.emit(slot, f, h.txId, 1, sink);
    if (f.respTx === h.txId) f.respTx++;
  }

  // ---- heads and bodies ----

  /** Copies head bytes until the head is complete or the input ends; returns the new position. */
  private headBytes(head: HttpHead, buf: Uint8Array, pos: number, end: number, request: boolean): number {
    const raw = head.raw;
    const cap = raw.length;
    while (pos < end) {
      // One line (or the rest of the input) at a time: find its LF natively, then copy it in one loop.
      let nl = buf.indexOf(0x0a, pos);
      const stop = nl < 0 || nl >= end ? end : nl + 1;
      if (nl >= end) nl = -1;
      // curLine only has to say whether the line so far holds anything but CR.
      if (head.curLine === 0) {
        let k = pos;
        const last = nl < 0 ? stop : nl;
        while (k < last && buf[k] === 0x0d) k++;
        if (k < last) head.curLine = 1;
      }
      const n = Math.min(stop - pos, cap - head.len);
      let j = head.len;
      for (let i = pos, e = pos + n; i < e; i++) raw[j++] = buf[i];
      head.len = j;
      head.seen += stop - pos;
      pos = stop;
      if (nl < 0) break;
      if (head.lineLen < 0) {
        let l = head.len - 1;
        if (l > 0 && raw[l - 1] === 0x0d) l--;
        head.lineLen = l < 0 ? 0 : l;
        head.headersOff = head.len;
        if (request && !hasProtocol(raw, head.lineLen)) {
          head.complete = true; // HTTP/0.9
          return pos;
        }
      } else if (head.curLine === 0) {
        head.complete = true;
        return pos;
      }
      head.curLine = 0;
    }
    return pos;
  }

  private startChunked(h: Half): void {
    h.bodyMode = BODY_CHUNKED;
    h.chState = CH_SIZE;
    h.chVal = 0;
    h.chDigits = 0;
    h.chAfter = false;
    h.chExt = false;
    h.chLine = 0;
  }

  private bodyProcess(h: Half, buf: Uint8Array, pos: number, end: number, request: boolean, sink: AppSink): number {
    while (pos < end) {
      if (h.bodyMode === BODY_CL) {
        const n = Math.min(end - pos, h.remaining);
        this.bodyData(h, buf, pos, n, sink);
        pos += n;
        h.remaining -= n;
        if (h.remaining === 0) {
          this.pos = pos;
          return BP_DONE;
        }
      } else if (h.bodyMode === BODY_CLOSE) {
        this.bodyData(h, buf, pos, end - pos, sink);
        pos = end;
      } else if (h.chState === CH_DATA) {
        const n = Math.min(end - pos, h.remaining);
        this.bodyData(h, buf, pos, n, sink);
        pos += n;
        h.remaining -= n;
        if (h.remaining === 0) h.chState = CH_DATA_END;
      } else if (h.chState === CH_DATA_END) {
        const c = buf[pos];
        if (c === 0x0d) pos++;
        else {
          if (c === 0x0a) pos++;
          h.chState = CH_SIZE;
          h.chVal = 0;
          h.chDigits = 0;
          h.chAfter = false;
          h.chExt = false;
          h.chLine = 0;
        }
      } else if (h.chState === CH_SIZE) {
        const c = buf[pos++];
        if (c === 0x0a) {
          if (h.chLine === 0) continue; // empty lines before a size are skipped
          if (h.chDigits === 0) {
            this.pos = pos;
            return BP_INVALID;
          }
          if (h.chVal === 0) {
            h.chState = CH_TRAILER;
            h.chLine = 0;
          } else {
            h.chState = CH_DATA;
            h.remaining = h.chVal;
          }
          continue;
        }
        if (c === 0x0d) continue;
        if (++h.chLine > MAX_CHUNK_LINE) {
          this.pos = pos;
          return BP_INVALID;
        }
        if (h.chExt) continue;
        const hv = hexVal(c);
        if (hv >= 0 && !h.chAfter) {
          if (h.chDigits >= 12) {
            this.pos = pos;
            return BP_INVALID;
          }
          h.chVal = h.chVal * 16 + hv;
          h.chDigits++;
        } else if (c === 0x3b && h.chDigits > 0) {
          h.chExt = true;
          if (request) sink.event(A_HTTP_REQUEST_CHUNK_EXTENSION);
        } else if (isWs(c)) {
          if (h.chDigits > 0) h.chAfter = true;
        } else {
          this.pos = pos;
          return BP_INVALID;
        }
      } else {
        // Trailer lines until an empty line.
        const c = buf[pos++];
        if (c === 0x0a) {
          if (h.chLine === 0) {
            this.pos = pos;
            return BP_DONE;
          }
          h.chLine = 0;
        } else if (c !== 0x0d) h.chLine++;
      }
    }
    this.pos = pos;
    return BP_MORE;
  }

  /** Keeps body bytes (decompressed when the message says so) up to the body limit. */
  private bodyData(h: Half, buf: Uint8Array, s: number, n: number, sink: AppSink): void {
    const cap = h.body.length;
    if (h.compressed) {
      if (h.inflater < 0) return; // the compressed stream ended (or a gap broke it): the rest is not content
      const inf = this.inflaters.items[h.inflater];
      while (n > 0) {
        if (h.bodyLen >= cap) return; // limit reached: the rest is not decompressed (bomb guard)
        const st = inf.inflate(buf, s, n, h.body, h.bodyLen, cap - h.bodyLen);
        if (inf.outUsed > 0) {
          h.bodyLen += inf.outUsed;
          h.bodyNew = true;
        }
        s += inf.inUsed;
        n -= inf.inUsed;
        if (st === INFLATE_NEED_INPUT) return;
        if (st === INFLATE_DONE) {
          this.releaseInflater(h);
          return;
        }
        if (st !== INFLATE_OUTPUT_FULL) {
          // Not what the header said: libhtp passes the data on as it is.
          sink.event(A_HTTP_GZIP_DECOMPRESSION_FAILED);
          this.releaseInflater(h);
          h.compressed = false;
          break;
        }
      }
    }
    const m = Math.min(n, cap - h.bodyLen);
    if (m <= 0) return;
    const body = h.body;
    let w = h.bodyLen;
    for (let i = 0; i < m; i++) body[w++] = buf[s + i];
    h.bodyLen = w;
    h.bodyNew = true;
  }

  private startInflating(h: Half, encoding: number): void {
    const i = this.inflaters.take();
    if (i < 0) {
      this.inflaterExhausted++;
      return; // inspected compressed
    }
    // gzip is strict (libhtp lets zlib sniff gzip/zlib); deflate may be zlib-wrapped or raw.
    this.inflaters.items[i].reset(encoding === ENC_GZIP ? FORMAT_GZIP : FORMAT_AUTO);
    h.inflater = i;
    h.compressed = true;
  }

  private stopInflating(h: Half): void {
    this.releaseInflater(h);
  }

  private releaseInflater(h: Half): void {
    if (h.inflater >= 0) {
      this.inflaters.give(h.inflater);
      h.inflater = -1;
    }
  }

  private resetHalf(h: Half): void {
    this.releaseInflater(h);
    h.state = ST_START;
    h.txId = -1;
    h.bodyMode = 0;
    h.remaining = 0;
    h.bodyLen = 0;
    h.bodyTx = -1;
    h.bodyNew = false;
    h.compressed = false;
  }

  // ---- inspection ----

  /** Fills `sink.buffers` for tx `txId` of the flow and calls `sink.tx`. */
  private emit(slot: number, f: Flow, txId: number, dir: number, sink: AppSink): void {
    const tx = f.txs[txId % f.txs.length];
    const b = sink.buffers;
    b.reset();
    let progress = 0;
    if (tx.id === txId) {
      progress = tx.progress;
      if (!((tx.flags & TXF_NOREQ) !== 0) && tx.head.complete) {
        if (this.reqViewSlot !== slot || this.reqViewTx !== txId) {
          this.reqView.derive(tx.head, true, null, this.uri);
          this.reqViewSlot = slot;
          this.reqViewTx = txId;
        }
        this.addRequest(b, tx.head, this.reqView, dir);
      }
    }
    if (f.respHeadTx === txId && f.respHead.complete) {
      if (this.respViewSlot !== slot || this.respViewTx !== txId) {
        this.respView.derive(f.respHead, false, null, this.uri);
        this.respViewSlot = slot;
        this.respViewTx = txId;
      }
      this.addResponse(b, f.respHead, this.respView, dir);
    }
    if (f.req.bodyTx === txId && f.req.bodyLen > 0) {
      b.add(BUF_HTTP_REQUEST_BODY, f.req.body, 0, f.req.bodyLen);
      if (dir === DIR_TOSERVER) b.add(BUF_FILE_DATA, f.req.body, 0, f.req.bodyLen);
    }
    if (f.resp.bodyTx === txId && f.resp.bodyLen > 0) {
      b.add(BUF_HTTP_RESPONSE_BODY, f.resp.body, 0, f.resp.bodyLen);
      if (dir !== DIR_TOSERVER) b.add(BUF_FILE_DATA, f.resp.body, 0, f.resp.bodyLen);
    }
    sink.tx(txId, dir, progress);
  }

  private addKnown(b: InspectBuffers, id: number, v: HeadView, hdr: number): void {
    const s = v.known[hdr * 2];
    if (s >= 0) b.add(id, v.buf, s, v.known[hdr * 2 + 1]);
  }

  /** Buffers that name the inspecting direction's own message (http.header, http.start …). */
  private addOwn(b: InspectBuffers, head: HttpHead, v: HeadView, protoStart: number, protoLen: number): void {
    b.add(BUF_HTTP_HEADER, v.buf, 0, v.headerLen);
    b.add(BUF_HTTP_HEADER_RAW, head.raw, head.headersOff, head.len - head.headersOff);
    b.add(BUF_HTTP_HEADER_NAMES, v.buf, v.namesStart, v.namesLen);
    b.add(BUF_HTTP_START, head.raw, 0, head.len);
    if (protoLen > 0) b.add(BUF_HTTP_PROTOCOL, head.raw, protoStart, protoLen);
    this.addKnown(b, BUF_HTTP_CONTENT_TYPE, v, HDR_CONTENT_TYPE);
    this.addKnown(b, BUF_HTTP_CONTENT_LEN, v, HDR_CONTENT_LENGTH);
    this.addKnown(b, BUF_HTTP_CONNECTION, v, HDR_CONNECTION);
  }

  private addRequest(b: InspectBuffers, head: HttpHead, v: HeadView, dir: number): void {
    const raw = head.raw;
    b.add(BUF_HTTP_METHOD, raw, v.t0s, v.t0l);
    b.add(BUF_HTTP_URI, v.buf, v.uriStart, v.uriLen);
    b.add(BUF_HTTP_URI_RAW, raw, v.t1s, v.t1l);
    b.add(BUF_HTTP_REQUEST_LINE, raw, 0, head.lineLen);
    if (v.hostStart >= 0) b.add(BUF_HTTP_HOST, v.buf, v.hostStart, v.hostLen);
    if (v.hostRawStart >= 0) b.add(BUF_HTTP_HOST_RAW, v.hostRawInHead ? raw : v.buf, v.hostRawStart, v.hostRawLen);
    this.addKnown(b, BUF_HTTP_USER_AGENT, v, HDR_USER_AGENT);
    this.addKnown(b, BUF_HTTP_REFERER, v, HDR_REFERER);
    this.addKnown(b, BUF_HTTP_ACCEPT, v, HDR_ACCEPT);
    this.addKnown(b, BUF_HTTP_ACCEPT_ENC, v, HDR_ACCEPT_ENCODING);
    this.addKnown(b, BUF_HTTP_ACCEPT_LANG, v, HDR_ACCEPT_LANGUAGE);
    for (let i = 0; i < v.hdrCount; i++) b.add(BUF_HTTP_REQUEST_HEADER, v.buf, v.hdrStart[i], v.hdrLen[i]);
    if (dir === DIR_TOSERVER) {
      this.addKnown(b, BUF_HTTP_COOKIE, v, HDR_COOKIE);
      this.addOwn(b, head, v, v.t2s, v.t2l);
    }
  }

  private addResponse(b: InspectBuffers, head: HttpHead, v: HeadView, dir: number): void {
    const raw = head.raw;
    b.add(BUF_HTTP_STAT_CODE, raw, v.t1s, v.t1l);
    b.add(BUF_HTTP_STAT_MSG, raw, v.t2s, v.t2l);
    b.add(BUF_HTTP_RESPONSE_LINE, raw, 0, head.lineLen);
    b.setField(FIELD_HTTP_STATUS, v.status);
    this.addKnown(b, BUF_HTTP_SERVER, v, HDR_SERVER);
    this.addKnown(b, BUF_HTTP_LOCATION, v, HDR_LOCATION);
    for (let i = 0; i < v.hdrCount; i++) b.add(BUF_HTTP_RESPONSE_HEADER, v.buf, v.hdrStart[i], v.hdrLen[i]);
    if (dir !== DIR_TOSERVER) {
      this.addKnown(b, BUF_HTTP_COOKIE, v, HDR_COOKIE);
      this.addOwn(b, head, v, v.t0s, v.t0l);
    }
  }
}
