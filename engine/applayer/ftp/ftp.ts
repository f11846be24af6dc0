/**
 * FTP control-connection parser (RFC 959, RFC 2428): client command lines (each one a transaction with
 * `ftp.command_line`), server replies (multi-line "123-" … "123 "), AUTH TLS answered by 234 → PARSE_UPGRADE
 * to TLS, and the data-connection announcements — PORT / EPRT commands, 227 (PASV) / 229 (EPSV) replies
 * — recorded in the parser's `expectations` table (see expectations.ts) so the flow table can label
 * ftp-data flows. Set `nowUs` before each `parse` so entries expire (`expectTimeoutUs` later).
 *
 * Hot path: `parse` allocates nothing and never throws; an over-long line raises
 * `ftp.request_command_too_long` / `ftp.response_command_too_long`.
 *
 * @example
 * ```ts
 * import { FtpParser } from "./ftp.ts";
 * const ftp = new FtpParser({ maxFlows: 64 });
 * const slot = ftp.open();
 * ftp.nowUs = 1_000_000;
 * const b = new TextEncoder().encode("227 Entering Passive Mode (10,0,0,2,195,80)\r\n");
 * ftp.parse(slot, 1, b, 0, b.length, sink);
 * ftp.expectations.match(4, new Uint32Array([0x0a000002, 0, 0, 0]), 50000, 1_500_000); // true
 * ```
 */
import { defineAnomaly } from "../../anomaly.ts";
import { BUF_FTP_COMMAND } from "../../detect/buffers.ts";
import { asciiLower, LineReader, startsWithWord } from "../line-reader.ts";
import type { AppParser, AppSink } from "../parser.ts";
import { DIR_TOSERVER, PARSE_ERROR, PARSE_OK, PARSE_UPGRADE, PROBE_NEED_MORE, TX_REQUEST_LINE } from "../parser.ts";
import { ALPROTO_FTP, ALPROTO_TLS, ALPROTO_UNKNOWN } from "../proto.ts";
import { SlotStates } from "../slot-pool.ts";
import { FtpExpectations } from "./expectations.ts";

export const A_FTP_REQUEST_TOO_LONG = defineAnomaly("ftp.request_command_too_long", "applayer");
export const A_FTP_RESPONSE_TOO_LONG = defineAnomaly("ftp.response_command_too_long", "applayer");

export interface FtpConfig {
  maxFlows: number;
  /** Longest command / reply line kept; longer ones are cut and raise an event. */
  lineBytes: number;
  /** Data-connection expectations held at once (over all flows). */
  maxExpectations: number;
  /** How long an announced data connection is expected, in microseconds. */
  expectTimeoutUs: number;
}

export function defaultFtpConfig(): FtpConfig {
  return { maxFlows: 1024, lineBytes: 1024, maxExpectations: 1024, expectTimeoutUs: 60_000_000 };
}

class FtpSlot {
  readonly cmd: LineReader;
  readonly reply: LineReader;
  txId = 0;
  authTlsPending = false;

  constructor(cfg: FtpConfig) {
    this.cmd = new LineReader(cfg.lineBytes, false);
    this.reply = new LineReader(cfg.lineBytes, false);
  }

  reset(): void {
    this.cmd.reset();
    this.reply.reset();
    this.txId = 0;
    this.authTlsPending = false;
  }
}

/** Scratch for parsed numbers (no allocation): six comma-separated values. */
const nums = new Int32Array(6);

/** Parses "h1,h2,h3,h4,p1,p2" starting at the first digit at or after `from`; true when all six are bytes. */
function parseSix(b: Uint8Array, from: number, end: number): boolean {
  let i = from;
  while (i < end && (b[i] < 0x30 || b[i] > 0x39)) i++;
  for (let k = 0; k < 6; k++) {
    let v = 0;
    let d = 0;
    while (i < end && b[i] >= 0x30 && b[i] <= 0x39 && d < 4) {
      v = v * 10 + (b[i] - 0x30);
      i++;
      d++;
    }
    if (d === 0 || v > 255) return false;
    nums[k] = v;
    if (k < 5) {
      while (i < end && b[i] === 0x20) i++;
      if (i >= end || b[i] !== 0x2c) return false;
      i++;
      while (i < end && b[i] === 0x20) i++;
    }
  }
  return true;
}

/** Parses a decimal port in `b[i, end)`, stopping at the first non-digit; -1 if none or > 65535. */
function parsePort(b: Uint8Array, i: number, end: number): number {
  let v = 0;
  let d = 0;
  while (i < end && b[i] >= 0x30 && b[i] <= 0x39 && d < 6) {
    v = v * 10 + (b[i] - 0x30);
    i++;
    d++;
  }
  return d === 0 || v > 65535 ? -1 : v;
}

/** Parses dotted IPv4 in `b[i, end)` up to `stop`; the address as a 32-bit number, or -1. */
function parseIpv4(b: Uint8Array, i: number, end: number): number {
  let a = 0;
  for (let k = 0; k < 4; k++) {
    let v = 0;
    let d = 0;
    while (i < end && b[i] >= 0x30 && b[i] <= 0x39 && d < 4) {
      v = v * 10 + (b[i] - 0x30);
      i++;
      d++;
    }
    if (d === 0 || v > 255) return -1;
    a = a * 256 + v;
    if (k < 3) {
      if (i >= end || b[i] !== 0x2e) return -1;
      i++;
    }
  }
  return a;
}

export class FtpParser implements AppParser {
  readonly proto = ALPROTO_FTP;
  upgradeTo = ALPROTO_UNKNOWN;
  /** With PARSE_UPGRADE: where in that call's `buf` the TLS bytes begin (after the reply that accepted it). */
  upgradeAt = 0;
  readonly config: FtpConfig;
  /** Data connections announced on any flow of this parser. */
  readonly expectations: FtpExpectations;
  /** The time of the bytes being parsed (set by the caller before `parse`); expectations expire from it. */
  nowUs = 0;
  private readonly pool: SlotStates<FtpSlot>;
  private readonly slots: FtpSlot[];

  constructor(cfg: Partial<FtpConfig> = {}) {
    this.config = { ...defaultFtpConfig(), ...cfg };
    this.pool = new SlotStates(this.config.maxFlows, () => new FtpSlot(this.config));
    this.slots = this.pool.states;
    this.expectations = new FtpExpectations(this.config.maxExpectations);
  }

  /** Bytes of state one flow slot holds. */
  get bytesPerFlow(): number {
    return 2 * this.config.lineBytes + 64;
  }

  get exhausted(): number {
    return this.pool.exhausted;
  }

  open(): number {
    return this.pool.open();
  }

  close(slot: number): void {
    this.pool.give(slot);
  }

  parse(slot: number, dir: number, buf: Uint8Array, off: number, len: number, sink: AppSink): number {
    if (!this.pool.isUsed(slot)) return PARSE_ERROR;
    const st = this.slots[slot];
    const end = off + len > buf.length ? buf.length : off + len;
    const r = dir === DIR_TOSERVER ? st.cmd : st.reply;
    let i = off;
    while (i < end) {
      i = r.feed(buf, i, end);
      if (!r.ready) break;
      if (r.truncated) sink.event(dir === DIR_TOSERVER ? A_FTP_REQUEST_TOO_LONG : A_FTP_RESPONSE_TOO_LONG);
      const res = dir === DIR_TOSERVER ? this.command(st, r.buf, r.len, sink) : this.replyLine(st, r.buf, r.len);
      r.clear();
      if (res !== PARSE_OK) {
        this.upgradeAt = i;
        return res;
      }
    }
    return PARSE_OK;
  }

  gap(slot: number, dir: number, _len: number): number {
    if (!this.pool.isUsed(slot)) return PARSE_ERROR;
    const st = this.slots[slot];
    if (dir === DIR_TOSERVER) st.cmd.reset();
    else st.reply.reset();
    return PARSE_OK;
  }

  eof(_slot: number, _dir: number, _sink: AppSink): void {}

  private command(st: FtpSlot, line: Uint8Array, len: number, sink: AppSink): number {
    if (len === 0) return PARSE_OK;
    const b = sink.buffers;
    b.reset();
    b.add(BUF_FTP_COMMAND, line, 0, len);
    sink.tx(st.txId, DIR_TOSERVER, TX_REQUEST_LINE);
    st.txId++;
    if (startsWithWord(line, 0, len, "port ")) {
      if (parseSix(line, 5, len)) {
        const a = ((nums[0] << 24) | (nums[1] << 16) | (nums[2] << 8) | nums[3]) >>> 0;
        this.expect(4, a, (nums[4] << 8) | nums[5], false);
      }
    } else if (startsWithWord(line, 0, len, "eprt ")) {
      this.eprt(line, 5, len);
    } else if (startsWithWord(line, 0, len, "auth tls") || startsWithWord(line, 0, len, "auth ssl")) {
      st.authTlsPending = true;
    }
    return PARSE_OK;
  }

  /** EPRT |1|132.235.1.2|6275| (RFC 2428); IPv6 addresses are not parsed: such entries match on port. */
  private eprt(line: Uint8Array, from: number, len: number): void {
    let i = from;
    while (i < len && line[i] === 0x20) i++;
    if (i + 1 >= len) return;
    const d = line[i];
    const af = line[i + 1];
    let j = i + 2;
    if (j >= len || line[j] !== d) return;
    j++;
    const addrStart = j;
    while (j < len && line[j] !== d) j++;
    if (j >= len) return;
    const port = parsePort(line, j + 1, len);
    if (port < 0) return;
    if (af === 0x31) {
      const a = parseIpv4(line, addrStart, j);
      if (a >= 0) this.expect(4, a, port, false);
    } else {
      this.expect(6, 0, port, true);
    }
  }

  private expect(ipv: number, a0: number, port: number, any: boolean): void {
    this.expectations.add(ipv, a0 >>> 0, 0, 0, 0, port, this.nowUs + this.config.expectTimeoutUs, any);
  }

  private replyLine(st: FtpSlot, line: Uint8Array, len: number): number {
    if (len < 4) return PARSE_OK;
    const isFinal = line[3] === 0x20;
    if (line[0] === 0x32 && line[1] === 0x32 && line[2] === 0x37) {
      // 227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)
      let i = 4;
      while (i < len && line[i] !== 0x28) i++;
      if (parseSix(line, i < len ? i : 4, len)) {
        const a = ((nums[0] << 24) | (nums[1] << 16) | (nums[2] << 8) | nums[3]) >>> 0;
        this.expect(4, a, (nums[4] << 8) | nums[5], false);
      }
    } else if (line[0] === 0x32 && line[1] === 0x32 && line[2] === 0x39) {
      // 229 Entering Extended Passive Mode (|||6446|)
      let i = 4;
      while (i < len && line[i] !== 0x28) i++;
      if (i + 4 < len) {
        const d = line[i + 1];
        if (line[i + 2] === d && line[i + 3] === d) {
          const port = parsePort(line, i + 4, len);
          if (port >= 0) this.expect(4, 0, port, true);
        }
      }
    }
    if (st.authTlsPending && isFinal) {
      st.authTlsPending = false;
      if (line[0] === 0x32 && line[1] === 0x33 && line[2] === 0x34) {
        this.upgradeTo = ALPROTO_TLS;
        return PARSE_UPGRADE;
      }
    }
    return PARSE_OK;
  }
}

const FTP_VERBS = ["user ", "pass ", "acct ", "feat", "syst", "auth tls", "auth ssl", "opts ", "pasv", "epsv", "port ", "type "];

/**
 * Protocol detection: a client's USER/FEAT/AUTH TLS… command, or a server's 220 greeting naming FTP.
 * (POP3 also has USER: its server greets with "+OK", which the POP3 probe claims.)
 */
export function probeFtp(dir: number, buf: Uint8Array, off: number, len: number): number {
  const end = off + len > buf.length ? buf.length : off + len;
  if (dir === DIR_TOSERVER) {
    let prefix = false;
    for (let v = 0; v < FTP_VERBS.length; v++) {
      const w = FTP_VERBS[v];
      if (startsWithWord(buf, off, end, w)) return ALPROTO_FTP;
      if (end - off < w.length) {
        let ok = true;
        for (let i = off; i < end; i++) if (asciiLower(buf[i]) !== w.charCodeAt(i - off)) ok = false;
        if (ok) prefix = true;
      }
    }
    return prefix ? PROBE_NEED_MORE : ALPROTO_UNKNOWN;
  }
  if (end - off < 4) return end - off > 0 && buf[off] !== 0x32 ? ALPROTO_UNKNOWN : PROBE_NEED_MORE;
  if (buf[off] !== 0x32 || buf[off + 1] !== 0x32 || buf[off + 2] !== 0x30) return ALPROTO_UNKNOWN;
  if (buf[off + 3] !== 0x20 && buf[off + 3] !== 0x2d) return ALPROTO_UNKNOWN;
  for (let i = off + 4; i + 3 <= end; i++) {
    if (buf[i] === 0x0a) break;
    if (startsWithWord(buf, i, end, "smtp")) return ALPROTO_UNKNOWN;
    if (startsWithWord(buf, i, end, "ftp")) return ALPROTO_FTP;
  }
  for (let i = off; i < end; i++) if (buf[i] === 0x0a) return ALPROTO_UNKNOWN;
  return PROBE_NEED_MORE;
}
