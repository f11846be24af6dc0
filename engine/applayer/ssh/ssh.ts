/**
 * The SSH parser (ALPROTO_SSH) and its probe: the identification line each side sends first
 * (`SSH-2.0-OpenSSH_8.9p1 Ubuntu-3`) becomes `ssh.proto` ("2.0") and `ssh.software` ("OpenSSH_8.9p1");
 * then the binary packets are walked (length, message code) until NEWKEYS, after which the direction is
 * encrypted and only its bytes are counted.
 *
 * One transaction per flow (tx id 0), reported when a banner is complete: TX_REQUEST_LINE for the
 * client's, TX_RESPONSE_LINE for the server's, and TX_REQUEST_DONE | TX_RESPONSE_DONE once both sides
 * sent NEWKEYS. The buffers hold the banner of the direction whose bytes caused the report.
 *
 * Hot path: `parse` allocates nothing and never throws; banners are kept in per-slot regions of
 * `bannerBytes` (longer ones raise `ssh.long_banner` and are cut). Malformed input raises Suricata's
 * `ssh.invalid_banner` / `ssh.invalid_record_length` and gives up on the flow.
 *
 * @example
 * ```ts
 * import { SshParser, defaultSshConfig } from "./ssh.ts";
 * const ssh = new SshParser(defaultSshConfig());
 * const slot = ssh.open();
 * // ssh.parse(slot, DIR_TOSERVER, bytes, 0, bytes.length, sink); // sink.tx(0, 0, TX_REQUEST_LINE)
 * ssh.close(slot);
 * ```
 */
import { defineAnomaly } from "../../anomaly.ts";
import { BUF_SSH_PROTO, BUF_SSH_SOFTWARE } from "../../detect/buffers.ts";
import type { AppParser, AppSink } from "../parser.ts";
import {
  PARSE_ERROR,
  PARSE_OK,
  PROBE_NEED_MORE,
  TX_REQUEST_DONE,
  TX_REQUEST_LINE,
  TX_RESPONSE_DONE,
  TX_RESPONSE_LINE,
} from "../parser.ts";
import { ALPROTO_SSH, ALPROTO_UNKNOWN } from "../proto.ts";
import { SlotPool } from "../slot-pool.ts";

export const A_SSH_INVALID_BANNER = defineAnomaly("ssh.invalid_banner", "applayer");
export const A_SSH_LONG_BANNER = defineAnomaly("ssh.long_banner", "applayer");
export const A_SSH_INVALID_RECORD_LENGTH = defineAnomaly("ssh.invalid_record_length", "applayer");

export interface SshConfig {
  /** Flows parsed at once (pool slots). */
  maxFlows: number;
  /** Bytes of each banner kept (RFC 4253 allows 255 with CR LF). */
  bannerBytes: number;
}

export function defaultSshConfig(): SshConfig {
  return { maxFlows: 1024, bannerBytes: 256 };
}

const ST_BANNER = 0;
const ST_RECORDS = 1;
const ST_ENCRYPTED = 2;
const ST_DEAD = 3;

const MSG_NEWKEYS = 21;
/** RFC 4253 says 35000; implementations allow up to 256 KiB. */
const MAX_PACKET = 256 * 1024;
/** Non-SSH lines a server may send before its banner (RFC 4253 4.2). */
const MAX_PRE_BANNER_LINES = 16;

const SSH_ = [0x53, 0x53, 0x48, 0x2d]; // "SSH-"

/** SSH by content: the first bytes are "SSH-". */
export function probeSsh(_dir: number, buf: Uint8Array, off: number, len: number): number {
  const n = len < 4 ? len : 4;
  for (let i = 0; i < n; i++) if (buf[off + i] !== SSH_[i]) return ALPROTO_UNKNOWN;
  return len < 4 ? PROBE_NEED_MORE : ALPROTO_SSH;
}

export class SshParser implements AppParser {
  readonly proto = ALPROTO_SSH;
  upgradeTo = 0;
  upgradeAt = 0;
  readonly config: SshConfig;
  private readonly pool: SlotPool;
  // per direction (slot * 2 + dir)
  private readonly state: Uint8Array;
  private readonly banner: Uint8Array;
  private readonly bannerLen: Int32Array;
  private readonly bannerDone: Uint8Array;
  private readonly preLines: Uint8Array;
  private readonly hdr: Uint8Array;
  private readonly hdrLen: Uint8Array;
  private readonly skip: Int32Array;
  /** Binary packets seen before NEWKEYS, and bytes after it, per direction. */
  readonly packets: Uint32Array;
  readonly encryptedBytes: Float64Array;
  // per flow
  private readonly progress: Uint8Array;

  constructor(config: SshConfig = defaultSshConfig()) {
    if (!(config.maxFlows > 0)) throw new Error(`ssh: maxFlows must be positive (got ${config.maxFlows})`);
    if (!(config.bannerBytes >= 16)) throw new Error(`ssh: bannerBytes must be at least 16 (got ${config.bannerBytes})`);
    this.config = config;
    const n = config.maxFlows;
    this.pool = new SlotPool(n);
    this.state = new Uint8Array(n * 2);
    this.banner = new Uint8Array(n * 2 * config.bannerBytes);
    this.bannerLen = new Int32Array(n * 2);
    this.bannerDone = new Uint8Array(n * 2);
    this.preLines = new Uint8Array(n * 2);
    this.hdr = new Uint8Array(n * 2 * 6);
    this.hdrLen = new Uint8Array(n * 2);
    this.skip = new Int32Array(n * 2);
    this.packets = new Uint32Array(n * 2);
    this.encryptedBytes = new Float64Array(n * 2);
    this.progress = new Uint8Array(n);
  }

  /** Bytes of state one flow slot holds. */
  bytesPerSlot(): number {
    return 2 * (1 + this.config.bannerBytes + 4 + 1 + 1 + 6 + 1 + 4 + 4 + 8) + 1;
  }

  get exhausted(): number {
    return this.pool.exhausted;
  }

  open(): number {
    const s = this.pool.take();
    if (s < 0) return -1;
    for (let d = 0; d < 2; d++) {
      const i = s * 2 + d;
      this.state[i] = ST_BANNER;
      this.bannerLen[i] = 0;
      this.bannerDone[i] = 0;
      this.preLines[i] = 0;
      this.hdrLen[i] = 0;
      this.skip[i] = 0;
      this.packets[i] = 0;
      this.encryptedBytes[i] = 0;
    }
    this.progress[s] = 0;
    return s;
  }

  close(slot: number): void {
    this.pool.give(slot);
  }

  parse(slot: number, dir: number, buf: Uint8Array, off: number, len: number, sink: AppSink): number {
    if (!this.pool.isUsed(slot) || (dir !== 0 && dir !== 1)) return PARSE_ERROR;
    const i = slot * 2 + dir;
    let end = off + len;
    if (end > buf.length) end = buf.length;
    let p = off;
    const cap = this.config.bannerBytes;
    const bb = i * cap;
    while (p < end) {
      const st = this.state[i];
      if (st === ST_DEAD) return PARSE_ERROR;
      if (st === ST_ENCRYPTED) {
        this.encryptedBytes[i] += end - p;
        return PARSE_OK;
      }
      if (st === ST_BANNER) {
        const c = buf[p++];
        if (c !== 0x0a) {
          const l = this.bannerLen[i];
          if (l < cap) this.banner[bb + l] = c;
          else if (l === cap) sink.event(A_SSH_LONG_BANNER);
          this.bannerLen[i] = l + 1;
          // a line that cannot be a banner: fail early instead of buffering a non-SSH stream
          if (l < 4 && c !== SSH_[l] && dir === 0) {
            sink.event(A_SSH_INVALID_BANNER);
            this.state[i] = ST_DEAD;
            return PARSE_ERROR;
          }
          continue;
        }
        let l = this.bannerLen[i];
        if (l > cap) l = cap;
        if (l > 0 && this.banner[bb + l - 1] === 0x0d) l--;
        if (l < 4 || this.banner[bb] !== 0x53 || this.banner[bb + 1] !== 0x53 || this.banner[bb + 2] !== 0x48 ||
          this.banner[bb + 3] !== 0x2d) {
          // the server may send other lines first
          if (dir === 1 && ++this.preLines[i] <= MAX_PRE_BANNER_LINES) {
            this.bannerLen[i] = 0;
            continue;
          }
          sink.event(A_SSH_INVALID_BANNER);
          this.state[i] = ST_DEAD;
          return PARSE_ERROR;
        }
        this.bannerLen[i] = l;
        this.bannerDone[i] = 1;
        this.state[i] = ST_RECORDS;
        this.progress[slot] |= dir === 0 ? TX_REQUEST_LINE : TX_RESPONSE_LINE;
        this.report(slot, dir, sink);
        continue;
      }
      // binary packets: 4-byte length, padding length, message code, then the rest
      if (this.skip[i] > 0) {
        const n = end - p < this.skip[i] ? end - p : this.skip[i];
        this.skip[i] -= n;
        p += n;
        continue;
      }
      const h = i * 6;
      this.hdr[h + this.hdrLen[i]++] = buf[p++];
      if (this.hdrLen[i] < 6) continue;
      this.hdrLen[i] = 0;
      const pl = ((this.hdr[h] << 24) | (this.hdr[h + 1] << 16) | (this.hdr[h + 2] << 8) | this.hdr[h + 3]) >>> 0;
      if (pl < 2 || pl > MAX_PACKET) {
        sink.event(A_SSH_INVALID_RECORD_LENGTH);
        this.state[i] = ST_DEAD;
        return PARSE_ERROR;
      }
      this.packets[i]++;
      this.skip[i] = pl - 2;
      if (this.hdr[h + 5] === MSG_NEWKEYS) {
        // everything after this packet is encrypted (its own padding is counted with it: start below zero)
        this.state[i] = ST_ENCRYPTED;
        this.encryptedBytes[i] -= this.skip[i];
        this.skip[i] = 0;
        const o = slot * 2 + (dir ^ 1);
        if (this.state[o] === ST_ENCRYPTED) {
          this.progress[slot] |= TX_REQUEST_DONE | TX_RESPONSE_DONE;
          this.report(slot, dir, sink);
        }
      }
    }
    return PARSE_OK;
  }

  /** Fills the buffers from `dir`'s banner and reports transaction 0. */
  private report(slot: number, dir: number, sink: AppSink): void {
    const b = sink.buffers;
    b.reset();
    const i = slot * 2 + dir;
    if (this.bannerDone[i] !== 0) {
      const bb = i * this.config.bannerBytes;
      const end = bb + this.bannerLen[i];
      const d = this.banner;
      // "SSH-" proto "-" software [" " comments]
      let q = bb + 4;
      while (q < end && d[q] !== 0x2d && d[q] !== 0x20) q++;
      b.add(BUF_SSH_PROTO, d, bb + 4, q - (bb + 4));
      if (q < end && d[q] === 0x2d) {
        const s0 = q + 1;
        let e = s0;
        while (e < end && d[e] !== 0x20) e++;
        b.add(BUF_SSH_SOFTWARE, d, s0, e - s0);
      }
    }
    sink.tx(0, dir, this.progress[slot]);
  }

  gap(slot: number, dir: number, len: number): number {
    if (!this.pool.isUsed(slot)) return PARSE_ERROR;
    const i = slot * 2 + dir;
    if (this.state[i] === ST_ENCRYPTED) {
      this.encryptedBytes[i] += len;
      return PARSE_OK;
    }
    return PARSE_ERROR;
  }

  eof(_slot: number, _dir: number, _sink: AppSink): void {
    // a banner without its line end is not reported: nothing pending
  }

  // -- getters for application identification

  /** The bytes behind `bannerStart`. */
  get bannerData(): Uint8Array {
    return this.banner;
  }
  /** Where `dir`'s banner line (without CR LF) starts in `bannerData`; length 0 until it is complete. */
  bannerStart(slot: number, dir: number): number {
    return (slot * 2 + dir) * this.config.bannerBytes;
  }
  bannerLength(slot: number, dir: number): number {
    const i = slot * 2 + dir;
    return this.bannerDone[i] !== 0 ? this.bannerLen[i] : 0;
  }
}
