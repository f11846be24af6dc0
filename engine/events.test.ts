import { test } from "uvu";
import * as assert from "uvu/assert";
import { EV_ANOMALY, EV_DROP, EventRing } from "./events.ts";
import { Packet } from "./packet.ts";

test("events come out in arrival order and the ring reports what it could not keep", () => {
  const ring = new EventRing(3);
  for (let k = 0; k < 5; k++) {
    const i = ring.push(k % 2 === 0 ? EV_ANOMALY : EV_DROP);
    if (i >= 0) ring.code[i] = k;
  }
  const codes: number[] = [];
  for (let j = ring.first(); j !== -1; j = ring.next(j)) codes.push(ring.code[j]);
  assert.equal(codes, [0, 1, 2]);
  assert.is(ring.lost, 2);
  ring.clear();
  assert.is(ring.first(), -1);
});

test("pushPacket copies the packet's addressing", () => {
  const ring = new EventRing(2);
  const p = new Packet();
  p.reset(new Uint8Array(10), 0, 10);
  p.ipVersion = 4;
  p.src[0] = 0xc6120001;
  p.dstPort = 445;
  const i = ring.pushPacket(EV_DROP, p, 42, 1);
  assert.is(ring.src[i * 4], 0xc6120001);
  assert.is(ring.dstPort[i], 445);
  assert.is(ring.flowId[i], 42);
});

test.run();
