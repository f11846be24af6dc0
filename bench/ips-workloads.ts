/**
 * Workloads for `tsugi bench ips`: whole TCP conversations (handshake, application data both ways,
 * ACKs, FIN) built with the project's packet builder and replayed over and over, each replay as new
 * flows (the client port is rewritten in place, so nothing is allocated in the measured loop).
 *
 * - http: HTTP/1.1 GETs and POSTs with browser-like headers; responses of 1–64 KB (log-uniform) HTML,
 *   JavaScript and JSON bodies, some chunked and some gzip-labelled; the client ACKs every second segment.
 * - tls: TLS 1.2/1.3 ClientHello (SNI, ALPN), ServerHello, Certificate, then 16 KB of application data
 *   records each way.
 * - smb: SMB2 negotiate, session setup, tree connect, create, then 64 KB READ responses in 1460-byte
 *   segments (a file copy).
 */
import { ether, tcpPacket } from "../datapath/craft.ts";
import { LINK_ETHERNET } from "../engine/packet.ts";

export interface IpsWorkload {
  name: string;
  description: string;
  buf: Uint8Array;
  offs: Uint32Array;
  lens: Uint16Array;
  /** For each frame: 0 client → server, 1 server → client (which port field carries the client port). */
  dir: Uint8Array;
  /** Frames per replay (one replay = `conversations` connections). */
  frames: number;
  conversations: number;
  linkType: number;
  meanPacketBytes: number;
  payloadShare: number;
}

const enc = new TextEncoder();
const MSS = 1460;

/** Deterministic pseudo-random numbers (xorshift), so every run builds the same traffic. */
class Rand {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
}

class Conversation {
  frames: Uint8Array[] = [];
  dirs: number[] = [];
  private cseq = 1000;
  private sseq = 5000;
  constructor(private cli: string, private srv: string, private cport: number, private sport: number) {
    this.push(0, "S", new Uint8Array(0));
    this.cseq++;
    this.push(1, "SA", new Uint8Array(0));
    this.sseq++;
    this.push(0, "A", new Uint8Array(0));
  }
  private push(dir: number, flags: string, payload: Uint8Array): void {
    const c = dir === 0;
    const pkt = tcpPacket({
      src: c ? this.cli : this.srv,
      dst: c ? this.srv : this.cli,
      sport: c ? this.cport : this.sport,
      dport: c ? this.sport : this.cport,
      flags: flags as "A",
      seq: c ? this.cseq - (flags === "SA" ? 0 : 0) : this.sseq,
      ack: flags === "S" ? 0 : c ? this.sseq : this.cseq,
      payload,
    });
    this.frames.push(ether(pkt, { type: 0x0800 }));
    this.dirs.push(dir);
  }
  /** Sends `data` from one side in MSS segments; the other side ACKs every second segment. */
  send(dir: number, data: Uint8Array): void {
    let n = 0;
    for (let at = 0; at < data.length; at += MSS) {
      const seg = data.subarray(at, Math.min(data.length, at + MSS));
      this.push(dir, "PA", seg);
      if (dir === 0) this.cseq += seg.length;
      else this.sseq += seg.length;
      if (++n % 2 === 0) this.push(dir ^ 1, "A", new Uint8Array(0));
    }
    if (n % 2 === 1) this.push(dir ^ 1, "A", new Uint8Array(0));
  }
  close(): void {
    this.push(0, "FA", new Uint8Array(0));
    this.cseq++;
    this.push(1, "FA", new Uint8Array(0));
    this.sseq++;
    this.push(0, "A", new Uint8Array(0));
  }
}

const WORDS = ["session", "account", "window", "function", "return", "document", "element", "style", "value", "user",
  "class", "container", "header", "footer", "script", "data", "index", "button", "image", "content"];

function body(r: Rand, size: number, kind: number): Uint8Array {
  let s = kind === 0 ? "<!DOCTYPE html><html><head><title>Branch portal</title></head><body>\n" : kind === 1 ? "(function(){\n" : "{\"items\":[";
  while (s.length < size) {
    const w = WORDS[r.int(0, WORDS.length - 1)];
    if (kind === 0) s += `<div class="${w}-${r.int(1, 99)}"><a href="/${w}/${r.int(1, 9999)}">${w} ${r.int(1, 1e6)}</a></div>\n`;
    else if (kind === 1) s += `  var ${w}${r.int(1, 99)} = document.getElementById("${w}");\n`;
    else s += `{"id":${r.int(1, 1e6)},"name":"${w}","score":${r.next().toFixed(4)}},`;
  }
  return enc.encode(s.slice(0, size));
}

function build(name: string, description: string, convs: Conversation[]): IpsWorkload {
  const frames = convs.flatMap((c) => c.frames);
  const dirs = convs.flatMap((c) => c.dirs);
  const total = frames.reduce((a, f) => a + f.length, 0);
  const buf = new Uint8Array(total);
  const offs = new Uint32Array(frames.length);
  const lens = new Uint16Array(frames.length);
  let at = 0;
  let payload = 0;
  frames.forEach((f, i) => {
    buf.set(f, at);
    offs[i] = at;
    lens[i] = f.length;
    at += f.length;
    payload += Math.max(0, f.length - 54);
  });
  return {
    name,
    description,
    buf,
    offs,
    lens,
    dir: Uint8Array.from(dirs),
    frames: frames.length,
    conversations: convs.length,
    linkType: LINK_ETHERNET,
    meanPacketBytes: total / frames.length,
    payloadShare: payload / total,
  };
}

/** HTTP-heavy: 64 connections of 1–4 request/response pairs each. */
export function httpWorkload(): IpsWorkload {
  const r = new Rand(7);
  const convs: Conversation[] = [];
  for (let c = 0; c < 64; c++) {
    const conv = new Conversation(`198.18.${c >> 4}.${10 + (c & 15)}`, "198.19.0.80", 40000 + c, 80);
    const n = r.int(1, 4);
    for (let k = 0; k < n; k++) {
      const post = r.next() < 0.2;
      const path = `/${WORDS[r.int(0, 19)]}/${WORDS[r.int(0, 19)]}.${["php", "html", "js", "json"][r.int(0, 3)]}?id=${r.int(1, 1e6)}&q=${WORDS[r.int(0, 19)]}`;
      const reqBody = post ? body(r, r.int(200, 4000), 2) : new Uint8Array(0);
      const req = `${post ? "POST" : "GET"} ${path} HTTP/1.1\r\nHost: portal.branch.example\r\n` +
        `User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n` +
        `Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.9\r\n` +
        `Accept-Encoding: gzip, deflate\r\nCookie: session=${r.int(1, 1e9)}; theme=dark\r\nConnection: keep-alive\r\n` +
        (post ? `Content-Type: application/json\r\nContent-Length: ${reqBody.length}\r\n` : "") + "\r\n";
      const reqBytes = new Uint8Array(req.length + reqBody.length);
      reqBytes.set(enc.encode(req));
      reqBytes.set(reqBody, req.length);
      conv.send(0, reqBytes);
      const size = Math.round(Math.exp(Math.log(1024) + r.next() * (Math.log(65536) - Math.log(1024))));
      const kind = r.int(0, 2);
      const b = body(r, size, kind);
      const chunked = r.next() < 0.25;
      const head = `HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: Wed, 25 Nov 2026 10:00:00 GMT\r\n` +
        `Content-Type: ${["text/html; charset=utf-8", "application/javascript", "application/json"][kind]}\r\n` +
        (chunked ? "Transfer-Encoding: chunked\r\n" : `Content-Length: ${b.length}\r\n`) +
        `Cache-Control: no-cache\r\nConnection: keep-alive\r\n\r\n`;
      let payload: Uint8Array;
      if (chunked) {
        const parts: Uint8Array[] = [enc.encode(head)];
        for (let at = 0; at < b.length; at += 8192) {
          const piece = b.subarray(at, Math.min(b.length, at + 8192));
          parts.push(enc.encode(piece.length.toString(16) + "\r\n"), piece, enc.encode("\r\n"));
        }
        parts.push(enc.encode("0\r\n\r\n"));
        payload = concat(parts);
      } else payload = concat([enc.encode(head), b]);
      conv.send(1, payload);
    }
    conv.close();
    convs.push(conv);
  }
  return build(
    "http",
    "HTTP/1.1: 64 keep-alive connections of 1-4 GET/POST each, browser headers, 1-64 KB HTML/JS/JSON responses (25% chunked), client ACKs every 2nd segment",
    convs,
  );
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function u16(n: number): number[] {
  return [(n >> 8) & 255, n & 255];
}
function u24(n: number): number[] {
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function clientHello(r: Rand, sni: string): Uint8Array {
  const name = [...enc.encode(sni)];
  const sniExt = [0, 0, ...u16(name.length + 5), ...u16(name.length + 3), 0, ...u16(name.length), ...name];
  const alpn = [0, 16, ...u16(14), ...u16(12), 2, 104, 50, 8, ...enc.encode("http/1.1"), 0].slice(0, 18);
  const groups = [0, 10, ...u16(6), ...u16(4), 0, 29, 0, 23];
  const versions = [0, 43, ...u16(5), 4, 3, 4, 3, 3];
  const exts = [...sniExt, ...alpn, ...groups, ...versions];
  const random = Array.from({ length: 32 }, () => r.int(0, 255));
  const suites = [0x13, 0x01, 0x13, 0x02, 0xc0, 0x2b, 0xc0, 0x2f, 0xc0, 0x2c, 0xc0, 0x30];
  const body = [3, 3, ...random, 0, ...u16(suites.length), ...suites, 1, 0, ...u16(exts.length), ...exts];
  const hs = [1, ...u24(body.length), ...body];
  return Uint8Array.from([22, 3, 1, ...u16(hs.length), ...hs]);
}

function serverFlight(r: Rand): Uint8Array {
  const random = Array.from({ length: 32 }, () => r.int(0, 255));
  const sh = [3, 3, ...random, 0, 0xc0, 0x2f, 0, 0, 0];
  const cert = Array.from({ length: 1200 }, () => r.int(0, 255));
  cert[0] = 0x30;
  const certMsg = [...u24(cert.length + 3), ...u24(cert.length), ...cert];
  const hs = [2, ...u24(sh.length), ...sh, 11, ...u24(certMsg.length), ...certMsg, 14, 0, 0, 0];
  return Uint8Array.from([22, 3, 3, ...u16(hs.length), ...hs]);
}

function appData(r: Rand, bytes: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let left = bytes; left > 0; left -= 1400) {
    const n = Math.min(1400, left);
    const rec = new Uint8Array(5 + n);
    rec.set([23, 3, 3, ...u16(n)]);
    for (let i = 5; i < rec.length; i++) rec[i] = r.int(0, 255);
    parts.push(rec);
  }
  return concat(parts);
}

/** TLS-heavy: 64 connections: handshake, then 2 KB up and 16–64 KB down of application data. */
export function tlsWorkload(): IpsWorkload {
  const r = new Rand(11);
  const convs: Conversation[] = [];
  for (let c = 0; c < 64; c++) {
    const conv = new Conversation(`198.18.${c >> 4}.${10 + (c & 15)}`, "198.19.0.44", 41000 + c, 443);
    conv.send(0, clientHello(r, `${WORDS[c % 20]}.cdn.example.net`));
    conv.send(1, serverFlight(r));
    conv.send(0, appData(r, 2048));
    conv.send(1, appData(r, r.int(16, 64) * 1024));
    conv.close();
    convs.push(conv);
  }
  return build("tls", "TLS: 64 connections, ClientHello (SNI, ALPN), ServerHello+Certificate, 2 KB up / 16-64 KB down application data", convs);
}

function smb2(cmd: number, msgId: number, body: number[] | Uint8Array, response: boolean): Uint8Array {
  const h = new Uint8Array(64);
  h.set([0xfe, 0x53, 0x4d, 0x42, 64, 0]);
  h[12] = cmd;
  h[16] = response ? 1 : 0;
  h[28] = msgId & 255;
  const msg = concat([h, Uint8Array.from(body)]);
  return concat([Uint8Array.from([0, ...u24(msg.length)]), msg]);
}

/** SMB-heavy: 32 connections, each a negotiate/session/tree/create then 8 × 64 KB READs (a file copy). */
export function smbWorkload(): IpsWorkload {
  const r = new Rand(13);
  const convs: Conversation[] = [];
  for (let c = 0; c < 32; c++) {
    const conv = new Conversation(`198.18.${c >> 4}.${10 + (c & 15)}`, "198.19.0.45", 42000 + c, 445);
    let id = 0;
    conv.send(0, smb2(0, id, [36, 0, 2, 0, ...new Array(32).fill(0), 0x02, 0x02, 0x10, 0x02], false));
    conv.send(1, smb2(0, id++, [65, 0, ...new Array(63).fill(0)], true));
    conv.send(0, smb2(1, id, [25, 0, ...new Array(23).fill(0)], false));
    conv.send(1, smb2(1, id++, [9, 0, ...new Array(7).fill(0)], true));
    const share = [...enc.encode("\\\\fileserver\\share")].flatMap((b) => [b, 0]);
    conv.send(0, smb2(3, id, [9, 0, 0, 0, 72, 0, ...u16(share.length).reverse(), ...share], false));
    conv.send(1, smb2(3, id++, [16, 0, 1, 0, ...new Array(12).fill(0)], true));
    for (let k = 0; k < 8; k++) {
      conv.send(0, smb2(8, id, [49, 0, 0, 0, 0, 0, 1, 0, ...new Array(41).fill(0)], false));
      const data = new Uint8Array(65536);
      for (let i = 0; i < data.length; i++) data[i] = r.int(0, 255);
      conv.send(1, smb2(8, id++, concat([Uint8Array.from([17, 0, 80, 0, 0, 0, 1, 0, ...new Array(8).fill(0)]), data]), true));
    }
    conv.close();
    convs.push(conv);
  }
  return build("smb", "SMB2: 32 connections, negotiate/session setup/tree connect, then 8 x 64 KB READ responses each (file copy)", convs);
}
