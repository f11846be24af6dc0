/**
 * MIME message parsing for mail carried by SMTP: headers (folded lines unfolded), multipart bodies with
 * nested boundaries, and Content-Transfer-Encoding base64 / quoted-printable decoded. Every leaf part's
 * decoded body — the message text and each attachment — is handed to a `MimeSink`; with `filesOnly` set
 * (SMTP's `file.data`, as Suricata) only parts that name a file are: a `filename` parameter in
 * Content-Disposition or a `name` parameter in Content-Type. Plain (8bit/7bit) bodies are handed on
 * without the line break before the closing boundary, which belongs to the boundary (RFC 2046 5.1.1).
 *
 * Fed one line at a time (CR/LF removed, from `LineReader`; a long line may come in pieces, `partial`
 * on all but the last). One `MimeParser` per flow slot, made when the pool is built: never allocates
 * after construction, never throws; malformed input raises Suricata's `smtp.mime_*` events.
 *
 * @example
 * ```ts
 * import { MimeParser } from "./mime.ts";
 * const out: string[] = [];
 * const m = new MimeParser({
 *   mimeData: (b, o, l) => out.push(new TextDecoder().decode(b.subarray(o, o + l))),
 *   mimePartEnd: () => {},
 *   mimeEvent: () => {},
 * });
 * const enc = new TextEncoder();
 * for (const l of ["Content-Transfer-Encoding: base64", "", "aGVsbG8="]) {
 *   const b = enc.encode(l);
 *   m.line(b, 0, b.length, false);
 * }
 * m.end(); // out: ["hello"]
 * ```
 */
import { defineAnomaly } from "../anomaly.ts";
import { Base64State, base64DecodeStream, base64StreamEnd, qpDecodeLine, QpState } from "./base64.ts";
import { asciiLower } from "./line-reader.ts";

export const A_SMTP_MIME_PARSE_FAILED = defineAnomaly("smtp.mime_parse_failed", "applayer");
export const A_SMTP_MIME_MALFORMED_MSG = defineAnomaly("smtp.mime_malformed_msg", "applayer");
export const A_SMTP_MIME_INVALID_BASE64 = defineAnomaly("smtp.mime_invalid_base64", "applayer");
export const A_SMTP_MIME_INVALID_QP = defineAnomaly("smtp.mime_invalid_qp", "applayer");
export const A_SMTP_MIME_LONG_LINE = defineAnomaly("smtp.mime_long_line", "applayer");
export const A_SMTP_MIME_LONG_HEADER_VALUE = defineAnomaly("smtp.mime_long_header_value", "applayer");
export const A_SMTP_MIME_LONG_BOUNDARY = defineAnomaly("smtp.mime_long_boundary", "applayer");

/** Where decoded part bodies go. */
export interface MimeSink {
  /** Decoded bytes of a leaf part's body (valid only during the call). */
  mimeData(buf: Uint8Array, off: number, len: number): void;
  /** A leaf part ended (at its closing boundary or at the end of the message). */
  mimePartEnd(): void;
  /** A malformed-input event (an anomaly code, `smtp.mime_*`). */
  mimeEvent(code: number): void;
}

const PHASE_HEADERS = 0;
const PHASE_BODY = 1;

const CTE_NONE = 0;
const CTE_BASE64 = 1;
const CTE_QP = 2;

/** Boundaries nested deeper than this are a parse failure (Suricata uses 16 as well). */
export const MIME_MAX_DEPTH = 16;
/** RFC 2046 boundaries are at most 70 characters. */
const BOUNDARY_CAP = 70;
/** Longest unfolded header kept. */
const HEADER_CAP = 1024;
/** RFC 5322 line length limit; longer lines raise `smtp.mime_long_line`. */
const LONG_LINE = 998;

/** Case-insensitive: does `buf[off, end)` start with ASCII `lit` (given lower-case)? */
function startsWithCi(buf: Uint8Array, off: number, end: number, lit: Uint8Array): boolean {
  if (end - off < lit.length) return false;
  for (let i = 0; i < lit.length; i++) if (asciiLower(buf[off + i]) !== lit[i]) return false;
  return true;
}

function copy(dst: Uint8Array, dOff: number, src: Uint8Array, sOff: number, n: number): void {
  for (let i = 0; i < n; i++) dst[dOff + i] = src[sOff + i];
}

function ascii(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

const CRLF = ascii("\r\n");
const L_CONTENT_TYPE = ascii("content-type");
const L_CTE = ascii("content-transfer-encoding");
const L_MULTIPART = ascii("multipart/");
const L_BOUNDARY = ascii("boundary=");
const L_CONTENT_DISPOSITION = ascii("content-disposition");
const L_FILENAME = ascii("filename");
const L_NAME = ascii("name");
const L_BASE64 = ascii("base64");
const L_QP = ascii("quoted-printable");

export class MimeParser {
  private phase = PHASE_HEADERS;
  /** In the body of a leaf part (its lines are data), not a multipart preamble/epilogue. */
  private inLeaf = false;
  private cte = CTE_NONE;
  private multipart = false;
  private readonly pendingBoundary = new Uint8Array(BOUNDARY_CAP);
  private pendingBoundaryLen = 0;
  private readonly boundaries = new Uint8Array(MIME_MAX_DEPTH * BOUNDARY_CAP);
  private readonly boundaryLen = new Int32Array(MIME_MAX_DEPTH);
  private depth = 0;
  private readonly hdr = new Uint8Array(HEADER_CAP);
  private hdrLen = 0;
  private hdrLong = false;
  private readonly b64 = new Base64State();
  private readonly qp = new QpState();
  /** Decoded output of one line (a line is at most what the line reader holds; QP adds CRLF). */
  private out: Uint8Array;
  private prevPartial = false;
  private longLineSeen = false;
  /** Leaf parts seen in this message. */
  parts = 0;
  private partOpen = false;
  /** Only hand on parts that name a file (set once by the owner; survives `reset`). */
  filesOnly = false;
  /** The part whose headers are being read / whose body is being read names a file. */
  partIsFile = false;
  /** A plain body's line break not handed on yet (it is the boundary's when a boundary follows). */
  private eolPending = false;

  constructor(private readonly sink: MimeSink, maxLine = 4096) {
    this.out = new Uint8Array(maxLine + 4);
  }

  /** Bytes this parser holds (for the per-slot memory report). */
  get memoryBytes(): number {
    return this.out.length + this.hdr.length + this.boundaries.length + this.pendingBoundary.length + 128;
  }

  /** Starts a new message (the start of SMTP DATA / BDAT). */
  reset(): void {
    this.phase = PHASE_HEADERS;
    this.inLeaf = false;
    this.cte = CTE_NONE;
    this.multipart = false;
    this.pendingBoundaryLen = 0;
    this.depth = 0;
    this.hdrLen = 0;
    this.hdrLong = false;
    this.b64.reset();
    this.qp.reset();
    this.prevPartial = false;
    this.longLineSeen = false;
    this.parts = 0;
    this.partOpen = false;
    this.partIsFile = false;
    this.eolPending = false;
  }

  /**
   * One line of the message, without CR/LF. `partial`: the line is longer than the reader's buffer and
   * continues in the next call.
   */
  line(buf: Uint8Array, off: number, len: number, partial: boolean): void {
    const continued = this.prevPartial;
    this.prevPartial = partial;
    if ((partial || len > LONG_LINE) && !this.longLineSeen) {
      this.longLineSeen = true;
      this.sink.mimeEvent(A_SMTP_MIME_LONG_LINE);
    }
    if (this.phase === PHASE_HEADERS) {
      if (continued) {
        this.appendHeader(buf, off, len);
        return;
      }
      this.headerLine(buf, off, len);
      return;
    }
    // body: a boundary line ends/starts parts
    if (!continued && len >= 2 && buf[off] === 0x2d && buf[off + 1] === 0x2d && this.depth > 0) {
      if (this.boundaryLine(buf, off, len)) return;
    }
    if (this.inLeaf) this.data(buf, off, len, partial);
  }

  /** The message ended: closes an open part. */
  end(): void {
    if (this.phase === PHASE_HEADERS && this.hdrLen > 0) this.finishHeader();
    if (this.inLeaf || this.partOpen) this.closePart();
    this.inLeaf = false;
    this.phase = PHASE_BODY;
    if (this.depth > 0) this.sink.mimeEvent(A_SMTP_MIME_MALFORMED_MSG);
    this.depth = 0;
  }

  private headerLine(buf: Uint8Array, off: number, len: number): void {
    if (len === 0) {
      if (this.hdrLen > 0) this.finishHeader();
      this.startBody();
      return;
    }
    const c = buf[off];
    if ((c === 0x20 || c === 0x09) && this.hdrLen > 0) {
      this.appendHeader(buf, off, len); // folded continuation
      return;
    }
    if (this.hdrLen > 0) this.finishHeader();
    this.appendHeader(buf, off, len);
  }

  private appendHeader(buf: Uint8Array, off: number, len: number): void {
    let n = len;
    if (this.hdrLen + n > HEADER_CAP) {
      n = HEADER_CAP - this.hdrLen;
      if (!this.hdrLong) {
        this.hdrLong = true;
        this.sink.mimeEvent(A_SMTP_MIME_LONG_HEADER_VALUE);
      }
    }
    copy(this.hdr, this.hdrLen, buf, off, n);
    this.hdrLen += n;
  }

  private finishHeader(): void {
    const h = this.hdr;
    const end = this.hdrLen;
    this.hdrLen = 0;
    this.hdrLong = false;
    let colon = -1;
    for (let i = 0; i < end; i++) {
      if (h[i] === 0x3a) {
        colon = i;
        break;
      }
    }
    if (colon <= 0) return;
    let nameEnd = colon;
    while (nameEnd > 0 && (h[nameEnd - 1] === 0x20 || h[nameEnd - 1] === 0x09)) nameEnd--;
    let v = colon + 1;
    while (v < end && (h[v] === 0x20 || h[v] === 0x09)) v++;
    if (nameEnd === L_CONTENT_TYPE.length && startsWithCi(h, 0, nameEnd, L_CONTENT_TYPE)) {
      if (startsWithCi(h, v, end, L_MULTIPART)) {
        this.multipart = true;
        this.findBoundary(v, end);
      }
      if (hasParam(h, v, end, L_NAME)) this.partIsFile = true;
    } else if (nameEnd === L_CONTENT_DISPOSITION.length && startsWithCi(h, 0, nameEnd, L_CONTENT_DISPOSITION)) {
      if (hasParam(h, v, end, L_FILENAME)) this.partIsFile = true;
    } else if (nameEnd === L_CTE.length && startsWithCi(h, 0, nameEnd, L_CTE)) {
      if (startsWithCi(h, v, end, L_BASE64)) this.cte = CTE_BASE64;
      else if (startsWithCi(h, v, end, L_QP)) this.cte = CTE_QP;
      else this.cte = CTE_NONE;
    }
  }

  private findBoundary(from: number, end: number): void {
    const h = this.hdr;
    for (let i = from; i + L_BOUNDARY.length <= end; i++) {
      if (!startsWithCi(h, i, end, L_BOUNDARY)) continue;
      // must be a parameter name, not the tail of another one
      if (i > from) {
        const p = h[i - 1];
        if (p !== 0x3b && p !== 0x20 && p !== 0x09) continue;
      }
      let s = i + L_BOUNDARY.length;
      let e = s;
      if (s < end && h[s] === 0x22) {
        s++;
        e = s;
        while (e < end && h[e] !== 0x22) e++;
      } else {
        while (e < end && h[e] !== 0x3b && h[e] !== 0x20 && h[e] !== 0x09) e++;
      }
      let n = e - s;
      if (n > BOUNDARY_CAP) {
        this.sink.mimeEvent(A_SMTP_MIME_LONG_BOUNDARY);
        n = BOUNDARY_CAP;
      }
      if (n <= 0) return;
      copy(this.pendingBoundary, 0, h, s, n);
      this.pendingBoundaryLen = n;
      return;
    }
  }

  private startBody(): void {
    this.phase = PHASE_BODY;
    if (this.multipart && this.pendingBoundaryLen > 0) {
      if (this.depth >= MIME_MAX_DEPTH) {
        this.sink.mimeEvent(A_SMTP_MIME_PARSE_FAILED);
        this.inLeaf = false;
        return;
      }
      copy(this.boundaries, this.depth * BOUNDARY_CAP, this.pendingBoundary, 0, this.pendingBoundaryLen);
      this.boundaryLen[this.depth] = this.pendingBoundaryLen;
      this.depth++;
      this.inLeaf = false; // preamble
      return;
    }
    if (this.multipart) this.sink.mimeEvent(A_SMTP_MIME_MALFORMED_MSG); // multipart without a boundary
    this.eolPending = false;
    if (this.filesOnly && !this.partIsFile) {
      this.inLeaf = false; // not a file: its body is skipped
      return;
    }
    this.inLeaf = true;
    this.partOpen = true;
    this.parts++;
    this.b64.reset();
    this.qp.reset();
  }

  /** Returns true when the line was a boundary of an enclosing multipart. */
  private boundaryLine(buf: Uint8Array, off: number, len: number): boolean {
    for (let d = this.depth - 1; d >= 0; d--) {
      const bl = this.boundaryLen[d];
      if (len < bl + 2) continue;
      const base = d * BOUNDARY_CAP;
      let same = true;
      for (let i = 0; i < bl; i++) {
        if (buf[off + 2 + i] !== this.boundaries[base + i]) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      const rest = off + 2 + bl;
      const closing = len >= bl + 4 && buf[rest] === 0x2d && buf[rest + 1] === 0x2d;
      if (this.inLeaf || this.partOpen) this.closePart();
      this.inLeaf = false;
      if (closing) {
        this.depth = d; // this multipart and everything inside it ended: epilogue follows
        this.phase = PHASE_BODY;
      } else {
        this.depth = d + 1;
        this.phase = PHASE_HEADERS;
        this.cte = CTE_NONE;
        this.multipart = false;
        this.pendingBoundaryLen = 0;
        this.hdrLen = 0;
        this.partIsFile = false;
      }
      return true;
    }
    return false;
  }

  private closePart(): void {
    if (this.cte === CTE_BASE64) {
      const n = base64StreamEnd(this.b64, this.out, 0, this.out.length);
      if (n > 0) this.sink.mimeData(this.out, 0, n);
    }
    this.partOpen = false;
    this.eolPending = false; // the last line break belongs to the boundary
    this.sink.mimePartEnd();
  }

  private data(buf: Uint8Array, off: number, len: number, partial: boolean): void {
    const out = this.out;
    let n: number;
    if (this.cte === CTE_BASE64) {
      const before = this.b64.invalid;
      n = base64DecodeStream(this.b64, buf, off, len, out, 0, out.length);
      if (this.b64.invalid > 0 && before === 0) this.sink.mimeEvent(A_SMTP_MIME_INVALID_BASE64);
    } else if (this.cte === CTE_QP) {
      const before = this.qp.invalid;
      n = qpDecodeLine(buf, off, len, out, 0, out.length, partial, this.qp);
      if (this.qp.invalid > 0 && before === 0) this.sink.mimeEvent(A_SMTP_MIME_INVALID_QP);
    } else {
      if (this.eolPending && (len > 0 || !partial)) {
        this.sink.mimeData(CRLF, 0, 2);
        this.eolPending = false;
      }
      if (len > 0) this.sink.mimeData(buf, off, len);
      if (!partial) this.eolPending = true;
      return;
    }
    if (n > 0) this.sink.mimeData(out, 0, n);
  }
}

/**
 * Does the header value `h[from, end)` carry parameter `name` (lower-case, without "=")? A parameter
 * name follows ';' or whitespace and is followed by optional spaces and '=' (so `name` does not match
 * inside `filename`).
 */
function hasParam(h: Uint8Array, from: number, end: number, name: Uint8Array): boolean {
  for (let i = from; i + name.length < end; i++) {
    if (i > from) {
      const p = h[i - 1];
      if (p !== 0x3b && p !== 0x20 && p !== 0x09) continue;
    }
    if (!startsWithCi(h, i, end, name)) continue;
    let j = i + name.length;
    while (j < end && (h[j] === 0x20 || h[j] === 0x09)) j++;
    if (j < end && h[j] === 0x3d) return true;
  }
  return false;
}
