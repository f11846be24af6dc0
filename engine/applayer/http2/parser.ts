/**
 * HTTP/2 parser (RFC 9113) with HPACK: the client connection preface, frames reassembled across pieces
 * (DATA, HEADERS + CONTINUATION, PUSH_PROMISE, SETTINGS, WINDOW_UPDATE, RST_STREAM, GOAWAY, PRIORITY,
 * PING), padding, and streams as transactions (a tx id per stream, in the order streams appear).
 * It fills the buffers HTTP/1 fills: `:method` → http.method, `:path` → http.uri.raw and http.uri
 * (normalised by HTTP/1's `UriNormalizer`), `:authority` (or `host`) → http.host (lower-cased, port
 * removed) and http.host.raw, `:status` → http.stat_code and FIELD_HTTP_STATUS, every header line as
 * "name: value" in http.request_header / http.response_header (pseudo-headers included, as Suricata
 * does) and the regular ones as "name: value\r\n" in http.header, user-agent, cookie, content-type,
 * referer, server, location, content-length, accept*, connection; DATA → http.request_body /
 * http.response_body and file.data (gzip/deflate decoded when content-encoding says so), "HTTP/2" in
 * http.protocol.
 *
 * h2c: `openUpgraded()` starts a slot after an HTTP/1.1 `Upgrade: h2c` (stream 1 is the upgrading
 * request, already complete; the client preface is still expected).
 *
 * Hot path: `parse` allocates nothing (per-flow state lives in slot objects made at construction, sized
 * by `Http2Config`) and never throws; malformed input raises Suricata's `http2.*` events.
 *
 * @example
 * ```ts
 * import { Http2Parser } from "./parser.ts";
 * const h2 = new Http2Parser({ maxFlows: 64 });
 * const slot = h2.open();
 * h2.parse(slot, 0, clientBytes, 0, clientBytes.length, sink); // preface, SETTINGS, HEADERS …
 * h2.close(slot);
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
  BUF_HTTP_HOST,
  BUF_HTTP_HOST_RAW,
  BUF_HTTP_LOCATION,
  BUF_HTTP_METHOD,
  BUF_HTTP_PROTOCOL,
  BUF_HTTP_REFERER,
  BUF_HTTP_REQUEST_BODY,
  BUF_HTTP_REQUEST_HEADER,
  BUF_HTTP_RESPONSE_BODY,
  BUF_HTTP_RESPONSE_HEADER,
  BUF_HTTP_SERVER,
  BUF_HTTP_STAT_CODE,
  BUF_HTTP_URI,
  BUF_HTTP_URI_RAW,
  BUF_HTTP_USER_AGENT,
  FIELD_HTTP_STATUS,
} from "../../detect/buffers.ts";
import { UriNormalizer } from "../http1/uri.ts";
import { FORMAT_AUTO, INFLATE_DONE, INFLATE_OUTPUT_FULL, InflaterPool } from "../inflate.ts";
import type { AppParser, AppSink } from "../parser.ts";
import {
  DIR_TOCLIENT,
  DIR_TOSERVER,
  PARSE_ERROR,
  PARSE_OK,
  PROBE_NEED_MORE,
  TX_REQUEST_BODY,
  TX_REQUEST_DONE,
  TX_REQUEST_HEADERS,
  TX_REQUEST_LINE,
  TX_RESPONSE_BODY,
  TX_RESPONSE_DONE,
  TX_RESPONSE_HEADERS,
  TX_RESPONSE_LINE,
} from "../parser.ts";
import { ALPROTO_HTTP2, ALPROTO_UNKNOWN } from "../proto.ts";
import { SlotStates } from "../slot-pool.ts";
import {
  A_HTTP2_DATA_STREAM_ZERO,
  A_HTTP2_FAILED_DECOMPRESSION,
  A_HTTP2_INVALID_CLIENT_MAGIC,
  A_HTTP2_INVALID_FRAME_DATA,
  A_HTTP2_INVALID_FRAME_HEADER,
  A_HTTP2_INVALID_FRAME_LENGTH,
  A_HTTP2_LONG_FRAME_DATA,
  A_HTTP2_REASSEMBLY_LIMIT_REACHED,
  A_HTTP2_TOO_MANY_STREAMS,
} from "./events.ts";
import { HpackDecoder } from "./hpack.ts";
import type { HpackHeaderSink } from "./hpack.ts";

export interface Http2Config {
  /** Concurrent HTTP/2 flows (pool slots). */
  maxFlows: number;
  /** Streams tracked at once per flow; the least recently used is dropped beyond (`http2.too_many_streams`). */
  maxStreams: number;
  /** Bytes of decoded header lines kept per stream and direction ("name: value\r\n" each). */
  headerBytes: number;
  /** Largest header block (HEADERS + CONTINUATION) reassembled per direction. */
  blockBytes: number;
  /** Body bytes kept per direction for http.*_body / file.data (of the stream sending DATA). */
  bodyBytes: number;
  /** Largest HPACK dynamic table accepted per direction (SETTINGS_HEADER_TABLE_SIZE; 4096 by default in HTTP/2). */
  hpackTableBytes: number;
  /** Inflaters shared by all flows for gzip/deflate bodies. */
  inflaters: number;
}

export function defaultHttp2Config(): Http2Config {
  return {
    maxFlows: 256,
    maxStreams: 8,
    headerBytes: 2048,
    blockBytes: 16384,
    bodyBytes: 16384,
    hpackTableBytes: 16384,
    inflaters: 16,
  };
}

const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const PREFACE_LEN = 24;
const PREFACE_BYTES = new Uint8Array(PREFACE_LEN);
for (let i = 0; i < PREFACE_LEN; i++) PREFACE_BYTES[i] = PREFACE.charCodeAt(i);

const T_DATA = 0;
const T_HEADERS = 1;
const T_PRIORITY = 2;
const T_RST_STREAM = 3;
const T_SETTINGS = 4;
const T_PUSH_PROMISE = 5;
const T_PING = 6;
const T_GOAWAY = 7;
const T_WINDOW_UPDATE = 8;
const T_CONTINUATION = 9;

const F_END_STREAM = 0x1;
const F_ACK = 0x1;
const F_END_HEADERS = 0x4;
const F_PADDED = 0x8;
const F_PRIORITY = 0x20;

const S_HEADER = 0;
const S_PREFIX = 1;
const S_PAYLOAD = 2;

/** Per-stream buffers: HTTP buffer ids below this are recorded as (start, len) per stream side. */
const NF = 32;
const HOST_CAP = 256;
const URI_CAP = 2048;
const CTL_CAP = 64;

function ascii(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}
const PROTOCOL = ascii("HTTP/2");

/** Header names (lower case, as HTTP/2 requires) mapped to the buffers they fill. */
const NAMED: ReadonlyArray<readonly [Uint8Array, number]> = [
  [ascii(":method"), BUF_HTTP_METHOD],
  [ascii(":path"), BUF_HTTP_URI_RAW],
  [ascii(":authority"), BUF_HTTP_HOST_RAW],
  [ascii(":status"), BUF_HTTP_STAT_CODE],
  [ascii("host"), BUF_HTTP_HOST_RAW],
  [ascii("user-agent"), BUF_HTTP_USER_AGENT],
  [ascii("cookie"), BUF_HTTP_COOKIE],
  [ascii("content-type"), BUF_HTTP_CONTENT_TYPE],
  [ascii("referer"), BUF_HTTP_REFERER],
  [ascii("server"), BUF_HTTP_SERVER],
  [ascii("location"), BUF_HTTP_LOCATION],
  [ascii("content-length"), BUF_HTTP_CONTENT_LEN],
  [ascii("accept"), BUF_HTTP_ACCEPT],
  [ascii("accept-encoding"), BUF_HTTP_ACCEPT_ENC],
  [ascii("accept-language"), BUF_HTTP_ACCEPT_LANG],
  [ascii("connection"), BUF_HTTP_CONNECTION],
];
const NAME_CONTENT_ENCODING = ascii("content-encoding");

function sameName(b: Uint8Array, off: number, len: number, name: Uint8Array): boolean {
  if (len !== name.length) return false;
  for (let i = 0; i < len; i++) if ((b[off + i] | (b[off + i] >= 0x41 && b[off + i] <= 0x5a ? 0x20 : 0)) !== name[i]) return false;
  return true;
}

/** One direction's frame reader. */
class H2Dir {
  readonly hdr = new Uint8Array(9);
  hdrGot = 0;
  state = S_HEADER;
  type = 0;
  flags = 0;
  sid = 0;
  /** Payload bytes of the current frame not yet read (prefix, content and padding). */
  remaining = 0;
  padLen = 0;
  readonly prefix = new Uint8Array(9);
  prefixNeed = 0;
  prefixGot = 0;
  readonly ctl = new Uint8Array(CTL_CAP);
  ctlLen = 0;
  readonly block: Uint8Array;
  blockLen = 0;
  blockSid = 0;
  blockOverflow = false;
  blockEndStream = false;
  blockPromised = 0;
  /** A header block is open: only CONTINUATION frames of `blockSid` may follow. */
  expectCont = false;
  readonly hpack: HpackDecoder;
  hpackBroken = false;
  /** SETTINGS_MAX_FRAME_SIZE the receiver of this direction announced. */
  maxFrame = 16384;
  readonly body: Uint8Array;
  bodyLen = 0;
  bodySid = 0;
  bodyNew = false;
  infl = -1;
  inflFailed = false;
  longFrameSeen = false;

  constructor(cfg: Http2Config) {
    this.block = new Uint8Array(cfg.blockBytes);
    this.hpack = new HpackDecoder(cfg.hpackTableBytes, cfg.headerBytes);
    this.body = new Uint8Array(cfg.bodyBytes);
  }

  reset(): void {
    this.hdrGot = 0;
    this.state = S_HEADER;
    this.remaining = 0;
    this.padLen = 0;
    this.prefixGot = 0;
    this.ctlLen = 0;
    this.blockLen = 0;
    this.blockSid = 0;
    this.blockOverflow = false;
    this.blockEndStream = false;
    this.blockPromised = 0;
    this.expectCont = false;
    this.hpack.reset();
    this.hpackBroken = false;
    this.maxFrame = 16384;
    this.bodyLen = 0;
    this.bodySid = 0;
    this.bodyNew = false;
    this.infl = -1;
    this.inflFailed = false;
    this.longFrameSeen = false;
  }
}

/** Per-flow state; one per pool slot, made at construction. */
class H2Slot implements HpackHeaderSink {
  readonly dirs: H2Dir[];
  prefaceGot = 0;
  nextTx = 0;
  tick = 0;
  // stream table
  readonly sid: Int32Array;
  readonly tx: Int32Array;
  readonly prog: Int32Array;
  readonly lastUse: Int32Array;
  readonly area: Uint8Array;
  readonly areaLen: Int32Array;
  readonly regStart: Int32Array;
  readonly hdrDone: Uint8Array;
  readonly gzip: Uint8Array;
  readonly fStart: Int32Array;
  readonly fLen: Int32Array;
  readonly host: Uint8Array;
  readonly hostLen: Int32Array;
  readonly uri: Uint8Array;
  readonly uriLen: Int32Array;
  readonly status: Int32Array;
  readonly hb: number;
  // HPACK output target
  tgt = -1;
  tgtSide = 0;
  headerOverflow = 0;
  sink: AppSink | null = null;

  constructor(cfg: Http2Config, private readonly uriNorm: UriNormalizer) {
    const S = cfg.maxStreams;
    this.dirs = [new H2Dir(cfg), new H2Dir(cfg)];
    this.hb = cfg.headerBytes;
    this.sid = new Int32Array(S);
    this.tx = new Int32Array(S);
    this.prog = new Int32Array(S);
    this.lastUse = new Int32Array(S);
    this.area = new Uint8Array(S * 2 * cfg.headerBytes);
    this.areaLen = new Int32Array(S * 2);
    this.regStart = new Int32Array(S * 2);
    this.hdrDone = new Uint8Array(S * 2);
    this.gzip = new Uint8Array(S * 2);
    this.fStart = new Int32Array(S * 2 * NF);
    this.fLen = new Int32Array(S * 2 * NF);
    this.host = new Uint8Array(S * HOST_CAP);
    this.hostLen = new Int32Array(S);
    this.uri = new Uint8Array(S * URI_CAP);
    this.uriLen = new Int32Array(S);
    this.status = new Int32Array(S);
  }

  get memoryBytes(): number {
    const d = this.dirs[0];
    const perDir = d.block.length + d.body.length + d.hpack.memoryBytes + 128;
    const S = this.sid.length;
    return 2 * perDir + this.area.length + S * (16 + 2 * 11 + 2 * NF * 8 + HOST_CAP + URI_CAP + 8);
  }

  reset(): void {
    this.dirs[0].reset();
    this.dirs[1].reset();
    this.prefaceGot = 0;
    this.nextTx = 0;
    this.tick = 0;
    this.sid.fill(0);
    this.tgt = -1;
    this.headerOverflow = 0;
    this.sink = null;
  }

  /** The stream-table index of stream `id`, or -1. */
  find(id: number): number {
    for (let s = 0; s < this.sid.length; s++) if (this.sid[s] === id) return s;
    return -1;
  }

  /** The index of stream `id`, created (as the flow's next transaction) when missing. */
  stream(id: number): number {
    let s = this.find(id);
    if (s >= 0) {
      this.lastUse[s] = ++this.tick;
      return s;
    }
    s = this.find(0);
    if (s < 0) {
      // table full: drop the least recently used stream
      s = 0;
      for (let k = 1; k < this.sid.length; k++) if (this.lastUse[k] < this.lastUse[s]) s = k;
      this.sink?.event(A_HTTP2_TOO_MANY_STREAMS);
    }
    this.sid[s] = id;
    this.tx[s] = this.nextTx++;
    this.prog[s] = 0;
    this.lastUse[s] = ++this.tick;
    this.hostLen[s] = 0;
    this.uriLen[s] = 0;
    this.status[s] = -1;
    for (let side = 0; side < 2; side++) {
      const k = s * 2 + side;
      this.areaLen[k] = 0;
      this.regStart[k] = -1;
      this.hdrDone[k] = 0;
      this.gzip[k] = 0;
      for (let f = 0; f < NF; f++) this.fLen[k * NF + f] = -1;
    }
    for (let d = 0; d < 2; d++) {
      if (this.dirs[d].bodySid === id) {
        this.dirs[d].bodySid = 0;
        this.dirs[d].bodyLen = 0;
      }
    }
    return s;
  }

  free(s: number): void {
    const id = this.sid[s];
    this.sid[s] = 0;
    for (let d = 0; d < 2; d++) if (this.dirs[d].bodySid === id) this.dirs[d].bodySid = 0;
  }

  private setField(k: number, buf: number, start: number, len: number): void {
    const f = k * NF + buf;
    if (this.fLen[f] >= 0) return; // the first occurrence wins
    this.fStart[f] = start;
    this.fLen[f] = len;
  }

  /** HPACK output: appends "name: value\r\n" to the target stream side and records what it fills. */
  header(buf: Uint8Array, nameOff: number, nameLen: number, valueOff: number, valueLen: number): void {
    const s = this.tgt;
    if (s < 0) return;
    const k = s * 2 + this.tgtSide;
    const base = k * this.hb;
    const len = this.areaLen[k];
    const need = nameLen + valueLen + 4;
    if (len + need > this.hb) {
      this.headerOverflow++;
      return;
    }
    const a = this.area;
    if (this.regStart[k] < 0 && (nameLen === 0 || buf[nameOff] !== 0x3a)) this.regStart[k] = len;
    let w = base + len;
    for (let i = 0; i < nameLen; i++) a[w++] = buf[nameOff + i];
    a[w++] = 0x3a;
    a[w++] = 0x20;
    const vStart = w;
    for (let i = 0; i < valueLen; i++) a[w++] = buf[valueOff + i];
    a[w++] = 0x0d;
    a[w++] = 0x0a;
    this.areaLen[k] = len + need;
    for (let n = 0; n < NAMED.length; n++) {
      if (!sameName(buf, nameOff, nameLen, NAMED[n][0])) continue;
      const id = NAMED[n][1];
      this.setField(k, id, vStart, valueLen);
      if (n === 1) this.normalizeUri(s, vStart, valueLen);
      else if (id === BUF_HTTP_HOST_RAW) this.normalizeHost(s, vStart, valueLen);
      else if (id === BUF_HTTP_STAT_CODE) this.status[s] = parseStatus(a, vStart, valueLen);
      return;
    }
    if (sameName(buf, nameOff, nameLen, NAME_CONTENT_ENCODING)) {
      // gzip / deflate (x-gzip too): the inflater sniffs the format
      for (let i = 0; i + 4 <= valueLen; i++) {
        const c = a[vStart + i] | 0x20;
        if ((c === 0x67 || c === 0x64) && ((a[vStart + i + 1] | 0x20) === 0x7a || (a[vStart + i + 1] | 0x20) === 0x65)) {
          this.gzip[k] = 1;
          break;
        }
      }
    }
  }

  private normalizeUri(s: number, start: number, len: number): void {
    if (this.uriLen[s] > 0) return;
    this.uriLen[s] = this.uriNorm.normalize(this.area, start, len, this.uri, s * URI_CAP, URI_CAP);
  }

  /** http.host: lower-cased, userinfo and port removed (":authority" wins over "host": it comes first). */
  private normalizeHost(s: number, start: number, len: number): void {
    if (this.hostLen[s] > 0) return;
    const a = this.area;
    let st = start;
    const end = start + len;
    for (let i = start; i < end; i++) if (a[i] === 0x40) st = i + 1;
    let e = end;
    if (st < end && a[st] === 0x5b) {
      for (let i = st; i < end; i++) {
        if (a[i] === 0x5d) {
          e = i + 1;
          break;
        }
      }
    } else {
      for (let i = st; i < end; i++) {
        if (a[i] === 0x3a) {
          e = i;
          break;
        }
      }
    }
    let n = e - st;
    if (n > HOST_CAP) n = HOST_CAP;
    const o = s * HOST_CAP;
    for (let i = 0; i < n; i++) {
      const c = a[st + i];
      this.host[o + i] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    }
    this.hostLen[s] = n;
  }

  /** Fills the buffers of stream `s` (both sides) and runs detection. */
  inspect(s: number, dir: number): void {
    const sink = this.sink;
    if (sink === null) return;
    const b = sink.buffers;
    b.reset();
    const a = this.area;
    for (let side = 0; side < 2; side++) {
      const k = s * 2 + side;
      const base = k * this.hb;
      for (let f = 0; f < NF; f++) {
        const l = this.fLen[k * NF + f];
        if (l >= 0) b.add(f, a, this.fStart[k * NF + f], l);
      }
      const len = this.areaLen[k];
      if (len === 0) continue;
      // multi: one view per header line, without its CRLF
      const multi = side === 0 ? BUF_HTTP_REQUEST_HEADER : BUF_HTTP_RESPONSE_HEADER;
      let ls = base;
      for (let i = base; i + 1 < base + len; i++) {
        if (a[i] === 0x0d && a[i + 1] === 0x0a) {
          b.add(multi, a, ls, i - ls);
          ls = i + 2;
          i++;
        }
      }
      if ((side === 0) === (dir === DIR_TOSERVER) && this.regStart[k] >= 0) {
        b.add(BUF_HTTP_HEADER, a, base + this.regStart[k], len - this.regStart[k]);
      }
    }
    if (this.uriLen[s] > 0) b.add(BUF_HTTP_URI, this.uri, s * URI_CAP, this.uriLen[s]);
    if (this.hostLen[s] > 0) b.add(BUF_HTTP_HOST, this.host, s * HOST_CAP, this.hostLen[s]);
    b.add(BUF_HTTP_PROTOCOL, PROTOCOL, 0, PROTOCOL.length);
    const id = this.sid[s];
    const q = this.dirs[0];
    if (q.bodySid === id && q.bodyLen > 0) {
      b.add(BUF_HTTP_REQUEST_BODY, q.body, 0, q.bodyLen);
      if (dir === DIR_TOSERVER) b.add(BUF_FILE_DATA, q.body, 0, q.bodyLen);
    }
    const r = this.dirs[1];
    if (r.bodySid === id && r.bodyLen > 0) {
      b.add(BUF_HTTP_RESPONSE_BODY, r.body, 0, r.bodyLen);
      if (dir === DIR_TOCLIENT) b.add(BUF_FILE_DATA, r.body, 0, r.bodyLen);
    }
    if (this.status[s] >= 0) b.setField(FIELD_HTTP_STATUS, this.status[s]);
    sink.tx(this.tx[s], dir, this.prog[s]);
  }
}

function parseStatus(a: Uint8Array, start: number, len: number): number {
  if (len !== 3) return -1;
  let v = 0;
  for (let i = 0; i < 3; i++) {
    const c = a[start + i];
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v;
}

export class Http2Parser implements AppParser {
  readonly proto = ALPROTO_HTTP2;
  upgradeTo = ALPROTO_UNKNOWN;
  /** HTTP/2 never switches protocol. */
  upgradeAt = 0;
  readonly config: Http2Config;
  private readonly pool: SlotStates<H2Slot>;
  private readonly slots: H2Slot[];
  private readonly inflaterPool: InflaterPool;
  /** Header lines dropped because a stream's header space was full (over all flows). */
  get headerOverflow(): number {
    let n = 0;
    for (const s of this.slots) n += s.headerOverflow;
    return n;
  }

  constructor(cfg: Partial<Http2Config> = {}) {
    this.config = { ...defaultHttp2Config(), ...cfg };
    const norm = new UriNormalizer();
    this.pool = new SlotStates(this.config.maxFlows, () => new H2Slot(this.config, norm));
    this.slots = this.pool.states;
    this.inflaterPool = new InflaterPool(this.config.inflaters);
  }

  /** Bytes of state one flow slot holds (all slots are made at construction; inflaters are shared). */
  get bytesPerFlow(): number {
    return this.slots.length > 0 ? this.slots[0].memoryBytes : 0;
  }

  get exhausted(): number {
    return this.pool.exhausted;
  }

  open(): number {
    return this.pool.open();
  }

  /**
   * A slot for a connection that switched from HTTP/1.1 with `Upgrade: h2c`: stream 1 is the upgrading
   * request (transaction 0, request complete); the server's frames follow its 101 response, the client's
   * connection preface is still expected. -1 when the pool is exhausted.
   */
  openUpgraded(): number {
    const slot = this.open();
    if (slot < 0) return slot;
    const st = this.slots[slot];
    const s = st.stream(1);
    st.prog[s] = TX_REQUEST_LINE | TX_REQUEST_HEADERS | TX_REQUEST_DONE;
    st.hdrDone[s * 2] = 1;
    return slot;
  }

  close(slot: number): void {
    if (!this.pool.isUsed(slot)) return;
    const st = this.slots[slot];
    for (let d = 0; d < 2; d++) this.releaseInflater(st.dirs[d]);
    st.sink = null;
    this.pool.give(slot);
  }

  /** Frames and the HPACK state cannot be resynchronised after lost bytes: the flow is given up. */
  gap(_slot: number, _dir: number, _len: number): number {
    return PARSE_ERROR;
  }

  /** Nothing is pending at a direction's end: every frame was inspected when it completed. */
  eof(_slot: number, _dir: number, _sink: AppSink): void {}

  parse(slot: number, dir: number, buf: Uint8Array, off: number, len: number, sink: AppSink): number {
    if (!this.pool.isUsed(slot)) return PARSE_ERROR;
    const st = this.slots[slot];
    st.sink = sink;
    const d = dir === DIR_TOSERVER ? 0 : 1;
    const D = st.dirs[d];
    const end = off + len > buf.length ? buf.length : off + len;
    let i = off;
    if (d === 0) {
      while (st.prefaceGot < PREFACE_LEN && i < end) {
        if (buf[i] !== PREFACE_BYTES[st.prefaceGot]) {
          sink.event(A_HTTP2_INVALID_CLIENT_MAGIC);
          return PARSE_ERROR;
        }
        st.prefaceGot++;
        i++;
      }
    }
    while (i < end) {
      if (D.state === S_HEADER) {
        while (D.hdrGot < 9 && i < end) D.hdr[D.hdrGot++] = buf[i++];
        if (D.hdrGot < 9) break;
        D.hdrGot = 0;
        this.frameStart(st, d, D);
        continue;
      }
      if (D.state === S_PREFIX) {
        while (D.prefixGot < D.prefixNeed && i < end) {
          D.prefix[D.prefixGot++] = buf[i++];
          D.remaining--;
        }
        if (D.prefixGot < D.prefixNeed) break;
        this.prefixDone(st, d, D);
        continue;
      }
      // payload: content first, then padding
      const avail = end - i;
      const n = avail < D.remaining ? avail : D.remaining;
      const contentLeft = D.remaining - D.padLen;
      const cn = contentLeft <= 0 ? 0 : n < contentLeft ? n : contentLeft;
      if (cn > 0) this.content(st, d, D, buf, i, cn);
      D.remaining -= n;
      i += n;
      if (D.remaining === 0) this.frameEnd(st, d, D);
    }
    return PARSE_OK;
  }

  private frameStart(st: H2Slot, d: number, D: H2Dir): void {
    const h = D.hdr;
    const len = (h[0] << 16) | (h[1] << 8) | h[2];
    D.type = h[3];
    D.flags = h[4];
    D.sid = ((h[5] & 0x7f) * 0x1000000 + (h[6] << 16) + (h[7] << 8) + h[8]);
    D.remaining = len;
    D.padLen = 0;
    D.prefixGot = 0;
    D.ctlLen = 0;
    const sink = st.sink!;
    if (len > D.maxFrame && !D.longFrameSeen) {
      D.longFrameSeen = true;
      sink.event(A_HTTP2_LONG_FRAME_DATA);
    }
    if (D.expectCont && D.type !== T_CONTINUATION) {
      // a header block was not finished: RFC 9113 6.10 makes this a connection error
      sink.event(A_HTTP2_INVALID_FRAME_HEADER);
      D.expectCont = false;
      D.blockLen = 0;
      D.hpackBroken = true;
    }
    if ((D.type === T_HEADERS || D.type === T_PUSH_PROMISE) && !D.expectCont) {
      D.blockLen = 0;
      D.blockOverflow = false;
    }
    let need = 0;
    switch (D.type) {
      case T_DATA:
        if (D.sid === 0) sink.event(A_HTTP2_DATA_STREAM_ZERO);
        need = D.flags & F_PADDED ? 1 : 0;
        break;
      case T_HEADERS:
        if (D.sid === 0) sink.event(A_HTTP2_INVALID_FRAME_HEADER);
        need = (D.flags & F_PADDED ? 1 : 0) + (D.flags & F_PRIORITY ? 5 : 0);
        break;
      case T_PUSH_PROMISE:
        need = (D.flags & F_PADDED ? 1 : 0) + 4;
        break;
      case T_CONTINUATION:
        if (!D.expectCont || D.sid !== D.blockSid) sink.event(A_HTTP2_INVALID_FRAME_HEADER);
        break;
      default:
        break;
    }
    if (need > len) {
      sink.event(A_HTTP2_INVALID_FRAME_LENGTH);
      D.type = 0xff; // skip the frame's bytes
      need = 0;
    }
    D.prefixNeed = need;
    D.state = need > 0 ? S_PREFIX : S_PAYLOAD;
    if (need === 0 && len === 0) this.frameEnd(st, d, D);
  }

  private prefixDone(st: H2Slot, d: number, D: H2Dir): void {
    if (D.flags & F_PADDED) {
      D.padLen = D.prefix[0];
      if (D.padLen > D.remaining) {
        st.sink!.event(A_HTTP2_INVALID_FRAME_LENGTH);
        D.padLen = D.remaining;
      }
    }
    if (D.type === T_PUSH_PROMISE) {
      const p = D.flags & F_PADDED ? 1 : 0;
      D.blockPromised = (D.prefix[p] & 0x7f) * 0x1000000 + (D.prefix[p + 1] << 16) + (D.prefix[p + 2] << 8) + D.prefix[p + 3];
    }
    D.state = S_PAYLOAD;
    if (D.remaining === 0) this.frameEnd(st, d, D);
  }

  private content(st: H2Slot, d: number, D: H2Dir, buf: Uint8Array, off: number, n: number): void {
    switch (D.type) {
      case T_DATA:
        if (D.sid !== 0) this.appendBody(st, d, D, buf, off, n);
        return;
      case T_HEADERS:
      case T_PUSH_PROMISE:
      case T_CONTINUATION: {
        const room = D.block.length - D.blockLen;
        if (n > room) {
          if (!D.blockOverflow) st.sink!.event(A_HTTP2_REASSEMBLY_LIMIT_REACHED);
          D.blockOverflow = true;
          n = room;
        }
        for (let k = 0; k < n; k++) D.block[D.blockLen + k] = buf[off + k];
        D.blockLen += n;
        return;
      }
      case T_SETTINGS:
      case T_PING:
      case T_GOAWAY:
      case T_WINDOW_UPDATE:
      case T_RST_STREAM:
      case T_PRIORITY: {
        const room = CTL_CAP - D.ctlLen;
        const c = n < room ? n : room;
        for (let k = 0; k < c; k++) D.ctl[D.ctlLen + k] = buf[off + k];
        D.ctlLen += c;
        return;
      }
      default:
        return;
    }
  }

  private frameEnd(st: H2Slot, d: number, D: H2Dir): void {
    D.state = S_HEADER;
    const sink = st.sink!;
    const len = (D.hdr[0] << 16) | (D.hdr[1] << 8) | D.hdr[2];
    switch (D.type) {
      case T_DATA: {
        if (D.sid === 0) break;
        const s = st.stream(D.sid);
        const end = (D.flags & F_END_STREAM) !== 0;
        st.prog[s] |= d === 0 ? TX_REQUEST_BODY : TX_RESPONSE_BODY;
        if (end) st.prog[s] |= d === 0 ? TX_REQUEST_DONE : TX_RESPONSE_DONE;
        if (D.bodyNew || end) {
          D.bodyNew = false;
          st.inspect(s, d === 0 ? DIR_TOSERVER : DIR_TOCLIENT);
        }
        if (end) this.streamSideDone(st, s, d);
        break;
      }
      case T_HEADERS:
        if (D.sid === 0) break;
        if (!D.expectCont) {
          D.blockSid = D.sid;
          D.blockEndStream = (D.flags & F_END_STREAM) !== 0;
          D.blockPromised = 0;
        }
        if (D.flags & F_END_HEADERS) this.finishBlock(st, d, D);
        else D.expectCont = true;
        break;
      case T_PUSH_PROMISE:
        D.blockSid = D.sid;
        D.blockEndStream = false;
        if (D.flags & F_END_HEADERS) this.finishBlock(st, d, D);
        else D.expectCont = true;
        break;
      case T_CONTINUATION:
        if (!D.expectCont) {
          D.blockLen = 0;
          break;
        }
        if (D.flags & F_END_HEADERS) this.finishBlock(st, d, D);
        break;
      case T_SETTINGS:
        if (D.flags & F_ACK) {
          if (len !== 0) sink.event(A_HTTP2_INVALID_FRAME_LENGTH);
          break;
        }
        if (len % 6 !== 0 || D.sid !== 0) {
          sink.event(A_HTTP2_INVALID_FRAME_LENGTH);
          break;
        }
        for (let o = 0; o + 6 <= D.ctlLen; o += 6) {
          const id = (D.ctl[o] << 8) | D.ctl[o + 1];
          const v = D.ctl[o + 2] * 0x1000000 + (D.ctl[o + 3] << 16) + (D.ctl[o + 4] << 8) + D.ctl[o + 5];
          if (id === 5) {
            // SETTINGS_MAX_FRAME_SIZE: what the sender accepts, i.e. limits the other direction
            if (v < 16384 || v > 16777215) sink.event(A_HTTP2_INVALID_FRAME_DATA);
            else st.dirs[1 - d].maxFrame = v;
          }
        }
        break;
      case T_WINDOW_UPDATE:
        if (len !== 4) sink.event(A_HTTP2_INVALID_FRAME_LENGTH);
        break;
      case T_RST_STREAM: {
        if (len !== 4) {
          sink.event(A_HTTP2_INVALID_FRAME_LENGTH);
          break;
        }
        const s = st.find(D.sid);
        if (s >= 0) st.free(s);
        break;
      }
      case T_PRIORITY:
        if (len !== 5) sink.event(A_HTTP2_INVALID_FRAME_LENGTH);
        break;
      case T_PING:
        if (len !== 8) sink.event(A_HTTP2_INVALID_FRAME_LENGTH);
        break;
      case T_GOAWAY:
        if (len < 8) sink.event(A_HTTP2_INVALID_FRAME_LENGTH);
        break;
      default:
        break;
    }
  }

  private finishBlock(st: H2Slot, d: number, D: H2Dir): void {
    D.expectCont = false;
    const sink = st.sink!;
    const promised = D.blockPromised;
    let s: number;
    let side: number;
    if (promised > 0) {
      s = st.stream(promised);
      side = 0;
    } else {
      s = st.stream(D.blockSid);
      side = d;
    }
    const k = s * 2 + side;
    // a second block on a side is trailers: decoded (the table must stay in sync), not recorded
    st.tgt = st.hdrDone[k] === 0 ? s : -1;
    st.tgtSide = side;
    if (D.blockOverflow) D.hpackBroken = true;
    if (!D.hpackBroken) {
      const r = D.hpack.decode(D.block, 0, D.blockLen, st);
      if (r !== 0) {
        sink.event(r);
        D.hpackBroken = true;
      }
    }
    st.tgt = -1;
    D.blockLen = 0;
    D.blockOverflow = false;
    D.blockPromised = 0;
    st.hdrDone[k] = 1;
    if (side === 0) {
      st.prog[s] |= TX_REQUEST_LINE | TX_REQUEST_HEADERS;
      if (promised > 0 || D.blockEndStream) st.prog[s] |= TX_REQUEST_DONE;
    } else {
      st.prog[s] |= TX_RESPONSE_LINE | TX_RESPONSE_HEADERS;
      if (D.blockEndStream) st.prog[s] |= TX_RESPONSE_DONE;
    }
    st.inspect(s, d === 0 ? DIR_TOSERVER : DIR_TOCLIENT);
    if (promised === 0 && D.blockEndStream) this.streamSideDone(st, s, d);
  }

  /** A direction of stream `s` ended; when both have, the stream's slot is freed. */
  private streamSideDone(st: H2Slot, s: number, d: number): void {
    const p = st.prog[s];
    if ((p & TX_REQUEST_DONE) !== 0 && (p & TX_RESPONSE_DONE) !== 0) st.free(s);
    const D = st.dirs[d];
    if (D.bodySid === 0) this.releaseInflater(D);
  }

  private releaseInflater(D: H2Dir): void {
    if (D.infl >= 0) {
      this.inflaterPool.give(D.infl);
      D.infl = -1;
    }
  }

  private appendBody(st: H2Slot, d: number, D: H2Dir, buf: Uint8Array, off: number, n: number): void {
    if (D.bodySid !== D.sid) {
      // another stream's body: this direction's window now follows the new stream
      this.releaseInflater(D);
      D.bodySid = D.sid;
      D.bodyLen = 0;
      D.inflFailed = false;
      const s = st.find(D.sid);
      if (s >= 0 && st.gzip[s * 2 + d] === 1) {
        D.infl = this.inflaterPool.take();
        if (D.infl >= 0) this.inflaterPool.items[D.infl].reset(FORMAT_AUTO);
      }
    }
    const room = D.body.length - D.bodyLen;
    if (room <= 0) return;
    if (D.infl >= 0 && !D.inflFailed) {
      const inf = this.inflaterPool.items[D.infl];
      const r = inf.inflate(buf, off, n, D.body, D.bodyLen, room);
      if (r < 0) {
        D.inflFailed = true;
        st.sink!.event(A_HTTP2_FAILED_DECOMPRESSION);
        return;
      }
      if (inf.outUsed > 0) D.bodyNew = true;
      D.bodyLen += inf.outUsed;
      if (r === INFLATE_DONE || r === INFLATE_OUTPUT_FULL) this.releaseInflater(D);
      return;
    }
    if (D.infl < 0 && D.inflFailed) return;
    const c = n < room ? n : room;
    for (let k = 0; k < c; k++) D.body[D.bodyLen + k] = buf[off + k];
    D.bodyLen += c;
    if (c > 0) D.bodyNew = true;
  }
}

/**
 * Protocol detection: the client connection preface ("PRI * HTTP/2.0…"), or, from the server, a first
 * frame that is a SETTINGS frame on stream 0 (midstream pick-up and prior-knowledge servers).
 */
export function probeHttp2(dir: number, buf: Uint8Array, off: number, len: number): number {
  const end = off + len > buf.length ? buf.length : off + len;
  const n = end - off;
  if (dir === DIR_TOSERVER) {
    const m = n < PREFACE_LEN ? n : PREFACE_LEN;
    for (let i = 0; i < m; i++) if (buf[off + i] !== PREFACE_BYTES[i]) return ALPROTO_UNKNOWN;
    return m < PREFACE_LEN ? PROBE_NEED_MORE : ALPROTO_HTTP2;
  }
  if (n < 9) return PROBE_NEED_MORE;
  const flen = (buf[off] << 16) | (buf[off + 1] << 8) | buf[off + 2];
  const sid = buf[off + 5] | buf[off + 6] | buf[off + 7] | buf[off + 8];
  if (buf[off + 3] === T_SETTINGS && sid === 0 && flen % 6 === 0 && flen <= 36 && (buf[off + 4] & ~F_ACK) === 0) return ALPROTO_HTTP2;
  return ALPROTO_UNKNOWN;
}
