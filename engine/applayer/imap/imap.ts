/**
 * IMAP recognition (RFC 9051): the server greeting ("* OK" / "* PREAUTH"), tagged client commands and
 * server responses, literals (`{n}` / `{n+}`: the next n bytes are data, not lines), and STARTTLS —
 * answered by the tagged OK — returning PARSE_UPGRADE to TLS. Enough for protocol identification and
 * `app_proto`; no sticky buffers are filled (`commands` counts command lines).
 *
 * Hot path: `parse` allocates nothing and never throws.
 *
 * @example
 * ```ts
 * import { ImapParser, probeImap } from "./imap.ts";
 * const greeting = new TextEncoder().encode("* OK IMAP4rev1 ready\r\n");
 * probeImap(1, greeting, 0, greeting.length); // ALPROTO_IMAP
 * const p = new ImapParser({ maxFlows: 16 });
 * const slot = p.open();
 * p.parse(slot, 1, greeting, 0, greeting.length, sink);
 * ```
 */
import { defineAnomaly } from "../../anomaly.ts";
import { LineReader, startsWithWord } from "../line-reader.ts";
import type { AppParser, AppSink } from "../parser.ts";
import { DIR_TOSERVER, PARSE_ERROR, PARSE_OK, PARSE_UPGRADE, PROBE_NEED_MORE } from "../parser.ts";
import { ALPROTO_IMAP, ALPROTO_TLS, ALPROTO_UNKNOWN } from "../proto.ts";
import { SlotStates } from "../slot-pool.ts";

export const A_IMAP_LINE_TOO_LONG = defineAnomaly("imap.line_too_long", "applayer");

export interface ImapConfig {
  maxFlows: number;
  /** Longest line kept (the tag and command are at its start; the rest may be cut). */
  lineBytes: number;
}

export function defaultImapConfig(): ImapConfig {
  return { maxFlows: 1024, lineBytes: 512 };
}

/** The literal length a line announces at its end ("{123}" or "{123+}"), or -1. */
function literalAtEnd(b: Uint8Array, len: number): number {
  if (len < 3 || b[len - 1] !== 0x7d) return -1;
  let i = len - 2;
  if (b[i] === 0x2b) i--;
  let v = 0;
  let mul = 1;
  let d = 0;
  while (i >= 0 && b[i] >= 0x30 && b[i] <= 0x39 && d < 10) {
    v += (b[i] - 0x30) * mul;
    mul *= 10;
    i--;
    d++;
  }
  return d > 0 && i >= 0 && b[i] === 0x7b ? v : -1;
}

class ImapSlot {
  readonly lines: LineReader[];
  readonly literalLeft = new Float64Array(2);
  /** The tag of a STARTTLS command awaiting its answer (length 0: none). */
  readonly tag = new Uint8Array(64);
  tagLen = 0;
  commands = 0;

  constructor(cfg: ImapConfig) {
    this.lines = [new LineReader(cfg.lineBytes, false), new LineReader(cfg.lineBytes, false)];
  }

  reset(): void {
    this.lines[0].reset();
    this.lines[1].reset();
    this.literalLeft[0] = 0;
    this.literalLeft[1] = 0;
    this.tagLen = 0;
    this.commands = 0;
  }
}

export class ImapParser implements AppParser {
  readonly proto = ALPROTO_IMAP;
  upgradeTo = ALPROTO_UNKNOWN;
  /** With PARSE_UPGRADE: where in that call's `buf` the TLS bytes begin (after the reply that accepted it). */
  upgradeAt = 0;
  readonly config: ImapConfig;
  private readonly pool: SlotStates<ImapSlot>;
  private readonly slots: ImapSlot[];

  constructor(cfg: Partial<ImapConfig> = {}) {
    this.config = { ...defaultImapConfig(), ...cfg };
    this.pool = new SlotStates(this.config.maxFlows, () => new ImapSlot(this.config));
    this.slots = this.pool.states;
  }

  get bytesPerFlow(): number {
    return 2 * this.config.lineBytes + 128;
  }

  get exhausted(): number {
    return this.pool.exhausted;
  }

  /** Command lines seen on a slot (for tests and statistics). */
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
      const lit = st.literalLeft[d];
      if (lit > 0) {
        const n = end - i < lit ? end - i : lit;
        st.literalLeft[d] = lit - n;
        i += n;
        continue;
      }
      i = r.feed(buf, i, end);
      if (!r.ready) break;
      if (r.truncated) sink.event(A_IMAP_LINE_TOO_LONG);
      const n = literalAtEnd(r.buf, r.len);
      if (n > 0 && !r.truncated) st.literalLeft[d] = n;
      const res = d === 0 ? this.command(st, r.buf, r.len) : this.response(st, r.buf, r.len);
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
    const d = dir === DIR_TOSERVER ? 0 : 1;
    st.lines[d].reset();
    st.literalLeft[d] = 0;
    return PARSE_OK;
  }

  eof(_slot: number, _dir: number, _sink: AppSink): void {}

  private command(st: ImapSlot, line: Uint8Array, len: number): number {
    let t = 0;
    while (t < len && line[t] !== 0x20) t++;
    if (t === 0 || t >= len) return PARSE_OK;
    st.commands++;
    if (startsWithWord(line, t + 1, len, "starttls") && t <= st.tag.length) {
      for (let i = 0; i < t; i++) st.tag[i] = line[i];
      st.tagLen = t;
    }
    return PARSE_OK;
  }

  private response(st: ImapSlot, line: Uint8Array, len: number): number {
    const t = st.tagLen;
    if (t === 0 || len <= t || line[t] !== 0x20) return PARSE_OK;
    for (let i = 0; i < t; i++) if (line[i] !== st.tag[i]) return PARSE_OK;
    st.tagLen = 0;
    if (startsWithWord(line, t + 1, len, "ok")) {
      this.upgradeTo = ALPROTO_TLS;
      return PARSE_UPGRADE;
    }
    return PARSE_OK;
  }
}

const IMAP_CMDS = ["capability", "login ", "starttls", "authenticate ", "id ", "noop", "select ", "list "];

/** Protocol detection: "* OK" / "* PREAUTH" greetings, or a tagged CAPABILITY/LOGIN/STARTTLS/… command. */
export function probeImap(dir: number, buf: Uint8Array, off: number, len: number): number {
  const end = off + len > buf.length ? buf.length : off + len;
  if (dir !== DIR_TOSERVER) {
    if (end - off < 4) return end - off > 0 && buf[off] !== 0x2a ? ALPROTO_UNKNOWN : PROBE_NEED_MORE;
    if (startsWithWord(buf, off, end, "* ok") || startsWithWord(buf, off, end, "* preauth")) return ALPROTO_IMAP;
    if (end - off < 9 && startsWithWord(buf, off, end, "* p")) return PROBE_NEED_MORE;
    return ALPROTO_UNKNOWN;
  }
  // tag: 1..32 non-space printable characters, then a command
  let t = off;
  while (t < end && t - off < 33 && buf[t] > 0x20 && buf[t] < 0x7f && buf[t] !== 0x7b) t++;
  if (t === end) return t - off < 33 ? PROBE_NEED_MORE : ALPROTO_UNKNOWN;
  if (t === off || buf[t] !== 0x20) return ALPROTO_UNKNOWN;
  for (let c = 0; c < IMAP_CMDS.length; c++) if (startsWithWord(buf, t + 1, end, IMAP_CMDS[c])) return ALPROTO_IMAP;
  for (let i = t; i < end; i++) if (buf[i] === 0x0a) return ALPROTO_UNKNOWN;
  return end - t < 14 ? PROBE_NEED_MORE : ALPROTO_UNKNOWN;
}
