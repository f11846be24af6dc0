/**
 * SMB1/2/3 parser (ALPROTO_SMB): NetBIOS session service framing (also "direct TCP" on 445; records
 * split anywhere), SMB1 (0xFF 'SMB', AndX chains), SMB2/3 (0xFE 'SMB', compound requests), SMB3
 * transform (0xFD, encrypted: counted, not inspected) and compression transform (0xFC: header exposed,
 * SMBGhost's Offset/Length overflow raised as an event). Tracks per flow: dialect, trees (share names,
 * UTF-16 names turned into UTF-8 as Suricata does), open files and named pipes, outstanding requests
 * (a request/response pair is one transaction: SMB2 MessageId, SMB1 MID+PID). Pipe traffic (writes,
 * reads, FSCTL_PIPE_TRANSCEIVE, SMB1 TRANS) is fed to a `DcerpcParser` slot per pipe; file contents of
 * reads and writes go to `file.data` in offset order. SMB1 TRANS/TRANS2/NT_TRANS and their secondaries
 * are checked for inconsistent counts (EternalBlue) and their numbers exposed in `trans`.
 *
 * Must never allocate after construction nor throw on input: all state lives in typed arrays sized from
 * `SmbConfig`; a record longer than `maxRecord` is inspected truncated (its headers are still read).
 *
 * @example
 * ```ts
 * import { SmbParser } from "./smb.ts";
 * const smb = new SmbParser({ slots: 128 });
 * const slot = smb.open();
 * // smb.parse(slot, DIR_TOSERVER, bytes, 0, bytes.length, sink) → sink.tx(...) per SMB message
 * smb.close(slot);
 * ```
 */
import { defineAnomaly } from "../../anomaly.ts";
import type { InspectBuffers } from "../../detect/buffers.ts";
import { BUF_FILE_DATA, BUF_SMB_NAMED_PIPE, BUF_SMB_SHARE, FIELD_FILE_SIZE, FIELD_SMB_COMMAND } from "../../detect/buffers.ts";
import { DcerpcParser, probeDcerpc } from "../dcerpc/dcerpc.ts";
import type { DcerpcConfig } from "../dcerpc/dcerpc.ts";
import type { AppParser, AppSink, Probe } from "../parser.ts";
import {
  DIR_TOCLIENT,
  DIR_TOSERVER,
  PARSE_ERROR,
  PARSE_OK,
  PROBE_NEED_MORE,
  TX_REQUEST_DONE,
  TX_RESPONSE_DONE,
} from "../parser.ts";
import { ALPROTO_DCERPC, ALPROTO_SMB, ALPROTO_UNKNOWN } from "../proto.ts";
import { SlotPool } from "../slot-pool.ts";
import { copyAsciiz, utf16leToUtf8 } from "./utf16.ts";

// Suricata's SMB event names (rust/src/smb/events.rs) …
export const A_SMB_MALFORMED_DATA = defineAnomaly("smb.malformed_data", "applayer");
export const A_SMB_RECORD_OVERFLOW = defineAnomaly("smb.record_overflow", "applayer");
export const A_SMB_UNUSUAL_NBSS_TYPE = defineAnomaly("smb.unusual_nbss_type", "applayer");
export const A_SMB_DUPLICATE_NEGOTIATE = defineAnomaly("smb.duplicate_negotiate", "applayer");
export const A_SMB_NEGOTIATE_MALFORMED_DIALECTS = defineAnomaly("smb.negotiate_malformed_dialects", "applayer");
export const A_SMB_REQUEST_TO_CLIENT = defineAnomaly("smb.request_to_client", "applayer");
export const A_SMB_RESPONSE_TO_SERVER = defineAnomaly("smb.response_to_server", "applayer");
export const A_SMB_FILE_OVERLAP = defineAnomaly("smb.file_overlap", "applayer");
export const A_SMB_TOO_MANY_TRANSACTIONS = defineAnomaly("smb.too_many_transactions", "applayer");
// … and Tsugi's own, for what virtual patches need (Suricata has no event for these).
/** SMB3 compression transform whose OriginalCompressedSegmentSize + Offset overflows, or Offset/Length past the message (SMBGhost, CVE-2020-0796). */
export const A_SMB_COMPRESSION_INVALID = defineAnomaly("smb.compression_transform_invalid", "applayer");
/** SMB1 TRANS/TRANS2/NT_TRANS counts or offsets that do not add up (count > total, data past the message, displacement + count > total). */
export const A_SMB_TRANS_INCONSISTENT = defineAnomaly("smb.trans_inconsistent_counts", "applayer");
/** A TRANS*_SECONDARY whose primary is missing or of another kind (EternalBlue, CVE-2017-0144: TRANS2 secondary continuing an NT_TRANS). */
export const A_SMB_TRANS_SECONDARY_MISMATCH = defineAnomaly("smb.trans_secondary_mismatch", "applayer");

// SMB2 commands
export const SMB2_NEGOTIATE = 0;
export const SMB2_SESSION_SETUP = 1;
export const SMB2_TREE_CONNECT = 3;
export const SMB2_CREATE = 5;
export const SMB2_CLOSE = 6;
export const SMB2_READ = 8;
export const SMB2_WRITE = 9;
export const SMB2_IOCTL = 0xb;
// SMB1 commands
export const SMB1_CLOSE = 0x04;
export const SMB1_TRANS = 0x25;
export const SMB1_TRANS_SECONDARY = 0x26;
export const SMB1_READ_ANDX = 0x2e;
export const SMB1_WRITE_ANDX = 0x2f;
export const SMB1_TRANS2 = 0x32;
export const SMB1_TRANS2_SECONDARY = 0x33;
export const SMB1_NEGOTIATE = 0x72;
export const SMB1_SESSION_SETUP_ANDX = 0x73;
export const SMB1_LOGOFF_ANDX = 0x74;
export const SMB1_TREE_CONNECT_ANDX = 0x75;
export const SMB1_NT_TRANS = 0xa0;
export const SMB1_NT_TRANS_SECONDARY = 0xa1;
export const SMB1_NT_CREATE_ANDX = 0xa2;
export const SMB1_LOCKING_ANDX = 0x24;
export const FSCTL_PIPE_TRANSCEIVE = 0x0011c017;

/** `FIELD_SMB_COMMAND` holds SMB2 commands as is and SMB1 commands plus this (so the two never collide). */
export const SMB1_COMMAND_BASE = 0x100;

/** Indices into `SmbParser.trans` (per slot, the last SMB1 TRANS-family message). */
export const TRANS_CMD = 0; // SMB1 command of the message (0x25/0x26/0x32/0x33/0xa0/0xa1), 0 none
export const TRANS_PRIMARY_CMD = 1; // command of the primary it continues (secondaries), 0 unknown
export const TRANS_TOTAL_PARAM = 2;
export const TRANS_TOTAL_DATA = 3;
export const TRANS_PARAM_COUNT = 4;
export const TRANS_PARAM_OFFSET = 5;
export const TRANS_PARAM_DISP = 6;
export const TRANS_DATA_COUNT = 7;
export const TRANS_DATA_OFFSET = 8;
export const TRANS_DATA_DISP = 9;
export const TRANS_SUBCMD = 10; // TRANS2 subcommand (Setup[0]) / NT_TRANS function / TRANS Setup[0]
export const TRANS_MSG_LEN = 11; // SMB message length (from the SMB header)
export const TRANS_FIELDS = 12;

/** Indices into `SmbParser.compression` (per slot, the last SMB2 COMPRESSION_TRANSFORM_HEADER). */
export const COMP_ORIGINAL_SIZE = 0; // OriginalCompressedSegmentSize
export const COMP_ALGORITHM = 1;
export const COMP_FLAGS = 2;
export const COMP_OFFSET = 3; // Offset (unchained) or Length (chained)
export const COMP_MSG_LEN = 4; // bytes of the message after the NBSS header
export const COMP_COUNT = 5; // compression transforms seen on this flow
export const COMP_FIELDS = 6;

export interface SmbConfig {
  /** Per-flow state slots. */
  slots: number;
  /** Bytes of one NBSS record gathered when it arrives split; longer records are inspected truncated. */
  maxRecord: number;
  /** Tree connects remembered per flow. */
  maxTrees: number;
  /** Open files / pipes remembered per flow. */
  maxFiles: number;
  /** Outstanding requests per flow. */
  maxTx: number;
  /** Bytes kept of a share or file name (UTF-8). */
  maxName: number;
  /** The DCERPC parser fed with named-pipe traffic (its `slots` bounds pipes over all flows). */
  dcerpc: Partial<DcerpcConfig>;
}

export function defaultSmbConfig(): SmbConfig {
  return {
    slots: 256,
    maxRecord: 16384,
    maxTrees: 8,
    maxFiles: 16,
    maxTx: 16,
    maxName: 128,
    dcerpc: { slots: 256 },
  };
}

/** Recognises NBSS + SMB1/2/3 ("\0...\xffSMB", "\xfeSMB", "\xfdSMB", "\xfcSMB") or an NBSS session request. */
export const probeSmb: Probe = (_dir, buf, off, len) => {
  if (len < 1) return PROBE_NEED_MORE;
  const t = buf[off];
  if (t === 0x81) {
    if (len < 4) return PROBE_NEED_MORE;
    const l = ((buf[off + 1] & 1) << 16) | (buf[off + 2] << 8) | buf[off + 3];
    return l >= 68 && l <= 76 ? ALPROTO_SMB : ALPROTO_UNKNOWN;
  }
  if (t !== 0) return ALPROTO_UNKNOWN;
  if (len < 8) return PROBE_NEED_MORE;
  const m = buf[off + 4];
  if (m !== 0xff && m !== 0xfe && m !== 0xfd && m !== 0xfc) return ALPROTO_UNKNOWN;
  return buf[off + 5] === 0x53 && buf[off + 6] === 0x4d && buf[off + 7] === 0x42 ? ALPROTO_SMB : ALPROTO_UNKNOWN;
};

const NAME_NONE = 0;
const NAME_SHARE = 1;
const NAME_FILE = 2;

/** Forwards the DCERPC parser's transactions as the SMB message's own, with the SMB buffers added. */
class PipeSink implements AppSink {
  outer: AppSink;
  slot = 0;
  txIdx = 0;
  fileIdx = -1;
  fired = false;
  constructor(private readonly smb: SmbParser, dummy: AppSink) {
    this.outer = dummy;
  }
  get buffers(): InspectBuffers {
    return this.outer.buffers;
  }
  tx(_txId: number, dir: number, progress: number): void {
    this.fired = true;
    this.smb.fillSmb(this.slot, this.txIdx, this.fileIdx, this.outer.buffers);
    this.outer.tx(this.smb.txIdOf(this.slot, this.txIdx), dir, progress);
  }
  event(code: number): void {
    this.outer.event(code);
  }
}

export class SmbParser implements AppParser {
  readonly proto = ALPROTO_SMB;
  upgradeTo = 0;
  upgradeAt = 0;
  readonly config: SmbConfig;
  /** Named-pipe DCERPC (one slot per open pipe that carried data). */
  readonly dcerpc: DcerpcParser;
  /** Pipes whose DCERPC could not be tracked (DCERPC pool full). */
  pipesUntracked = 0;
  /** SMB3 encrypted (transform) messages seen, all flows. */
  encrypted = 0;
  /** Per slot: SMB2 DialectRevision negotiated (0x0202 … 0x0311), 1 for SMB1, 0 unknown. */
  readonly dialect: Uint16Array;
  /** Per slot × TRANS_FIELDS: the last SMB1 TRANS-family message's counts and offsets. */
  readonly trans: Uint32Array;
  /** Per slot × COMP_FIELDS: the last compression transform header. */
  readonly compression: Uint32Array;

  private readonly pool: SlotPool;
  // framing per slot*2+dir
  private readonly hdr: Uint8Array;
  private readonly hdrHave: Int32Array;
  private readonly recLen: Int32Array;
  private readonly recHave: Int32Array;
  private readonly skip: Int32Array;
  private readonly resync: Uint8Array;
  private readonly rec: Uint8Array;
  // trees per slot*maxTrees
  private readonly treeUsed: Uint8Array;
  private readonly treeId: Uint32Array;
  private readonly treePipe: Uint8Array;
  private readonly treeName: Uint8Array;
  private readonly treeNameLen: Int32Array;
  private readonly treeNext: Int32Array;
  // files per slot*maxFiles
  private readonly fileUsed: Uint8Array;
  private readonly fileKey: Uint8Array; // 16 bytes each
  private readonly filePipe: Uint8Array;
  private readonly fileTree: Uint32Array;
  private readonly fileName: Uint8Array;
  private readonly fileNameLen: Int32Array;
  private readonly fileDce: Int32Array; // dcerpc slot, -1 none yet, -2 not DCERPC
  private readonly fileNext: Float64Array; // [write next, read next] per file
  private readonly fileSize: Float64Array;
  private readonly fileRound: Int32Array;
  // transactions per slot*maxTx
  private readonly txUsed: Uint8Array;
  private readonly txKeyLo: Uint32Array;
  private readonly txKeyHi: Uint32Array;
  private readonly txIdArr: Int32Array;
  private readonly txCmd: Int32Array;
  private readonly txTree: Uint32Array;
  private readonly txFile: Int32Array;
  private readonly txOffset: Float64Array;
  private readonly txNameKind: Uint8Array;
  private readonly txName: Uint8Array;
  private readonly txNameLen: Int32Array;
  private readonly txTransCmd: Int32Array;
  private readonly txTotalParam: Uint32Array;
  private readonly txTotalData: Uint32Array;
  private readonly txAge: Int32Array;
  private readonly txCounter: Int32Array;
  private readonly txClock: Int32Array;
  private readonly negotiated: Uint8Array;
  private readonly pipeSink: PipeSink;
  // file data of the message being handled
  private dataBuf: Uint8Array;
  private dataOff = 0;
  private dataLen = 0;

  constructor(cfg: Partial<SmbConfig> = {}) {
    const c = { ...defaultSmbConfig(), ...cfg };
    if (!(c.slots > 0) || !(c.maxRecord >= 64) || !(c.maxTrees > 0) || !(c.maxFiles > 0) || !(c.maxTx > 0) || !(c.maxName > 0)) {
      throw new Error("smb config: slots, maxTrees, maxFiles, maxTx, maxName > 0 and maxRecord >= 64 are required");
    }
    this.config = c;
    const n = c.slots;
    this.dcerpc = new DcerpcParser(c.dcerpc);
    this.dialect = new Uint16Array(n);
    this.trans = new Uint32Array(n * TRANS_FIELDS);
    this.compression = new Uint32Array(n * COMP_FIELDS);
    this.pool = new SlotPool(n);
    this.hdr = new Uint8Array(n * 2 * 4);
    this.hdrHave = new Int32Array(n * 2);
    this.recLen = new Int32Array(n * 2);
    this.recHave = new Int32Array(n * 2);
    this.skip = new Int32Array(n * 2);
    this.resync = new Uint8Array(n * 2);
    this.rec = new Uint8Array(n * 2 * c.maxRecord);
    const t = n * c.maxTrees;
    this.treeUsed = new Uint8Array(t);
    this.treeId = new Uint32Array(t);
    this.treePipe = new Uint8Array(t);
    this.treeName = new Uint8Array(t * c.maxName);
    this.treeNameLen = new Int32Array(t);
    this.treeNext = new Int32Array(n);
    const f = n * c.maxFiles;
    this.fileUsed = new Uint8Array(f);
    this.fileKey = new Uint8Array(f * 16);
    this.filePipe = new Uint8Array(f);
    this.fileTree = new Uint32Array(f);
    this.fileName = new Uint8Array(f * c.maxName);
    this.fileNameLen = new Int32Array(f);
    this.fileDce = new Int32Array(f).fill(-1);
    this.fileNext = new Float64Array(f * 2);
    this.fileSize = new Float64Array(f);
    this.fileRound = new Int32Array(n);
    const x = n * c.maxTx;
    this.txUsed = new Uint8Array(x);
    this.txKeyLo = new Uint32Array(x);
    this.txKeyHi = new Uint32Array(x);
    this.txIdArr = new Int32Array(x);
    this.txCmd = new Int32Array(x);
    this.txTree = new Uint32Array(x);
    this.txFile = new Int32Array(x);
    this.txOffset = new Float64Array(x);
    this.txNameKind = new Uint8Array(x);
    this.txName = new Uint8Array(x * c.maxName);
    this.txNameLen = new Int32Array(x);
    this.txTransCmd = new Int32Array(x);
    this.txTotalParam = new Uint32Array(x);
    this.txTotalData = new Uint32Array(x);
    this.txAge = new Int32Array(x);
    this.txCounter = new Int32Array(n);
    this.txClock = new Int32Array(n);
    this.negotiated = new Uint8Array(n);
    this.dataBuf = this.rec;
    const dummy: AppSink = { buffers: null as unknown as InspectBuffers, tx() {}, event() {} };
    this.pipeSink = new PipeSink(this, dummy);
  }

  /** Bytes of typed-array state per SMB slot (without the DCERPC pool, see `DcerpcParser.bytesPerSlot`). */
  static bytesPerSlot(cfg: Partial<SmbConfig> = {}): number {
    const c = { ...defaultSmbConfig(), ...cfg };
    return 2 * (4 + 4 * 4 + 1 + c.maxRecord) + 2 + TRANS_FIELDS * 4 + COMP_FIELDS * 4 + 4 + 1 + 4 * 3 +
      c.maxTrees * (1 + 4 + 1 + c.maxName + 4) +
      c.maxFiles * (1 + 16 + 1 + c.maxName + 4 + 4 + 16 + 8) +
      c.maxTx * (1 + 4 + 4 + 4 + 4 + 4 + 4 + 8 + 1 + c.maxName + 4 + 4 + 4 + 4 + 4);
  }

  /** Slots refused because the pool was full. */
  get exhausted(): number {
    return this.pool.exhausted;
  }

  open(): number {
    const s = this.pool.take();
    if (s >= 0) this.resetSlot(s);
    return s;
  }

  close(slot: number): void {
    if (!this.valid(slot)) return;
    const c = this.config;
    for (let i = slot * c.maxFiles; i < (slot + 1) * c.maxFiles; i++) this.dropFile(i);
    this.pool.give(slot);
  }

  /** Slots free in the pool. */
  available(): number {
    return this.pool.available;
  }

  private valid(slot: number): boolean {
    return this.pool.isUsed(slot);
  }

  private resetSlot(s: number): void {
    const c = this.config;
    for (let d = 0; d < 2; d++) {
      const i = s * 2 + d;
      this.hdrHave[i] = 0;
      this.recLen[i] = 0;
      this.recHave[i] = 0;
      this.skip[i] = 0;
      this.resync[i] = 0;
    }
    for (let i = s * c.maxTrees; i < (s + 1) * c.maxTrees; i++) this.treeUsed[i] = 0;
    this.treeNext[s] = 0;
    for (let i = s * c.maxFiles; i < (s + 1) * c.maxFiles; i++) {
      this.fileUsed[i] = 0;
      this.fileDce[i] = -1;
    }
    this.fileRound[s] = 0;
    for (let i = s * c.maxTx; i < (s + 1) * c.maxTx; i++) this.txUsed[i] = 0;
    this.txCounter[s] = 0;
    this.txClock[s] = 0;
    this.negotiated[s] = 0;
    this.dialect[s] = 0;
    this.trans.fill(0, s * TRANS_FIELDS, (s + 1) * TRANS_FIELDS);
    this.compression.fill(0, s * COMP_FIELDS, (s + 1) * COMP_FIELDS);
  }

  // ---------------------------------------------------------------- framing

  parse(slot: number, dir: number, buf: Uint8Array, off: number, len: number, sink: AppSink): number {
    if (!this.valid(slot)) return PARSE_ERROR;
    dir &= 1;
    const i = slot * 2 + dir;
    const maxRec = this.config.maxRecord;
    const base = i * maxRec;
    const end = off + len;
    let p = off;
    while (p < end) {
      if (this.skip[i] > 0) {
        const n = Math.min(this.skip[i], end - p);
        this.skip[i] -= n;
        p += n;
        continue;
      }
      if (this.resync[i] === 1) {
        const q = findSmbHeader(buf, p, end);
        if (q < 0) break; // the header must arrive in one piece to be found

        this.resync[i] = 0;
        this.hdrHave[i] = 0;
        p = q;
      }
      let hh = this.hdrHave[i];
      if (hh === 0 && end - p >= 4) {
        // Zero-copy path: the whole record is in this piece.
        const rl = nbssLen(buf, p);
        if (buf[p] === 0 && end - p - 4 >= rl) {
          if (rl > 0) this.record(slot, dir, buf, p + 4, rl, rl, sink);
          p += 4 + rl;
          continue;
        }
      }
      if (hh < 4) {
        while (hh < 4 && p < end) this.hdr[i * 4 + hh++] = buf[p++];
        this.hdrHave[i] = hh;
        if (hh < 4) break;
        const type = this.hdr[i * 4];
        const rl = nbssLen(this.hdr, i * 4);
        this.recLen[i] = rl;
        this.recHave[i] = 0;
        if (type !== 0) {
          if (type < 0x81 || type > 0x85) sink.event(A_SMB_UNUSUAL_NBSS_TYPE);
          this.skip[i] = rl;
          this.hdrHave[i] = 0;
          continue;
        }
      }
      const rl = this.recLen[i];
      const want = rl < maxRec ? rl : maxRec;
      let have = this.recHave[i];
      if (have < want) {
        const n = Math.min(want - have, end - p);
        for (let k = 0; k < n; k++) this.rec[base + have + k] = buf[p + k];
        have += n;
        p += n;
        this.recHave[i] = have;
        if (have < want) break;
      }
      this.hdrHave[i] = 0;
      this.recHave[i] = 0;
      if (rl > maxRec) {
        sink.event(A_SMB_RECORD_OVERFLOW);
        this.skip[i] = rl - maxRec;
      }
      if (want > 0) this.record(slot, dir, this.rec, base, want, rl, sink);
    }
    return PARSE_OK;
  }

  gap(slot: number, dir: number, _len: number): number {
    if (!this.valid(slot)) return PARSE_ERROR;
    const i = slot * 2 + (dir & 1);
    this.hdrHave[i] = 0;
    this.recHave[i] = 0;
    this.skip[i] = 0;
    this.resync[i] = 1; // find the next NBSS + SMB header
    return PARSE_OK;
  }

  eof(_slot: number, _dir: number, _sink: AppSink): void {}

  // ---------------------------------------------------------------- messages

  /** One NBSS session message: `avail` bytes at `off` of a record `recLen` long. */
  private record(slot: number, dir: number, b: Uint8Array, off: number, avail: number, recLen: number, sink: AppSink): void {
    if (avail < 4 || b[off + 1] !== 0x53 || b[off + 2] !== 0x4d || b[off + 3] !== 0x42) {
      sink.event(A_SMB_MALFORMED_DATA);
      return;
    }
    const end = off + avail;
    this.dataLen = 0;
    switch (b[off]) {
      case 0xff:
        this.smb1(slot, dir, b, off, end, sink);
        return;
      case 0xfe: {
        // compound: NextCommand chains messages inside one record
        let p = off;
        for (let k = 0; k < 64; k++) {
          if (end - p < 64 || b[p] !== 0xfe || b[p + 1] !== 0x53 || b[p + 2] !== 0x4d || b[p + 3] !== 0x42) {
            sink.event(A_SMB_MALFORMED_DATA);
            return;
          }
          const next = u32(b, p + 20);
          const msgEnd = next !== 0 && next >= 64 && p + next <= end ? p + next : end;
          this.smb2(slot, dir, b, p, msgEnd, sink);
          if (next === 0) return;
          if (next < 64 || p + next >= end) {
            if (p + next > end || next < 64) sink.event(A_SMB_MALFORMED_DATA);
            return;
          }
          p += next;
        }
        return;
      }
      case 0xfd:
        this.encrypted++;
        return;
      case 0xfc:
        this.compressionTransform(slot, b, off, avail, recLen, sink);
        return;
      default:
        sink.event(A_SMB_MALFORMED_DATA);
    }
  }

  /** SMB2 COMPRESSION_TRANSFORM_HEADER (MS-SMB2 2.2.42). */
  private compressionTransform(slot: number, b: Uint8Array, off: number, avail: number, recLen: number, sink: AppSink): void {
    if (avail < 16) {
      sink.event(A_SMB_MALFORMED_DATA);
      return;
    }
    const orig = u32(b, off + 4);
    const algo = u16(b, off + 8);
    const flags = u16(b, off + 10);
    const ol = u32(b, off + 12);
    const c = slot * COMP_FIELDS;
    this.compression[c + COMP_ORIGINAL_SIZE] = orig;
    this.compression[c + COMP_ALGORITHM] = algo;
    this.compression[c + COMP_FLAGS] = flags;
    this.compression[c + COMP_OFFSET] = ol;
    this.compression[c + COMP_MSG_LEN] = recLen;
    this.compression[c + COMP_COUNT]++;
    let bad = false;
    if ((flags & 1) === 0) {
      // unchained: Offset bytes of uncompressed data follow the header, then the compressed part
      if (orig + ol > 0xffffffff || ol > recLen - 16) bad = true;
    } else {
      // chained: Length is the first payload header's length; walk the payload headers we have
      let p = off + 8;
      const end = off + avail;
      let total = 0;
      for (let k = 0; k < 64 && p + 8 <= end; k++) {
        const pa = u16(b, p);
        const plen = u32(b, p + 4);
        if (pa !== 0 && plen < 4) bad = true;
        total += plen;
        if (p + 8 + plen > off + recLen || total > recLen) {
          bad = true;
          break;
        }
        if (pa !== 0 && p + 12 <= end && u32(b, p + 8) + plen > 0xffffffff) bad = true;
        p += 8 + plen;
      }
    }
    if (bad) sink.event(A_SMB_COMPRESSION_INVALID);
    const tx = this.txNew(slot, 0xfffffffc, this.txClock[slot], -1, 0, sink);
    this.emit(slot, tx, -1, DIR_TOSERVER, TX_REQUEST_DONE, sink);
    this.txUsed[slot * this.config.maxTx + tx] = 0;
  }

  private smb2(slot: number, dir: number, b: Uint8Array, h: number, end: number, sink: AppSink): void {
    const cmd = u16(b, h + 12);
    const status = u32(b, h + 8);
    const flags = u32(b, h + 16);
    const resp = (flags & 1) !== 0;
    const midLo = u32(b, h + 24);
    const midHi = u32(b, h + 28);
    const async = (flags & 2) !== 0;
    const treeId = async ? 0 : u32(b, h + 36);
    const body = h + 64;
    if (resp && dir === DIR_TOSERVER) sink.event(A_SMB_RESPONSE_TO_SERVER);
    if (!resp && dir === DIR_TOCLIENT) sink.event(A_SMB_REQUEST_TO_CLIENT);
    const mx = this.config.maxTx;
    this.dataLen = 0;
    if (!resp) {
      const tx = this.txNew(slot, midLo, midHi, cmd, treeId, sink);
      const tb = slot * mx + tx;
      let fileIdx = -1;
      let pipeData = -1;
      let pipeLen = 0;
      switch (cmd) {
        case SMB2_NEGOTIATE: {
          if (this.negotiated[slot] !== 0) sink.event(A_SMB_DUPLICATE_NEGOTIATE);
          this.negotiated[slot] = 1;
          if (end - body >= 36) {
            const n = u16(b, body + 2);
            if (body + 36 + n * 2 > end || n === 0) sink.event(A_SMB_NEGOTIATE_MALFORMED_DIALECTS);
          } else sink.event(A_SMB_MALFORMED_DATA);
          break;
        }
        case SMB2_TREE_CONNECT: {
          if (end - body < 8) {
            sink.event(A_SMB_MALFORMED_DATA);
            break;
          }
          const po = u16(b, body + 4);
          const pl = u16(b, body + 6);
          if (h + po + pl > end || (pl > 0 && po < 64 + 8)) {
            sink.event(A_SMB_MALFORMED_DATA);
            break;
          }
          this.txSetName(tb, NAME_SHARE, b, h + po, pl, true);
          break;
        }
        case SMB2_CREATE: {
          if (end - body < 56) {
            sink.event(A_SMB_MALFORMED_DATA);
            break;
          }
          const no = u16(b, body + 44);
          const nl = u16(b, body + 46);
          if (nl > 0 && (h + no + nl > end || no < 64)) {
            sink.event(A_SMB_MALFORMED_DATA);
            break;
          }
          this.txSetName(tb, NAME_FILE, b, h + no, nl, true);
          break;
        }
        case SMB2_CLOSE: {
          if (end - body < 24) break;
          fileIdx = this.findFile(slot, b, body + 8, 16);
          this.txFile[tb] = fileIdx;
          break;
        }
        case SMB2_READ: {
          if (end - body < 32) {
            sink.event(A_SMB_MALFORMED_DATA);
            break;
          }
          fileIdx = this.findFile(slot, b, body + 16, 16);
          this.txFile[tb] = fileIdx;
          this.txOffset[tb] = u32(b, body + 8) + u32(b, body + 12) * 4294967296;
          break;
        }
        case SMB2_WRITE: {
          if (end - body < 32) {
            sink.event(A_SMB_MALFORMED_DATA);
            break;
          }
          fileIdx = this.findFile(slot, b, body + 16, 16);
          this.txFile[tb] = fileIdx;
          const dOff = u16(b, body + 2);
          let dLen = u32(b, body + 4);
          const at = u32(b, body + 8) + u32(b, body + 12) * 4294967296;
          if (dOff < 64 + 48 || h + dOff > end) {
            if (dLen > 0) sink.event(A_SMB_MALFORMED_DATA);
            break;
          }
          if (h + dOff + dLen > end) dLen = end - h - dOff; // truncated record
          if (this.isPipe(slot, fileIdx, b, h + dOff, dLen)) {
            pipeData = h + dOff;
            pipeLen = dLen;
          } else if (fileIdx >= 0) this.fileData(fileIdx, 0, at, b, h + dOff, dLen, sink);
          break;
        }
        case SMB2_IOCTL: {
          if (end - body < 56) {
            sink.event(A_SMB_MALFORMED_DATA);
            break;
          }
          fileIdx = this.findFile(slot, b, body + 8, 16);
          this.txFile[tb] = fileIdx;
          if (u32(b, body + 4) !== FSCTL_PIPE_TRANSCEIVE) break;
          const io = u32(b, body + 24);
          let ic = u32(b, body + 28);
          if (io > end - h) break;
          if (h + io + ic > end) ic = end - h - io;
          if (this.isPipe(slot, fileIdx, b, h + io, ic)) {
            pipeData = h + io;
            pipeLen = ic;
          }
          break;
        }
        default:
          break;
      }
      this.finish(slot, tx, fileIdx, DIR_TOSERVER, TX_REQUEST_DONE, b, pipeData, pipeLen, sink);
      return;
    }

    // response
    let tx = this.txFind(slot, midLo, midHi);
    if (tx < 0) tx = this.txNew(slot, midLo, midHi, cmd, treeId, sink);
    const tb = slot * mx + tx;
    if (status === 0x103 && async) {
      // STATUS_PENDING interim response: the final one follows
      return;
    }
    const isError = end - body >= 2 && u16(b, body) === 9 && status !== 0;
    let fileIdx = this.txFile[tb];
    let pipeData = -1;
    let pipeLen = 0;
    if (!isError) {
      switch (cmd) {
        case SMB2_NEGOTIATE:
          if (end - body >= 6) this.dialect[slot] = u16(b, body + 4);
          break;
        case SMB2_TREE_CONNECT:
          if (status === 0 && end - body >= 4) {
            this.addTree(slot, treeId, b[body + 2] === 2, tb);
          }
          break;
        case SMB2_CREATE:
          if (status === 0 && end - body >= 80) {
            fileIdx = this.addFile(slot, b, body + 64, 16, this.txTree[tb], tb);
            if (fileIdx >= 0) this.fileSize[fileIdx] = u32(b, body + 48) + u32(b, body + 52) * 4294967296;
            this.txFile[tb] = fileIdx;
          }
          break;
        case SMB2_CLOSE:
          if (status === 0 && fileIdx >= 0) {
            this.emitResponse(slot, tx, fileIdx, sink);
            this.dropFile(fileIdx);
            return;
          }
          break;
        case SMB2_READ: {
          if (end - body < 8) break;
          const dOff = b[body + 2];
          let dLen = u32(b, body + 4);
          if (dOff < 64 + 16 || h + dOff > end) break;
          if (h + dOff + dLen > end) dLen = end - h - dOff;
          if (this.isPipe(slot, fileIdx, b, h + dOff, dLen)) {
            pipeData = h + dOff;
            pipeLen = dLen;
          } else if (fileIdx >= 0) this.fileData(fileIdx, 1, this.txOffset[tb], b, h + dOff, dLen, sink);
          break;
        }
        case SMB2_IOCTL: {
          if (end - body < 48) break;
          const f = this.findFile(slot, b, body + 8, 16);
          if (f >= 0) fileIdx = f;
          if (u32(b, body + 4) !== FSCTL_PIPE_TRANSCEIVE) break;
          const oo = u32(b, body + 32);
          let oc = u32(b, body + 36);
          if (oo > end - h) break;
          if (h + oo + oc > end) oc = end - h - oo;
          if (this.isPipe(slot, fileIdx, b, h + oo, oc)) {
            pipeData = h + oo;
            pipeLen = oc;
          }
          break;
        }
        default:
          break;
      }
    }
    this.finish(slot, tx, fileIdx, DIR_TOCLIENT, TX_REQUEST_DONE | TX_RESPONSE_DONE, b, pipeData, pipeLen, sink);
    this.txUsed[tb] = 0;
  }

  private emitResponse(slot: number, tx: number, fileIdx: number, sink: AppSink): void {
    this.emit(slot, tx, fileIdx, DIR_TOCLIENT, TX_REQUEST_DONE | TX_RESPONSE_DONE, sink);
    this.txUsed[slot * this.config.maxTx + tx] = 0;
  }

  // ---------------------------------------------------------------- SMB1

  private smb1(slot: number, dir: number, b: Uint8Array, h: number, end: number, sink: AppSink): void {
    if (end - h < 35) {
      sink.event(A_SMB_MALFORMED_DATA);
      return;
    }
    const first = b[h + 4];
    const status = u32(b, h + 5);
    const resp = (b[h + 9] & 0x80) !== 0;
    const unicode = (u16(b, h + 10) & 0x8000) !== 0;
    const tid = u16(b, h + 24);
    const key = (u16(b, h + 30) | (u16(b, h + 26) << 16)) >>> 0; // MID | PIDLow << 16
    const keyHi = u16(b, h + 12) | 0x10000; // PIDHigh, marked SMB1
    if (this.dialect[slot] === 0) this.dialect[slot] = 1;
    if (resp && dir === DIR_TOSERVER) sink.event(A_SMB_RESPONSE_TO_SERVER);
    if (!resp && dir === DIR_TOCLIENT) sink.event(A_SMB_REQUEST_TO_CLIENT);
    this.dataLen = 0;
    const mx = this.config.maxTx;
    const secondary = first === SMB1_TRANS_SECONDARY || first === SMB1_TRANS2_SECONDARY || first === SMB1_NT_TRANS_SECONDARY;
    let tx: number;
    if (resp) {
      tx = this.txFind(slot, key, keyHi);
      if (tx < 0) tx = this.txNew(slot, key, keyHi, SMB1_COMMAND_BASE + first, tid, sink);
    } else if (secondary) {
      tx = this.txFind(slot, key, keyHi);
      if (tx < 0) {
        sink.event(A_SMB_TRANS_SECONDARY_MISMATCH);
        tx = this.txNew(slot, key, keyHi, SMB1_COMMAND_BASE + first, tid, sink);
      }
    } else {
      tx = this.txNew(slot, key, keyHi, SMB1_COMMAND_BASE + first, tid, sink);
    }
    const tb = slot * mx + tx;
    let fileIdx = this.txFile[tb];
    let pipeData = -1;
    let pipeLen = 0;
    let cmd = first;
    let w = h + 32; // WordCount position
    for (let hop = 0; hop < 8; hop++) {
      if (w + 1 > end) {
        sink.event(A_SMB_MALFORMED_DATA);
        break;
      }
      const wc = b[w];
      const words = w + 1;
      if (words + wc * 2 + 2 > end) {
        if (!(resp && status !== 0 && wc === 0)) sink.event(A_SMB_MALFORMED_DATA);
        break;
      }
      const bc = u16(b, words + wc * 2);
      const bytes = words + wc * 2 + 2;
      const bytesEnd = bytes + bc <= end ? bytes + bc : end;
      const ok = status === 0 || (status === 0x80000005 && cmd === SMB1_READ_ANDX);
      switch (cmd) {
        case SMB1_NEGOTIATE:
          if (!resp) {
            if (this.negotiated[slot] !== 0) sink.event(A_SMB_DUPLICATE_NEGOTIATE);
            this.negotiated[slot] = 1;
            if (bc === 0 || b[bytes] !== 2) sink.event(A_SMB_NEGOTIATE_MALFORMED_DIALECTS);
          }
          break;
        case SMB1_TREE_CONNECT_ANDX:
          if (!resp && wc >= 4) {
            let ps = bytes + u16(b, words + 6);
            if (unicode && ((ps - h) & 1) === 1) ps++;
            if (ps <= bytesEnd) this.txSetName(tb, NAME_SHARE, b, ps, bytesEnd - ps, unicode);
            else sink.event(A_SMB_MALFORMED_DATA);
          } else if (resp && ok && wc >= 2) {
            this.addTree(slot, tid, false, tb);
          }
          break;
        case SMB1_NT_CREATE_ANDX:
          if (!resp && wc >= 24) {
            const nl = u16(b, words + 5);
            let ns = bytes;
            if (unicode && ((ns - h) & 1) === 1) ns++;
            const ne = ns + nl <= bytesEnd ? ns + nl : bytesEnd;
            if (ns <= ne) this.txSetName(tb, NAME_FILE, b, ns, ne - ns, unicode);
          } else if (resp && ok && wc >= 34) {
            tmpKey[0] = b[words + 5];
            tmpKey[1] = b[words + 6];
            fileIdx = this.addFile(slot, tmpKey, 0, 2, this.txTree[tb], tb);
            if (fileIdx >= 0) this.fileSize[fileIdx] = u32(b, words + 55) + u32(b, words + 59) * 4294967296;
            this.txFile[tb] = fileIdx;
          }
          break;
        case SMB1_CLOSE:
          if (!resp && wc >= 3) {
            fileIdx = this.findFile(slot, b, words, 2);
            this.txFile[tb] = fileIdx;
          } else if (resp && ok && fileIdx >= 0) {
            this.emitResponse(slot, tx, fileIdx, sink);
            this.dropFile(fileIdx);
            return;
          }
          break;
        case SMB1_WRITE_ANDX:
          if (!resp && wc >= 12) {
            fileIdx = this.findFile(slot, b, words + 4, 2);
            this.txFile[tb] = fileIdx;
            let at = u32(b, words + 6);
            if (wc >= 14) at += u32(b, words + 24) * 4294967296;
            let dLen = u16(b, words + 20) | (u16(b, words + 18) << 16);
            const ds = h + u16(b, words + 22);
            if (ds > end || ds < bytes) {
              if (dLen > 0) sink.event(A_SMB_MALFORMED_DATA);
              break;
            }
            if (ds + dLen > end) dLen = end - ds;
            if (this.isPipe(slot, fileIdx, b, ds, dLen)) {
              pipeData = ds;
              pipeLen = dLen;
            } else if (fileIdx >= 0) this.fileData(fileIdx, 0, at, b, ds, dLen, sink);
          }
          break;
        case SMB1_READ_ANDX:
          if (!resp && wc >= 10) {
            fileIdx = this.findFile(slot, b, words + 4, 2);
            this.txFile[tb] = fileIdx;
            this.txOffset[tb] = u32(b, words + 6) + (wc >= 12 ? u32(b, words + 20) * 4294967296 : 0);
          } else if (resp && ok && wc >= 12) {
            let dLen = u16(b, words + 10) | (u16(b, words + 14) << 16);
            const ds = h + u16(b, words + 12);
            if (ds > end || ds < bytes - 2) break;
            if (ds + dLen > end) dLen = end - ds;
            if (this.isPipe(slot, fileIdx, b, ds, dLen)) {
              pipeData = ds;
              pipeLen = dLen;
            } else if (fileIdx >= 0) this.fileData(fileIdx, 1, this.txOffset[tb], b, ds, dLen, sink);
          }
          break;
        case SMB1_TRANS:
        case SMB1_TRANS2:
        case SMB1_NT_TRANS:
        case SMB1_TRANS_SECONDARY:
        case SMB1_TRANS2_SECONDARY:
        case SMB1_NT_TRANS_SECONDARY: {
          const r = this.trans1(slot, tb, cmd, resp, b, h, words, wc, end, sink);
          if (r >= 0) {
            pipeData = r;
            pipeLen = this.transDataLen;
            fileIdx = this.txFile[tb];
          }
          break;
        }
        default:
          break;
      }
      if (!hasAndX(cmd) || wc < 2) break;
      const next = b[words];
      const nextOff = u16(b, words + 2);
      if (next === 0xff) break;
      if (h + nextOff <= w || h + nextOff >= end) {
        if (h + nextOff <= w) sink.event(A_SMB_MALFORMED_DATA);
        break;
      }
      cmd = next;
      w = h + nextOff;
    }
    const last = resp ? DIR_TOCLIENT : DIR_TOSERVER;
    this.finish(slot, tx, fileIdx, last, resp ? TX_REQUEST_DONE | TX_RESPONSE_DONE : TX_REQUEST_DONE, b, pipeData, pipeLen, sink);
    // A primary trans may be continued by secondaries: keep it until its final response. The interim
    // response (success, WordCount 0) that invites the secondaries does not end it.
    const interim = resp && status === 0 && b[h + 32] === 0 && (first === SMB1_TRANS || first === SMB1_TRANS2 || first === SMB1_NT_TRANS);
    if (resp && !interim) this.txUsed[tb] = 0;
  }

  private transDataLen = 0;

  /**
   * SMB1 TRANS family: records counts/offsets in `trans`, checks them, and returns where pipe data
   * starts for a named-pipe TRANSACT (request or response), or -1.
   */
  private trans1(
    slot: number,
    tb: number,
    cmd: number,
    resp: boolean,
    b: Uint8Array,
    h: number,
    words: number,
    wc: number,
    end: number,
    sink: AppSink,
  ): number {
    const t = slot * TRANS_FIELDS;
    const tr = this.trans;
    const msgLen = end - h;
    tr[t + TRANS_CMD] = cmd;
    tr[t + TRANS_MSG_LEN] = msgLen;
    tr[t + TRANS_PRIMARY_CMD] = 0;
    tr[t + TRANS_SUBCMD] = 0;
    tr[t + TRANS_PARAM_DISP] = 0;
    tr[t + TRANS_DATA_DISP] = 0;
    let tp = 0, td = 0, pc = 0, po = 0, pd = 0, dc = 0, dOff = 0, dd = 0;
    if (resp) {
      if (cmd === SMB1_NT_TRANS) {
        if (wc < 18) return -1;
        tp = u32(b, words + 3);
        td = u32(b, words + 7);
        pc = u32(b, words + 11);
        po = u32(b, words + 15);
        pd = u32(b, words + 19);
        dc = u32(b, words + 23);
        dOff = u32(b, words + 27);
        dd = u32(b, words + 31);
      } else {
        if (wc < 10) return -1;
        tp = u16(b, words);
        td = u16(b, words + 2);
        pc = u16(b, words + 6);
        po = u16(b, words + 8);
        pd = u16(b, words + 10);
        dc = u16(b, words + 12);
        dOff = u16(b, words + 14);
        dd = u16(b, words + 16);
      }
    } else {
      switch (cmd) {
        case SMB1_TRANS:
        case SMB1_TRANS2: {
          if (wc < 14) {
            sink.event(A_SMB_MALFORMED_DATA);
            return -1;
          }
          tp = u16(b, words);
          td = u16(b, words + 2);
          pc = u16(b, words + 18);
          po = u16(b, words + 20);
          dc = u16(b, words + 22);
          dOff = u16(b, words + 24);
          const sc = b[words + 26];
          if (14 + sc > wc) sink.event(A_SMB_TRANS_INCONSISTENT);
          if (sc >= 1 && 14 + sc <= wc) tr[t + TRANS_SUBCMD] = u16(b, words + 28);
          if (cmd === SMB1_TRANS && sc >= 2 && 14 + sc <= wc && u16(b, words + 28) === 0x26) {
            // TransactNmPipe: Setup[1] is the pipe's FID
            this.txFile[tb] = this.findFile(slot, b, words + 30, 2);
          }
          break;
        }
        case SMB1_NT_TRANS: {
          if (wc < 19) {
            sink.event(A_SMB_MALFORMED_DATA);
            return -1;
          }
          tp = u32(b, words + 3);
          td = u32(b, words + 7);
          pc = u32(b, words + 19);
          po = u32(b, words + 23);
          dc = u32(b, words + 27);
          dOff = u32(b, words + 31);
          if (19 + b[words + 35] > wc) sink.event(A_SMB_TRANS_INCONSISTENT);
          tr[t + TRANS_SUBCMD] = u16(b, words + 36);
          break;
        }
        case SMB1_TRANS_SECONDARY:
        case SMB1_TRANS2_SECONDARY: {
          if (wc < 8) {
            sink.event(A_SMB_MALFORMED_DATA);
            return -1;
          }
          tp = u16(b, words);
          td = u16(b, words + 2);
          pc = u16(b, words + 4);
          po = u16(b, words + 6);
          pd = u16(b, words + 8);
          dc = u16(b, words + 10);
          dOff = u16(b, words + 12);
          dd = u16(b, words + 14);
          break;
        }
        default: {
          // NT_TRANS_SECONDARY
          if (wc < 18) {
            sink.event(A_SMB_MALFORMED_DATA);
            return -1;
          }
          tp = u32(b, words + 3);
          td = u32(b, words + 7);
          pc = u32(b, words + 11);
          po = u32(b, words + 15);
          pd = u32(b, words + 19);
          dc = u32(b, words + 23);
          dOff = u32(b, words + 27);
          dd = u32(b, words + 31);
          break;
        }
      }
    }
    tr[t + TRANS_TOTAL_PARAM] = tp;
    tr[t + TRANS_TOTAL_DATA] = td;
    tr[t + TRANS_PARAM_COUNT] = pc;
    tr[t + TRANS_PARAM_OFFSET] = po;
    tr[t + TRANS_PARAM_DISP] = pd;
    tr[t + TRANS_DATA_COUNT] = dc;
    tr[t + TRANS_DATA_OFFSET] = dOff;
    tr[t + TRANS_DATA_DISP] = dd;
    // Consistency: counts within totals and within the message, displacement + count within totals.
    // A truncated record (longer than maxRecord) cannot be checked against its end.
    const full = end - h >= msgLen;
    let bad = pc > tp || dc > td || pd + pc > tp || dd + dc > td;
    if (full && ((pc > 0 && po + pc > msgLen) || (dc > 0 && dOff + dc > msgLen))) bad = true;
    const secondary = !resp && (cmd === SMB1_TRANS_SECONDARY || cmd === SMB1_TRANS2_SECONDARY || cmd === SMB1_NT_TRANS_SECONDARY);
    if (secondary) {
      const prim = this.txTransCmd[tb];
      tr[t + TRANS_PRIMARY_CMD] = prim > 0 ? prim : 0;
      if (prim !== cmd - 1) sink.event(A_SMB_TRANS_SECONDARY_MISMATCH);
      else if (tp > this.txTotalParam[tb] || td > this.txTotalData[tb]) bad = true;
    } else if (!resp) {
      this.txTransCmd[tb] = cmd;
      this.txTotalParam[tb] = tp;
      this.txTotalData[tb] = td;
    }
    if (bad) sink.event(A_SMB_TRANS_INCONSISTENT);
    // Named-pipe data: TRANS (TransactNmPipe) request data, or its response's data.
    if (cmd !== SMB1_TRANS) return -1;
    const f = this.txFile[tb];
    if (f < 0 || this.filePipe[f] !== 1 || dc === 0) return -1;
    const ds = h + dOff;
    if (ds >= end) return -1;
    this.transDataLen = ds + dc <= end ? dc : end - ds;
    return ds;
  }

  // ---------------------------------------------------------------- transactions and emission

  /** Ends handling of one message: pipe data to DCERPC (its tx carries the SMB buffers) or an SMB tx. */
  private finish(
    slot: number,
    tx: number,
    fileIdx: number,
    dir: number,
    progress: number,
    b: Uint8Array,
    pipeData: number,
    pipeLen: number,
    sink: AppSink,
  ): void {
    if (pipeData >= 0 && pipeLen > 0 && fileIdx >= 0) {
      let d = this.fileDce[fileIdx];
      if (d === -1) {
        d = this.dcerpc.open();
        if (d < 0) {
          this.pipesUntracked++;
          d = -2;
        }
        this.fileDce[fileIdx] = d;
      }
      if (d >= 0) {
        const ps = this.pipeSink;
        ps.outer = sink;
        ps.slot = slot;
        ps.txIdx = tx;
        ps.fileIdx = fileIdx;
        ps.fired = false;
        const r = this.dcerpc.parse(d, dir, b, pipeData, pipeLen, ps);
        if (r === PARSE_ERROR) {
          this.dcerpc.close(d);
          this.fileDce[fileIdx] = -2;
        }
        if (ps.fired) return;
      }
    }
    this.emit(slot, tx, fileIdx, dir, progress, sink);
  }

  private emit(slot: number, tx: number, fileIdx: number, dir: number, progress: number, sink: AppSink): void {
    const bufs = sink.buffers;
    bufs.reset();
    this.fillSmb(slot, tx, fileIdx, bufs);
    sink.tx(this.txIdArr[slot * this.config.maxTx + tx], dir, progress);
  }

  /** Adds the SMB buffers of transaction `tx` (share, named pipe, command, file data) to `bufs` (no reset). */
  fillSmb(slot: number, tx: number, fileIdx: number, bufs: InspectBuffers): void {
    const c = this.config;
    const tb = slot * c.maxTx + tx;
    bufs.setField(FIELD_SMB_COMMAND, this.txCmd[tb]);
    const kind = this.txNameKind[tb];
    const tree = this.findTree(slot, this.txTree[tb]);
    if (kind === NAME_SHARE) {
      bufs.add(BUF_SMB_SHARE, this.txName, tb * c.maxName, this.txNameLen[tb]);
    } else if (tree >= 0) {
      bufs.add(BUF_SMB_SHARE, this.treeName, tree * c.maxName, this.treeNameLen[tree]);
    }
    if (fileIdx >= 0 && this.filePipe[fileIdx] === 1) {
      bufs.add(BUF_SMB_NAMED_PIPE, this.fileName, fileIdx * c.maxName, this.fileNameLen[fileIdx]);
    } else if (kind === NAME_FILE && tree >= 0 && this.treePipe[tree] === 1) {
      bufs.add(BUF_SMB_NAMED_PIPE, this.txName, tb * c.maxName, this.txNameLen[tb]);
    }
    if (fileIdx >= 0 && this.fileSize[fileIdx] > 0) bufs.setField(FIELD_FILE_SIZE, this.fileSize[fileIdx]);
    if (this.dataLen > 0) bufs.add(BUF_FILE_DATA, this.dataBuf, this.dataOff, this.dataLen);
  }

  /** The flow-level transaction id of per-slot transaction index `tx`. */
  txIdOf(slot: number, tx: number): number {
    return this.txIdArr[slot * this.config.maxTx + tx];
  }

  private txNew(slot: number, lo: number, hi: number, cmd: number, tree: number, sink: AppSink): number {
    const mx = this.config.maxTx;
    const b = slot * mx;
    let pick = -1;
    let oldest = 0;
    for (let i = 0; i < mx; i++) {
      if (this.txUsed[b + i] === 0) {
        pick = i;
        break;
      }
      if (pick < 0 || this.txAge[b + i] < oldest) {
        oldest = this.txAge[b + i];
        pick = -2 - i;
      }
    }
    if (pick < -1) {
      sink.event(A_SMB_TOO_MANY_TRANSACTIONS);
      pick = -2 - pick;
    }
    const k = b + pick;
    this.txUsed[k] = 1;
    this.txKeyLo[k] = lo >>> 0;
    this.txKeyHi[k] = hi >>> 0;
    this.txIdArr[k] = this.txCounter[slot]++;
    this.txCmd[k] = cmd;
    this.txTree[k] = tree >>> 0;
    this.txFile[k] = -1;
    this.txOffset[k] = 0;
    this.txNameKind[k] = NAME_NONE;
    this.txNameLen[k] = 0;
    this.txTransCmd[k] = 0;
    this.txAge[k] = this.txClock[slot]++;
    return pick;
  }

  private txFind(slot: number, lo: number, hi: number): number {
    const mx = this.config.maxTx;
    const b = slot * mx;
    for (let i = 0; i < mx; i++) {
      if (this.txUsed[b + i] === 1 && this.txKeyLo[b + i] === lo >>> 0 && this.txKeyHi[b + i] === hi >>> 0) return i;
    }
    return -1;
  }

  private txSetName(tb: number, kind: number, b: Uint8Array, off: number, len: number, unicode: boolean): void {
    const mn = this.config.maxName;
    this.txNameKind[tb] = kind;
    this.txNameLen[tb] = unicode
      ? utf16leToUtf8(b, off, len, this.txName, tb * mn, mn)
      : copyAsciiz(b, off, len, this.txName, tb * mn, mn);
  }

  // ---------------------------------------------------------------- trees and files

  private addTree(slot: number, id: number, pipeType: boolean, tb: number): void {
    const c = this.config;
    let t = this.findTree(slot, id);
    if (t < 0) {
      for (let i = slot * c.maxTrees; i < (slot + 1) * c.maxTrees; i++) {
        if (this.treeUsed[i] === 0) {
          t = i;
          break;
        }
      }
      if (t < 0) {
        t = slot * c.maxTrees + this.treeNext[slot];
        this.treeNext[slot] = (this.treeNext[slot] + 1) % c.maxTrees;
      }
    }
    this.treeUsed[t] = 1;
    this.treeId[t] = id >>> 0;
    let n = 0;
    if (this.txNameKind[tb] === NAME_SHARE) {
      n = this.txNameLen[tb];
    }
    const src = tb * c.maxName;
    const dst = t * c.maxName;
    for (let k = 0; k < n; k++) this.treeName[dst + k] = this.txName[src + k];
    this.treeNameLen[t] = n;
    this.treePipe[t] = pipeType || endsWithIpc(this.treeName, dst, n) ? 1 : 0;
  }

  private findTree(slot: number, id: number): number {
    const c = this.config;
    for (let i = slot * c.maxTrees; i < (slot + 1) * c.maxTrees; i++) {
      if (this.treeUsed[i] === 1 && this.treeId[i] === id >>> 0) return i;
    }
    return -1;
  }

  private addFile(slot: number, key: Uint8Array, ko: number, kl: number, tree: number, tb: number): number {
    const c = this.config;
    let f = this.findFile(slot, key, ko, kl);
    if (f < 0) {
      for (let i = slot * c.maxFiles; i < (slot + 1) * c.maxFiles; i++) {
        if (this.fileUsed[i] === 0) {
          f = i;
          break;
        }
      }
      if (f < 0) {
        f = slot * c.maxFiles + this.fileRound[slot];
        this.fileRound[slot] = (this.fileRound[slot] + 1) % c.maxFiles;
      }
    }
    this.dropFile(f);
    this.fileUsed[f] = 1;
    for (let k = 0; k < 16; k++) this.fileKey[f * 16 + k] = k < kl ? key[ko + k] : 0;
    const t = this.findTree(slot, tree);
    this.fileTree[f] = tree >>> 0;
    this.filePipe[f] = t >= 0 && this.treePipe[t] === 1 ? 1 : 0;
    let n = 0;
    if (this.txNameKind[tb] === NAME_FILE) {
      n = this.txNameLen[tb];
      const src = tb * c.maxName;
      const dst = f * c.maxName;
      for (let k = 0; k < n; k++) this.fileName[dst + k] = this.txName[src + k];
    }
    this.fileNameLen[f] = n;
    this.fileDce[f] = -1;
    this.fileNext[f * 2] = -1;
    this.fileNext[f * 2 + 1] = -1;
    this.fileSize[f] = 0;
    return f;
  }

  /**
   * Whether file `f`'s data goes to DCERPC: its tree is IPC$ (or a pipe share), or — picked up
   * midstream, the tree connect unseen — the data starts like a DCERPC PDU (then it is remembered).
   */
  private isPipe(slot: number, f: number, b: Uint8Array, off: number, len: number): boolean {
    if (f < 0) return false;
    if (this.filePipe[f] === 1) return true;
    if (this.findTree(slot, this.fileTree[f]) >= 0) return false;
    if (probeDcerpc(0, b, off, len) !== ALPROTO_DCERPC) return false;
    this.filePipe[f] = 1;
    return true;
  }

  private findFile(slot: number, key: Uint8Array, ko: number, kl: number): number {
    const c = this.config;
    for (let i = slot * c.maxFiles; i < (slot + 1) * c.maxFiles; i++) {
      if (this.fileUsed[i] !== 1) continue;
      let k = 0;
      for (; k < 16; k++) if (this.fileKey[i * 16 + k] !== (k < kl ? key[ko + k] : 0)) break;
      if (k === 16) return i;
    }
    return -1;
  }

  private dropFile(f: number): void {
    if (this.fileUsed[f] === 0) return;
    const d = this.fileDce[f];
    if (d >= 0) this.dcerpc.close(d);
    this.fileDce[f] = -1;
    this.fileUsed[f] = 0;
  }

  /** File contents of a write (0) or read (1): inspected when in offset order; overlaps raise an event. */
  private fileData(f: number, rw: number, at: number, b: Uint8Array, off: number, len: number, sink: AppSink): void {
    if (len <= 0) return;
    const next = this.fileNext[f * 2 + rw];
    if (next >= 0 && at < next) {
      sink.event(A_SMB_FILE_OVERLAP);
      if (at + len <= next) return;
      const skip = next - at;
      off += skip;
      len -= skip;
      at = next;
    }
    this.fileNext[f * 2 + rw] = at + len;
    this.dataBuf = b;
    this.dataOff = off;
    this.dataLen = len;
  }

  /** Per-slot view helpers for rules and tests (cold). */
  shareName(slot: number, treeId: number): string {
    const t = this.findTree(slot, treeId);
    if (t < 0) return "";
    const c = this.config;
    return new TextDecoder().decode(this.treeName.subarray(t * c.maxName, t * c.maxName + this.treeNameLen[t]));
  }

  /** Names of the open named pipes of a slot (cold; for tests and diagnostics). */
  pipeNames(slot: number): string[] {
    const c = this.config;
    const out: string[] = [];
    for (let i = slot * c.maxFiles; i < (slot + 1) * c.maxFiles; i++) {
      if (this.fileUsed[i] === 1 && this.filePipe[i] === 1) {
        out.push(new TextDecoder().decode(this.fileName.subarray(i * c.maxName, i * c.maxName + this.fileNameLen[i])));
      }
    }
    return out;
  }
}

const tmpKey = new Uint8Array(2);

function hasAndX(cmd: number): boolean {
  return cmd === SMB1_SESSION_SETUP_ANDX || cmd === SMB1_TREE_CONNECT_ANDX || cmd === SMB1_NT_CREATE_ANDX ||
    cmd === SMB1_READ_ANDX || cmd === SMB1_WRITE_ANDX || cmd === SMB1_LOGOFF_ANDX || cmd === SMB1_LOCKING_ANDX;
}

function endsWithIpc(b: Uint8Array, off: number, n: number): boolean {
  if (n < 4) return false;
  const e = off + n;
  return (b[e - 4] | 0x20) === 0x69 && (b[e - 3] | 0x20) === 0x70 && (b[e - 2] | 0x20) === 0x63 && b[e - 1] === 0x24;
}

/** Where the next "\0 len len len [\xff\xfe\xfd\xfc] S M B" starts in [p, end), or -1. */
function findSmbHeader(b: Uint8Array, p: number, end: number): number {
  for (let q = p; q + 8 <= end; q++) {
    if (b[q] !== 0 || b[q + 5] !== 0x53 || b[q + 6] !== 0x4d || b[q + 7] !== 0x42) continue;
    const m = b[q + 4];
    if (m === 0xff || m === 0xfe || m === 0xfd || m === 0xfc) return q;
  }
  return -1;
}

/** NBSS length: 24 bits for session messages (direct TCP allows it), 17 bits for the other types. */
function nbssLen(b: Uint8Array, p: number): number {
  return b[p] === 0 ? (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3] : ((b[p + 1] & 1) << 16) | (b[p + 2] << 8) | b[p + 3];
}

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
