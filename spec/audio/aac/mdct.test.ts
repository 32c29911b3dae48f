import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Mdct, mdctReference } from "../../../src/audio/aac/mdct.ts";
import { SINE_LONG } from "../../../src/audio/aac/windows.ts";

const test = suite("aac mdct");

function noise(n: number, seed: number): Float64Array {
  let s = seed;
  return Float64Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 1073741824 - 1;
  });
}

for (const size of [2048, 256]) {
  test(`the fast ${size}-point MDCT equals the definition of ISO/IEC 14496-3 4.6.11.3`, () => {
    const x = noise(size, size);
    const ones = new Float64Array(size).fill(1);
    const fast = new Float64Array(size / 2);
    new Mdct(size).forward(x, 0, ones, fast, 0);
    const ref = mdctReference(x);
    let err = 0;
    let peak = 0;
    for (let k = 0; k < size / 2; k++) {
      err = Math.max(err, Math.abs(fast[k]! - ref[k]!));
      peak = Math.max(peak, Math.abs(ref[k]!));
    }
    assert.ok(err < peak * 1e-10, `max error ${err} against peak ${peak}`);
  });
}

test("the window and input offset are applied (windowed slice equals the definition on it)", () => {
  const x = noise(3000, 7);
  const out = new Float64Array(1024);
  new Mdct(2048).forward(x, 500, SINE_LONG, out, 0);
  const ref = mdctReference(Float64Array.from({ length: 2048 }, (_, n) => x[500 + n]! * SINE_LONG[n]!));
  for (let k = 0; k < 1024; k += 97) assert.ok(Math.abs(out[k]! - ref[k]!) < 1e-8);
});

test.run();
