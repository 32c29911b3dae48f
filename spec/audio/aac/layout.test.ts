import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bandTables } from "../../../src/audio/aac/bands.ts";
import { buildLayout, interleaveShort, maxSfbFor } from "../../../src/audio/aac/layout.ts";
import { WindowSequence } from "../../../src/audio/aac/windows.ts";

const test = suite("aac band layout");
const t = bandTables(48000);

test("long bands are the scalefactor bands up to max_sfb", () => {
  const l = buildLayout(t, WindowSequence.ONLY_LONG, [1], 40);
  assert.is(l.bandStart.length, 40);
  assert.is(l.bandStart[10], t.long[10]);
  assert.is(l.bandEnd[39], t.long[40]);
});

test("grouped short bands are contiguous: band width times windows in the group", () => {
  const l = buildLayout(t, WindowSequence.EIGHT_SHORT, [3, 1, 4], 12);
  assert.is(l.bandStart.length, 36);
  for (let b = 1; b < 36; b++) assert.is(l.bandStart[b], l.bandEnd[b - 1]);
  assert.is(l.bandEnd[0]! - l.bandStart[0]!, 4 * 3);
  assert.is(l.bandEnd[12]! - l.bandStart[12]!, 4 * 1);
  assert.is(l.bandEnd[35], 8 * t.short[12]!);
});

test("short spectra are interleaved window by window inside each band of a group", () => {
  const l = buildLayout(t, WindowSequence.EIGHT_SHORT, [2, 6], 14);
  const spec = Float64Array.from({ length: 1024 }, (_, i) => i); // value = window * 128 + line
  const out = new Float64Array(1024);
  interleaveShort(l, spec, out);
  // Group 0, band 0: window 0 lines 0..3, then window 1 lines 0..3.
  assert.equal([...out.subarray(0, 8)], [0, 1, 2, 3, 128, 129, 130, 131]);
  // Group 1 starts after group 0's 2 * 128 lines: window 2, band 0.
  assert.equal([...out.subarray(256, 260)], [256, 257, 258, 259]);
  assert.equal([...out.subarray(260, 264)], [384, 385, 386, 387]);
});

test("max_sfb covers every band that starts below the cutoff", () => {
  assert.is(maxSfbFor(t.long, 1024, 48000, 24000), 49);
  // 17333 Hz is line 739.5: band 42 (lines 736..767) is the last one in.
  assert.is(maxSfbFor(t.long, 1024, 48000, 17333), 43);
  // Short line 92.4: band 11 (80..95) is the last one in.
  assert.is(maxSfbFor(t.short, 128, 48000, 17333), 12);
});

test.run();
