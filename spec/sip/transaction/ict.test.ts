import { suite } from "uvu";
import * as assert from "uvu/assert";
import { InviteClientTransaction } from "../../../src/sip/transaction/ict.ts";
import { DEFAULT_TIMER_SETTINGS, timerTable } from "../../../src/sip/transaction/timers.ts";
import { headerValue } from "../../../src/sip/message/headers.ts";
import type { SipMessage, SipResponse } from "../../../src/sip/messages.ts";
import { ManualClock } from "../../support/manual-clock.ts";
import { request, response } from "../support/messages.ts";

const test = suite("sip INVITE client transaction");

function setup(reliable = false) {
  const clock = new ManualClock();
  const sent: { at: number; message: SipMessage }[] = [];
  const seen: SipResponse[] = [];
  const events: string[] = [];
  const invite = request("INVITE");
  const tx = new InviteClientTransaction(invite, { send: (m) => sent.push({ at: clock.now(), message: m }), reliable, clock, timers: timerTable(DEFAULT_TIMER_SETTINGS, reliable) }, {
    onResponse: (r) => seen.push(r),
    onTimeout: (reason) => events.push(`timeout:${reason}`),
    onTerminated: () => events.push("terminated"),
  });
  tx.start();
  return { clock, sent, seen, events, invite, tx };
}

test("over UDP resends the INVITE on Timer A at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s and times out on Timer B at 32 s", () => {
  const { clock, sent, events, tx } = setup();
  clock.advance(31999);
  assert.equal(sent.map((s) => s.at), [0, 500, 1500, 3500, 7500, 15500, 31500]);
  assert.equal(events, []);
  clock.advance(1);
  assert.equal(events, ["terminated", "timeout:timeout"]);
  assert.is(tx.state, "terminated");
  assert.is(clock.pending, 0, "no timer left behind");
});

test("a provisional response stops the retransmissions and moves to proceeding", () => {
  const { clock, sent, seen, invite, tx } = setup();
  clock.advance(600);
  tx.receiveResponse(response(invite, 180));
  assert.is(tx.state, "proceeding");
  clock.advance(60000);
  assert.is(sent.length, 2);
  assert.equal(seen.map((r) => r.status), [180]);
});

test("a 486 is acknowledged inside the transaction with the response's To tag, again for each retransmission, and Timer D ends it after 32 s", () => {
  const { clock, sent, seen, events, invite, tx } = setup();
  const busy = response(invite, 486, "busy1");
  tx.receiveResponse(busy);
  assert.is(tx.state, "completed");
  const ack = sent[1].message;
  assert.is(ack.type === "request" && ack.method, "ACK");
  assert.is(headerValue(ack, "To"), "<sip:bob@127.0.0.1>;tag=busy1");
  assert.is(headerValue(ack, "Via"), headerValue(invite, "Via"));
  assert.is(headerValue(ack, "CSeq"), "1 ACK");
  tx.receiveResponse(busy);
  assert.is(sent.length, 3, "ACK resent for the retransmitted 486");
  assert.equal(seen.map((r) => r.status), [486], "the TU saw the final response once");
  clock.advance(31999);
  assert.is(tx.state, "completed");
  clock.advance(1);
  assert.equal(events, ["terminated"]);
});

test("over TCP sends once, never retransmits, and ends at once after a non-2xx final (Timer D = 0)", () => {
  const { clock, sent, invite, tx } = setup(true);
  clock.advance(10000);
  assert.is(sent.length, 1);
  tx.receiveResponse(response(invite, 603));
  assert.is(tx.state, "terminated");
});

test("a 2xx moves to accepted, 2xx retransmissions reach the TU, and Timer M ends it", () => {
  const { clock, seen, invite, tx } = setup();
  tx.receiveResponse(response(invite, 200));
  assert.is(tx.state, "accepted");
  tx.receiveResponse(response(invite, 200));
  assert.equal(seen.map((r) => r.status), [200, 200]);
  clock.advance(32000);
  assert.is(tx.state, "terminated");
});

test("a send failure ends the transaction as a transport error", () => {
  const clock = new ManualClock();
  const events: string[] = [];
  const tx = new InviteClientTransaction(request("INVITE"), { send: () => { throw new Error("unreachable"); }, reliable: false, clock, timers: timerTable(DEFAULT_TIMER_SETTINGS, false) }, { onResponse: () => undefined, onTimeout: (r) => events.push(r) });
  tx.start();
  assert.equal(events, ["transport"]);
  assert.is(clock.pending, 0);
});

test.run();
