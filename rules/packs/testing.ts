/**
 * Test support for virtual patches: an IPS rig loaded with every built-in virtual patch (so a benign
 * capture must stay silent against the whole pack, not just one rule), replay of a pcap/pcapng
 * fixture through it, link type preserved, and replay of a capture's TCP conversations with the client
 * and server moved to other addresses (`replayAs`: the captures are made between 198.18.x namespaces;
 * a test may need the client in $HOME_NET and the server on the internet, or both in the LAN).
 *
 * Test support only (cold path): allocates freely, throws on a pack that does not load.
 *
 * @example
 * ```ts
 * import { packRig, replay, replayAs } from "./testing.ts";
 * const rig = packRig();
 * replay(rig, "rules/packs/vpatch/ms17-010/traffic/eternalblue.pcap");
 * console.log(rig.blockedBy(7100001));
 * replayAs(rig, "rules/packs/vpatch/outlook-ntlm-leak/traffic/smb-ntlm.pcap", "192.168.10.20", "198.18.1.22");
 * ```
 */
import { readAll } from "../../datapath/pcap/reader.ts";
import { IpsRig, type RigOptions, TcpConversation } from "../../engine/ips.testing.ts";
import { LINK_ETHERNET } from "../../engine/packet.ts";
import { builtinRuleFiles } from "./builtin.ts";

let cached: string | null = null;

/** All built-in virtual-patch rules as one text (read once per process). */
export function packRulesText(): string {
  if (cached === null) cached = builtinRuleFiles().map((f) => f.text).join("\n");
  return cached;
}

/** An IPS rig (prevent mode unless `o.prevent` is false) with every built-in virtual patch loaded. */
export function packRig(o: RigOptions = {}): IpsRig {
  return new IpsRig(packRulesText(), o);
}

/** Sends every record of a capture through the rig (its own link type), then ends the flows. */
export function replay(rig: IpsRig, path: string): void {
  for (const r of readAll(path)) {
    rig.meta.linkType = r.linkType;
    rig.send(r.data);
  }
  rig.meta.linkType = LINK_ETHERNET;
  rig.finish();
}

interface Seg {
  key: string;
  fromClient: boolean;
  seq: number;
  payload: Uint8Array;
}

/**
 * Every TCP conversation of `path` (client = sender of the SYN; Ethernet + IPv4 + TCP, what the capture
 * scripts write), replayed from `client` to `server`: each captured segment's payload at its own stream
 * offset, in capture order (the real client's segmentation kept), the handshake crafted again;
 * with `piece` > 0 each captured segment is re-sent cut into `piece`-byte segments. Returns, per conversation that
 * carried data, the rig packet indices (as in `AlertSeen.packet`) of its first and last data packet.
 */
export function replayAs(rig: IpsRig, path: string, client: string, server: string, piece = 0): { first: number; last: number }[] {
  const convs = new Map<string, { isnC: number; isnS: number; cport: number; sport: number }>();
  const segs: Seg[] = [];
  for (const r of readAll(path)) {
    const f = r.data;
    if (f.length < 54 || f[12] !== 0x08 || f[13] !== 0x00) continue;
    const ihl = (f[14] & 0x0f) * 4;
    if (f[23] !== 6) continue;
    const total = (f[16] << 8) | f[17];
    const t = 14 + ihl;
    const sp = (f[t] << 8) | f[t + 1];
    const dp = (f[t + 2] << 8) | f[t + 3];
    const seq = ((f[t + 4] << 24) | (f[t + 5] << 16) | (f[t + 6] << 8) | f[t + 7]) >>> 0;
    const flags = f[t + 13];
    const doff = (f[t + 12] >> 4) * 4;
    const src = f.subarray(26, 30).join(".");
    const dst = f.subarray(30, 34).join(".");
    const syn = (flags & 0x02) !== 0;
    const ack = (flags & 0x10) !== 0;
    const kc = `${src}:${sp}>${dst}:${dp}`;
    const ks = `${dst}:${dp}>${src}:${sp}`;
    if (syn && !ack) {
      convs.set(kc, { isnC: seq, isnS: 0, cport: sp, sport: dp });
      continue;
    }
    if (syn && ack) {
      const c = convs.get(ks);
      if (c !== undefined) c.isnS = seq;
      continue;
    }
    const payload = f.subarray(t + doff, 14 + total);
    if (payload.length === 0) continue;
    if (convs.has(kc)) segs.push({ key: kc, fromClient: true, seq, payload });
    else if (convs.has(ks)) segs.push({ key: ks, fromClient: false, seq, payload });
  }
  const live = new Map<string, TcpConversation>();
  const spans = new Map<string, { first: number; last: number }>();
  for (const s of segs) {
    const c = convs.get(s.key);
    if (c === undefined) throw new Error(`${path}: segment of an unknown conversation`);
    let tc = live.get(s.key);
    if (tc === undefined) {
      tc = new TcpConversation(rig, { client, server, sport: c.cport, dport: c.sport });
      tc.handshake();
      live.set(s.key, tc);
    }
    const base = s.fromClient ? (s.seq - c.isnC - 1) >>> 0 : (s.seq - c.isnS - 1) >>> 0;
    const step = piece > 0 ? piece : s.payload.length;
    for (let o = 0; o < s.payload.length; o += step) {
      const part = s.payload.subarray(o, o + step);
      if (s.fromClient) tc.sendClient(base + o, part);
      else tc.sendServer(base + o, part);
      const at = rig.verdicts.length - 1;
      const sp = spans.get(s.key);
      if (sp === undefined) spans.set(s.key, { first: at, last: at });
      else sp.last = at;
    }
  }
  rig.finish();
  return [...spans.values()];
}
