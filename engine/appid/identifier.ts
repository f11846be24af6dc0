/**
 * Application identification, per flow, as data arrives: names the application of a flow (WhatsApp,
 * BitTorrent, SSH …) in `FlowTable.application` and what it is doing in `FlowTable.appFunction`, from
 * host names (TLS SNI, HTTP Host, DNS questions, certificate common names, gQUIC SNI; with the IPS
 * stage also the SNI its parsers read: IETF QUIC Initials, ClientHellos split over TCP segments), payload
 * patterns in the first packets of each direction, the app-layer protocol the parsers found, and
 * as weaker hints published address ranges and addresses that DNS answers in this run tied to an
 * application's host names. A strong match (host, pattern, protocol) ends identification for the
 * flow; hints name it until something strong says otherwise.
 *
 * App control: `blocked[app * FUNCTION_COUNT + fn]` (filled by `compileAppControl` in `control.ts` from
 * the policy; fn 0 is "function not known") makes `onPacket` return true for every packet of a flow
 * once its application/function is known — the engine drops them (fail closed once named). One entry
 * per (application, function), so "block LINE but allow its chat" is expressible.
 *
 * Hot path: `onPacket` allocates nothing; every table is sized in the constructor.
 *
 * @example
 * ```ts
 * // const tables = compileAppSignatures(text, "apps.yaml");
 * // const appid = new AppIdentifier(tables, engine.flows);
 * // engine.setAppIdentifier(appid); // with engine.setIps(ips): appid.hostSource = ips.app (wired by the engine)
 * // appid.blocked.set(compileAppControl(policy.appControl, tables)); // e.g. block BitTorrent
 * ```
 */
import { ALPROTO_TLS } from "../applayer/proto.ts";
import type { FlowTable } from "../flow/table.ts";
import { IPPROTO_TCP, IPPROTO_UDP, type Packet } from "../packet.ts";
import type { FlowHostSource } from "./hosts.ts";
import { checkShape, chlo } from "./shapes.ts";
import {
  type AppIdTables,
  D_CLIENT,
  D_SERVER,
  FUNCTION_COUNT,
  HOST_HASH_INIT,
  hostHashStep,
  lowerByte,
  T_TCP,
  T_UDP,
} from "./tables.ts";

/** Payload packets looked at per direction before identification gives up on a flow. */
const MAX_PACKETS = 8;
/** Certificate common names are looked for in this many server packets of a TLS flow. */
const CERT_PACKETS = 4;
/** Remembered DNS answers (power of two), probed this many slots deep, and how long they count. */
const DNS_CACHE = 4096;
const DNS_PROBE = 4;
const DNS_MAX_AGE_US = 3_600_000_000;

const ST_DONE = 1;
const ST_WEAK = 2;
const ST_TLS = 4;
const ST_STARTED = 8;
/** A DNS flow: stays open after it is named, so later responses teach the address cache. */
const ST_DNS = 16;
/** The host name the flow's app-layer parser read was looked up already. */
const ST_PARSER_HOST = 32;

export class AppIdStats {
  /** Flows named by a strong signal (host, pattern, protocol). */
  identified = 0;
  /** Flows named by a hint (address range, DNS-learned address). */
  hinted = 0;
  dnsLearned = 0;
  /** Packets dropped because their flow's application (or function) is blocked. */
  blockedPackets = 0;
}

export class AppIdentifier {
  readonly tables: AppIdTables;
  readonly stats = new AppIdStats();
  /** [app * FUNCTION_COUNT + fn] non-zero: blocked (fn 0: the function is not known). Filled by policy. */
  readonly blocked: Uint8Array;
  private readonly flows: FlowTable;
  private readonly flowIdOf: Float64Array;
  private readonly state: Uint8Array;
  private readonly pkts: Uint8Array;
  private readonly nameBuf = new Uint8Array(256);
  private nameLen = 0;
  /** Offset just past the last name read by readName (in the message). */
  private namePos = 0;
  // DNS-learned addresses
  private readonly dnsAddr = new Uint32Array(DNS_CACHE * 4);
  private readonly dnsV6 = new Uint8Array(DNS_CACHE);
  private readonly dnsApp = new Uint16Array(DNS_CACHE);
  private readonly dnsFn = new Uint8Array(DNS_CACHE);
  private readonly dnsTs = new Float64Array(DNS_CACHE);
  private readonly addr = new Uint32Array(4);
  /** Result of the last host match: entry index or -1. */
  private hostHit = -1;
  /**
   * Host names the app-layer parsers read (QUIC Initial SNI, reassembled TLS ClientHello SNI); the
   * engine sets it to the IPS stage's app layer (`Engine.setIps` / `setAppIdentifier`), null without it.
   */
  hostSource: FlowHostSource | null = null;

  constructor(tables: AppIdTables, flows: FlowTable) {
    this.tables = tables;
    this.flows = flows;
    const n = flows.capacity;
    this.flowIdOf = new Float64Array(n).fill(-1);
    this.state = new Uint8Array(n);
    this.pkts = new Uint8Array(2 * n);
    this.blocked = new Uint8Array(tables.names.length * FUNCTION_COUNT);
  }

  /** The name of app id `id` ("" for 0 or unknown ids). */
  appName(id: number): string {
    return id > 0 && id < this.tables.names.length ? this.tables.names[id] : "";
  }

  /**
   * Looks at one packet of flow slot `flow` (direction `dir`: 0 from the initiator) after the app
   * layer saw it. Returns true when the flow's application is blocked: drop the packet.
   */
  onPacket(p: Packet, flow: number, dir: number): boolean {
    const flows = this.flows;
    if (this.flowIdOf[flow] !== flows.flowId[flow]) {
      this.flowIdOf[flow] = flows.flowId[flow];
      this.state[flow] = 0;
      this.pkts[2 * flow] = 0;
      this.pkts[2 * flow + 1] = 0;
    }
    let st = this.state[flow];
    if ((st & ST_DONE) === 0) {
      const tcp = p.proto === IPPROTO_TCP;
      const udp = p.proto === IPPROTO_UDP;
      const serverPort = dir === 0 ? p.dstPort : p.srcPort;
      if ((st & ST_STARTED) === 0) {
        st |= ST_STARTED;
        this.state[flow] = st;
        this.hints(p, flow, dir, tcp, udp, serverPort);
      }
      const t = this.tables;
      const ap = flows.appProto[flow];
      if (ap !== 0 && ap < t.protoApp.length) {
        let app = t.protoApp[ap];
        let fn = 0;
        if (ap === ALPROTO_TLS && t.tlsPortApp[serverPort] !== 0) {
          app = t.tlsPortApp[serverPort];
          fn = t.tlsPortFn[serverPort];
        }
        if (app !== 0) this.name(flow, app, fn, true);
      }
      const hs = this.hostSource;
      if (hs !== null && (this.state[flow] & (ST_DONE | ST_PARSER_HOST)) === 0) {
        const n = hs.flowHost(flow);
        if (n > 0) {
          this.state[flow] |= ST_PARSER_HOST; // one lookup per flow
          const s = hs.hostStart;
          if (n < 256 && this.matchHost(hs.hostData, s, s + n)) this.nameHost(flow);
        }
      }
      if ((this.state[flow] & ST_DONE) === 0 && (tcp || udp) && p.payloadLen > 0) {
        const k = 2 * flow + dir;
        const n = this.pkts[k];
        if (n < MAX_PACKETS) {
          this.pkts[k] = n + 1;
          this.inspectPayload(p, flow, dir, n, tcp, serverPort);
        } else if (this.pkts[k ^ 1] >= MAX_PACKETS) this.state[flow] |= ST_DONE; // gave up
      }
    }
    const app = flows.application[flow];
    if (app === 0) return false;
    const base = app * FUNCTION_COUNT;
    if (base >= this.blocked.length) return false;
    if (this.blocked[base + flows.appFunction[flow]] !== 0) {
      this.stats.blockedPackets++;
      return true;
    }
    return false;
  }

  private name(flow: number, app: number, fn: number, strong: boolean): void {
    const st = this.state[flow];
    if (strong) {
      this.flows.application[flow] = app;
      this.flows.appFunction[flow] = fn;
      this.state[flow] = (st & ST_DNS) !== 0 ? st : st | ST_DONE;
      this.stats.identified++;
    } else if ((st & ST_WEAK) === 0) {
      this.flows.application[flow] = app;
      this.flows.appFunction[flow] = fn;
      this.state[flow] = st | ST_WEAK;
      this.stats.hinted++;
    }
  }

  /** First packet of a flow: the server address in a published range or learned from DNS. */
  private hints(p: Packet, flow: number, dir: number, tcp: boolean, udp: boolean, serverPort: number): void {
    const a = dir === 0 ? p.dst : p.src;
    const v6 = p.ipVersion === 6;
    const slot = this.dnsLookup(a, v6, p.tsUs);
    if (slot >= 0) {
      this.name(flow, this.dnsApp[slot], this.dnsFn[slot], false);
      return;
    }
    const t = this.tables;
    for (let i = 0; i < t.rangeCount; i++) {
      if ((t.rangeV6[i] === 1) !== v6) continue;
      const tr = t.rangeTransport[i];
      if (tcp ? (tr & T_TCP) === 0 : udp ? (tr & T_UDP) === 0 : true) continue;
      if (!inPrefix(a, t.rangeAddr, 4 * i, t.rangeBits[i], v6)) continue;
      const pn = t.rangePortsLen[i];
      if (pn > 0) {
        let ok = false;
        const po = t.rangePortsOff[i];
        for (let k = 0; k < pn; k++) if (t.rangePorts[po + k] === serverPort) ok = true;
        if (!ok) continue;
      }
      this.name(flow, t.rangeApp[i], 0, false);
      return;
    }
  }

  private inspectPayload(p: Packet, flow: number, dir: number, n: number, tcp: boolean, serverPort: number): void {
    const b = p.buf;
    const off = p.payloadOff;
    const len = p.payloadLen;
    const end = off + len;
    // host names the flow carries in clear
    if (n === 0 && len > 43 && b[off] === 0x16 && b[off + 1] === 3 && b[off + 5] === 1) {
      this.state[flow] |= ST_TLS;
      if (this.tlsSni(b, off, end) && this.nameHost(flow)) return;
      // TLS on a mail protocol's dedicated port (imaps, pop3s, smtps)
      const tp = this.tables.tlsPortApp[serverPort];
      if (tp !== 0) {
        this.name(flow, tp, this.tables.tlsPortFn[serverPort], true);
        return;
      }
    } else if (dir === 1 && n < CERT_PACKETS && (this.state[flow] & ST_TLS) !== 0) {
      if (this.certNames(b, off, end) && this.nameHost(flow)) return;
    } else if (tcp && n === 0 && dir === 0 && len > 16 && b[off] >= 0x41 && b[off] <= 0x5a) {
      if (this.httpHost(b, off, end) && this.nameHost(flow)) return;
    } else if (!tcp && serverPort === 53 && len > 12) {
      this.state[flow] |= ST_DNS;
      if (this.dns(b, off, len, p.tsUs)) {
        if (this.flows.application[flow] === 0) this.nameHost(flow);
        return;
      }
    } else if (!tcp && n === 0 && dir === 0 && (serverPort === 443 || serverPort === 80)) {
      if (chlo.read(b, off, end) && chlo.sniLen > 0 && chlo.sniLen < 256 && this.matchHost(b, chlo.sniOff, chlo.sniOff + chlo.sniLen) && this.nameHost(flow)) return;
    }
    this.patterns(b, off, len, flow, dir, n, tcp, serverPort);
  }

  private nameHost(flow: number): boolean {
    const e = this.hostHit;
    if (e < 0) return false;
    this.name(flow, this.tables.hostApp[e], this.tables.hostFn[e], true);
    return true;
  }

  private patterns(b: Uint8Array, off: number, len: number, flow: number, dir: number, n: number, tcp: boolean, serverPort: number): void {
    const t = this.tables;
    const dbit = dir === 0 ? D_CLIENT : D_SERVER;
    const tbit = tcp ? T_TCP : T_UDP;
    for (let i = 0; i < t.patCount; i++) {
      if ((t.patTransport[i] & tbit) === 0 || (t.patDir[i] & dbit) === 0 || n >= t.patPackets[i]) continue;
      if (len < t.patMinLen[i] || len > t.patMaxLen[i]) continue;
      if (t.patPort[i] !== 0 && t.patPort[i] !== serverPort) continue;
      const bl = t.patBytesLen[i];
      if (bl > 0) {
        const at = off + t.patOffset[i];
        if (at + bl > off + len) continue;
        const bo = t.patBytesOff[i];
        let k = 0;
        while (k < bl && b[at + k] === t.patBytes[bo + k]) k++;
        if (k < bl) continue;
      }
      if (t.patShape[i] !== 0 && !checkShape(t.patShape[i], b, off, len)) continue;
      this.name(flow, t.patApp[i], t.patFn[i], true);
      return;
    }
  }

  /**
   * Matches host name bytes [start, end) against the host suffixes on label boundaries (the longest
   * suffix wins). Sets `hostHit` (entry or -1); true on a match. Ignores a trailing dot and `:port`.
   */
  matchHost(b: Uint8Array, start: number, end: number): boolean {
    this.hostHit = -1;
    for (let i = start; i < end; i++) {
      if (b[i] === 0x3a) {
        end = i;
        break;
      }
    }
    if (end > start && b[end - 1] === 0x2e) end--;
    const t = this.tables;
    let h = HOST_HASH_INIT;
    for (let i = end - 1; i >= start; i--) {
      h = hostHashStep(h, b[i]);
      if (i !== start && b[i - 1] !== 0x2e) continue;
      let s = h & t.hostMask;
      for (;;) {
        const e = t.hostSlotEntry[s] - 1;
        if (e < 0) break;
        if (t.hostSlotHash[s] === h && t.hostLen[e] === end - i) {
          const po = t.hostOff[e];
          let k = 0;
          const l = end - i;
          while (k < l && lowerByte(b[i + k]) === t.hostPool[po + k]) k++;
          if (k === l) {
            this.hostHit = e;
            break;
          }
        }
        s = (s + 1) & t.hostMask;
      }
    }
    return this.hostHit >= 0;
  }

  /** TLS ClientHello SNI (RFC 6066) in this record; true when it matched a host. */
  private tlsSni(b: Uint8Array, off: number, end: number): boolean {
    let q = off + 5 + 4 + 2 + 32; // record header, handshake header, version, random
    if (q >= end) return false;
    q += 1 + b[q]; // session id
    if (q + 2 > end) return false;
    q += 2 + ((b[q] << 8) | b[q + 1]); // cipher suites
    if (q >= end) return false;
    q += 1 + b[q]; // compression methods
    if (q + 2 > end) return false;
    const extEnd = q + 2 + ((b[q] << 8) | b[q + 1]);
    q += 2;
    const lim = extEnd < end ? extEnd : end;
    while (q + 4 <= lim) {
      const type = (b[q] << 8) | b[q + 1];
      const l = (b[q + 2] << 8) | b[q + 3];
      q += 4;
      if (type === 0) {
        // server_name_list: list length (2), type (1) = host_name, name length (2), name
        if (q + 5 > lim || b[q + 2] !== 0) return false;
        const nl = (b[q + 3] << 8) | b[q + 4];
        const s = q + 5;
        return s + nl <= lim && this.matchHost(b, s, s + nl);
      }
      q += l;
    }
    return false;
  }

  /** X.509 commonName attributes (OID 2.5.4.3) in server handshake bytes; true on the first that matches. */
  private certNames(b: Uint8Array, off: number, end: number): boolean {
    for (let i = off; i + 7 < end; i++) {
      if (b[i] !== 0x06 || b[i + 1] !== 0x03 || b[i + 2] !== 0x55 || b[i + 3] !== 0x04 || b[i + 4] !== 0x03) continue;
      const tag = b[i + 5];
      if (tag !== 0x0c && tag !== 0x13 && tag !== 0x16 && tag !== 0x14) continue;
      const l = b[i + 6];
      let s = i + 7;
      if (l >= 0x80 || s + l > end) continue;
      let e = s + l;
      if (l > 2 && b[s] === 0x2a && b[s + 1] === 0x2e) s += 2; // "*."
      if (this.matchHost(b, s, e)) return true;
      e = 0;
    }
    return false;
  }

  /** HTTP/1 request: the Host header's value; true when it matched. */
  private httpHost(b: Uint8Array, off: number, end: number): boolean {
    for (let i = off; i + 7 < end; i++) {
      if (b[i] !== 0x0a) continue;
      if ((b[i + 1] | 0x20) !== 0x68 || (b[i + 2] | 0x20) !== 0x6f || (b[i + 3] | 0x20) !== 0x73 || (b[i + 4] | 0x20) !== 0x74 || b[i + 5] !== 0x3a) continue;
      let s = i + 6;
      while (s < end && (b[s] === 0x20 || b[s] === 0x09)) s++;
      let e = s;
      while (e < end && b[e] !== 0x0d && b[e] !== 0x0a) e++;
      return this.matchHost(b, s, e);
    }
    return false;
  }

  /**
   * A DNS message: matches the question name; a response with A/AAAA answers to a matching question
   * teaches the cache those addresses. True when the question matched.
   */
  private dns(b: Uint8Array, off: number, len: number, tsUs: number): boolean {
    const end = off + len;
    const qd = (b[off + 4] << 8) | b[off + 5];
    const an = (b[off + 6] << 8) | b[off + 7];
    if (qd !== 1 || (b[off + 2] & 0x78) !== 0) return false; // one question, standard query
    if (!this.readName(b, off, end, off + 12)) return false;
    let q = this.namePos + 4;
    if (q > end) return false;
    if (!this.matchHost(this.nameBuf, 0, this.nameLen)) return false;
    const hit = this.hostHit;
    const app = this.tables.hostApp[hit];
    const fn = this.tables.hostFn[hit];
    if ((b[off + 2] & 0x80) !== 0) {
      for (let k = 0; k < an && q < end; k++) {
        q = this.skipName(b, q, end);
        if (q < 0 || q + 10 > end) break;
        const type = (b[q] << 8) | b[q + 1];
        const rl = (b[q + 8] << 8) | b[q + 9];
        q += 10;
        if (q + rl > end) break;
        if (type === 1 && rl === 4) {
          this.addr[0] = ((b[q] << 24) | (b[q + 1] << 16) | (b[q + 2] << 8) | b[q + 3]) >>> 0;
          this.dnsLearn(this.addr, false, app, fn, tsUs);
        } else if (type === 28 && rl === 16) {
          for (let w = 0; w < 4; w++) {
            const s = q + 4 * w;
            this.addr[w] = ((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0;
          }
          this.dnsLearn(this.addr, true, app, fn, tsUs);
        }
        q += rl;
      }
    }
    this.hostHit = hit;
    return true;
  }

  /** Reads a (possibly compressed) DNS name at `pos` into nameBuf (lower case, dotted); sets namePos. */
  private readName(b: Uint8Array, msg: number, end: number, pos: number): boolean {
    let out = 0;
    let jumps = 0;
    let q = pos;
    this.namePos = -1;
    for (;;) {
      if (q >= end) return false;
      const l = b[q];
      if (l === 0) {
        if (this.namePos < 0) this.namePos = q + 1;
        break;
      }
      if ((l & 0xc0) === 0xc0) {
        if (q + 1 >= end || ++jumps > 16) return false;
        if (this.namePos < 0) this.namePos = q + 2;
        q = msg + (((l & 0x3f) << 8) | b[q + 1]);
        continue;
      }
      if (l > 63 || q + 1 + l > end || out + l + 1 > this.nameBuf.length) return false;
      if (out > 0) this.nameBuf[out++] = 0x2e;
      for (let k = 0; k < l; k++) this.nameBuf[out++] = lowerByte(b[q + 1 + k]);
      q += 1 + l;
    }
    this.nameLen = out;
    return true;
  }

  private skipName(b: Uint8Array, q: number, end: number): number {
    while (q < end) {
      const l = b[q];
      if (l === 0) return q + 1;
      if ((l & 0xc0) === 0xc0) return q + 2;
      q += 1 + l;
    }
    return -1;
  }

  private dnsHash(a: Uint32Array, v6: boolean): number {
    let h = Math.imul(a[0] ^ 0x9e3779b9, 0x85ebca6b);
    if (v6) h = Math.imul(h ^ a[1] ^ Math.imul(a[2], 31) ^ Math.imul(a[3], 131), 0xc2b2ae35);
    return (h ^ (h >>> 15)) & (DNS_CACHE - 1);
  }

  private dnsLearn(a: Uint32Array, v6: boolean, app: number, fn: number, tsUs: number): void {
    const h = this.dnsHash(a, v6);
    let victim = h;
    for (let k = 0; k < DNS_PROBE; k++) {
      const s = (h + k) & (DNS_CACHE - 1);
      if (this.dnsApp[s] === 0 || this.sameAddr(s, a, v6)) {
        victim = s;
        break;
      }
      if (this.dnsTs[s] < this.dnsTs[victim]) victim = s;
    }
    const o = 4 * victim;
    this.dnsAddr[o] = a[0];
    this.dnsAddr[o + 1] = v6 ? a[1] : 0;
    this.dnsAddr[o + 2] = v6 ? a[2] : 0;
    this.dnsAddr[o + 3] = v6 ? a[3] : 0;
    this.dnsV6[victim] = v6 ? 1 : 0;
    this.dnsApp[victim] = app;
    this.dnsFn[victim] = fn;
    this.dnsTs[victim] = tsUs;
    this.stats.dnsLearned++;
  }

  /** The cache slot that maps address `a`, or -1 (entries older than an hour do not count). */
  private dnsLookup(a: Uint32Array, v6: boolean, tsUs: number): number {
    const h = this.dnsHash(a, v6);
    for (let k = 0; k < DNS_PROBE; k++) {
      const s = (h + k) & (DNS_CACHE - 1);
      if (this.dnsApp[s] !== 0 && this.sameAddr(s, a, v6)) return tsUs - this.dnsTs[s] <= DNS_MAX_AGE_US ? s : -1;
    }
    return -1;
  }

  private sameAddr(s: number, a: Uint32Array, v6: boolean): boolean {
    const o = 4 * s;
    if ((this.dnsV6[s] === 1) !== v6 || this.dnsAddr[o] !== a[0]) return false;
    return !v6 || (this.dnsAddr[o + 1] === a[1] && this.dnsAddr[o + 2] === a[2] && this.dnsAddr[o + 3] === a[3]);
  }
}

/** Whether address `a` lies in the prefix at words[o..o+3] of `bits` bits. */
function inPrefix(a: Uint32Array, words: Uint32Array, o: number, bits: number, v6: boolean): boolean {
  const nw = v6 ? 4 : 1;
  let left = bits;
  for (let w = 0; w < nw && left > 0; w++) {
    const take = left >= 32 ? 32 : left;
    const mask = take === 32 ? 0xffffffff : ~(0xffffffff >>> take);
    if (((a[w] ^ words[o + w]) & mask) !== 0) return false;
    left -= take;
  }
  return true;
}
