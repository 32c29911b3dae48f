import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bandTables } from "../../../src/audio/aac/bands.ts";
import { buildLayout } from "../../../src/audio/aac/layout.ts";
import { analyseBands, thresholdInQuietDb, thresholdsInQuiet } from "../../../src/audio/aac/psy.ts";
import { WindowSequence } from "../../../src/audio/aac/windows.ts";

const test = suite("aac psychoacoustic model");
const t = bandTables(48000);
const layout = buildLayout(t, WindowSequence.ONLY_LONG, [1], 49);
const quiet = thresholdsInQuiet(t.long, 2048, 48000, 65536);

test("the threshold in quiet is lowest around 3-4 kHz and rises at both ends", () => {
  const at = (f: number) => thresholdInQuietDb(f);
  assert.ok(at(3300) < 0);
  assert.ok(at(100) > 20);
  assert.ok(at(16000) > 40);
  assert.ok(at(3300) < at(1000) && at(1000) < at(100));
});

test("bands far below the threshold in quiet are sent as zeros", () => {
  const spec = new Float64Array(1024);
  spec[100] = 1; // about -150 dB of full scale
  spec[10] = 1e7; // loud
  const a = analyseBands(layout, spec, quiet);
  const loud = layout.bandSfb.findIndex((_, b) => layout.bandStart[b]! <= 10 && 10 < layout.bandEnd[b]!);
  const faint = layout.bandSfb.findIndex((_, b) => layout.bandStart[b]! <= 100 && 100 < layout.bandEnd[b]!);
  assert.is(a.inaudible[loud], 0);
  assert.is(a.inaudible[faint], 1);
  assert.is(a.inaudible[30], 1, "an empty band is not coded");
});

test("with alpha > 0 louder bands get relatively coarser steps (noise follows energy^alpha)", () => {
  const spec = new Float64Array(1024);
  for (let i = 0; i < 1024; i++) spec[i] = (i % 2 ? 1 : -1) * (i < 512 ? 1e5 : 1e3);
  const flat = analyseBands(layout, spec, quiet, 0);
  const shaped = analyseBands(layout, spec, quiet, 0.5);
  const low = 20; // lines 132..143, loud
  const high = 40; // lines 672..703, 40 dB quieter
  assert.ok(shaped.shape[low]! - shaped.shape[high]! > flat.shape[low]! - flat.shape[high]! + 10);
  // With alpha 0 the allowed noise is the same everywhere, so larger values need finer steps.
  assert.ok(flat.shape[low]! < flat.shape[high]!);
});

test.run();
