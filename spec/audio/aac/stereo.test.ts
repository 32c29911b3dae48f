import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bandTables } from "../../../src/audio/aac/bands.ts";
import { buildLayout } from "../../../src/audio/aac/layout.ts";
import { applyMidSide, MS_SHAPE_OFFSET } from "../../../src/audio/aac/stereo.ts";
import { WindowSequence } from "../../../src/audio/aac/windows.ts";

const test = suite("aac M/S stereo");
const layout = buildLayout(bandTables(48000), WindowSequence.ONLY_LONG, [1], 49);

function noise(seed: number): Float64Array {
  let s = seed;
  return Float64Array.from({ length: 1024 }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 1073741824 - 1;
  });
}

test("identical channels go M/S in every band, with S = 0 and M = L", () => {
  const l = noise(1);
  const r = l.slice();
  const orig = l.slice();
  const { ms, offset } = applyMidSide(layout, l, r);
  assert.ok(ms.every((v) => v === 1));
  assert.ok(offset.every((v) => v === MS_SHAPE_OFFSET));
  assert.equal(l, orig);
  assert.ok(r.every((v) => v === 0));
});

test("independent channels stay L/R (but for chance correlation in a few narrow bands)", () => {
  const l = noise(2);
  const r = noise(3);
  const [l0, r0] = [l.slice(), r.slice()];
  const { ms } = applyMidSide(layout, l, r);
  assert.ok(ms.filter((v) => v === 1).length <= ms.length / 4, `${ms.filter((v) => v === 1).length} M/S bands`);
  for (let b = 0; b < ms.length; b++) {
    if (ms[b]) continue;
    for (let i = layout.bandStart[b]!; i < layout.bandEnd[b]!; i++) assert.ok(l[i] === l0[i] && r[i] === r0[i]);
  }
  // The wide high bands of independent noise are never M/S.
  assert.ok(ms.subarray(40).every((v) => v === 0));
});

test("M/S bands decode back to L and R (L = M + S, R = M - S)", () => {
  const l = noise(4);
  const r = Float64Array.from(l, (v, i) => 0.9 * v + 0.01 * Math.sin(i));
  const [l0, r0] = [l.slice(), r.slice()];
  const { ms } = applyMidSide(layout, l, r);
  assert.ok(ms.some((v) => v === 1));
  for (let b = 0; b < ms.length; b++) {
    if (!ms[b]) continue;
    for (let i = layout.bandStart[b]!; i < layout.bandEnd[b]!; i++) {
      assert.ok(Math.abs(l[i]! + r[i]! - l0[i]!) < 1e-12);
      assert.ok(Math.abs(l[i]! - r[i]! - r0[i]!) < 1e-12);
    }
  }
});

test.run();
