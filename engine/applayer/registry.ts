/**
 * The app-layer parsers and protocol probes an engine runs with, in one place: adding a protocol
 * touches this file and the parser's own folder.
 *
 * Cold path: builds parser pools (memory is allocated here, once).
 *
 * @example
 * ```ts
 * import { defaultParsers, defaultProbes } from "./registry.ts";
 * const parsers = defaultParsers();
 * const probes = defaultProbes();
 * ```
 */
import type { ProbeEntry } from "./dispatch.ts";
import type { AppParser } from "./parser.ts";
import {
  ALPROTO_DCERPC,
  ALPROTO_DNS,
  ALPROTO_SSH,
  ALPROTO_TLS,
  ALPROTO_FTP,
  ALPROTO_HTTP1,
  ALPROTO_HTTP2,
  ALPROTO_IMAP,
  ALPROTO_POP3,
  ALPROTO_RDP,
  ALPROTO_SMB,
  ALPROTO_SMTP,
  ALPROTO_QUIC,
} from "./proto.ts";
import { Http1Parser } from "./http1/parser.ts";
import { probeHttp1 } from "./http1/probe.ts";
import { Http2Parser, probeHttp2 } from "./http2/parser.ts";
import { probeSmtp, SmtpParser } from "./smtp/smtp.ts";
import { FtpParser, probeFtp } from "./ftp/ftp.ts";
import { ImapParser, probeImap } from "./imap/imap.ts";
import { Pop3Parser, probePop3 } from "./pop3/pop3.ts";
import { probeSmb, SmbParser } from "./smb/smb.ts";
import { DcerpcParser, probeDcerpc } from "./dcerpc/dcerpc.ts";
import { probeRdp, RdpParser } from "./rdp/rdp.ts";
import { probeTls, TlsParser } from "./tls/tls.ts";
import { DnsParser, probeDns, probeDnsTcp } from "./dns/dns.ts";
import { probeSsh, SshParser } from "./ssh/ssh.ts";
import { probeQuic, QuicParser } from "./quic/quic.ts";

/** Every parser, with default pool sizes. */
export function defaultParsers(): AppParser[] {
  return [
    new Http1Parser(),
    new Http2Parser(),
    new SmtpParser(),
    new FtpParser(),
    new ImapParser(),
    new Pop3Parser(),
    new SmbParser(),
    new DcerpcParser(),
    new RdpParser(),
    new TlsParser(),
    new DnsParser(),
    new SshParser(),
    new QuicParser(),
  ];
}

/** Content probes, with the ports that make each one tried first (a hint, never a verdict on its own). */
export function defaultProbes(): ProbeEntry[] {
  return [
    { proto: ALPROTO_TLS, probe: probeTls, ports: [443, 8443, 993, 995, 465, 636, 3389], tcp: true, udp: false },
    { proto: ALPROTO_SSH, probe: probeSsh, ports: [22], tcp: true, udp: false },
    { proto: ALPROTO_DNS, probe: probeDns, ports: [53, 5353], tcp: false, udp: true },
    { proto: ALPROTO_QUIC, probe: probeQuic, ports: [443, 80, 8443], tcp: false, udp: true },
    { proto: ALPROTO_DNS, probe: probeDnsTcp, ports: [53], tcp: true, udp: false },
    { proto: ALPROTO_HTTP1, probe: probeHttp1, ports: [80, 8080, 8000, 3128], tcp: true, udp: false },
    { proto: ALPROTO_HTTP2, probe: probeHttp2, ports: [80, 443, 8443], tcp: true, udp: false },
    { proto: ALPROTO_SMB, probe: probeSmb, ports: [445, 139], tcp: true, udp: false },
    { proto: ALPROTO_DCERPC, probe: probeDcerpc, ports: [135], tcp: true, udp: false },
    { proto: ALPROTO_RDP, probe: probeRdp, ports: [3389], tcp: true, udp: false },
    { proto: ALPROTO_SMTP, probe: probeSmtp, ports: [25, 587, 465, 2525], tcp: true, udp: false },
    { proto: ALPROTO_FTP, probe: probeFtp, ports: [21], tcp: true, udp: false },
    { proto: ALPROTO_IMAP, probe: probeImap, ports: [143], tcp: true, udp: false },
    { proto: ALPROTO_POP3, probe: probePop3, ports: [110], tcp: true, udp: false },
  ];
}
