/**
 * Inspection buffers: the named byte ranges rules look at (Suricata's "sticky buffers": `http.uri`,
 * `tls.sni`, `dns.query`, `file.data` …) and the per-transaction numbers some keywords test
 * (`dcerpc.opnum`, the HTTP status code …).
 *
 * App-layer parsers fill an `InspectBuffers` with views into bytes they own (or into the packet being
 * processed) and then ask detection to run; detection reads the views. A buffer may hold several views
 * ("multi-buffers": `http.request_header` has one per header line, `tls.certs` one per certificate,
 * `dns.query` one per question); a rule matches a multi-buffer when any one view matches.
 *
 * Never allocates after construction: `add` stores a reference and two numbers; `reset` clears only
 * what was set.
 *
 * @example
 * ```ts
 * import { BUF_HTTP_URI, InspectBuffers, bufferByName } from "./buffers.ts";
 * const b = new InspectBuffers();
 * const bytes = new TextEncoder().encode("GET /index.html HTTP/1.1");
 * b.add(BUF_HTTP_URI, bytes, 4, 11);
 * for (let v = b.first(BUF_HTTP_URI); v >= 0; v = b.next(v)) console.log(b.start[v], b.len[v]);
 * bufferByName("http_uri") === BUF_HTTP_URI; // legacy spellings are accepted
 * b.reset();
 * ```
 */

// Packet and stream payload: not sticky buffers in the rule language (plain `content` looks here).
export const BUF_PAYLOAD = 0; // this packet's L4 payload (or the reassembled datagram's)
export const BUF_STREAM = 1; // reassembled TCP stream bytes ("raw stream"), this direction
// HTTP (HTTP/1 and HTTP/2 fill the same buffers)
export const BUF_HTTP_URI = 2; // normalised: percent and %u decoded, path normalised
export const BUF_HTTP_URI_RAW = 3;
export const BUF_HTTP_METHOD = 4;
export const BUF_HTTP_HOST = 5; // lower-cased, port removed
export const BUF_HTTP_HOST_RAW = 6;
export const BUF_HTTP_USER_AGENT = 7;
export const BUF_HTTP_HEADER = 8; // request or response headers (by direction), normalised: "Name: value\r\n" each, no cookie
export const BUF_HTTP_HEADER_RAW = 9;
export const BUF_HTTP_COOKIE = 10;
export const BUF_HTTP_REQUEST_LINE = 11;
export const BUF_HTTP_REQUEST_BODY = 12; // dechunked (and decompressed) request body
export const BUF_HTTP_STAT_CODE = 13;
export const BUF_HTTP_STAT_MSG = 14;
export const BUF_HTTP_RESPONSE_LINE = 15;
export const BUF_HTTP_RESPONSE_BODY = 16; // dechunked, decompressed response body
export const BUF_HTTP_SERVER = 17;
export const BUF_HTTP_CONTENT_TYPE = 18;
export const BUF_HTTP_REFERER = 19;
export const BUF_HTTP_REQUEST_HEADER = 20; // multi: "Name: value" per request header
export const BUF_HTTP_RESPONSE_HEADER = 21; // multi: "Name: value" per response header
export const BUF_HTTP_HEADER_NAMES = 22; // "\r\nName1\r\nName2\r\n\r\n"
export const BUF_HTTP_START = 23; // start line + headers, raw
export const BUF_HTTP_LOCATION = 24;
export const BUF_HTTP_CONTENT_LEN = 25;
export const BUF_HTTP_ACCEPT = 26;
export const BUF_HTTP_ACCEPT_ENC = 27;
export const BUF_HTTP_ACCEPT_LANG = 28;
export const BUF_HTTP_PROTOCOL = 29; // "HTTP/1.1"
export const BUF_HTTP_CONNECTION = 30;
export const BUF_FILE_DATA = 31; // file contents: HTTP bodies (by direction), SMB file data, SMTP attachments
// TLS
export const BUF_TLS_SNI = 32;
export const BUF_TLS_CERTS = 33; // multi: each certificate, DER
export const BUF_TLS_CERT_SUBJECT = 34; // "C=US, O=..., CN=..." as Suricata writes it
export const BUF_TLS_CERT_ISSUER = 35;
export const BUF_TLS_CERT_SERIAL = 36; // "0A:1B:..." upper-case hex with colons
export const BUF_TLS_CERT_FINGERPRINT = 37; // SHA-1, "aa:bb:..." lower-case hex with colons
export const BUF_JA3_HASH = 38; // 32 lower-case hex chars
export const BUF_JA3_STRING = 39;
export const BUF_JA3S_HASH = 40;
export const BUF_JA3S_STRING = 41;
export const BUF_JA4_HASH = 42;
export const BUF_TLS_ALPN = 43; // multi: each ALPN protocol offered/selected
// DNS
export const BUF_DNS_QUERY = 44; // multi: each question name, dotted, as in the packet (no trailing dot)
// SMB / DCERPC
export const BUF_SMB_NAMED_PIPE = 45;
export const BUF_SMB_SHARE = 46;
export const BUF_DCERPC_STUB_DATA = 47;
// SSH
export const BUF_SSH_PROTO = 48; // "2.0"
export const BUF_SSH_SOFTWARE = 49; // "OpenSSH_8.9p1"
// RDP / FTP / SMTP
export const BUF_RDP_COOKIE = 50; // the X.224 "Cookie: mstshash=" value
export const BUF_FTP_COMMAND = 51; // the command line ("USER anonymous")
export const BUF_SMTP_COMMAND = 52; // each command line (multi)
export const BUF_SMTP_HELO = 53;
export const BUF_SMTP_MAIL_FROM = 54;
export const BUF_SMTP_RCPT_TO = 55; // multi
export const BUF_BASE64_DATA = 56; // filled by detection (`base64_decode` then `base64_data`)
export const BUF_RDP_CHANNEL = 57; // multi: each static virtual channel name the client requests (MCS Connect Initial), e.g. "MS_T120"
// Packet headers (Suricata's `ipv4.hdr` …): the header bytes of this packet, as on the wire.
export const BUF_IPV4_HDR = 58; // IPv4 header incl. options (IHL*4 bytes)
export const BUF_IPV6_HDR = 59; // IPv6 fixed header plus extension headers
export const BUF_TCP_HDR = 60; // TCP header incl. options (data offset*4 bytes)
export const BUF_UDP_HDR = 61; // the 8-byte UDP header
export const BUF_ICMPV4_HDR = 62; // ICMPv4 header (length depends on the type, as Suricata's decoder)
export const BUF_ICMPV6_HDR = 63; // the 8-byte ICMPv6 header
// QUIC (client Initial / gQUIC CHLO)
export const BUF_QUIC_SNI = 64; // the ClientHello's (or gQUIC CHLO's) server name
export const BUF_QUIC_VERSION = 65; // the 4 version bytes of the long header, as on the wire ("Q046", |00 00 00 01|)
export const BUF_QUIC_UA = 66; // gQUIC CHLO user agent (UAID)
export const BUF_QUIC_CYU_HASH = 67; // gQUIC CYU fingerprint: MD5 hex of the CYU string
export const BUF_QUIC_CYU_STRING = 68; // "46,PAD-SNI-VER-..." (version digits, CHLO tags in order)
export const BUF_COUNT = 69;

/** Rule-language names of the sticky buffers, canonical (dotted) first, then legacy spellings. */
const NAMES: ReadonlyArray<readonly [string, number]> = [
  ["http.uri", BUF_HTTP_URI],
  ["http_uri", BUF_HTTP_URI],
  ["http.uri.raw", BUF_HTTP_URI_RAW],
  ["http_raw_uri", BUF_HTTP_URI_RAW],
  ["http.method", BUF_HTTP_METHOD],
  ["http_method", BUF_HTTP_METHOD],
  ["http.host", BUF_HTTP_HOST],
  ["http_host", BUF_HTTP_HOST],
  ["http.host.raw", BUF_HTTP_HOST_RAW],
  ["http_raw_host", BUF_HTTP_HOST_RAW],
  ["http.user_agent", BUF_HTTP_USER_AGENT],
  ["http_user_agent", BUF_HTTP_USER_AGENT],
  ["http.header", BUF_HTTP_HEADER],
  ["http_header", BUF_HTTP_HEADER],
  ["http.header.raw", BUF_HTTP_HEADER_RAW],
  ["http_raw_header", BUF_HTTP_HEADER_RAW],
  ["http.cookie", BUF_HTTP_COOKIE],
  ["http_cookie", BUF_HTTP_COOKIE],
  ["http.request_line", BUF_HTTP_REQUEST_LINE],
  ["http_request_line", BUF_HTTP_REQUEST_LINE],
  ["http.request_body", BUF_HTTP_REQUEST_BODY],
  ["http_client_body", BUF_HTTP_REQUEST_BODY],
  ["http.stat_code", BUF_HTTP_STAT_CODE],
  ["http_stat_code", BUF_HTTP_STAT_CODE],
  ["http.stat_msg", BUF_HTTP_STAT_MSG],
  ["http_stat_msg", BUF_HTTP_STAT_MSG],
  ["http.response_line", BUF_HTTP_RESPONSE_LINE],
  ["http_response_line", BUF_HTTP_RESPONSE_LINE],
  ["http.response_body", BUF_HTTP_RESPONSE_BODY],
  ["http_server_body", BUF_HTTP_RESPONSE_BODY],
  ["http.server", BUF_HTTP_SERVER],
  ["http.content_type", BUF_HTTP_CONTENT_TYPE],
  ["http_content_type", BUF_HTTP_CONTENT_TYPE],
  ["http.referer", BUF_HTTP_REFERER],
  ["http_referer", BUF_HTTP_REFERER],
  ["http.request_header", BUF_HTTP_REQUEST_HEADER],
  ["http.response_header", BUF_HTTP_RESPONSE_HEADER],
  ["http.header_names", BUF_HTTP_HEADER_NAMES],
  ["http_header_names", BUF_HTTP_HEADER_NAMES],
  ["http.start", BUF_HTTP_START],
  ["http_start", BUF_HTTP_START],
  ["http.location", BUF_HTTP_LOCATION],
  ["http.content_len", BUF_HTTP_CONTENT_LEN],
  ["http_content_len", BUF_HTTP_CONTENT_LEN],
  ["http.accept", BUF_HTTP_ACCEPT],
  ["http_accept", BUF_HTTP_ACCEPT],
  ["http.accept_enc", BUF_HTTP_ACCEPT_ENC],
  ["http_accept_enc", BUF_HTTP_ACCEPT_ENC],
  ["http.accept_lang", BUF_HTTP_ACCEPT_LANG],
  ["http_accept_lang", BUF_HTTP_ACCEPT_LANG],
  ["http.protocol", BUF_HTTP_PROTOCOL],
  ["http_protocol", BUF_HTTP_PROTOCOL],
  ["http.connection", BUF_HTTP_CONNECTION],
  ["http_connection", BUF_HTTP_CONNECTION],
  ["file.data", BUF_FILE_DATA],
  ["file_data", BUF_FILE_DATA],
  ["tls.sni", BUF_TLS_SNI],
  ["tls_sni", BUF_TLS_SNI],
  ["tls.certs", BUF_TLS_CERTS],
  ["tls.cert_subject", BUF_TLS_CERT_SUBJECT],
  ["tls_cert_subject", BUF_TLS_CERT_SUBJECT],
  ["tls.cert_issuer", BUF_TLS_CERT_ISSUER],
  ["tls_cert_issuer", BUF_TLS_CERT_ISSUER],
  ["tls.cert_serial", BUF_TLS_CERT_SERIAL],
  ["tls_cert_serial", BUF_TLS_CERT_SERIAL],
  ["tls.cert_fingerprint", BUF_TLS_CERT_FINGERPRINT],
  ["tls_cert_fingerprint", BUF_TLS_CERT_FINGERPRINT],
  ["ja3.hash", BUF_JA3_HASH],
  ["ja3_hash", BUF_JA3_HASH],
  ["ja3.string", BUF_JA3_STRING],
  ["ja3_string", BUF_JA3_STRING],
  ["ja3s.hash", BUF_JA3S_HASH],
  ["ja3s_hash", BUF_JA3S_HASH],
  ["ja3s.string", BUF_JA3S_STRING],
  ["ja3s_string", BUF_JA3S_STRING],
  ["ja4.hash", BUF_JA4_HASH],
  ["tls.alpn", BUF_TLS_ALPN],
  ["dns.query", BUF_DNS_QUERY],
  ["dns_query", BUF_DNS_QUERY],
  ["smb.named_pipe", BUF_SMB_NAMED_PIPE],
  ["smb.share", BUF_SMB_SHARE],
  ["dcerpc.stub_data", BUF_DCERPC_STUB_DATA],
  ["dce_stub_data", BUF_DCERPC_STUB_DATA],
  ["ssh.proto", BUF_SSH_PROTO],
  ["ssh_proto", BUF_SSH_PROTO],
  ["ssh.software", BUF_SSH_SOFTWARE],
  ["ssh_software", BUF_SSH_SOFTWARE],
  ["rdp.cookie", BUF_RDP_COOKIE],
  ["ftp.command_line", BUF_FTP_COMMAND],
  ["smtp.command", BUF_SMTP_COMMAND],
  ["smtp.helo", BUF_SMTP_HELO],
  ["smtp.mail_from", BUF_SMTP_MAIL_FROM],
  ["smtp.rcpt_to", BUF_SMTP_RCPT_TO],
  ["base64_data", BUF_BASE64_DATA],
  ["rdp.channel", BUF_RDP_CHANNEL],
  ["ipv4.hdr", BUF_IPV4_HDR],
  ["ipv6.hdr", BUF_IPV6_HDR],
  ["tcp.hdr", BUF_TCP_HDR],
  ["udp.hdr", BUF_UDP_HDR],
  ["icmpv4.hdr", BUF_ICMPV4_HDR],
  ["icmpv6.hdr", BUF_ICMPV6_HDR],
  ["quic.sni", BUF_QUIC_SNI],
  ["quic.version", BUF_QUIC_VERSION],
  ["quic.ua", BUF_QUIC_UA],
  ["quic.cyu.hash", BUF_QUIC_CYU_HASH],
  ["quic.cyu.string", BUF_QUIC_CYU_STRING],
];

const BY_NAME = new Map<string, number>(NAMES);

/** The buffer id for a sticky-buffer keyword or legacy content modifier name, or -1. */
export function bufferByName(name: string): number {
  const id = BY_NAME.get(name);
  return id === undefined ? -1 : id;
}

/** The canonical rule-language name of a buffer id ("payload" / "stream" for the two raw ones). */
export function bufferName(id: number): string {
  if (id === BUF_PAYLOAD) return "payload";
  if (id === BUF_STREAM) return "stream";
  for (const [n, i] of NAMES) if (i === id) return n;
  return "";
}

/** Every accepted buffer keyword (for "did you mean" suggestions). */
export function bufferNames(): string[] {
  return NAMES.map(([n]) => n);
}

// Per-transaction numbers (not byte buffers). Unset fields read as NaN.
export const FIELD_HTTP_STATUS = 0; // response status code
export const FIELD_DCERPC_OPNUM = 1; // current request's opnum
export const FIELD_DCERPC_IFACE_VER = 2; // bound interface major version (the UUID is in `iface`)
export const FIELD_TLS_VERSION = 3; // per side, as ssl_version reads it: the client's hello version toserver, the negotiated one toclient
export const FIELD_DNS_RRTYPE = 4; // first question's type
export const FIELD_DNS_OPCODE = 5;
export const FIELD_SMB_COMMAND = 6;
export const FIELD_FILE_SIZE = 7; // size of the file being carried, when known
/** The TLS handshake message being inspected: 1 client_hello, 2 server_hello, 4 client_keyx, 8 server_keyx, 16 other. */
export const FIELD_TLS_STATE = 8;
export const FIELD_COUNT = 9;

/** Views a single inspection: at most this many (buffer, range) pairs at once. */
export const MAX_VIEWS = 512;

export class InspectBuffers {
  /** Bytes each view points into (a reference, never copied). */
  readonly data: Uint8Array[];
  readonly start = new Int32Array(MAX_VIEWS);
  readonly len = new Int32Array(MAX_VIEWS);
  /** Next view of the same buffer, or -1. */
  private readonly link = new Int16Array(MAX_VIEWS);
  private readonly head = new Int16Array(BUF_COUNT).fill(-1);
  private readonly tail = new Int16Array(BUF_COUNT).fill(-1);
  private readonly touched = new Uint8Array(BUF_COUNT);
  private readonly touchedList = new Uint8Array(BUF_COUNT);
  private touchedCount = 0;
  /** Views in use. */
  count = 0;
  /** Views that did not fit (MAX_VIEWS) since construction. */
  overflow = 0;
  /** Per-transaction numbers, FIELD_*; NaN when not set. */
  readonly fields = new Float64Array(FIELD_COUNT).fill(NaN);
  /** The DCERPC interface UUID the transaction's context is bound to (16 bytes, wire order); valid when `ifaceSet`. */
  readonly iface = new Uint8Array(16);
  ifaceSet = false;

  constructor() {
    const empty = new Uint8Array(0);
    this.data = new Array<Uint8Array>(MAX_VIEWS);
    for (let i = 0; i < MAX_VIEWS; i++) this.data[i] = empty;
  }

  /** Adds a view of `len` bytes of `data` from `start` to buffer `id` (after any views it already has). */
  add(id: number, data: Uint8Array, start: number, len: number): void {
    const v = this.count;
    if (v >= MAX_VIEWS) {
      this.overflow++;
      return;
    }
    this.count = v + 1;
    this.data[v] = data;
    this.start[v] = start;
    this.len[v] = len;
    this.link[v] = -1;
    if (this.touched[id] === 0) {
      this.touched[id] = 1;
      this.touchedList[this.touchedCount++] = id;
      this.head[id] = v;
    } else {
      this.link[this.tail[id]] = v;
    }
    this.tail[id] = v;
  }

  /** The first view of buffer `id`, or -1 when the buffer is not set. */
  first(id: number): number {
    return this.head[id];
  }

  /** The view after `v` in the same buffer, or -1. */
  next(v: number): number {
    return this.link[v];
  }

  has(id: number): boolean {
    return this.head[id] >= 0;
  }

  setField(field: number, value: number): void {
    this.fields[field] = value;
  }

  /** Forgets every view and field (cost: what was set). */
  reset(): void {
    for (let i = 0; i < this.touchedCount; i++) {
      const id = this.touchedList[i];
      this.head[id] = -1;
      this.tail[id] = -1;
      this.touched[id] = 0;
    }
    this.touchedCount = 0;
    this.count = 0;
    for (let f = 0; f < FIELD_COUNT; f++) this.fields[f] = NaN;
    this.ifaceSet = false;
  }
}

/** Which direction a buffer belongs to: 0 to server, 1 to client, 2 either (by the inspecting direction). */
export const BUFFER_DIR = new Uint8Array(BUF_COUNT).fill(2);
for (
  const id of [
    BUF_HTTP_URI,
    BUF_HTTP_URI_RAW,
    BUF_HTTP_METHOD,
    BUF_HTTP_HOST,
    BUF_HTTP_HOST_RAW,
    BUF_HTTP_USER_AGENT,
    BUF_HTTP_REQUEST_LINE,
    BUF_HTTP_REQUEST_BODY,
    BUF_HTTP_REQUEST_HEADER,
    BUF_HTTP_REFERER,
    BUF_HTTP_ACCEPT,
    BUF_HTTP_ACCEPT_ENC,
    BUF_HTTP_ACCEPT_LANG,
    BUF_TLS_SNI,
    BUF_JA3_HASH,
    BUF_JA3_STRING,
    BUF_JA4_HASH,
    BUF_DNS_QUERY,
    BUF_RDP_COOKIE,
    BUF_FTP_COMMAND,
    BUF_SMTP_COMMAND,
    BUF_SMTP_HELO,
    BUF_SMTP_MAIL_FROM,
    BUF_SMTP_RCPT_TO,
    BUF_QUIC_SNI,
    BUF_QUIC_UA,
    BUF_QUIC_CYU_HASH,
    BUF_QUIC_CYU_STRING,
  ]
) BUFFER_DIR[id] = 0;
for (
  const id of [
    BUF_HTTP_STAT_CODE,
    BUF_HTTP_STAT_MSG,
    BUF_HTTP_RESPONSE_LINE,
    BUF_HTTP_RESPONSE_BODY,
    BUF_HTTP_SERVER,
    BUF_HTTP_LOCATION,
    BUF_HTTP_RESPONSE_HEADER,
    BUF_TLS_CERTS,
    BUF_TLS_CERT_SUBJECT,
    BUF_TLS_CERT_ISSUER,
    BUF_TLS_CERT_SERIAL,
    BUF_TLS_CERT_FINGERPRINT,
    BUF_JA3S_HASH,
    BUF_JA3S_STRING,
  ]
) BUFFER_DIR[id] = 1;
