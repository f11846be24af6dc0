/** Regenerates `branch-office.pcap` from `branch-office.ts` (`npm run sample`). */
import { writeFileSync } from "node:fs";
import { pcapBytes } from "../pcap/writer.ts";
import { LINK_ETHERNET } from "../../engine/packet.ts";
import { branchOfficeFrames } from "./branch-office.ts";

const path = new URL("./branch-office.pcap", import.meta.url);
const frames = branchOfficeFrames();
writeFileSync(path, pcapBytes(LINK_ETHERNET, frames));
console.log(`wrote ${path.pathname} (${frames.length} packets)`);
