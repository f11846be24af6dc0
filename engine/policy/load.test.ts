import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { DocumentError } from "./document.ts";
import { admitsAny, loadPolicy, PolicyError, selectProfile } from "./load.ts";
import type { PolicySpec } from "./spec.ts";
import { closest, didYouMean } from "./suggest.ts";

const F = "policy.yaml";

// The example policy from the loader's brief, comments and all.
const EXAMPLE = `home_net: [192.168.0.0/16, fd00::/8]     # list (or single) of addresses/CIDRs/ranges, "!" allowed
firewall:                               # absent = no firewall at all
  stateful:                             # optional; defaults: all on, syn_flood threshold 200/s, 65536 sources
    invalid_tcp_flags: true
    out_of_connection: true
    syn_flood: { threshold: 200, sources: 65536 }   # threshold 0 disables
  rules:
    - name: block inbound SMB from outside the office   # required, unique
      action: deny          # allow | deny | force-allow | bypass | log-only   (required)
      priority: 3           # 0..4 (default 2)
      direction: in         # in | out | any (default any)
      frame: ipv4
      protocol: tcp
      src: { ip: [0.0.0.0/0, "!192.168.0.0/16"], port: [1024-65535], mac: ["00:11:22:33:44:55", "!aa-bb-cc-dd-ee-ff"] }
      dst: { port: [445, "137-139"] }
      interface: ["eth*", "Wi-Fi*"]
      tcp_flags: "SYN,!ACK"   # set flags and !cleared flags: FIN SYN RST PSH ACK URG ECE CWR
    - name: allow ping
      action: allow
      protocol: [icmp, icmpv6]
      icmp: { type: 8, code: 0 }
    - name: lldp
      action: log-only
      frame: 0x88cc
`;

/** The spec without positions, for comparing a YAML and a JSON spelling of one policy. */
function shape(spec: PolicySpec): unknown {
  return JSON.parse(JSON.stringify(spec, (k, v) => (k === "where" || k === "source" ? undefined : v)));
}

/** All problem lines of a policy that must fail. */
function problems(text: string): string[] {
  try {
    loadPolicy(text, F);
  } catch (e) {
    assert.instance(e, PolicyError);
    const err = e as PolicyError;
    assert.is(err.message, err.problems.map((p) => `${p.where.file}:${p.where.line}:${p.where.col}: ${p.reason}`).join("\n"));
    return err.message.split("\n");
  }
  assert.unreachable(`no error for ${JSON.stringify(text)}`);
  return [];
}

/** A policy with one rule made of the given lines (6-space indented keys); rule keys start on line 4. */
function rule(...lines: string[]): string {
  return `firewall:\n  rules:\n    - name: r\n${lines.map((l) => `      ${l}\n`).join("")}`;
}

test("the example policy loads into the spec the compilers read", () => {
  const spec = loadPolicy(EXAMPLE, F);
  assert.is(spec.source, F);
  assert.is(spec.homeNet.length, 2);
  assert.equal(spec.homeNet[0].value.first, [0xc0a80000, 0, 0, 0]);
  assert.equal(spec.homeNet[1].where, { file: F, line: 1, col: 28 });
  assert.equal(spec.stateful, { invalidTcpFlags: true, outOfConnection: true, synFloodThreshold: 200, synFloodSources: 65536 });
  const rules = spec.firewall?.rules ?? [];
  assert.is(rules.length, 3);
  const [smb, ping, lldp] = rules;
  assert.is(smb.name, "block inbound SMB from outside the office");
  assert.equal([smb.action, smb.priority, smb.direction], ["deny", 3, "in"]);
  assert.equal(smb.where, { file: F, line: 8, col: 7 });
  assert.equal(smb.frame?.map((e) => e.value), [0x0800]);
  assert.equal(smb.protocol?.map((e) => e.value), [6]);
  assert.equal(smb.src.ip?.map((e) => [e.value.text, e.negated]), [["0.0.0.0/0", false], ["192.168.0.0/16", true]]);
  assert.equal(smb.src.ip?.[1].where, { file: F, line: 14, col: 30 });
  assert.equal(smb.src.port?.map((e) => e.value), [{ first: 1024, last: 65535 }]);
  assert.equal(smb.src.mac?.map((e) => [e.value, e.negated]), [[[0, 0x11, 0x22, 0x33, 0x44, 0x55], false], [[0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff], true]]);
  assert.equal(smb.dst.port?.map((e) => e.value), [{ first: 445, last: 445 }, { first: 137, last: 139 }]);
  assert.is(smb.dst.ip, null);
  assert.equal(smb.interface?.map((e) => e.value), ["eth*", "Wi-Fi*"]);
  assert.equal(smb.tcpFlags, { set: 0x02, clear: 0x10, text: "SYN,!ACK" });
  assert.equal([ping.action, ping.priority, ping.direction, ping.frame], ["allow", 2, "any", null]);
  assert.equal(ping.protocol?.map((e) => e.value), [1, 58]);
  assert.equal(ping.icmp, { type: 8, code: 0 });
  assert.equal([lldp.action, lldp.frame?.[0].value, lldp.protocol], ["log-only", 0x88cc, null]);
});

test("the same policy written as JSON gives the same spec", () => {
  const json = JSON.stringify({
    home_net: ["192.168.0.0/16", "fd00::/8"],
    firewall: {
      stateful: { invalid_tcp_flags: true, out_of_connection: true, syn_flood: { threshold: 200, sources: 65536 } },
      rules: [
        {
          name: "block inbound SMB from outside the office",
          action: "deny",
          priority: 3,
          direction: "in",
          frame: "ipv4",
          protocol: "tcp",
          src: { ip: ["0.0.0.0/0", "!192.168.0.0/16"], port: ["1024-65535"], mac: ["00:11:22:33:44:55", "!aa-bb-cc-dd-ee-ff"] },
          dst: { port: [445, "137-139"] },
          interface: ["eth*", "Wi-Fi*"],
          tcp_flags: "SYN,!ACK",
        },
        { name: "allow ping", action: "allow", protocol: ["icmp", "icmpv6"], icmp: { type: 8, code: 0 } },
        { name: "lldp", action: "log-only", frame: 0x88cc },
      ],
    },
  }, null, 2);
  assert.equal(shape(loadPolicy(json, "policy.json")), shape(loadPolicy(EXAMPLE, F)));
});

test("defaults: no firewall section means no firewall; an empty one gets the stateful defaults", () => {
  const none = loadPolicy("home_net: 10.0.0.0/8\n", F);
  assert.equal([none.firewall, none.stateful, none.homeNet.length], [null, null, 1]);
  const empty = loadPolicy("", F);
  assert.equal([empty.firewall, empty.homeNet], [null, []]);
  const bare = loadPolicy("firewall:\n", F);
  assert.equal(bare.firewall, { rules: [] });
  assert.equal(bare.stateful, { invalidTcpFlags: true, outOfConnection: true, synFloodThreshold: 200, synFloodSources: 65536 });
  const off = loadPolicy("firewall:\n  stateful: { syn_flood: false, out_of_connection: false }\n", F);
  assert.equal([off.stateful?.synFloodThreshold, off.stateful?.outOfConnection, off.stateful?.invalidTcpFlags], [0, false, true]);
  const any = loadPolicy("home_net: any\n", F);
  assert.equal(any.homeNet.map((e) => e.value.text), ["0.0.0.0/0", "::/0"]);
});

test("single values stand for one-entry lists, any means no constraint, ! negates any entry", () => {
  const spec = loadPolicy(
    rule(
      "action: allow",
      "frame: ip",
      "protocol: \"!tcp+udp\"",
      "src: { ip: \"!10.0.0.1-10.0.0.9\", mac: any }",
      "dst: any",
      "interface: eth0",
    ),
    F,
  );
  const r = spec.firewall?.rules[0];
  assert.equal(r?.frame?.map((e) => [e.value, e.negated]), [[0x0800, false], [0x86dd, false]]);
  assert.equal(r?.protocol?.map((e) => [e.value, e.negated]), [[6, true], [17, true]]);
  assert.equal(r?.src.ip?.map((e) => [e.value.text, e.negated]), [["10.0.0.1-10.0.0.9", true]]);
  assert.is(r?.src.mac, null);
  assert.equal(r?.dst, { ip: null, port: null, mac: null });
  assert.equal(r?.interface?.map((e) => e.value), ["eth0"]);
  const p = loadPolicy(rule("action: deny", "protocol: [6, 0x11, \"132\"]", "dst: { port: \"!445\" }"), F).firewall?.rules[0];
  assert.equal(p?.protocol?.map((e) => e.value), [6, 17, 132]);
  assert.equal(p?.dst.port?.map((e) => [e.value, e.negated]), [[{ first: 445, last: 445 }, true]]);
});

test("unknown keys and values: did-you-mean at the exact position", () => {
  assert.equal(problems(rule("action: denny")), ["policy.yaml:4:15: unknown action \"denny\" (did you mean \"deny\"?)"]);
  assert.equal(problems(rule("action: deny", "prority: 3")), ["policy.yaml:5:7: unknown key \"prority\" in a firewall rule (did you mean \"priority\"?)"]);
  assert.equal(problems("firewal:\n"), ["policy.yaml:1:1: unknown key \"firewal\" in the policy (did you mean \"firewall\"?)"]);
  assert.equal(problems("bogus: 1\n"), ["policy.yaml:1:1: unknown key \"bogus\" in the policy"]);
  assert.equal(problems("firewall:\n  rule: []\n"), ["policy.yaml:2:3: unknown key \"rule\" in the firewall section (did you mean \"rules\"?)"]);
  assert.equal(problems(rule("action: deny", "src: { ips: 10.0.0.1 }")), ["policy.yaml:5:14: unknown key \"ips\" in \"src\" (ip, port, mac) (did you mean \"ip\"?)"]);
  assert.equal(problems(rule("action: deny", "direction: inbound")), ["policy.yaml:5:18: unknown direction \"inbound\"; use in, out, any"]);
  assert.equal(problems(rule("action: deny", "protocol: [tcp, tpc]")), ["policy.yaml:5:23: unknown protocol \"tpc\" (did you mean \"tcp\"?)"]);
  assert.match(problems(rule("action: deny", "frame: ipx"))[0], /^policy\.yaml:5:14: unknown frame type "ipx" \(did you mean "ip"\?\)/);
  assert.equal(problems(rule("action: deny", "protocol: tcp", "tcp_flags: \"SYN,!AKC\"")), ["policy.yaml:6:23: unknown TCP flag \"!AKC\" (did you mean \"ACK\"?)"]);
  assert.equal(problems(rule("action: deny", "protocol: tcp", "tcp_flags: SYN,!SYN")), ["policy.yaml:6:22: TCP flag SYN is required both set and clear"]);
  assert.equal(problems("firewall:\n  stateful: { syn_flod: 1 }\n"), ["policy.yaml:2:15: unknown key \"syn_flod\" in the stateful section (did you mean \"syn_flood\"?)"]);
});

test("wrong types say what was expected and what was found", () => {
  assert.equal(problems(rule("action: deny", "dst: { port: { a: 1 } }")), ["policy.yaml:5:20: expected a list of ports, got a mapping"]);
  assert.equal(problems(rule("action: deny", "priority: high")), ["policy.yaml:5:17: expected a priority (a whole number 0..4), got the text \"high\""]);
  assert.equal(problems(rule("action: deny", "priority: 5")), ["policy.yaml:5:17: 5 is out of range for a priority (0..4)"]);
  assert.equal(problems(rule("action: [deny]")), ["policy.yaml:4:15: expected action (allow, deny, force-allow, bypass, log-only), got a list"]);
  assert.equal(problems("home_net: { a: 1 }\n"), ["policy.yaml:1:11: expected a list of addresses, got a mapping"]);
  assert.equal(problems("firewall: [1]\n"), ["policy.yaml:1:11: expected the firewall section to be a mapping (stateful, rules), got a list"]);
  assert.equal(problems("firewall:\n  rules: { name: x }\n"), ["policy.yaml:2:10: expected a list of rules (\"- name: ...\"), got a mapping"]);
  assert.equal(problems("firewall:\n  rules:\n    - just text\n"), ["policy.yaml:3:7: expected a rule (a mapping with name, action, ...), got the text \"just text\""]);
  assert.equal(problems("firewall:\n  stateful:\n    invalid_tcp_flags: yes\n"), ["policy.yaml:3:24: expected true or false, got the text \"yes\""]);
  assert.equal(problems("firewall:\n  stateful: { syn_flood: { sources: 0 } }\n"), ["policy.yaml:2:37: 0 is out of range for a number of sources (1..16777216)"]);
  assert.equal(problems("- a\n"), ["policy.yaml:1:1: expected the policy to be a mapping (home_net, firewall, ips, app_control, profiles), got a list"]);
  assert.equal(problems(rule("action: deny", "interface: [eth0, [x]]")), ["policy.yaml:5:25: expected a single entry in this list of interface name patterns, got a list"]);
  assert.equal(problems(rule("action: deny", "src: { port: }")), ["policy.yaml:5:19: expected a list of ports, got an empty value"]);
});

test("required and unique rule fields", () => {
  assert.equal(problems("firewall:\n  rules:\n    - action: deny\n"), ["policy.yaml:3:7: the rule has no name (add \"name: ...\")"]);
  assert.match(problems("firewall:\n  rules:\n    - name: x\n")[0], /^policy\.yaml:3:7: the rule has no action/);
  assert.equal(
    problems("firewall:\n  rules:\n    - name: a\n      action: deny\n    - name: a\n      action: allow\n"),
    ["policy.yaml:5:13: duplicate rule name \"a\" (first at line 3)"],
  );
  assert.equal(problems(rule("action: deny", "name: again")), ["policy.yaml:5:7: duplicate key \"name\" (first at line 3, column 7)"]);
});

test("addresses, ports, MACs and frames are checked entry by entry", () => {
  assert.equal(problems("home_net: [10.0.0.0/8, 192.168.1.5/24]\n"), ["policy.yaml:1:24: 192.168.1.5/24 has host bits set; did you mean 192.168.1.0/24?"]);
  assert.equal(problems("home_net: \"!10.0.0.9-10.0.0.1\"\n"), ["policy.yaml:1:11: the range 10.0.0.9-10.0.0.1 is backwards; did you mean 10.0.0.1-10.0.0.9?"]);
  assert.equal(problems(rule("action: deny", "dst: { port: [445, \"139-137\", 70000, http] }")), [
    "policy.yaml:5:26: port range 139-137 is backwards; did you mean 137-139?",
    "policy.yaml:5:37: port 70000 is out of range (0..65535)",
    "policy.yaml:5:44: expected a port (0..65535) or a range such as 137-139, got the text \"http\"",
  ]);
  assert.equal(problems(rule("action: deny", "src: { mac: 00:11:22 }")), ["policy.yaml:5:19: expected a MAC address such as 00:11:22:33:44:55 or 00-11-22-33-44-55, got the text \"00:11:22\""]);
  assert.equal(problems(rule("action: deny", "frame: [ipv4, 0x5dc]")), ["policy.yaml:5:21: 0x05dc is an 802.3 frame length, not an EtherType (EtherTypes start at 0x0600)"]);
  assert.equal(problems(rule("action: deny", "protocol: 256")), ["policy.yaml:5:17: protocol number 256 is out of range (0..255)"]);
  assert.equal(problems(rule("action: deny", "protocol: [tcp, any]")), ["policy.yaml:5:23: \"any\" cannot be combined with other entries; write any alone"]);
  assert.equal(problems(rule("action: deny", "protocol: \"!any\"")), ["policy.yaml:5:17: \"!any\" matches nothing"]);
  assert.equal(problems(rule("action: deny", "protocol: \"!\"")), ["policy.yaml:5:17: nothing after \"!\""]);
  assert.equal(problems(rule("action: deny", "protocol: []")), ["policy.yaml:5:17: an empty list of protocols matches nothing; write any or remove the key"]);
});

test("cross-field checks point at the value that cannot apply", () => {
  assert.equal(problems(rule("action: deny", "protocol: icmp", "dst: { port: 80 }")), [
    "policy.yaml:6:20: \"dst.port\" needs a protocol with ports (tcp, udp, sctp), but this rule's protocol is icmp",
  ]);
  assert.equal(problems(rule("action: deny", "frame: arp", "protocol: tcp", "src: { ip: 10.0.0.1, port: 1 }")), [
    "policy.yaml:6:17: \"protocol\" needs an IP frame, but this rule's frame (arp) is not IP",
    "policy.yaml:7:18: \"src.ip\" needs an IP frame, but this rule's frame (arp) is not IP",
    "policy.yaml:7:34: \"src.port\" needs an IP frame, but this rule's frame (arp) is not IP",
  ]);
  assert.equal(problems(rule("action: deny", "protocol: udp", "tcp_flags: SYN")), [
    "policy.yaml:6:18: tcp_flags needs protocol tcp, but this rule's protocol (udp) excludes TCP",
  ]);
  assert.equal(problems(rule("action: deny", "protocol: \"!tcp\"", "tcp_flags: SYN")), [
    "policy.yaml:6:18: tcp_flags needs protocol tcp, but this rule's protocol (!tcp) excludes TCP",
  ]);
  assert.equal(problems(rule("action: deny", "protocol: tcp", "icmp: { type: 8 }")), [
    "policy.yaml:6:13: icmp needs protocol icmp or icmpv6, but this rule's protocol is tcp",
  ]);
  assert.equal(problems(rule("action: deny", "direction: in", "frame: [ipv4, arp]")), [
    "policy.yaml:6:21: frames that are not IP have no direction (frame arp with direction: in)",
  ]);
  // Allowed: a protocol list that admits a port protocol, any protocol, negated non-IP frames.
  loadPolicy(rule("action: deny", "protocol: [icmp, tcp]", "dst: { port: 80 }", "tcp_flags: SYN"), F);
  loadPolicy(rule("action: deny", "dst: { port: 80 }", "icmp: { type: 3 }"), F);
  loadPolicy(rule("action: deny", "direction: out", "frame: \"!arp\""), F);
});

test("every problem in the document is reported, in file order", () => {
  const text = "home_net: 300.1.1.1\nfirewall:\n  rules:\n    - name: a\n      action: denny\n      priority: 9\n" +
    "    - name: a\n      action: allow\n      protocol: icmp\n      dst: { port: 22 }\nextra: 1\n";
  const lines = problems(text);
  assert.equal(lines.map((l) => l.split(": ")[0]), [
    "policy.yaml:1:11",
    "policy.yaml:5:15",
    "policy.yaml:6:17",
    "policy.yaml:7:13",
    "policy.yaml:10:20",
    "policy.yaml:11:1",
  ]);
});

test("document errors come out as a PolicyError with one problem", () => {
  const lines = problems("a: [1, 2\n");
  assert.equal(lines, ["policy.yaml:2:1: missing \"]\" for the \"[\" at line 1, column 4"]);
});

test("admitsAny follows the list semantics: some plain entry (or none) and no negated entry", () => {
  const w = { file: F, line: 1, col: 1 };
  assert.ok(admitsAny(null, [6]));
  assert.ok(admitsAny([{ value: 6, negated: false, where: w }], [17, 6]));
  assert.not.ok(admitsAny([{ value: 6, negated: false, where: w }], [17]));
  assert.ok(admitsAny([{ value: 6, negated: true, where: w }], [17]));
  assert.not.ok(admitsAny([{ value: 6, negated: true, where: w }], [6]));
});

test("did-you-mean suggests only near misses", () => {
  assert.is(closest("denny", ["allow", "deny"]), "deny");
  assert.is(closest("AKC", ["ACK", "SYN"]), "ACK");
  assert.is(closest("zzzzzz", ["allow", "deny"]), null);
  assert.is(didYouMean("Action", ["action"]), " (did you mean \"action\"?)");
});

test("random text and random policies never throw anything but PolicyError", () => {
  const words = fc.constantFrom(
    "home_net", "firewall", "rules", "stateful", "syn_flood", "name", "action", "deny", "allow", "priority",
    "direction", "in", "frame", "arp", "ip", "protocol", "tcp", "icmp", "src", "dst", "ip", "port", "mac",
    "tcp_flags", "SYN,!ACK", "icmp", "type", "code", "interface", "any", "!", "10.0.0.0/8", "fd00::/8",
    "1.2.3.4-1.2.3.1", "445", "137-139", "0x88cc", ":", ": ", "- ", "\n", "  ", "    ", "[", "]", "{", "}", ",",
    "\"", "#", "true", "~", "-1", "99999",
  );
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.array(words, { maxLength: 60 }).map((a) => a.join(""))), (text) => {
      try {
        loadPolicy(text, F);
      } catch (e) {
        if (!(e instanceof PolicyError) || e instanceof DocumentError) throw e;
        assert.ok(e.problems.length > 0);
      }
    }),
    { numRuns: 3000 },
  );
});

const PROFILED = `home_net: [10.0.0.0/8]
firewall:
  rules:
    - { name: allow all, action: allow }
app_control:
  rules:
    - { app: bittorrent, action: block }
profiles:
  office:
    app_control:
      rules:
        - { app: line, function: file-transfer, action: block }
        - { category: p2p, action: block }
  offsite:
    firewall:
      rules:
        - { name: no inbound smb, action: deny, direction: in, protocol: tcp, dst: { port: 445 } }
  home: null
`;

test("app_control: rules by app, category and function, in order", () => {
  const spec = loadPolicy(PROFILED, F);
  assert.equal(spec.appControl?.rules.map((r) => [r.app, r.category, r.function, r.action, r.where.line]), [["bittorrent", null, null, "block", 7]]);
  const office = selectProfile(spec, "office");
  assert.equal(office.appControl?.rules.map((r) => [r.app, r.category, r.function, r.action]), [
    ["line", null, "file-transfer", "block"],
    [null, "p2p", null, "block"],
  ]);
});

test("profiles replace whole sections and keep the rest of the base policy", () => {
  const spec = loadPolicy(PROFILED, F);
  assert.equal([...(spec.profiles?.keys() ?? [])], ["office", "offsite", "home"]);
  const office = selectProfile(spec, "office");
  assert.equal(office.profile, "office");
  assert.equal(office.firewall?.rules.map((r) => r.name), ["allow all"]);
  assert.equal(office.homeNet, spec.homeNet);
  const offsite = selectProfile(spec, "offsite");
  assert.equal(offsite.firewall?.rules.map((r) => r.name), ["no inbound smb"]);
  assert.equal(offsite.appControl?.rules.map((r) => r.app), ["bittorrent"]);
  assert.equal(selectProfile(spec, "home").firewall, spec.firewall);
  assert.is(selectProfile(spec, undefined), spec);
  assert.throws(() => selectProfile(spec, "ofice"), /no profile "ofice" \(did you mean "office"\?\)/);
  assert.throws(() => selectProfile(loadPolicy("home_net: any\n", F), "x"), /has no profiles section/);
});

test("app_control and profiles errors name file:line:col", () => {
  assert.equal(problems("app_control:\n  rules:\n    - { app: bittorrent }\n"), [`${F}:3:7: an app_control rule needs "action" (block or allow)`]);
  assert.equal(problems("app_control:\n  rules:\n    - { action: block }\n"), [`${F}:3:7: an app_control rule needs "app" (an application) or "category"`]);
  assert.equal(problems("app_control:\n  rules:\n    - { app: x, category: p2p, action: block }\n"), [`${F}:3:7: an app_control rule names "app" or "category", not both`]);
  assert.equal(problems("app_control:\n  rules:\n    - { app: x, action: deny }\n"), [`${F}:3:25: "action" must be block or allow, got "deny"`]);
  assert.equal(problems("app_control:\n  rules:\n    - { app: BitTorrent, action: block }\n"), [`${F}:3:14: app "BitTorrent": names are lower case (letters, digits, ".", "-", "_")`]);
  assert.equal(problems("profiles:\n  office:\n    firewal: {}\n"), [`${F}:3:5: unknown key "firewal" in profile "office" (home_net, firewall, ips, app_control) (did you mean "firewall"?)`]);
  assert.equal(problems("profiles:\n  \"a b\": {}\n"), [`${F}:2:3: profile name "a b": use letters, digits, ".", "-" and "_" (up to 64)`]);
});

test.run();
