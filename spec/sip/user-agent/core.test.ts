/**
 * The core's answers to bad input (RFC 3261 18.3, 16.3): each invalid request of the RFC 4475
 * corpus gets the status its case names (400 with the reason, 505, 413), requests that cannot be
 * framed and malformed responses are dropped, and after thousands of fuzzed datagrams the core
 * still answers a valid request and holds no stray transactions.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createMemoryTransportPair } from "../../../src/sip/transport/memory.ts";
import { SipCore } from "../../../src/sip/user-agent/core.ts";
import { encodeSipMessage } from "../../../src/sip/message/serialize.ts";
import { mutations } from "../../support/fuzz.ts";
import { TORTURE_CASES } from "../message/torture.cases.ts";
import { ManualClock } from "../../support/manual-clock.ts";
import { settle } from "../support/far-end.ts";
import { request } from "../support/messages.ts";

const test = suite("sip core: answering bad input");
const enc = (t: string) => new TextEncoder().encode(t);
const FROM = { host: "127.0.0.1", port: 5080 };

function setup() {
  const [a] = createMemoryTransportPair();
  const clock = new ManualClock();
  const core = new SipCore({ transport: a, clock });
  const served: string[] = [];
  core.attach({ onRequest: (req, tx) => (served.push(req.method), tx.respond(core.createResponse(req, 200, { toTag: "t" }))), onAck: () => undefined, onCancel: () => undefined, onStray2xx: () => undefined });
  const answers: string[] = [];
  a.tap = (m) => void answers.push(m.type === "response" ? `${m.status} ${m.reason}` : m.method);
  return { a, core, clock, served, answers };
}

for (const c of TORTURE_CASES.filter((c) => c.expect !== "valid")) {
  const expected = c.status;
  test(`RFC 4475 corpus: ${c.name} -> ${expected ? `answered ${expected}` : "dropped"}`, () => {
    const { a, served, answers } = setup();
    a.deliver(enc(c.text), FROM);
    assert.equal(served, [], "never reaches the TU");
    if (expected === undefined) assert.equal(answers, []);
    else {
      assert.is(answers.length, 1);
      assert.ok(answers[0].startsWith(`${expected} `), answers[0]);
      assert.match(answers[0], /\(.+\)$/, "the reason says what was wrong");
    }
  });
}

test("keeps serving after 2,000 fuzzed requests: a valid OPTIONS still gets 200 and no transaction is left over", async () => {
  const { a, core, clock, served, answers } = setup();
  const seeds = [encodeSipMessage(request("OPTIONS")), encodeSipMessage(request("INVITE")), ...TORTURE_CASES.filter((c) => c.expect === "valid").map((c) => enc(c.text))];
  let n = 0;
  for (const m of mutations(0xc0de, 2000, seeds)) {
    a.deliver(m.bytes, FROM);
    n++;
  }
  assert.is(n, 2000);
  clock.advance(64 * 500 + 1);
  await settle();
  assert.equal(core.counts, { clients: 0, servers: 0 });
  served.length = 0;
  answers.length = 0;
  a.deliver(encodeSipMessage(request("OPTIONS", "z9hG4bKfinal")), FROM);
  assert.equal(served, ["OPTIONS"]);
  assert.equal(answers, ["200 OK"]);
});

test.run();
