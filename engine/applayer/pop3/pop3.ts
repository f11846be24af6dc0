/**
 * POP3 recognition (RFC 1939, RFC 2449, RFC 2595): the "+OK" greeting, client commands, single- and
 * multi-line responses (RETR/TOP/LIST/UIDL/CAPA bodies until "." — their lines are not responses), and
 * STLS answered by "+OK" returning PARSE_UPGRADE to TLS. Enough for protocol identification and
 * `app_proto`; no sticky buffers are filled.
 *
 * Hot path: `parse` allocates nothing and never throws; an over-long command raises
 * `pop3.request_too_long`, an unknown one `pop3.unknown_command`.
 *
 * @example
 * ```ts
 * import { Pop3Parser, probePop3 } from "./pop3.ts";
 * const greeting = new TextEncoder().encode("+OK POP3 ready\r\n");
 * probePop3(1, greeting, 0, greeting.length); // ALPROTO_POP3
 * const p = new Pop3Parser({ maxFlows: 16 });
 * const slot = p.open();
 * p.parse(slot, 1, greeting, 0, greeting.length, sink);
 * ```
 */
import { defineAnomaly } from "../../anomaly.ts";
import { asciiLower, LineReader, startsWithWord } from "../line-reader.ts";
import type { AppParser, AppSink } from "../parser.ts";
import { DIR_TOSERVER, PARSE_ERROR, PARSE_OK, PARSE_UPGRADE, PROBE_NEED_MORE } from "../parser.ts";
import { ALPROTO_POP3, ALPROTO_TLS, ALPROTO_UNKNOWN } from "../proto.ts";
import { SlotStates } from "../slot-pool.ts";

export const A_POP3_REQUEST_TOO_LONG = defineAnomaly("pop3.request_too_long", "applayer");
export const A_POP3_RESPONSE_TOO_LONG = defineAnomaly("pop3.response_too_long", "applayer");
export const A_POP3_UNKNOWN_COMMAND = defineAnomaly("pop3.unknown_command", "applayer");

export interface Pop3Config {
  maxFlows: number;
  lineBytes: number;
}

export function defaultPop3Config(): Pop3Config {
  return { maxFlows: 1024, lineBytes: 512 };
}

const K_SINGLE = 0;
const K_MULTI = 1; // a +OK answer is followed by lines until "."
const K_STLS = 2;
const K_AUTH = 3; // SASL exchange: "+ " continuations

const KNOWN = ["user", "pass", "stat", "dele", "noop", "rset", "quit", "apop", "auth", "stls", "retr", "top", "list", "uidl", "capa", "last", "utf8"];
const MAX_PENDING = 32;

class Pop3Slot {
  readonly lines: LineReader[];
  readonly pending = new Uint8Array(MAX_PENDING);
  head = 0;
  count = 0;
  greeted = false;
  inMulti = false;
  commands = 0;

  constructor(cfg: Pop3Config) {
    this.lines = [new LineReader(cfg.lineBytes, false), new LineReader(cfg.lineBytes, false)];
  }

  reset(): void {
    this.lines[0].reset();
    this.lines[1].reset();
    this.head = 0;
    this.count = 0;
    this.greeted = false;
    this.inMulti = false;
    this.commands = 0;
  }
}

export class Pop3Parser implements AppParser {
  readonly proto = ALPROTO_POP3;
  upgradeTo = ALPROTO_UNKNOWN;
  /** With PARSE_UPGRADE: where in that call's `buf` the TLS bytes begin (after the reply that accepted it). */
  upgradeAt = 0;
  readonly config: Pop3Config;
  private readonly pool: SlotStates<Pop3Slot>;
  private readonly slots: Pop3Slot[];

  constructor(cfg: Partial<Pop3Config> = {}) {
    this.config = { ...defaultPop3Config(), ...cfg };
    this.pool = new SlotStates(this.config.maxFlows, () => new Pop3Slot(this.config));
    this.slots = this.pool.states;
  }

  get bytesPerFlow(): number {
    return 2 * this.config.lineBytes + MAX_PENDING + 64;
  }

  get exhausted(): number {
    return this.pool.exhausted;
  }

  commandCount(slot: number): number {
    return this.pool.isUsed(slot) ? this.slots[slot].commands : 0;
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
    const d = dir === DIR_TOSERVER ? 0 : 1;
    const r = st.lines[d];
    const end = off + len > buf.length ? buf.length : off + len;
    let i = off;
    while (i < end) {
      i = r.feed(buf, i, end);
      if (!r.ready) break;
      let res = PARSE_OK;
      if (d === 0) {
        if (r.truncated) sink.event(A_POP3_REQUEST_TOO_LONG);
        this.command(st, r.buf, r.len, sink);
      } else {
        if (r.truncated && !st.inMulti) sink.event(A_POP3_RESPONSE_TOO_LONG);
        res = this.response(st, r.buf, r.len);
      }
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
    this.slots[slot].lines[dir === DIR_TOSERVER ? 0 : 1].reset();
    return PARSE_OK;
  }

  eof(_slot: number, _dir: number, _sink: AppSink): void {}

  private command(st: Pop3Slot, line: Uint8Array, len: number, sink: AppSink): void {
    if (len === 0) return;
    let v = 0;
    while (v < len && line[v] !== 0x20) v++;
    let kind = -1;
    for (let k = 0; k < KNOWN.length; k++) {
      const w = KNOWN[k];
      if (w.length === v && startsWithWord(line, 0, len, w)) {
        if (w === "stls") kind = K_STLS;
        else if (w === "auth") kind = v < len ? K_AUTH : K_MULTI;
        else if (w === "retr" || w === "top" || w === "capa") kind = K_MULTI;
        else if (w === "list" || w === "uidl") kind = v < len ? K_SINGLE : K_MULTI;
        else kind = K_SINGLE;
        break;
      }
    }
    if (kind < 0) {
      // an AUTH exchange line (base64) is not a command
      if (st.count > 0 && st.pending[st.head] === K_AUTH) return;
      sink.event(A_POP3_UNKNOWN_COMMAND);
      kind = K_SINGLE;
    }
    st.commands++;
    if (st.count < MAX_PENDING) {
      st.pending[(st.head + st.count) % MAX_PENDING] = kind;
      st.count++;
    }
  }

  private response(st: Pop3Slot, line: Uint8Array, len: number): number {
    if (st.inMulti) {
      if (len === 1 && line[0] === 0x2e) st.inMulti = false;
      return PARSE_OK;
    }
    const ok = len >= 3 && line[0] === 0x2b && asciiLower(line[1]) === 0x6f && asciiLower(line[2]) === 0x6b;
    if (!st.greeted) {
      st.greeted = true;
      if (st.count === 0) return PARSE_OK;
    }
    if (len >= 1 && line[0] === 0x2b && (len === 1 || line[1] === 0x20) && st.count > 0 && st.pending[st.head] === K_AUTH) {
      return PARSE_OK; // SASL continuation: the exchange goes on
    }
    if (st.count === 0) return PARSE_OK;
    const kind = st.pending[st.head];
    st.head = (st.head + 1) % MAX_PENDING;
    st.count--;
    if (kind === K_MULTI && ok) st.inMulti = true;
    if (kind === K_STLS && ok) {
      this.upgradeTo = ALPROTO_TLS;
      return PARSE_UPGRADE;
    }
    return PARSE_OK;
  }
}

const PROBE_VERBS = ["capa", "stls", "apop"];

/**
 * Protocol detection: the "+OK" greeting, or a client CAPA/STLS/APOP/AUTH command. USER is left to the
 * server's greeting (FTP has USER too).
 */
export function probePop3(dir: number, buf: Uint8Array, off: number, len: number): number {
  const end = off + len > buf.length ? buf.length : off + len;
  const n = end - off;
  if (dir !== DIR_TOSERVER) {
    if (n < 3) return n > 0 && buf[off] !== 0x2b ? ALPROTO_UNKNOWN : PROBE_NEED_MORE;
    return buf[off] === 0x2b && asciiLower(buf[off + 1]) === 0x6f && asciiLower(buf[off + 2]) === 0x6b ? ALPROTO_POP3 : ALPROTO_UNKNOWN;
  }
  if (n < 4) {
    for (let w = 0; w < PROBE_VERBS.length; w++) {
      let ok = true;
      for (let i = 0; i < n; i++) if (asciiLower(buf[off + i]) !== PROBE_VERBS[w].charCodeAt(i)) ok = false;
      if (ok) return PROBE_NEED_MORE;
    }
    return ALPROTO_UNKNOWN;
  }
  if (
    startsWithWord(buf, off, end, "capa") || startsWithWord(buf, off, end, "stls") ||
    startsWithWord(buf, off, end, "apop ")
  ) return ALPROTO_POP3;
  return ALPROTO_UNKNOWN;
}
