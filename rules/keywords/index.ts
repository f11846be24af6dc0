/**
 * The keyword table: every rule keyword Tsugi accepts, one entry per module (content, pcre, byte_test …),
 * looked up by name or alias; and the keywords Suricata knows that Tsugi does not evaluate, each with
 * the reason a rule using it is skipped (never silently dropped: they change what a rule matches).
 * Adding a keyword: one new module and one line in `ALL`.
 *
 * Cold path only.
 *
 * @example
 * ```ts
 * import { findKeyword } from "./index.ts";
 * findKeyword("tcp.flags")?.name; // "flags"
 * ```
 */
import { appLayerEvent, appLayerProtocol, dcerpcIface, dcerpcOpnum, sslState, sslVersion, tlsVersion } from "./app-layer.ts";
import { alertKeyword, base64Decode, bufferKeywords, noalert, tag, transformKeywords, urilen } from "./buffers.ts";
import { bsize } from "./bsize.ts";
import { byteExtract } from "./byte-extract.ts";
import { byteJump } from "./byte-jump.ts";
import { byteMath } from "./byte-math.ts";
import { byteTest } from "./byte-test.ts";
import { content, uricontent } from "./content.ts";
import * as mod from "./content-modifiers.ts";
import { flow, flowbits, flowint, xbits } from "./flow.ts";
import { isdataat } from "./isdataat.ts";
import type { Keyword } from "./keyword.ts";
import * as pkt from "./packet-header.ts";
import { pcre } from "./pcre.ts";
import * as info from "./rule-info.ts";
import { detectionFilter, threshold } from "./threshold.ts";

const ALL: Keyword[] = [
  info.msg, info.sid, info.rev, info.gid, info.classtype, info.priority, info.reference, info.metadata, info.target,
  content, uricontent,
  mod.nocase, mod.rawbytes, mod.offset, mod.depth, mod.distance, mod.within, mod.startswith, mod.endswith,
  mod.fastPattern, mod.prefilter,
  pcre, byteTest, byteJump, byteExtract, byteMath, isdataat, bsize, urilen, base64Decode,
  flow, flowbits, flowint, xbits, threshold, detectionFilter,
  pkt.dsize, pkt.ttl, pkt.itype, pkt.icode, pkt.icmpId, pkt.icmpSeq, pkt.ipProto, pkt.ack, pkt.seq, pkt.window,
  pkt.id, pkt.tos, pkt.fragbits, pkt.fragoffset, pkt.flags, pkt.sameip, pkt.streamSize,
  appLayerProtocol, appLayerEvent, dcerpcIface, dcerpcOpnum, tlsVersion, sslVersion, sslState,
  noalert, alertKeyword, tag,
  ...bufferKeywords(),
  ...transformKeywords(),
];

const TABLE = new Map<string, Keyword>();
for (const k of ALL) {
  for (const n of [k.name, ...(k.aliases ?? [])]) {
    if (TABLE.has(n)) throw new Error(`keyword "${n}" registered twice`);
    TABLE.set(n, k);
  }
}

/** The keyword for a (lower-case) name or alias. */
export function findKeyword(name: string): Keyword | undefined {
  return TABLE.get(name);
}

/** Every accepted keyword name and alias (for "did you mean"). */
export function keywordNames(): string[] {
  return [...TABLE.keys()];
}

const GENERIC = "Tsugi does not evaluate it, so the rule would match differently than written";

/** Keywords Suricata knows that Tsugi does not evaluate, with why. */
const UNSUPPORTED: Record<string, string> = {
  lua: "Lua scripts are not run",
  luajit: "Lua scripts are not run",
  asn1: "ASN.1 decoding is not implemented",
  "decode-event": "decoder events are not matched by rules",
  "stream-event": "stream events are not matched by rules",
  "engine-event": "engine events are not matched by rules",
  "app-layer-state": GENERIC,
  ftpbounce: "the FTP PORT bounce check is not implemented",
  filename: "file names are not tracked",
  fileext: "file names are not tracked",
  "file.name": "file names are not tracked",
  filemagic: "libmagic file typing is not available",
  "file.magic": "libmagic file typing is not available",
  filemd5: "file hash lists are not loaded",
  filesha1: "file hash lists are not loaded",
  filesha256: "file hash lists are not loaded",
  filesize: "file sizes are not matched",
  filestore: "files are not stored",
  "tls.cert_expired": "certificate validity is not checked",
  "tls.cert_valid": "certificate validity is not checked",
  tls_cert_notbefore: "certificate validity is not checked",
  tls_cert_notafter: "certificate validity is not checked",
  tls_cert_expired: "certificate validity is not checked",
  tls_cert_valid: "certificate validity is not checked",
  "tls.cert_chain_len": GENERIC,
  "tls.subjectaltname": GENERIC,
  "tls.random": GENERIC,
  "tls.store": "certificates are not stored",
  tls_store: "certificates are not stored",
  "tls.fingerprint": GENERIC,
  "dns.opcode": GENERIC,
  "dns.rrtype": GENERIC,
  "dns.answer.name": GENERIC,
  "dns.queries.rrname": GENERIC,
  iprep: "IP reputation lists are not loaded",
  geoip: "GeoIP is not available",
  dataset: "datasets are not loaded",
  datarep: "datasets are not loaded",
  replace: "payload rewriting is not supported",
  bypass: GENERIC,
  config: GENERIC,
  rpc: GENERIC,
  ipopts: GENERIC,
  "tcp.mss": GENERIC,
  "ipv4-csum": GENERIC,
  "tcpv4-csum": GENERIC,
  "tcpv6-csum": GENERIC,
  "udpv4-csum": GENERIC,
  "udpv6-csum": GENERIC,
  "icmpv4-csum": GENERIC,
  "icmpv6-csum": GENERIC,
  "flow.age": GENERIC,
  "flow.pkts": GENERIC,
  "flow.bytes": GENERIC,
  "ssh.hassh": GENERIC,
  "ssh.hassh.server": GENERIC,
  "ssh.hassh.string": GENERIC,
  "ja4.hash": GENERIC,
  "http2.frametype": "HTTP/2 frame keywords are not implemented",
  "http2.errorcode": "HTTP/2 frame keywords are not implemented",
  "http2.priority": "HTTP/2 frame keywords are not implemented",
  "http2.window": "HTTP/2 frame keywords are not implemented",
  "http2.settings": "HTTP/2 frame keywords are not implemented",
  "http2.header_name": "HTTP/2 frame keywords are not implemented",
  "smb.ntlmssp_user": GENERIC,
  "smb.ntlmssp_domain": GENERIC,
  "krb5_cname": "no Kerberos parser",
  "krb5_sname": "no Kerberos parser",
  "krb5_msg_type": "no Kerberos parser",
  "snmp.community": "no SNMP parser",
  "snmp.pdu_type": "no SNMP parser",
  "sip.method": "no SIP parser",
  "sip.uri": "no SIP parser",
  modbus: "no Modbus parser",
  dnp3_func: "no DNP3 parser",
  dnp3_obj: "no DNP3 parser",
  dnp3_ind: "no DNP3 parser",
  dnp3_data: "no DNP3 parser",
  cip_service: "no ENIP/CIP parser",
  enip_command: "no ENIP/CIP parser",
  "quic.sni": "no QUIC parser",
  "quic.version": "no QUIC parser",
  "mqtt.type": "no MQTT parser",
  "ike.vendor": "no IKE parser",
  "ftpdata_command": GENERIC,
  "tcp.window": GENERIC,
  "pkt.vlan": GENERIC,
  "http.request_header_names": GENERIC,
  "http.response_header_names": GENERIC,
  "smtp.data": GENERIC,
  "email.from": GENERIC,
  "email.subject": GENERIC,
  "email.to": GENERIC,
  "entropy": GENERIC,
  "tls.cert_fingerprint_sha256": GENERIC,
  "ja3s.string.raw": GENERIC,
};

/** Why a keyword Suricata knows is not evaluated by Tsugi, or null when it is not such a keyword. */
export function unsupportedKeyword(name: string): string | null {
  if (name in UNSUPPORTED) return UNSUPPORTED[name];
  if (/^(krb5|snmp|sip|modbus|dnp3|enip|cip|quic|mqtt|ike|rfb|nfs|ntp|dhcp|tftp|ldap|pgsql|websocket|http2|smtp|ssh|dns|tls|ja4|file|ftp)[._]/.test(name)) {
    return GENERIC;
  }
  return null;
}
