import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createMemoryTransportPair } from "../../../src/sip/transport/memory.ts";
import type { SipMessage } from "../../../src/sip/messages.ts";
import { settle } from "../support/far-end.ts";
import { request } from "../support/messages.ts";

const test = suite("sip in-memory transport pair");

test("delivers what one side sends to the other through the encoder and parser, on a later tick", async () => {
  const [a, b] = createMemoryTransportPair();
  const got: SipMessage[] = [];
  b.attach({ onMessage: (m) => got.push(m) });
  a.send(request("OPTIONS"), b.local);
  assert.is(got.length, 0);
  await settle(2);
  assert.is(got.length, 1);
  assert.is.not(got[0], a.sent[0], "a decoded copy, not the same object");
});

test("a tap returning false drops the message (packet loss in tests)", async () => {
  const [a, b] = createMemoryTransportPair();
  const got: SipMessage[] = [];
  b.attach({ onMessage: (m) => got.push(m) });
  a.tap = () => false;
  a.send(request("OPTIONS"), b.local);
  await settle(2);
  assert.is(got.length, 0);
  assert.is(a.sent.length, 1);
});

test.run();
