import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bandTables } from "../../../src/audio/aac/bands.ts";
import { elementBits, globalGain } from "../../../src/audio/aac/bitstream.ts";
import { buildLayout } from "../../../src/audio/aac/layout.ts";
import { analyseBands, thresholdsInQuiet } from "../../../src/audio/aac/psy.ts";
import { BitReservoir, ChannelWorkspace, fitFrame, type ChannelJob } from "../../../src/audio/aac/rate-control.ts";
import { WindowSequence } from "../../../src/audio/aac/windows.ts";

const test = suite("aac rate control");
const t = bandTables(48000);
const layout = buildLayout(t, WindowSequence.ONLY_LONG, [1], 46);
const quiet = thresholdsInQuiet(t.long, 2048, 48000, 65536);

function job(seed: number, decay: number): ChannelJob {
  let s = seed;
  const spec = Float64Array.from({ length: 1024 }, (_, i) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return i < layout.bandEnd[45]! ? (s / 1073741824 - 1) * 3e6 * Math.exp(-i / decay) : 0;
  });
  return { layout, spec, analysis: analyseBands(layout, spec, quiet) };
}

test("the frame fits its budget, and a smaller budget means a coarser offset", () => {
  const j = job(1, 200);
  const ws = [new ChannelWorkspace()];
  let lastGain = -Infinity;
  for (const budget of [6000, 3000, 1500, 600]) {
    const r = fitFrame([j], ws, undefined, budget, 0);
    assert.ok(r.bits <= budget, `${r.bits} bits for ${budget}`);
    assert.is(r.bits, elementBits(r.channels, undefined));
    assert.ok(r.gain > lastGain);
    lastGain = r.gain;
  }
});

test("one offset below the result no longer fits (the search finds the finest)", () => {
  const j = job(2, 300);
  const ws = [new ChannelWorkspace()];
  const r = fitFrame([j], ws, undefined, 2500, 40);
  const finer = fitFrame([j], ws, undefined, 100000, r.gain - 1);
  assert.ok(elementBits(fitFrame([j], ws, undefined, 2500, r.gain).channels, undefined) <= 2500);
  assert.ok(finer.gain <= r.gain - 1);
});

test("consecutive coded scalefactors differ by at most 60 and stay in 0..255", () => {
  for (const decay of [5, 30, 1000]) {
    const r = fitFrame([job(3, decay)], [new ChannelWorkspace()], undefined, 2000, 0);
    const ch = r.channels[0]!;
    let last = globalGain(ch);
    for (let b = 0; b < ch.books.length; b++) {
      if (ch.books[b] === 0) continue;
      assert.ok(Math.abs(ch.sf[b]! - last) <= 60);
      assert.ok(ch.sf[b]! >= 0 && ch.sf[b]! <= 255);
      last = ch.sf[b]!;
    }
  }
});

test("the reservoir lends saved bits, more to short windows, and asks for fill when full", () => {
  const r = new BitReservoir(128000, 48000, 2);
  assert.is(r.budget(false), Math.floor(r.targetBits));
  r.commit(1000); // saved ~1730 bits
  assert.ok(r.budget(true) > r.budget(false));
  assert.ok(r.budget(false) > r.targetBits);
  for (let i = 0; i < 20; i++) r.commit(0);
  assert.is(r.level, Math.floor(r.size));
  assert.ok(r.fillBytesFor(800) > 0);
  assert.ok(r.budget(true) <= r.maxFrameBits);
});

test.run();
