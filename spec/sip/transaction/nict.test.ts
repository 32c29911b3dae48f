import { suite } from "uvu";
import * as assert from "uvu/assert";
import { NonInviteClientTransaction } from "../../../src/sip/transaction/nict.ts";
import { DEFAULT_TIMER_SETTINGS, timerTable } from "../../../src/sip/transaction/timers.ts";
import type { SipMessage } from "../../../src/sip/messages.ts";
import { ManualClock } from "../../support/manual-clock.ts";
import { request, response } from "../support/messages.ts";

const test = suite("sip non-INVITE client transaction");

function setup(reliable = false, settings = DEFAULT_TIMER_SETTINGS) {
  const clock = new ManualClock();
  const sent: { at: number; message: SipMessage }[] = [];
  const events: string[] = [];
  const req = request("BYE");
  const tx = new NonInviteClientTransaction(req, { send: (m) => sent.push({ at: clock.now(), message: m }), reliable, clock, timers: timerTable(settings, reliable) }, {
    onResponse: (r) => events.push(String(r.status)),
    onTimeout: (reason) => events.push(`timeout:${reason}`),
  });
  tx.start();
  return { clock, sent, events, req, tx };
}

test("over UDP resends on Timer E doubling up to T2 (0.5, 1.5, 3.5, 7.5, 11.5 ... s) and times out on Timer F at 32 s", () => {
  const { clock, sent, events } = setup();
  clock.advance(32000);
  assert.equal(sent.map((s) => s.at), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  assert.equal(events, ["timeout:timeout"]);
  assert.is(clock.pending, 0);
});

test("in proceeding resends every T2 and Timer F keeps its first deadline", () => {
  const { clock, sent, events, req, tx } = setup();
  clock.advance(100);
  tx.receiveResponse(response(req, 100));
  assert.is(tx.state, "proceeding");
  clock.advance(31899);
  assert.equal(sent.map((s) => s.at), [0, 4100, 8100, 12100, 16100, 20100, 24100, 28100]);
  assert.equal(events, ["100"]);
  clock.advance(1);
  assert.equal(events, ["100", "timeout:timeout"]);
});

test("a final response completes it; Timer K (T4) ends it over UDP, at once over TCP", () => {
  const udp = setup();
  udp.tx.receiveResponse(response(udp.req, 200));
  assert.is(udp.tx.state, "completed");
  udp.clock.advance(4999);
  assert.is(udp.tx.state, "completed");
  udp.clock.advance(1);
  assert.is(udp.tx.state, "terminated");
  const tcp = setup(true);
  tcp.tx.receiveResponse(response(tcp.req, 200));
  assert.is(tcp.tx.state, "terminated");
  assert.is(tcp.sent.length, 1);
});

test("T1 = 50 ms scales every timer: Timer F fires at 3.2 s", () => {
  const { clock, events } = setup(false, { T1: 50, T2: 400, T4: 500 });
  clock.advance(3199);
  assert.equal(events, []);
  clock.advance(1);
  assert.equal(events, ["timeout:timeout"]);
});

test.run();
