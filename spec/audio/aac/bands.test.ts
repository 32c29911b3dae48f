import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bandTables } from "../../../src/audio/aac/bands.ts";
import { TranspondError } from "../../../src/errors.ts";

const test = suite("aac scalefactor bands");

// num_swb_long_window / num_swb_short_window of ISO/IEC 14496-3 Tables 4.129-4.147.
const expected: [number, number, number, number][] = [
  [48000, 3, 49, 14], [44100, 4, 49, 14], [32000, 5, 51, 14], [24000, 6, 47, 15], [22050, 7, 47, 15],
  [16000, 8, 43, 15], [12000, 9, 43, 15], [11025, 10, 43, 15], [8000, 11, 40, 15],
];

for (const [rate, index, long, short] of expected) {
  test(`${rate} Hz: index ${index}, ${long} long and ${short} short bands covering 1024 and 128 lines`, () => {
    const t = bandTables(rate);
    assert.is(t.sampleRateIndex, index);
    assert.is(t.long.length - 1, long);
    assert.is(t.short.length - 1, short);
    for (const [offsets, end] of [[t.long, 1024], [t.short, 128]] as const) {
      assert.is(offsets[0], 0);
      assert.is(offsets[offsets.length - 1], end);
      for (let i = 1; i < offsets.length; i++) {
        assert.ok(offsets[i]! > offsets[i - 1]!);
        assert.is((offsets[i]! - offsets[i - 1]!) % 4, 0, "bands hold whole 4-tuples");
      }
    }
  });
}

for (const rate of [96000, 64000, 7350, 44000]) {
  test(`refuses ${rate} Hz with ERR_AAC_SAMPLE_RATE`, () => {
    try {
      bandTables(rate);
    } catch (err) {
      assert.instance(err, TranspondError);
      assert.is((err as TranspondError).code, "ERR_AAC_SAMPLE_RATE");
      return;
    }
    assert.unreachable("did not throw");
  });
}

test.run();
