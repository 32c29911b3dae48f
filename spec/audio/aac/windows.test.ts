import { suite } from "uvu";
import * as assert from "uvu/assert";
import { LONG_WINDOWS, SINE_LONG, SINE_SHORT, WindowSequence, shortWindowStart } from "../../../src/audio/aac/windows.ts";

const test = suite("aac windows");

test("the sine windows are sin(pi/N (n + 1/2))", () => {
  assert.ok(Math.abs(SINE_LONG[0]! - Math.sin(Math.PI / 4096)) < 1e-15);
  assert.ok(Math.abs(SINE_SHORT[255]! - Math.sin((Math.PI / 256) * 255.5)) < 1e-15);
});

test("the eight short windows start 448 samples in, 128 apart, ending at 1600", () => {
  assert.equal([0, 1, 7].map(shortWindowStart), [448, 576, 1344]);
  assert.is(shortWindowStart(7) + 256, 1600);
});

test("overlapping halves of every window transition add up to 1 in power (Princen-Bradley)", () => {
  // ONLY_LONG -> LONG_START -> (short) -> LONG_STOP -> ONLY_LONG: right half of one, left half of next.
  const pairs: [Float64Array, Float64Array][] = [
    [LONG_WINDOWS[WindowSequence.ONLY_LONG], LONG_WINDOWS[WindowSequence.ONLY_LONG]],
    [LONG_WINDOWS[WindowSequence.ONLY_LONG], LONG_WINDOWS[WindowSequence.LONG_START]],
    [LONG_WINDOWS[WindowSequence.LONG_STOP], LONG_WINDOWS[WindowSequence.ONLY_LONG]],
  ];
  for (const [a, b] of pairs) for (let n = 0; n < 1024; n++) assert.ok(Math.abs(a[1024 + n]! ** 2 + b[n]! ** 2 - 1) < 1e-12);
  for (let n = 0; n < 128; n++) assert.ok(Math.abs(SINE_SHORT[128 + n]! ** 2 + SINE_SHORT[n]! ** 2 - 1) < 1e-12);
  // LONG_START's short slope meets the first short window; the last short window meets LONG_STOP's.
  const start = LONG_WINDOWS[WindowSequence.LONG_START];
  const stop = LONG_WINDOWS[WindowSequence.LONG_STOP];
  for (let n = 0; n < 128; n++) {
    assert.ok(Math.abs(start[1472 + n]! - SINE_SHORT[128 + n]!) < 1e-15);
    assert.ok(Math.abs(stop[448 + n]! - SINE_SHORT[n]!) < 1e-15);
  }
  assert.is(start[1600], 0);
  assert.is(stop[447], 0);
});

test.run();
