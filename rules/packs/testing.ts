/**
 * Test support for virtual patches: an IPS rig loaded with every built-in virtual patch (so a benign
 * capture must stay silent against the whole pack, not just one rule), and replay of a pcap/pcapng
 * fixture through it, link type preserved.
 *
 * Test support only (cold path): allocates freely, throws on a pack that does not load.
 *
 * @example
 * ```ts
 * import { packRig, replay } from "./testing.ts";
 * const rig = packRig();
 * replay(rig, "rules/packs/vpatch/ms17-010/traffic/eternalblue.pcap");
 * console.log(rig.blockedBy(7100001));
 * ```
 */
import { readAll } from "../../datapath/pcap/reader.ts";
import { IpsRig, type RigOptions } from "../../engine/ips.testing.ts";
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
