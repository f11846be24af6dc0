/**
 * SMB message builder for the SMB virtual-patch tests (ms17-010, smbghost): NetBIOS session framing,
 * SMB1 headers and the SMB1 transaction family (TRANS, TRANS2, NT_TRANSACT and their secondaries), the
 * SMB1 negotiate / session set-up shapes the exploits use, SMB2 negotiate and the SMB 3.1.1
 * compression transform header. Field layouts follow MS-CIFS 2.2.4.33/46/62 (TRANS, TRANS2, NT_TRANSACT),
 * MS-SMB2 2.2.42 (compression transform) — what the public exploit analyses send is built from these.
 *
 * Test support only (cold path): allocates freely; never imported by engine code.
 *
 * @example
 * ```ts
 * import { nbss, smb1, ntTrans } from "../../smb.testing.ts";
 * const msg = nbss(ntTrans({ mid: 64, totalData: 0x10fe8, data: new Uint8Array(0x3e8), params: new Uint8Array(30) }));
 * ```
 */

export function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Little-endian writer. */
class W {
  readonly b: number[] = [];
  u8(v: number): this {
    this.b.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  bytes(x: Uint8Array | number[]): this {
    for (const v of x) this.b.push(v);
    return this;
  }
  out(): Uint8Array {
    return Uint8Array.from(this.b);
  }
}

/** NetBIOS session message (type 0x00, 24-bit big-endian length) around `msg`. */
export function nbss(msg: Uint8Array, type = 0): Uint8Array {
  return concat([Uint8Array.of(type, (msg.length >>> 16) & 0xff, (msg.length >>> 8) & 0xff, msg.length & 0xff), msg]);
}

export interface Smb1Hdr {
  cmd: number;
  status?: number;
  flags?: number;
  flags2?: number;
  tid?: number;
  pid?: number;
  uid?: number;
  mid?: number;
}

/** Default flags: caseless paths, canonicalized (0x18); flags2: long names, NT status, unicode (0xc001 | 0x4000). */
export function smb1Header(h: Smb1Hdr): Uint8Array {
  return new W().bytes([0xff, 0x53, 0x4d, 0x42]).u8(h.cmd).u32(h.status ?? 0).u8(h.flags ?? 0x18).u16(h.flags2 ?? 0xc007)
    .u16(0).bytes(new Uint8Array(8)).u16(0).u16(h.tid ?? 0x0800).u16(h.pid ?? 0xfeff).u16(h.uid ?? 0x0800).u16(h.mid ?? 0x0040)
    .out();
}

/** An SMB1 message: header, WordCount, words, ByteCount, bytes. */
export function smb1(h: Smb1Hdr, words: Uint8Array, bytes: Uint8Array): Uint8Array {
  return concat([smb1Header(h), Uint8Array.of(words.length >>> 1), words, new W().u16(bytes.length).out(), bytes]);
}

/** SMB1 NEGOTIATE request offering "NT LM 0.12" (and the older dialects exploits offer too). */
export function negotiate1(h: Partial<Smb1Hdr> = {}): Uint8Array {
  const dialects = ["PC NETWORK PROGRAM 1.0", "LANMAN1.0", "Windows for Workgroups 3.1a", "LM1.2X002", "LANMAN2.1", "NT LM 0.12"];
  const w = new W();
  for (const d of dialects) w.u8(2).bytes([...d].map((c) => c.charCodeAt(0))).u8(0);
  return smb1({ cmd: 0x72, ...h, tid: 0, uid: 0 }, new Uint8Array(0), w.out());
}

/** A minimal successful SMB1 response to `cmd` (WordCount 0): also the interim response of a transaction. */
export function response1(cmd: number, h: Partial<Smb1Hdr> = {}): Uint8Array {
  return smb1({ cmd, flags: 0x98, ...h }, new Uint8Array(0), new Uint8Array(0));
}

/** SESSION_SETUP_ANDX with WordCount 12 (extended-security form) and `byteCount` (EternalBlue's pool allocation). */
export function sessionSetupWc12(flags2: number, byteCount: number): Uint8Array {
  const words = new W().u8(0xff).u8(0).u16(0).u16(61440).u16(2).u16(1).u32(0).u16(0).u32(0).u32(0x80000000).out();
  // ByteCount says `byteCount` (the allocation size); only 20 zero bytes follow, as the analyses show
  return concat([smb1Header({ cmd: 0x73, flags2, tid: 0, uid: 0 }), Uint8Array.of(12), words, new W().u16(byteCount).out(), new Uint8Array(20)]);
}

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

export interface TransOpts {
  mid?: number;
  tid?: number;
  pid?: number;
  uid?: number;
  flags2?: number;
  setup: number[];
  params?: Uint8Array;
  data?: Uint8Array;
  totalParams?: number;
  totalData?: number;
  maxParams?: number;
  maxData?: number;
  name?: Uint8Array; // TRANS only: the transaction name ("\PIPE\")
}

/** SMB_COM_TRANSACTION (0x25) or SMB_COM_TRANSACTION2 (0x32) request. */
export function trans(cmd: 0x25 | 0x32, o: TransOpts): Uint8Array {
  const params = o.params ?? new Uint8Array(0);
  const data = o.data ?? new Uint8Array(0);
  const name = o.name ?? (cmd === 0x25 ? Uint8Array.from([..."\\PIPE\\"].map((c) => c.charCodeAt(0)).concat([0])) : Uint8Array.of(0, 0, 0));
  const wc = 14 + o.setup.length;
  const fixed = 32 + 1 + wc * 2 + 2 + name.length;
  const p1 = params.length > 0 ? pad4(fixed) : 0;
  const pOff = fixed + p1;
  const p2 = data.length > 0 ? pad4(pOff + params.length) : 0;
  const dOff = pOff + params.length + p2;
  const w = new W().u16(o.totalParams ?? params.length).u16(o.totalData ?? data.length).u16(o.maxParams ?? 0xffff).u16(o.maxData ?? 0xffff)
    .u8(0).u8(0).u16(0).u32(0).u16(0).u16(params.length).u16(pOff).u16(data.length).u16(dOff).u8(o.setup.length).u8(0);
  for (const s of o.setup) w.u16(s);
  const bytes = concat([name, new Uint8Array(p1), params, new Uint8Array(p2), data]);
  return smb1({ cmd, mid: o.mid, tid: o.tid, pid: o.pid, uid: o.uid, flags2: o.flags2 }, w.out(), bytes);
}

/** SMB_COM_NT_TRANSACT (0xA0) request: `setup[0]` is the Function, the rest the Setup words. */
export function ntTrans(o: Omit<TransOpts, "setup"> & { func: number; setup?: number[] }): Uint8Array {
  const params = o.params ?? new Uint8Array(0);
  const data = o.data ?? new Uint8Array(0);
  const setup = o.setup ?? [0];
  const wc = 19 + setup.length;
  const fixed = 32 + 1 + wc * 2 + 2;
  const p1 = params.length > 0 ? pad4(fixed) : 0;
  const pOff = fixed + p1;
  const p2 = data.length > 0 ? pad4(pOff + params.length) : 0;
  const dOff = pOff + params.length + p2;
  const w = new W().u8(setup.length).u16(0).u32(o.totalParams ?? params.length).u32(o.totalData ?? data.length)
    .u32(o.maxParams ?? params.length).u32(o.maxData ?? 0).u32(params.length).u32(pOff).u32(data.length).u32(dOff)
    .u8(setup.length).u16(o.func);
  for (const s of setup) w.u16(s);
  const bytes = concat([new Uint8Array(p1), params, new Uint8Array(p2), data]);
  return smb1({ cmd: 0xa0, mid: o.mid, tid: o.tid, pid: o.pid, uid: o.uid, flags2: o.flags2 }, w.out(), bytes);
}

/** SMB_COM_TRANSACTION_SECONDARY (0x26, WordCount 8) or TRANSACTION2_SECONDARY (0x33, WordCount 9: + FID). */
export function transSecondary(
  cmd: 0x26 | 0x33,
  o: { mid?: number; tid?: number; totalParams?: number; totalData: number; data: Uint8Array; dataDisp: number; params?: Uint8Array; paramDisp?: number },
): Uint8Array {
  const params = o.params ?? new Uint8Array(0);
  const wc = cmd === 0x33 ? 9 : 8;
  const fixed = 32 + 1 + wc * 2 + 2;
  const pOff = fixed + (params.length > 0 ? pad4(fixed) : 0);
  const p2 = o.data.length > 0 ? pad4(pOff + params.length) : 0;
  const dOff = pOff + params.length + p2;
  const w = new W().u16(o.totalParams ?? params.length).u16(o.totalData).u16(params.length).u16(params.length > 0 ? pOff : 0)
    .u16(o.paramDisp ?? 0).u16(o.data.length).u16(dOff).u16(o.dataDisp);
  if (cmd === 0x33) w.u16(0);
  const bytes = concat([new Uint8Array(pOff - fixed), params, new Uint8Array(p2), o.data]);
  return smb1({ cmd, mid: o.mid, tid: o.tid }, w.out(), bytes);
}

/** SMB2 NEGOTIATE request offering 2.0.2 … 3.1.1 (no negotiate contexts: enough for framing). */
export function negotiate2(messageId = 0): Uint8Array {
  const dialects = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311];
  const hdr = new W().bytes([0xfe, 0x53, 0x4d, 0x42]).u16(64).u16(0).u32(0).u16(0).u16(1).u32(0).u32(0).u32(messageId).u32(0)
    .u32(0xfeff).u32(0).u32(0).u32(0).bytes(new Uint8Array(16));
  const body = new W().u16(36).u16(dialects.length).u16(1).u16(0).u32(0x7f).bytes(new Uint8Array(16)).u32(0).u16(0).u16(0);
  for (const d of dialects) body.u16(d);
  return concat([hdr.out(), body.out()]);
}

/**
 * SMB 3.1.1 COMPRESSION_TRANSFORM_HEADER (0xFC 'SMB'), unchained form: OriginalCompressedSegmentSize,
 * CompressionAlgorithm (1 LZNT1, 2 LZ77, 3 LZ77+Huffman), Flags 0, Offset; then `payload`.
 */
export function compressionTransform(original: number, algorithm: number, offset: number, payload: Uint8Array): Uint8Array {
  return concat([new W().bytes([0xfc, 0x53, 0x4d, 0x42]).u32(original).u16(algorithm).u16(0).u32(offset).out(), payload]);
}

/** Chained form (Flags 1): the header's last field is the first payload header's length. */
export function compressionChained(original: number, payloads: { algorithm: number; data: Uint8Array; originalSize?: number }[]): Uint8Array {
  const parts: Uint8Array[] = [new W().bytes([0xfc, 0x53, 0x4d, 0x42]).u32(original).out()];
  for (const p of payloads) {
    const w = new W().u16(p.algorithm).u16(0);
    if (p.algorithm !== 0) w.u32(p.data.length + 4).u32(p.originalSize ?? p.data.length);
    else w.u32(p.data.length);
    parts.push(w.out(), p.data);
  }
  return concat(parts);
}
