import { suite } from "uvu";
import * as assert from "uvu/assert";
import { NonInviteServerTransaction } from "../../../src/sip/transaction/nist.ts";
import { DEFAULT_TIMER_SETTINGS, timerTable } from "../../../src/sip/transaction/timers.ts";
import type { SipMessage } from "../../../src/sip/messages.ts";
import { ManualClock } from "../../support/manual-clock.ts";
import { request, response } from "../support/messages.ts";

const test = suite("sip non-INVITE server transaction");

function setup(reliable = false) {
  const clock = new ManualClock();
  const sent: SipMessage[] = [];
  const req = request("OPTIONS");
  const tx = new NonInviteServerTransaction(req, { send: (m) => sent.push(m), reliable, clock, timers: timerTable(DEFAULT_TIMER_SETTINGS, reliable) });
  return { clock, sent, req, tx };
}

test("a retransmission while trying gets nothing, and after the final gets the final again", () => {
  const { sent, req, tx } = setup();
  tx.receiveRequest(req);
  assert.is(sent.length, 0);
  tx.respond(response(req, 200));
  tx.receiveRequest(req);
  assert.equal(sent.map((m) => m.type === "response" && m.status), [200, 200]);
});

test("a provisional then a final: proceeding, completed, and Timer J (64*T1) ends it over UDP", () => {
  const { clock, req, tx } = setup();
  tx.respond(response(req, 100));
  assert.is(tx.state, "proceeding");
  tx.respond(response(req, 200));
  assert.is(tx.state, "completed");
  tx.respond(response(req, 500));
  clock.advance(31999);
  assert.is(tx.state, "completed");
  clock.advance(1);
  assert.is(tx.state, "terminated");
});

test("over TCP the final ends it at once (Timer J = 0)", () => {
  const { req, tx } = setup(true);
  tx.respond(response(req, 200));
  assert.is(tx.state, "terminated");
});

test.run();
