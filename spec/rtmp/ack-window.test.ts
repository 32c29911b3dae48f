import { suite } from "uvu";
import * as assert from "uvu/assert";
import { AckWindow } from "../../src/rtmp/ack-window.ts";

const s = suite("ack window");
s("acknowledges each time a window of bytes has arrived, with the running byte count", () => {
  const w = new AckWindow(1000);
  assert.is(w.received(600), undefined);
  assert.is(w.received(399), undefined);
  assert.is(w.received(1), 1000);
  assert.is(w.received(999), undefined);
  assert.is(w.received(2500), 4499);
});
s("never acknowledges before a window size is known", () => {
  const w = new AckWindow();
  assert.is(w.received(10_000_000), undefined);
  w.windowSize = 2_500_000;
  assert.is(w.received(1), 10_000_001);
});
s("wraps the sequence number at 2^32", () => {
  const w = new AckWindow(2 ** 31);
  w.received(2 ** 31);
  assert.is(w.received(2 ** 31 + 5), 5);
});
s.run();
