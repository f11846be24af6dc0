/**
 * SMTP parser (RFC 5321) with MIME decoding of the message: server greeting and replies (multi-line),
 * client commands (EHLO/HELO, MAIL FROM, RCPT TO, DATA, BDAT, STARTTLS, AUTH, RSET, QUIT …) with
 * pipelining, the DATA phase until CRLF.CRLF with dot-unstuffing, and BDAT chunks. One transaction per
 * mail transaction: it collects `smtp.helo`, `smtp.mail_from`, `smtp.rcpt_to` (multi), `smtp.command`
 * (multi: each command line of the transaction) and `file.data` (each decoded MIME part that names a
 * file — an attachment with `filename=` / `name=`, as Suricata's SMTP file tracking — up to `fileDepth`
 * bytes; the message text is not a file). STARTTLS answered by 220 returns
 * PARSE_UPGRADE to ALPROTO_TLS.
 *
 * Hot path: `parse` allocates nothing (per-flow state lives in slot objects made at construction) and
 * never throws; malformed input raises Suricata's `smtp.*` events.
 *
 * @example
 * ```ts
 * import { SmtpParser } from "./smtp.ts";
 * const p = new SmtpParser({ maxFlows: 16 });
 * const slot = p.open();
 * const bytes = new TextEncoder().encode("EHLO example.org\r\n");
 * p.parse(slot, 0, bytes, 0, bytes.length, sink); // sink.tx sees smtp.helo "example.org"
 * p.close(slot);
 * ```
 */
import { defineAnomaly } from "../../anomaly.ts";
import {
  BUF_FILE_DATA,
  BUF_SMTP_COMMAND,
  BUF_SMTP_HELO,
  BUF_SMTP_MAIL_FROM,
  BUF_SMTP_RCPT_TO,
  FIELD_FILE_SIZE,
} from "../../detect/buffers.ts";
import { asciiLower, LineReader, startsWithWord } from "../line-reader.ts";
import { MimeParser } from "../mime.ts";
import type { MimeSink } from "../mime.ts";
import type { AppParser, AppSink } from "../parser.ts";
import {
  DIR_TOSERVER,
  PARSE_ERROR,
  PARSE_OK,
  PARSE_UPGRADE,
  PROBE_NEED_MORE,
  TX_REQUEST_BODY,
  TX_REQUEST_DONE,
  TX_REQUEST_LINE,
} from "../parser.ts";
import { ALPROTO_SMTP, ALPROTO_TLS, ALPROTO_UNKNOWN } from "../proto.ts";
import { SlotStates } from "../slot-pool.ts";

export const A_SMTP_INVALID_REPLY = defineAnomaly("smtp.invalid_reply", "applayer");
export const A_SMTP_UNABLE_TO_MATCH_REPLY = defineAnomaly("smtp.unable_to_match_reply_with_request", "applayer");
export const A_SMTP_MAX_COMMAND_LINE_LEN = defineAnomaly("smtp.max_command_line_len_exceeded", "applayer");
export const A_SMTP_MAX_REPLY_LINE_LEN = defineAnomaly("smtp.max_reply_line_len_exceeded", "applayer");
export const A_SMTP_INVALID_PIPELINED_SEQUENCE = defineAnomaly("smtp.invalid_pipelined_sequence", "applayer");
export const A_SMTP_NO_SERVER_WELCOME = defineAnomaly("smtp.no_server_welcome_message", "applayer");
export const A_SMTP_TLS_REJECTED = defineAnomaly("smtp.tls_rejected", "applayer");
export const A_SMTP_DATA_COMMAND_REJECTED = defineAnomaly("smtp.data_command_rejected", "applayer");
export const A_SMTP_BDAT_CHUNK_LEN_EXCEEDED = defineAnomaly("smtp.bdat_chunk_len_exceeded", "applayer");
export const A_SMTP_UNPARSABLE_CONTENT = defineAnomaly("smtp.unparsable_content", "applayer");

export interface SmtpConfig {
  /** Concurrent SMTP flows (pool slots). */
  maxFlows: number;
  /** Longest command / reply line kept (RFC 5321: 512); longer ones are cut and raise an event. */
  lineBytes: number;
  /** Longest message line handed to MIME in one piece (longer lines come in pieces). */
  dataLineBytes: number;
  /** Bytes of each decoded MIME part kept for `file.data`. */
  fileDepth: number;
  /** Bytes kept for the transaction's command lines (`smtp.command`). */
  commandBytes: number;
}

export function defaultSmtpConfig(): SmtpConfig {
  return { maxFlows: 1024, lineBytes: 1024, dataLineBytes: 4096, fileDepth: 32768, commandBytes: 2048 };
}

const MODE_COMMAND = 0;
const MODE_DATA = 1;
const MODE_BDAT = 2;

// command codes (for replies in pipelined order)
const C_OTHER = 0;
const C_HELO = 1;
const C_MAIL = 2;
const C_RCPT = 3;
const C_DATA = 4;
const C_BDAT = 5;
const C_STARTTLS = 6;
const C_RSET = 7;
const C_QUIT = 8;
const C_AUTH = 9;

const MAX_PENDING = 64;
const MAX_RCPT = 32;
const MAX_CMDS = 64;
const SMALL = 256;

/** Per-flow state; one per pool slot, made at construction. */
class SmtpSlot implements MimeSink {
  readonly cmd: LineReader;
  readonly reply: LineReader;
  readonly data: LineReader;
  readonly mime: MimeParser;
  mode = MODE_COMMAND;
  bdatLeft = 0;
  bdatLast = false;
  bdatStarted = false;
  readonly pending = new Uint8Array(MAX_PENDING);
  pendHead = 0;
  pendCount = 0;
  greeted = false;
  /** The server answered AUTH with 334: the next client line is authentication data, not a command. */
  authData = false;
  /** Reply code of the multi-line reply being read (-1: none). */
  replyCode = -1;
  dataLines = 0;
  txId = 0;
  txOpen = false;
  readonly helo = new Uint8Array(SMALL);
  heloLen = 0;
  readonly mailFrom = new Uint8Array(SMALL);
  mailFromLen = 0;
  readonly rcpt: Uint8Array;
  rcptUsed = 0;
  readonly rcptOff = new Int32Array(MAX_RCPT);
  readonly rcptLen = new Int32Array(MAX_RCPT);
  rcptCount = 0;
  readonly cmds: Uint8Array;
  cmdsUsed = 0;
  readonly cmdOff = new Int32Array(MAX_CMDS);
  readonly cmdLen = new Int32Array(MAX_CMDS);
  cmdCount = 0;
  readonly file: Uint8Array;
  fileLen = 0;
  fileTotal = 0;
  fileInspected = false;
  /** The sink of the `parse` call in progress (MIME callbacks report to it). */
  sink: AppSink | null = null;

  constructor(cfg: SmtpConfig) {
    this.cmd = new LineReader(cfg.lineBytes, false);
    this.reply = new LineReader(cfg.lineBytes, false);
    this.data = new LineReader(cfg.dataLineBytes, true);
    this.mime = new MimeParser(this, cfg.dataLineBytes);
    this.mime.filesOnly = true;
    this.rcpt = new Uint8Array(1024);
    this.cmds = new Uint8Array(cfg.commandBytes);
    this.file = new Uint8Array(cfg.fileDepth);
  }

  get memoryBytes(): number {
    return (
      this.cmd.buf.length + this.reply.buf.length + this.data.buf.length + this.mime.memoryBytes +
      MAX_PENDING + 2 * SMALL + this.rcpt.length + 8 * MAX_RCPT + this.cmds.length + 8 * MAX_CMDS +
      this.file.length + 256
    );
  }

  reset(): void {
    this.cmd.reset();
    this.reply.reset();
    this.data.reset();
    this.mime.reset();
    this.mode = MODE_COMMAND;
    this.bdatLeft = 0;
    this.bdatLast = false;
    this.bdatStarted = false;
    this.pendHead = 0;
    this.pendCount = 0;
    this.greeted = false;
    this.authData = false;
    this.replyCode = -1;
    this.dataLines = 0;
    this.txId = 0;
    this.heloLen = 0;
    this.clearTx();
    this.sink = null;
  }

  clearTx(): void {
    this.txOpen = false;
    this.mailFromLen = 0;
    this.rcptUsed = 0;
    this.rcptCount = 0;
    this.cmdsUsed = 0;
    this.cmdCount = 0;
    this.fileLen = 0;
    this.fileTotal = 0;
    this.fileInspected = false;
  }

  mimeData(buf: Uint8Array, off: number, len: number): void {
    this.fileTotal += len;
    const room = this.file.length - this.fileLen;
    const n = len < room ? len : room;
    for (let i = 0; i < n; i++) this.file[this.fileLen + i] = buf[off + i];
    this.fileLen += n;
    if (n < len && !this.fileInspected) {
      // the part's window is full: inspect what it holds now, later bytes are not kept
      this.inspect(TX_REQUEST_BODY, true);
      this.fileInspected = true;
    }
  }

  mimePartEnd(): void {
    if (!this.fileInspected && this.fileTotal > 0) this.inspect(TX_REQUEST_BODY, true);
    this.fileLen = 0;
    this.fileTotal = 0;
    this.fileInspected = false;
  }

  mimeEvent(code: number): void {
    if (this.sink !== null) this.sink.event(code);
  }

  /** Fills the buffers of the current transaction and runs detection. */
  inspect(progress: number, withFile: boolean): void {
    const sink = this.sink;
    if (sink === null) return;
    const b = sink.buffers;
    b.reset();
    if (this.heloLen > 0) b.add(BUF_SMTP_HELO, this.helo, 0, this.heloLen);
    if (this.mailFromLen > 0) b.add(BUF_SMTP_MAIL_FROM, this.mailFrom, 0, this.mailFromLen);
    for (let i = 0; i < this.rcptCount; i++) b.add(BUF_SMTP_RCPT_TO, this.rcpt, this.rcptOff[i], this.rcptLen[i]);
    for (let i = 0; i < this.cmdCount; i++) b.add(BUF_SMTP_COMMAND, this.cmds, this.cmdOff[i], this.cmdLen[i]);
    if (withFile && this.fileLen > 0) {
      b.add(BUF_FILE_DATA, this.file, 0, this.fileLen);
      b.setField(FIELD_FILE_SIZE, this.fileTotal);
    }
    this.txOpen = true;
    sink.tx(this.txId, DIR_TOSERVER, progress);
  }

  pushPending(code: number): void {
    if (this.pendCount === MAX_PENDING) {
      if (this.sink !== null) this.sink.event(A_SMTP_INVALID_PIPELINED_SEQUENCE);
      return;
    }
    this.pending[(this.pendHead + this.pendCount) % MAX_PENDING] = code;
    this.pendCount++;
  }

  popPending(): number {
    if (this.pendCount === 0) return -1;
    const c = this.pending[this.pendHead];
    this.pendHead = (this.pendHead + 1) % MAX_PENDING;
    this.pendCount--;
    return c;
  }
}

/** Copies `src[off, off+len)` (at most `cap`) into `dst`; returns bytes copied. */
function copyInto(dst: Uint8Array, dOff: number, cap: number, src: Uint8Array, off: number, len: number): number {
  const n = len < cap ? len : cap;
  for (let i = 0; i < n; i++) dst[dOff + i] = src[off + i];
  return n;
}

export class SmtpParser implements AppParser {
  readonly proto = ALPROTO_SMTP;
  upgradeTo = ALPROTO_UNKNOWN;
  /** With PARSE_UPGRADE: where in that call's `buf` the TLS bytes begin (after the reply that accepted it). */
  upgradeAt = 0;
  readonly config: SmtpConfig;
  private readonly pool: SlotStates<SmtpSlot>;
  private readonly slots: SmtpSlot[];

  constructor(cfg: Partial<SmtpConfig> = {}) {
    this.config = { ...defaultSmtpConfig(), ...cfg };
    this.pool = new SlotStates(this.config.maxFlows, () => new SmtpSlot(this.config));
    this.slots = this.pool.states;
  }

  /** Bytes of state one flow slot holds (all slots are made at construction). */
  get bytesPerFlow(): number {
    return this.slots.length > 0 ? this.slots[0].memoryBytes : 0;
  }

  /** `open` calls that found the pool exhausted. */
  get exhausted(): number {
    return this.pool.exhausted;
  }

  open(): number {
    return this.pool.open();
  }

  close(slot: number): void {
    if (!this.pool.isUsed(slot)) return;
    this.slots[slot].sink = null;
    this.pool.give(slot);
  }

  parse(slot: number, dir: number, buf: Uint8Array, off: number, len: number, sink: AppSink): number {
    if (!this.pool.isUsed(slot)) return PARSE_ERROR;
    const st = this.slots[slot];
    st.sink = sink;
    const end = off + len > buf.length ? buf.length : off + len;
    return dir === DIR_TOSERVER ? this.toServer(st, buf, off, end) : this.toClient(st, buf, off, end);
  }

  gap(slot: number, dir: number, _len: number): number {
    if (!this.pool.isUsed(slot)) return PARSE_ERROR;
    const st = this.slots[slot];
    if (dir === DIR_TOSERVER) {
      st.cmd.reset();
      st.data.reset();
      // a gap inside BDAT shifts the chunk accounting: give up on the message, keep parsing commands
      if (st.mode === MODE_BDAT) st.mode = MODE_COMMAND;
    } else {
      st.reply.reset();
      st.replyCode = -1;
    }
    return PARSE_OK;
  }

  eof(slot: number, dir: number, sink: AppSink): void {
    if (!this.pool.isUsed(slot)) return;
    const st = this.slots[slot];
    st.sink = sink;
    if (dir === DIR_TOSERVER && st.mode !== MODE_COMMAND) {
      if (st.data.len > 0) {
        st.mime.line(st.data.buf, 0, st.data.len, false);
        st.data.clear();
      }
      this.endMessage(st);
    }
  }

  private toServer(st: SmtpSlot, buf: Uint8Array, off: number, end: number): number {
    let i = off;
    while (i < end) {
      if (st.mode === MODE_DATA) {
        i = st.data.feed(buf, i, end);
        if (!st.data.ready) break;
        const r = st.data;
        const continued = r.continued;
        if (!continued && !r.partial && r.len === 1 && r.buf[0] === 0x2e) {
          r.clear();
          this.endMessage(st);
          continue;
        }
        // dot-unstuffing: a leading '.' on a line is removed
        const skip = !continued && r.len > 0 && r.buf[0] === 0x2e ? 1 : 0;
        st.dataLines++;
        st.mime.line(r.buf, skip, r.len - skip, r.partial);
        r.clear();
        continue;
      }
      if (st.mode === MODE_BDAT) {
        const avail = end - i;
        const take = avail < st.bdatLeft ? avail : st.bdatLeft;
        const stop = i + take;
        while (i < stop) {
          i = st.data.feed(buf, i, stop);
          if (!st.data.ready) break;
          st.mime.line(st.data.buf, 0, st.data.len, st.data.partial);
          st.data.clear();
        }
        st.bdatLeft -= take;
        if (st.bdatLeft === 0) {
          st.mode = MODE_COMMAND;
          if (st.bdatLast) {
            if (st.data.len > 0) {
              st.mime.line(st.data.buf, 0, st.data.len, false);
              st.data.clear();
            }
            this.endMessage(st);
          }
        }
        continue;
      }
      i = st.cmd.feed(buf, i, end);
      if (!st.cmd.ready) break;
      if (st.cmd.truncated) st.sink?.event(A_SMTP_MAX_COMMAND_LINE_LEN);
      this.command(st, st.cmd.buf, st.cmd.len);
      st.cmd.clear();
    }
    return PARSE_OK;
  }

  private endMessage(st: SmtpSlot): void {
    // the server answers the end of DATA (BDAT chunks are answered as their commands)
    if (st.mode === MODE_DATA) st.pushPending(C_OTHER);
    st.mime.end();
    st.mode = MODE_COMMAND;
    st.bdatStarted = false;
    st.inspect(TX_REQUEST_BODY | TX_REQUEST_DONE, false);
    st.txId++;
    st.clearTx();
  }

  private command(st: SmtpSlot, line: Uint8Array, len: number): void {
    if (st.authData) {
      // an AUTH exchange line (credentials): answered like a command, but not one
      st.authData = false;
      st.pushPending(C_AUTH);
      return;
    }
    // the verb
    let v = 0;
    while (v < len && line[v] !== 0x20) v++;
    let code = C_OTHER;
    if (v === 4) {
      if (startsWithWord(line, 0, len, "ehlo") || startsWithWord(line, 0, len, "helo")) code = C_HELO;
      else if (startsWithWord(line, 0, len, "mail")) code = C_MAIL;
      else if (startsWithWord(line, 0, len, "rcpt")) code = C_RCPT;
      else if (startsWithWord(line, 0, len, "data")) code = C_DATA;
      else if (startsWithWord(line, 0, len, "bdat")) code = C_BDAT;
      else if (startsWithWord(line, 0, len, "rset")) code = C_RSET;
      else if (startsWithWord(line, 0, len, "quit")) code = C_QUIT;
      else if (startsWithWord(line, 0, len, "auth")) code = C_AUTH;
    } else if (v === 8 && startsWithWord(line, 0, len, "starttls")) {
      code = C_STARTTLS;
    }
    if (len === 0) return;
    switch (code) {
      case C_HELO: {
        let a = v;
        while (a < len && line[a] === 0x20) a++;
        st.heloLen = copyInto(st.helo, 0, SMALL, line, a, len - a);
        break;
      }
      case C_MAIL: {
        // "MAIL FROM:" then the path up to the first space (parameters follow, RFC 1870)
        if (st.mailFromLen > 0) {
          // a second MAIL without RSET/DATA: the previous transaction is over
          st.inspect(TX_REQUEST_DONE, false);
          st.txId++;
          st.clearTx();
        }
        const s = argAfterColon(line, len, 10);
        st.mailFromLen = copyInto(st.mailFrom, 0, SMALL, line, s, pathEnd(line, s, len) - s);
        break;
      }
      case C_RCPT: {
        const s = argAfterColon(line, len, 8);
        const e = pathEnd(line, s, len);
        if (st.rcptCount < MAX_RCPT) {
          const n = copyInto(st.rcpt, st.rcptUsed, st.rcpt.length - st.rcptUsed, line, s, e - s);
          st.rcptOff[st.rcptCount] = st.rcptUsed;
          st.rcptLen[st.rcptCount] = n;
          st.rcptCount++;
          st.rcptUsed += n;
        }
        break;
      }
      case C_DATA:
        st.mode = MODE_DATA;
        st.dataLines = 0;
        st.data.reset();
        st.mime.reset();
        break;
      case C_BDAT: {
        let n = 0;
        let a = v;
        while (a < len && line[a] === 0x20) a++;
        let digits = 0;
        while (a < len && line[a] >= 0x30 && line[a] <= 0x39 && digits < 10) {
          n = n * 10 + (line[a] - 0x30);
          a++;
          digits++;
        }
        while (a < len && line[a] === 0x20) a++;
        if (digits === 0) {
          st.sink?.event(A_SMTP_UNPARSABLE_CONTENT);
          break;
        }
        if (!st.bdatStarted) {
          st.bdatStarted = true;
          st.data.reset();
          st.mime.reset();
        }
        st.bdatLeft = n;
        st.bdatLast = startsWithWord(line, a, len, "last");
        if (n > 0) st.mode = MODE_BDAT;
        else if (st.bdatLast) this.endMessage(st);
        break;
      }
      case C_RSET:
        if (st.txOpen || st.mailFromLen > 0) {
          st.txId++;
          st.clearTx();
        }
        break;
      default:
        break;
    }
    // remember the command line for smtp.command
    if (st.cmdCount < MAX_CMDS) {
      const n = copyInto(st.cmds, st.cmdsUsed, st.cmds.length - st.cmdsUsed, line, 0, len);
      st.cmdOff[st.cmdCount] = st.cmdsUsed;
      st.cmdLen[st.cmdCount] = n;
      st.cmdCount++;
      st.cmdsUsed += n;
    }
    st.pushPending(code);
    st.inspect(TX_REQUEST_LINE, false);
  }

  private toClient(st: SmtpSlot, buf: Uint8Array, off: number, end: number): number {
    let i = off;
    while (i < end) {
      i = st.reply.feed(buf, i, end);
      if (!st.reply.ready) break;
      const r = this.replyLine(st, st.reply.buf, st.reply.len, st.reply.truncated);
      st.reply.clear();
      if (r !== PARSE_OK) {
        this.upgradeAt = i;
        return r;
      }
    }
    return PARSE_OK;
  }

  private replyLine(st: SmtpSlot, line: Uint8Array, len: number, truncated: boolean): number {
    const sink = st.sink;
    if (truncated) sink?.event(A_SMTP_MAX_REPLY_LINE_LEN);
    if (
      len < 3 || line[0] < 0x30 || line[0] > 0x39 || line[1] < 0x30 || line[1] > 0x39 || line[2] < 0x30 ||
      line[2] > 0x39 || (len > 3 && line[3] !== 0x20 && line[3] !== 0x2d)
    ) {
      sink?.event(A_SMTP_INVALID_REPLY);
      return PARSE_OK;
    }
    const code = (line[0] - 0x30) * 100 + (line[1] - 0x30) * 10 + (line[2] - 0x30);
    if (len > 3 && line[3] === 0x2d) {
      st.replyCode = code; // more lines follow
      return PARSE_OK;
    }
    st.replyCode = -1;
    if (!st.greeted) {
      st.greeted = true;
      if (st.pendCount === 0) return PARSE_OK; // the greeting
      sink?.event(A_SMTP_NO_SERVER_WELCOME);
    }
    const cmd = st.popPending();
    if (cmd < 0) {
      sink?.event(A_SMTP_UNABLE_TO_MATCH_REPLY);
      return PARSE_OK;
    }
    if (cmd === C_STARTTLS) {
      if (code === 220) {
        this.upgradeTo = ALPROTO_TLS;
        return PARSE_UPGRADE;
      }
      sink?.event(A_SMTP_TLS_REJECTED);
    } else if (cmd === C_AUTH) {
      st.authData = code === 334;
    } else if (cmd === C_DATA && code !== 354) {
      sink?.event(A_SMTP_DATA_COMMAND_REJECTED);
      if (st.mode === MODE_DATA && st.dataLines === 0 && st.data.len === 0) st.mode = MODE_COMMAND;
    }
    return PARSE_OK;
  }
}

/** Start of the argument after "MAIL FROM:" / "RCPT TO:" (spaces skipped); `min` is where to look from. */
function argAfterColon(line: Uint8Array, len: number, min: number): number {
  let i = 0;
  while (i < len && line[i] !== 0x3a) i++;
  i = i < len ? i + 1 : (min < len ? min : len);
  while (i < len && line[i] === 0x20) i++;
  return i;
}

/** End of a mail path: the first space after `s` (parameters such as SIZE= follow it). */
function pathEnd(line: Uint8Array, s: number, len: number): number {
  let e = s;
  while (e < len && line[e] !== 0x20) e++;
  return e;
}

/**
 * Protocol detection: a client's EHLO/HELO, or a server's 220 greeting that names (E)SMTP.
 * A 220 greeting that does not say is left to the port (FTP greets with 220 too).
 */
export function probeSmtp(dir: number, buf: Uint8Array, off: number, len: number): number {
  const end = off + len > buf.length ? buf.length : off + len;
  if (dir === DIR_TOSERVER) {
    if (end - off < 5) {
      // a prefix of EHLO/HELO needs more bytes
      for (let i = off; i < end; i++) {
        const c = asciiLower(buf[i]);
        const a = "ehlo ".charCodeAt(i - off);
        const b = "helo ".charCodeAt(i - off);
        if (c !== a && c !== b) return ALPROTO_UNKNOWN;
      }
      return PROBE_NEED_MORE;
    }
    const hello = startsWithWord(buf, off, end, "ehlo") || startsWithWord(buf, off, end, "helo");
    if (hello && (buf[off + 4] === 0x20 || buf[off + 4] === 0x0d)) {
      return ALPROTO_SMTP;
    }
    return ALPROTO_UNKNOWN;
  }
  if (end - off < 4) return end - off > 0 && buf[off] !== 0x32 ? ALPROTO_UNKNOWN : PROBE_NEED_MORE;
  if (buf[off] !== 0x32 || buf[off + 1] !== 0x32 || buf[off + 2] !== 0x30) return ALPROTO_UNKNOWN;
  if (buf[off + 3] !== 0x20 && buf[off + 3] !== 0x2d) return ALPROTO_UNKNOWN;
  for (let i = off + 4; i + 4 <= end; i++) {
    if (buf[i] === 0x0a) break;
    if (startsWithWord(buf, i, end, "smtp")) return ALPROTO_SMTP;
    if (startsWithWord(buf, i, end, "ftp")) return ALPROTO_UNKNOWN;
  }
  for (let i = off; i < end; i++) if (buf[i] === 0x0a) return ALPROTO_UNKNOWN;
  return PROBE_NEED_MORE;
}
