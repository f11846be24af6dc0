import { test } from "uvu";
import * as assert from "uvu/assert";
import type { BlockMatch, ContentMatch, Rule, RuleProblem } from "../ast.ts";
import { parseRules } from "../parse.ts";
import * as B from "../../engine/detect/buffers.ts";
import { ALPROTO_FAILED, ALPROTO_TLS, alprotoByName } from "../../engine/applayer/proto.ts";

const wrap = (opts: string, proto = "tcp") => `alert ${proto} any any -> any any (${opts} sid:1;)`;
function ok(opts: string, proto = "tcp"): Rule {
  const r = parseRules(wrap(opts, proto), "k.rules");
  assert.equal(r.problems, [], `unexpected problem for ${opts}`);
  return r.rules[0];
}
function bad(opts: string, re: RegExp, proto = "tcp"): RuleProblem {
  const r = parseRules(wrap(opts, proto), "k.rules");
  assert.is(r.rules.length, 0, `expected a problem for ${opts}`);
  assert.match(r.problems[0].message, re);
  return r.problems[0];
}
const first = (r: Rule): BlockMatch => r.blocks[0].matches[0];
const c = (r: Rule, i = 0) => r.blocks[0].matches[i] as ContentMatch;

test("content modifiers: values and Suricata's validation", () => {
  const r = ok('content:"abc"; nocase; offset:2; depth:10; content:"d"; distance:1; within:5; content:"e"; startswith; content:"f"; endswith; fast_pattern;');
  assert.ok(c(r).nocase);
  assert.equal([c(r).offset, c(r).depth], [{ num: 2 }, { num: 10 }]);
  assert.equal([c(r, 1).distance, c(r, 1).within], [{ num: 1 }, { num: 5 }]);
  assert.ok(c(r, 2).startsWith);
  assert.ok(c(r, 3).endsWith && c(r, 3).fastPattern);
  assert.ok(c(ok('content:"abcd"; fast_pattern:only;')).fastPatternOnly);
  assert.equal(c(ok('content:"abcd"; fast_pattern:1,2;')).fastPatternChop, { offset: 1, length: 2 });
  assert.ok(c(ok('content:"a"; rawbytes;')).rawbytes);
  assert.is(ok('content:"a"; distance:-3;').blocks[0].matches.length, 1);
  bad('content:"abc"; depth:2;', /depth 2 is smaller than the content length 3/);
  bad('content:"abc"; content:"x"; within:0;', /within/);
  bad('content:"a"; content:"abc"; within:2;', /within 2 is less than the content length 3/);
  bad('nocase; content:"a";', /needs a preceding content/);
  bad('content:"a"; nocase; nocase;', /twice/);
  bad('content:"a"; fast_pattern; content:"b"; fast_pattern;', /only one content/);
  bad('content:"a"; offset:1; distance:1;', /cannot be combined/);
  bad('content:"a"; distance:1; depth:4;', /cannot be combined/);
  bad('content:"a"; startswith; offset:1;', /startswith/);
  bad('content:!"a"; fast_pattern:only;', /negated/);
  bad('content:"ab"; fast_pattern:1,5;', /outside the content/);
  bad('http.uri; content:"a"; rawbytes;', /rawbytes/, "http");
  const p = bad('content:"abc"; depth:2;', /depth/);
  assert.equal([p.pos.line, p.pos.col, p.reason], [1, 46, "invalid depth"]);
});

test("byte_extract variables feed offset/depth/distance/within and byte_test", () => {
  const r = ok('content:"a"; byte_extract:2,0,len,relative,little; content:"b"; within:len; byte_test:2,>,len,0,relative;');
  assert.equal(c(r, 2).within, { var: "len" });
  bad('content:"a"; within:nolen;', /unknown variable "nolen"/);
});

test("pcre: flags, relative, buffer letters, captures, negation", () => {
  const r = ok('content:"x"; pcre:!"/a\\/b(?P<pkt_v>\\d+)c/ismxAEGRO";');
  const m = r.blocks[0].matches[1];
  assert.is(m.kind, "pcre");
  if (m.kind !== "pcre") return;
  assert.is(m.pattern, "a/b(?P<pkt_v>\\d+)c");
  assert.ok(m.caseless && m.dotAll && m.multiline && m.extended && m.anchored && m.dollarEndOnly && m.ungreedy && m.relative && m.overrideLimits && m.negated);
  assert.equal(m.captures, [{ group: 1, name: "v", scope: "pkt" }]);
  const letters: Array<[string, number]> = [["U", B.BUF_HTTP_URI], ["I", B.BUF_HTTP_URI_RAW], ["P", B.BUF_HTTP_REQUEST_BODY], ["Q", B.BUF_FILE_DATA], ["H", B.BUF_HTTP_HEADER], ["D", B.BUF_HTTP_HEADER_RAW], ["M", B.BUF_HTTP_METHOD], ["C", B.BUF_HTTP_COOKIE], ["S", B.BUF_HTTP_STAT_CODE], ["Y", B.BUF_HTTP_STAT_MSG], ["V", B.BUF_HTTP_USER_AGENT], ["W", B.BUF_HTTP_HOST], ["Z", B.BUF_HTTP_HOST_RAW]];
  for (const [l, buf] of letters) {
    const x = ok(`pcre:"/a/${l}";`, "http");
    assert.is(x.blocks.length, 1, l);
    assert.is(x.blocks[0].buffer, buf, l);
  }
  assert.is(ok('pcre:"/a/B";').blocks[0].buffer, B.BUF_PAYLOAD);
  // same buffer as the open sticky buffer is fine; another is not
  assert.is(ok('http.uri; content:"/a"; pcre:"/b/UR";', "http").blocks.length, 1);
  bad('http.uri; content:"/a"; pcre:"/b/H";', /sticky buffer/, "http");
  bad('pcre:"/a/R";', /needs a preceding match/);
  bad('pcre:"/a/k";', /unknown pcre modifier "k"/);
  bad('pcre:"/a/UH";', /two buffer modifiers/);
  bad('pcre:"abc";', /pattern\/flags/);
});

test("byte_test / byte_jump / byte_math / isdataat / bsize / dsize / urilen", () => {
  const bt = first(ok("byte_test:4,!&,0x80,2,relative,little,bitmask 0xff;"));
  assert.equal(bt.kind === "byte_test" && [bt.op, bt.negated, bt.value, bt.offset, bt.endian, bt.bitmask], ["&", true, { num: 128 }, { num: 2 }, "little", 255]);
  const bts = first(ok("byte_test:3,>=,100,0,string,dec;"));
  assert.equal(bts.kind === "byte_test" && [bts.op, bts.string], [">=", "dec"]);
  bad("byte_test:4,~,1,0;", /operator/);
  bad("byte_test:9,=,1,0;", /at most 8/);
  bad("byte_test:4,=,1;", /needs count/);
  bad("byte_test:4,=,1,0,foo;", /unknown option/);
  const bj = first(ok("byte_jump:4,0,relative,multiplier 2,little,align,from_beginning,post_offset -4;"));
  assert.equal(bj.kind === "byte_jump" && [bj.multiplier, bj.align, bj.fromBeginning, bj.postOffset], [2, true, true, -4]);
  bad("byte_jump:4,0,from_beginning,from_end;", /cannot be combined/);
  const bm = ok('byte_math:bytes 2, offset 0, oper *, rvalue 4, result r, relative; byte_test:2,=,r,0;');
  const m0 = bm.blocks[0].matches[0];
  assert.equal(m0.kind === "byte_math" && [m0.count, m0.oper, m0.rvalue, m0.result], [2, "*", { num: 4 }, "r"]);
  bad("byte_math:bytes 2, offset 0, oper %, rvalue 4, result r;", /oper/);
  bad("byte_math:bytes 2, offset 0, oper /, rvalue 0, result r;", /divides by zero/);
  bad("byte_math:offset 0, oper +, rvalue 4, result r;", /needs "bytes"/);
  const be = first(ok("byte_extract:1,0,n,string,hex,align 4;"));
  assert.ok(be.kind === "byte_extract" && be.align === 4);
  bad("byte_extract:2,0,n,string,dce;", /cannot be combined/);
  const ida = first(ok("isdataat:!10,relative;"));
  assert.equal(ida.kind === "isdataat" && [ida.negated, ida.size, ida.relative], [true, { num: 10 }, true]);
  bad("isdataat:10,sideways;", /unknown option/);
  const bs = ok('http.uri; bsize:5<>20; content:"abc";', "http").blocks[0].matches[0];
  assert.equal(bs.kind === "bsize" && bs.cmp, { op: "range", a: 5, b: 20 });
  bad("bsize:10;", /sticky buffer/);
  bad('http.uri; content:"abcdef"; bsize:3;', /never hold/, "http");
  bad("http.uri; bsize:20<>5;", /below/, "http");
  assert.equal(ok("dsize:>100;").packet.dsize, { op: ">", a: 100, b: 0 });
  assert.equal(ok("dsize:!5;").packet.dsize, { op: "!=", a: 5, b: 0 });
  bad("dsize:lots;", /comparison/);
  assert.equal(ok("urilen:<10,raw;", "http").packet.urilen, { cmp: { op: "<", a: 10, b: 0 }, raw: true });
  bad("urilen:5,cooked;", /raw or norm/, "http");
});

test("flow / flowbits / flowint / xbits / threshold / detection_filter", () => {
  const f = ok("flow:established,to_server,only_stream;").flow;
  assert.ok(f?.established && f.toServer && f.onlyStream && !f.toClient);
  bad("flow:to_server,to_client;", /both/);
  bad("flow:sideways;", /not one of/);
  const fb = ok("flowbits:isset,a|b; flowbits:set,c; flowbits:noalert;");
  assert.equal(fb.flowbits.map((x) => [x.op, x.names, x.anyOf]), [["isset", ["a", "b"], true], ["set", ["c"], false], ["noalert", [], false]]);
  assert.ok(fb.noalert);
  bad("flowbits:set;", /needs a name/);
  bad("flowbits:flip,a;", /not one of/);
  assert.equal(ok("flowint:cnt,+,1; flowint:cnt,>,5; flowint:x,notset;").flowints.map((x) => [x.op, x.value]), [["+", { num: 1 }], [">", { num: 5 }], ["notset", undefined]]);
  bad("flowint:cnt,**,1;", /not one of/);
  const xb = ok("xbits:set,scan,track ip_src,expire 30;").xbits[0];
  assert.equal([xb.op, xb.name, xb.track, xb.expireSec], ["set", "scan", "ip_src", 30]);
  bad("xbits:set,scan;", /track/);
  const th = ok("threshold:type limit, track by_src, count 1, seconds 60;").threshold;
  assert.equal(th && [th.kind, th.track, th.count, th.seconds], ["limit", "by_src", 1, 60]);
  bad("threshold:type limit, track by_src, count 1;", /seconds/);
  bad("threshold:type often, track by_src, count 1, seconds 1;", /type/);
  const df = ok("detection_filter:track by_dst, count 5, seconds 10, unique_on dst_port;").detectionFilter;
  assert.equal(df && [df.kind, df.track, df.uniqueOn], ["detection_filter", "by_dst", "dst_port"]);
  bad("detection_filter:track by_planet, count 5, seconds 10;", /track/);
});

test("packet header keywords", () => {
  const p = ok("flags:SA+,12; ttl:<5; itype:8; icode:0<>3; icmp_id:5; icmp_seq:6; ip_proto:!tcp; ack:1; seq:2; window:!1024; id:7; tos:0x10; fragbits:M+; fragoffset:>0; sameip; stream_size:client,>,100; stream_size:server,<,5;").packet;
  assert.equal(p.tcpFlags, { mode: "+", flags: 0x12, ignore: 0xc0 });
  assert.equal(p.ttl, { op: "<", a: 5, b: 0 });
  assert.equal(p.icode, { op: "range", a: 0, b: 3 });
  assert.equal(p.ipProto, { negated: true, cmp: { op: "=", a: 6, b: 0 } });
  assert.equal([p.itype?.a, p.icmpId, p.icmpSeq, p.ack, p.seq, p.id], [8, 5, 6, 1, 2, 7]);
  assert.equal(p.window, { negated: true, value: 1024 });
  assert.equal(p.tos, { negated: false, value: 16 });
  assert.equal(p.fragbits, { mode: "+", bits: 0x2000 });
  assert.equal(p.fragoffset, { negated: false, cmp: { op: ">", a: 0, b: 0 } });
  assert.ok(p.sameip);
  assert.equal(p.streamSize, { side: "client", cmp: { op: ">", a: 100, b: 0 } });
  assert.is(p.streamSizeMore?.length, 1);
  assert.equal(ok("tcp.flags:!A;").packet.tcpFlags, { mode: "!", flags: 0x10, ignore: 0 });
  assert.equal(ok("flags:0;").packet.tcpFlags, { mode: "", flags: 0, ignore: 0 });
  bad("flags:SX;", /flag "X"/);
  bad("ttl:300;", /out of range/);
  bad("ttl:1; ttl:2;", /twice/);
  bad("fragbits:Q;", /not one of M D R/);
  bad("window:70000;", /out of range/);
  bad("stream_size:client,~,1;", /operator/);
});

test("app-layer keywords: app-layer-protocol, dcerpc, tls/ssl version and state", () => {
  assert.equal(ok("app-layer-protocol:!tls;").packet.appLayerProtocol, { negated: true, proto: ALPROTO_TLS });
  assert.equal(ok("app-layer-protocol:failed;").packet.appLayerProtocol, { negated: false, proto: ALPROTO_FAILED });
  assert.is(bad("app-layer-protocol:modbus;", /unsupported protocol/).reason, "unsupported protocol: modbus");
  const d = ok("dcerpc.iface:4b324fc8-1670-01d3-1278-5a47bf6ee188,<3,any_frag; dce_opnum:0-3,15;", "dcerpc").packet;
  assert.equal([...(d.dcerpcIface?.uuid ?? [])].slice(0, 8), [0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16, 0xd3, 0x01]);
  assert.equal(d.dcerpcIface?.version, { op: "<", a: 3, b: 0 });
  assert.ok(d.dcerpcIface?.anyFrag);
  assert.equal(d.dcerpcOpnum, [[0, 3], [15, 15]]);
  bad("dcerpc.iface:not-a-uuid;", /UUID/, "dcerpc");
  bad("dcerpc.opnum:5-2;", /invalid/, "dcerpc");
  assert.equal(ok("tls.version:1.2;", "tls").packet.tlsVersion, { negated: false, versions: [0x0303] });
  assert.equal(ok("ssl_version:!sslv3,!tls1.0;", "tls").packet.tlsVersion, { negated: true, versions: [0x0300, 0x0301] });
  bad("ssl_version:tls9;", /not one of/, "tls");
  bad("ssl_version:sslv3,!tls1.0;", /only lead/, "tls");
  // Suricata 7+: a leading "!" negates the whole list (suricata-verify ssl_version_negated).
  assert.equal(ok("ssl_version:!tls1.3,tls1.2;", "tls").packet.tlsVersion, { negated: true, versions: [0x0304, 0x0303] });
  assert.equal(ok("ssl_version:TLS1.0 tls1.1;", "tls").packet.tlsVersion, { negated: false, versions: [0x0301, 0x0302] });
  bad("ssl_version:tls1.0,tls1.0;", /twice/, "tls");
  assert.equal(ok("ssl_state:client_hello|!server_hello;", "tls").packet.sslState, { anyOf: 1, noneOf: 2 });
  bad("ssl_state:goodbye;", /not one of/, "tls");
});

test("sticky buffers, transforms, base64, tag, noalert, metadata", () => {
  const r = ok('http.host; dotprefix; to_lowercase; content:".evil.com"; endswith; tls.sni; content:"x"; dns_query; content:"y"; ja3_hash; content:"z";', "http");
  assert.equal(r.blocks.map((b) => b.buffer), [B.BUF_HTTP_HOST, B.BUF_TLS_SNI, B.BUF_DNS_QUERY, B.BUF_JA3_HASH]);
  assert.equal(r.blocks[0].transforms, ["dotprefix", "to_lowercase"]);
  // a transform after matches starts a new (transformed) block of the same buffer, as in Suricata
  const t = ok('http.host; content:"rs-"; dotprefix; content:".x.com";', "http");
  assert.equal(t.blocks.map((b) => [b.buffer, b.transforms, b.matches.length]), [[B.BUF_HTTP_HOST, [], 1], [B.BUF_HTTP_HOST, ["dotprefix"], 1]]);
  assert.equal(ok('http.uri; pcrexform:"/a(.*)/"; xor:"0d0a"; content:"x";', "http").blocks[0].transforms, [{ pcrexform: "/a(.*)/" }, { xor: Uint8Array.from([13, 10]) }]);
  bad('to_lowercase; content:"a";', /needs a sticky buffer/);
  bad('http.uri; xor:"abc"; content:"a";', /hex key/, "http");
  bad("http.uri; http.host; content:\"a\";", /no content/, "http");
  const b = ok('content:"a"; base64_decode:bytes 10, offset 2, relative; base64_data; content:"MZ";');
  assert.equal(b.blocks.map((x) => x.buffer), [B.BUF_PAYLOAD, B.BUF_BASE64_DATA]);
  assert.equal(b.blocks[0].matches[1], { kind: "base64_decode", pos: b.blocks[0].matches[1].pos, bytes: 10, offset: 2, relative: true });
  bad('base64_data; content:"MZ";', /base64_decode/);
  assert.equal(ok("tag:session,10,packets;").tag, { scope: "session", count: 10, metric: "packets" });
  assert.equal(ok("tag:host,30,seconds,src;").tag, { scope: "host", count: 30, metric: "seconds", direction: "src" });
  bad("tag:host,30,seconds;", /src or dst/);
  bad("tag:session,10,furlongs;", /metric/);
  assert.ok(ok("noalert;").noalert);
  bad("noalert:1;", /takes no value/);
  const meta = ok('msg:"m"; metadata: cve CVE-2017-0144, cve CVE-2017-0145, created_at 2017_05_12; reference:url,example.com/x; reference:cve,2017-0144; gid:3; rev:4; target:dest_ip; prefilter;');
  assert.equal(meta.metadata, { cve: ["CVE-2017-0144", "CVE-2017-0145"], created_at: ["2017_05_12"] });
  assert.equal(meta.references, [{ system: "url", id: "example.com/x" }, { system: "cve", id: "2017-0144" }]);
  assert.equal([meta.gid, meta.rev, meta.target, meta.prefilter], [3, 4, "dest_ip", true]);
  bad("target:sideways;", /src_ip or dest_ip/);
  bad("reference:nocomma;", /system,id/);
  bad("rev:x;", /number/);
  bad("priority:0;", /1-255/);
  bad('msg:"a"; msg:"b";', /twice/);
});

test("byte_test / byte_jump / byte_math: the byte count may be a variable; byte_jump and byte_test take 0", () => {
  // suricata-verify detect-bytejump-02 / detect-bytetest-04
  const j = ok('content:"|00 00 00|"; byte_extract:1,4,rpkt_len,relative; byte_jump:rpkt_len,0,relative; isdataat:1,relative;');
  const jm = j.blocks[0].matches[2];
  assert.ok(jm.kind === "byte_jump" && jm.countVar === "rpkt_len" && jm.count === 0);
  const t = ok("byte_extract:1,5,rpkt_len; byte_test:rpkt_len,=,0x01,5, bitmask 0xFF;");
  const tm = t.blocks[0].matches[1];
  assert.ok(tm.kind === "byte_test" && tm.countVar === "rpkt_len" && tm.bitmask === 0xff && tm.count === 0);
  const m = ok("byte_extract:1,0,n; byte_math:bytes n, offset 1, oper +, rvalue 2, result r;");
  const mm = m.blocks[0].matches[1];
  assert.ok(mm.kind === "byte_math" && mm.countVar === "n");
  // a plain count keeps no countVar
  const p = ok("byte_test:2,=,1,0;").blocks[0].matches[0];
  assert.ok(p.kind === "byte_test" && p.count === 2 && p.countVar === undefined);
  bad("byte_jump:len,0;", /unknown variable "len"/);
  bad("byte_test:len,=,1,0;", /unknown variable "len"/);
  // suricata-verify detect-bytejump-05 / bug-4623: a 0-byte jump only applies post_offset
  const z = ok('content:"|0A 95 00 20|"; byte_jump:0,0,relative,post_offset -8; pcre:"/NSLO/R";').blocks[0].matches[1];
  assert.ok(z.kind === "byte_jump" && z.count === 0 && z.postOffset === -8);
  assert.is(first(ok("byte_test:0,=,0,0;")).kind, "byte_test");
  bad("byte_extract:0,0,x;", /at least 1 byte/);
  bad("byte_math:bytes 0, offset 0, oper +, rvalue 1, result r;", /at least 1 byte/);
  bad("byte_jump:9,0;", /at most 8/);
  bad("byte_jump:24,0,string,dec;", /at most 23/);
});

test("flowbits / xbits names: any characters but blanks (Suricata)", () => {
  // suricata-verify eve-metadata-01-alert
  assert.equal(ok("flowbits:set,traffic/id/mozilla;").flowbits[0].names, ["traffic/id/mozilla"]);
  assert.equal(ok("flowbits:isset,a&b;").flowbits[0].names, ["a&b"]);
  const o = ok("flowbits:isnotset, fb1|fb2 ;").flowbits[0];
  assert.equal([o.names, o.anyOf], [["fb1", "fb2"], true]);
  assert.is(ok("xbits:set,traffic/id/x,track ip_src;").xbits[0].name, "traffic/id/x");
  bad("flowbits:set,a b;", /not valid/);
  bad("flowbits:set,a|b;", /cannot take a \| list/);
  bad("flowbits:isset;", /needs a name/);
});

test("packet header sticky buffers: ipv4.hdr ipv6.hdr tcp.hdr udp.hdr icmpv4.hdr icmpv6.hdr", () => {
  // suricata-verify detect-bytemath-add-04
  const r = ok("ipv4.hdr; byte_extract: 1, 0, v, relative; byte_math: bytes 1, offset 1, oper +, rvalue v, result var; byte_test: 2, <, var, 2;");
  assert.is(r.blocks[0].buffer, B.BUF_IPV4_HDR);
  assert.is(r.blocks[0].matches.length, 3);
  assert.is(ok('tcp.hdr; content:"|50 02|";').blocks[0].buffer, B.BUF_TCP_HDR);
  assert.is(ok('ipv6.hdr; content:"|06|"; offset:6; depth:1;', "ip").blocks[0].buffer, B.BUF_IPV6_HDR);
  assert.is(ok('udp.hdr; content:"|00 35|";', "udp").blocks[0].buffer, B.BUF_UDP_HDR);
  assert.is(ok('icmpv4.hdr; content:"|08|";', "icmp").blocks[0].buffer, B.BUF_ICMPV4_HDR);
  assert.is(ok('icmpv6.hdr; content:"|80|";', "icmp").blocks[0].buffer, B.BUF_ICMPV6_HDR);
  assert.is(ok('icmpv6.hdr; content:"|80|";', "icmpv6").blocks[0].buffer, B.BUF_ICMPV6_HDR);
  bad('udp.hdr; content:"x";', /needs a rule for udp/);
  bad('tcp.hdr; content:"x";', /needs a rule for tcp/, "udp");
  bad('icmpv6.hdr; content:"x";', /needs a rule for icmpv6/, "icmpv4");
  assert.is(B.bufferName(B.BUF_ICMPV6_HDR), "icmpv6.hdr");
  assert.ok(B.BUF_ICMPV6_HDR < B.BUF_COUNT);
});

test("sticky buffer direction (Suricata 8: file.data:to_client)", () => {
  const r = ok('file.data:to_client; content:"x";', "http");
  assert.is(r.blocks[0].direction, "to_client");
  // outside a transactional rule it restricts the rule's direction like flow:to_client
  assert.ok(r.flow !== null && r.flow.toClient && !r.flow.toServer);
  assert.ok(ok('flow:established; http.header:to_server; content:"x";', "http").flow?.toServer);
  bad('flow:to_server; file.data:to_client; content:"x";', /contradicts/, "http");
  bad('http.header:to_server; content:"x"; file.data:to_client; content:"y";', /both to_server and to_client/, "http");
  bad('http.uri:to_client; content:"x";', /only to_server/, "http");
  bad('file.data:sideways; content:"x";', /to_server \/ to_client/, "http");
  // a transform that reopens the block keeps its direction
  const t = ok('http.header:to_client; content:"a"; to_lowercase; content:"b";', "http");
  assert.equal(t.blocks.map((b) => b.direction), ["to_client", "to_client"]);
});

test("app-layer-protocol: several (Suricata), with modes; app-layer-event; alert; several tags", () => {
  // suricata-verify detect-app-layer-protocol-01 / -04
  const a = ok("app-layer-protocol:!http; app-layer-protocol:!tls;").packet;
  assert.equal(a.appLayerProtocol, { negated: true, proto: alprotoByName("http") });
  assert.equal(a.appLayerProtocolMore, [{ negated: true, proto: ALPROTO_TLS }]);
  const m = ok("app-layer-protocol:http1,original; prefilter; app-layer-protocol:http2,final;").packet;
  assert.equal(m.appLayerProtocol, { negated: false, proto: alprotoByName("http1"), mode: "original" });
  assert.equal(m.appLayerProtocolMore, [{ negated: false, proto: alprotoByName("http2"), mode: "final" }]);
  bad("app-layer-protocol:http; app-layer-protocol:!tls;", /cannot combine/);
  bad("app-layer-protocol:!tls; app-layer-protocol:!tls;", /cannot combine/);
  bad("app-layer-protocol:http,sideways;", /mode/);
  // ET: app-layer-event
  const e = ok("app-layer-event:http.invalid_transfer_encoding_value_in_request; app-layer-event:applayer_mismatch_protocol_both_directions;", "http");
  assert.equal(e.packet.appLayerEvents, ["http.invalid_transfer_encoding_value_in_request", "applayer_mismatch_protocol_both_directions"]);
  bad("app-layer-event:nonsense;", /needs <protocol>.<event>/);
  bad("app-layer-event:modbus.x;", /unsupported protocol/);
  // suricata-verify http-request-line-packet: alert;
  assert.is(ok("alert;").forceAlert, true);
  assert.is(ok("noalert;").forceAlert, undefined);
  // suricata-verify eve-tag-01 / -06
  const t = ok("tag:host,9,packets,src; tag:host,15,packets,dst;");
  assert.equal(t.tag, { scope: "host", count: 9, metric: "packets", direction: "src" });
  assert.equal(t.tagMore, [{ scope: "host", count: 15, metric: "packets", direction: "dst" }]);
});

test.run();
