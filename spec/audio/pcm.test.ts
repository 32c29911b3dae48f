import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  concatBlocks, convertChannels, downmixToMono, durationMs, floatToInt16, frameCount, int16FromLeBytes,
  int16ToFloat, int16ToLeBytes, silence, upmixFromMono, withChannels,
} from "../../src/audio/pcm.ts";
import { TranspondError } from "../../src/errors.ts";
import { e2eSuite } from "../support/e2e.ts";
import { f32FromBytes, f32ToBytes, ffmpeg } from "./support/ffmpeg.ts";

const test = suite("audio/pcm");

test("converts 16-bit samples to float by dividing by 32768 and back rounding half to even, saturating", () => {
  assert.equal(Array.from(int16ToFloat(new Int16Array([-32768, 0, 16384, 32767]))), [-1, 0, 0.5, 32767 / 32768]);
  assert.equal(Array.from(floatToInt16(new Float32Array([-1.5, -1, 0.5, 0.99999, 2, 1.5 / 32768, 2.5 / 32768, -2.5 / 32768]))), [-32768, -32768, 16384, 32767, 32767, 2, 2, -2]);
  const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
  assert.equal(floatToInt16(int16ToFloat(all)), all);
});

test("reads and writes little-endian 16-bit bytes", () => {
  const bytes = new Uint8Array([0x00, 0x80, 0xff, 0x7f, 0x34, 0x12, 0x99]);
  const s = int16FromLeBytes(bytes.subarray(1)); // odd offset and a trailing byte
  assert.equal(Array.from(s), [-128, 0x347f, 0x9912 - 0x10000]);
  assert.equal(int16ToLeBytes(new Int16Array([0x1234, -2])), new Uint8Array([0x34, 0x12, 0xfe, 0xff]));
});

test("downmixes by averaging and upmixes by copying", () => {
  assert.equal(Array.from(downmixToMono(new Float32Array([0.5, 0.25, -1, 1]), 2)), [0.375, 0]);
  assert.equal(Array.from(upmixFromMono(new Float32Array([0.5, -0.25]), 2)), [0.5, 0.5, -0.25, -0.25]);
  assert.equal(Array.from(convertChannels(new Float32Array([1, 2, 3, 4, 5, 6]), 3, 2)), [1, 2, 4, 5]);
  assert.equal(Array.from(convertChannels(new Float32Array([1, 2]), 2, 4)), [1, 2, 0, 0]);
  assert.throws(() => convertChannels(new Float32Array(2), 0, 2), (e: unknown) => (e as TranspondError).code === "ERR_AUDIO_CHANNELS");
});

test("leaves inputs unchanged and reports frames and duration", () => {
  const input = new Float32Array([0.1, 0.2, 0.3, 0.4]);
  const copy = input.slice();
  const block = { sampleRate: 8000, channels: 2, samples: input };
  const mono = withChannels(block, 1);
  assert.equal(input, copy);
  assert.is(frameCount(mono), 2);
  assert.is(durationMs(silence(48000, 2, 960)), 20);
  assert.is(withChannels(block, 2), block);
});

test("joins blocks of one format and refuses mixed formats", () => {
  const a = { sampleRate: 8000, channels: 1, samples: new Float32Array([1, 2]) };
  const b = { sampleRate: 8000, channels: 1, samples: new Float32Array([3]) };
  assert.equal(Array.from(concatBlocks([a, b], 8000, 1).samples), [1, 2, 3]);
  assert.throws(() => concatBlocks([a, { ...b, sampleRate: 16000 }], 8000, 1), (e: unknown) => (e as TranspondError).code === "ERR_AUDIO_FORMAT");
});

test.run();

const real = e2eSuite("audio/pcm against ffmpeg", ["ffmpeg"]);

real("converts float to 16-bit exactly as ffmpeg's flt -> s16 conversion", () => {
  const f = new Float32Array(20000);
  for (let i = 0; i < f.length; i++) f[i] = Math.sin(i * 0.001) * 1.2 + ((i * 7919) % 1000) / 1e6;
  const theirs = int16FromLeBytes(ffmpeg(["-f", "f32le", "-ar", "8000", "-ac", "1", "-i", "-", "-f", "s16le", "-"], f32ToBytes(f)));
  assert.equal(floatToInt16(f), theirs);
});

real("converts 16-bit to float exactly as ffmpeg's s16 -> flt conversion", () => {
  const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
  const theirs = f32FromBytes(ffmpeg(["-f", "s16le", "-ar", "8000", "-ac", "1", "-i", "-", "-f", "f32le", "-"], int16ToLeBytes(all)));
  assert.equal(int16ToFloat(all), theirs);
});

real.run();
