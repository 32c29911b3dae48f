import { suite } from "uvu";
import * as assert from "uvu/assert";
import { InviteServerTransaction } from "../../../src/sip/transaction/ist.ts";
import { DEFAULT_TIMER_SETTINGS, timerTable } from "../../../src/sip/transaction/timers.ts";
import type { SipMessage } from "../../../src/sip/messages.ts";
import { ManualClock } from "../../support/manual-clock.ts";
import { request, response } from "../support/messages.ts";

const test = suite("sip INVITE server transaction");

function setup(reliable = false) {
  const clock = new ManualClock();
  const sent: { at: number; message: SipMessage }[] = [];
  const events: string[] = [];
  const invite = request("INVITE");
  const tx = new InviteServerTransaction(invite, { send: (m) => sent.push({ at: clock.now(), message: m }), reliable, clock, timers: timerTable(DEFAULT_TIMER_SETTINGS, reliable) }, {
    onTimeout: (r) => events.push(`timeout:${r}`),
    onTerminated: () => events.push("terminated"),
  });
  return { clock, sent, events, invite, tx };
}

const statusAt = (sent: { at: number; message: SipMessage }[]) => sent.map((s) => `${s.at}:${s.message.type === "response" ? s.message.status : s.message.method}`);

test("a retransmitted INVITE gets the last provisional response again", () => {
  const { sent, invite, tx } = setup();
  tx.respond(response(invite, 180));
  tx.receiveRequest(invite);
  assert.equal(statusAt(sent), ["0:180", "0:180"]);
  assert.is(tx.state, "proceeding");
});

test("over UDP a 486 is resent on Timer G (0.5, 1.5, 3.5, 7.5, 11.5 s) until the ACK, then Timer I (T4) ends it", () => {
  const { clock, sent, events, invite, tx } = setup();
  tx.respond(response(invite, 486));
  clock.advance(12000);
  assert.equal(statusAt(sent), ["0:486", "500:486", "1500:486", "3500:486", "7500:486", "11500:486"]);
  tx.receiveRequest(request("ACK"));
  assert.is(tx.state, "confirmed");
  clock.advance(4999);
  assert.is(tx.state, "confirmed");
  clock.advance(1);
  assert.equal(events, ["terminated"]);
  assert.is(sent.length, 6, "no retransmission after the ACK");
});

test("without an ACK Timer H ends it after 32 s and tells the TU", () => {
  const { clock, events, invite, tx } = setup();
  tx.respond(response(invite, 404));
  clock.advance(32000);
  assert.equal(events, ["terminated", "timeout:timeout"]);
});

test("a 2xx moves to accepted (RFC 6026), ACKs are not absorbed, and Timer L ends it", () => {
  const { clock, invite, tx } = setup();
  tx.respond(response(invite, 200));
  assert.is(tx.state, "accepted");
  assert.is(tx.receiveRequest(request("ACK")), false);
  clock.advance(32000);
  assert.is(tx.state, "terminated");
});

test("over TCP a non-2xx final is sent once and the ACK ends it at once (Timer I = 0)", () => {
  const { clock, sent, invite, tx } = setup(true);
  tx.respond(response(invite, 486));
  clock.advance(10000);
  assert.is(sent.length, 1);
  tx.receiveRequest(request("ACK"));
  assert.is(tx.state, "terminated");
});

test.run();
