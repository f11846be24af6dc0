// Real HTTP conversations from the suricata-verify corpus (streams extracted with tshark): the
// parser must see the same transactions whether fed one segment at a time or one byte at a time.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { corpusDir } from "../../../datapath/pcap/corpus.ts";
import { Http1Parser } from "./parser.ts";
import { feed, type Piece, RecordingSink } from "./testing.ts";

function hasTshark(): boolean {
  try {
    execFileSync("tshark", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The first TCP stream of a pcap as (direction, bytes) segments. */
function stream(pcap: string): Piece[] {
  const out = execFileSync("tshark", ["-r", pcap, "-q", "-z", "follow,tcp,raw,0"], {
    encoding: "latin1",
    stdio: ["ignore", "pipe", "ignore"],
    timeout: 20000,
  });
  const pieces: Piece[] = [];
  for (const line of out.split("\n")) {
    const m = /^(\t?)([0-9a-f]+)$/.exec(line);
    if (!m) continue;
    pieces.push([m[1] ? 1 : 0, Uint8Array.from(Buffer.from(m[2], "hex"))]);
  }
  return pieces;
}

const dir = corpusDir();
test("suricata-verify HTTP flows: per segment == per byte, transactions found", () => {
  if (dir === null || !hasTshark()) return;
  const sv = join(dir, "suricata-verify");
  const cases = readdirSync(sv).filter((d) => /^(http-|bug-78|cond-log-http)/.test(d) && !d.startsWith("http2"));
  let checked = 0;
  for (const c of cases) {
    const pcap = join(sv, c, "input.pcap");
    if (!existsSync(pcap)) continue;
    const pieces = stream(pcap);
    if (pieces.length === 0) continue;
    const a = new RecordingSink();
    const b = new RecordingSink();
    feed(new Http1Parser({ maxStates: 1 }), a, pieces);
    feed(new Http1Parser({ maxStates: 1 }), b, pieces, 1);
    const fin = (s: RecordingSink) => {
      const m = new Map<string, unknown>();
      for (const x of s.calls) m.set(`${x.txId}/${x.dir}`, x);
      return JSON.stringify([...m.entries()].sort());
    };
    assert.is(fin(b), fin(a), c);
    assert.equal(b.events, a.events, c);
    assert.ok(a.calls.length > 0, `${c}: no transaction`);
    checked++;
  }
  console.log(`  ${checked} corpus HTTP flows checked`);
  assert.ok(checked >= 5);
});

test("http-post-data-decompression: the gzip request body is inspected decompressed", () => {
  if (dir === null || !hasTshark()) return;
  const pieces = stream(join(dir, "suricata-verify", "http-post-data-decompression", "input.pcap"));
  const s = new RecordingSink();
  feed(new Http1Parser({ maxStates: 1 }), s, pieces);
  const body = s.calls.map((c) => c.bufs["http.request_body"]?.[0] ?? "").sort((x, y) => y.length - x.length)[0];
  assert.ok(/name/i.test(body), body); // what the suricata-verify rule (sid 1, http_client_body) looks for
  console.log(`  decompressed request body: ${JSON.stringify(body.slice(0, 60))}`);
});

test.run();
