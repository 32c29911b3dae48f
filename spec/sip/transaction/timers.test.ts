import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DEFAULT_TIMER_SETTINGS, timerTable } from "../../../src/sip/transaction/timers.ts";

const test = suite("sip timer table");

test("UDP values follow RFC 3261 Table 4 with T1 = 500 ms, T2 = 4 s, T4 = 5 s", () => {
  const t = timerTable(DEFAULT_TIMER_SETTINGS, false);
  assert.equal([t.A, t.B, t.D, t.E, t.F, t.G, t.H, t.I, t.J, t.K], [500, 32000, 32000, 500, 32000, 500, 32000, 5000, 32000, 5000]);
});

test("over a reliable transport D, I, J and K are 0", () => {
  const t = timerTable(DEFAULT_TIMER_SETTINGS, true);
  assert.equal([t.D, t.I, t.J, t.K], [0, 0, 0, 0]);
  assert.equal([t.B, t.F, t.H], [32000, 32000, 32000]);
});

test.run();
