import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PcapWriter, pcapBytes, pcapngBytes } from "./writer.ts";

const dir = mkdtempSync(join(tmpdir(), "pcap-writer-"));
const T = 1_700_000_000_654_321;

test("PcapWriter header and record layout (little-endian, us and ns, snaplen cut)", () => {
  const p = join(dir, "a.pcap");
  const w = new PcapWriter(p, 113, { nanos: true, snaplen: 4 });
  w.write(Uint8Array.of(1, 2, 3, 4, 5, 6), T);
  w.close();
  w.close(); // idempotent
  const b = readFileSync(p);
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  assert.is(v.getUint32(0, true), 0xa1b23c4d);
  assert.is(v.getUint16(4, true), 2);
  assert.is(v.getUint16(6, true), 4);
  assert.is(v.getUint32(16, true), 4);
  assert.is(v.getUint32(20, true), 113);
  assert.is(v.getUint32(24, true), 1_700_000_000);
  assert.is(v.getUint32(28, true), 654_321_000);
  assert.is(v.getUint32(32, true), 4, "caplen cut at snaplen");
  assert.is(v.getUint32(36, true), 6, "wire length kept");
  assert.equal([...b.subarray(40)], [1, 2, 3, 4]);
  assert.throws(() => w.write(Uint8Array.of(1), T), /write after close/);
  const m = pcapBytes(1, [{ data: Uint8Array.of(9), tsUs: T }]);
  assert.is(new DataView(m.buffer).getUint32(0, true), 0xa1b2c3d4);
  assert.is(new DataView(m.buffer).getUint32(28, true), 654_321);
  assert.throws(() => pcapBytes(1, [{ data: Uint8Array.of(9), tsUs: 1.5 }]), /non-negative integer/);
});

test("pcapngBytes block structure: SHB, one IDB per interface index, EPBs with lengths that agree", () => {
  const b = pcapngBytes([
    { data: new Uint8Array(5), tsUs: T, ifIndex: 2, linkType: 101 },
    { data: new Uint8Array(8), tsUs: T },
  ], { tsResol: 9 });
  const v = new DataView(b.buffer);
  const types: number[] = [];
  for (let at = 0; at < b.length;) {
    const len = v.getUint32(at + 4, true);
    assert.is(v.getUint32(at + len - 4, true), len);
    assert.is(len % 4, 0);
    types.push(v.getUint32(at, true));
    if (types.length === 4) assert.is(v.getUint16(at + 8, true), 101, "interface 2 carries its link type");
    at += len;
  }
  assert.equal(types, [0x0a0d0d0a, 1, 1, 1, 6, 6]);
});

test("tshark reads what the writer writes, timestamps included", () => {
  try {
    execFileSync("tshark", ["-v"], { stdio: "ignore" });
  } catch {
    console.log("note: tshark not on PATH; skipping");
    return;
  }
  const frame = new Uint8Array(60);
  frame.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x88, 0xb5]);
  const files: [string, string][] = [];
  const p = join(dir, "n.pcap");
  const w = new PcapWriter(p, 1, { nanos: true });
  w.write(frame, T);
  w.close();
  files.push([p, "1700000000.654321000"]);
  const ng = join(dir, "n.pcapng");
  writeFileSync(ng, pcapngBytes([{ data: frame, tsUs: T }], { bigEndian: true, tsResol: 9 }));
  files.push([ng, "1700000000.654321000"]);
  for (const [f, want] of files) {
    const out = execFileSync("tshark", ["-r", f, "-T", "fields", "-E", "separator=,", "-e", "frame.time_epoch", "-e", "frame.len", "-e", "eth.type"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    assert.is(out.trim(), `${want},60,0x88b5`, f);
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
