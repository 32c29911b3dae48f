import { suite } from "uvu";
import * as assert from "uvu/assert";
import { AAC_ENCODER_DELAY, AacEncoder } from "../../../src/audio/aac/index.ts";
import { e2eSuite } from "../../support/e2e.ts";
import { adtsStream, bestLag, encodeAll, ffmpegDecode, snrDb, totalBytes } from "./support.ts";
import { expectErrorCode } from "../../support/errors.ts";

const test = suite("aac encoder");

function signal(seconds: number, rate: number, channels: number, seed = 1): Float32Array {
  const n = Math.round(seconds * rate);
  const out = new Float32Array(n * channels);
  let s = seed;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      const noise = (s / 2147483648 - 0.5) * 0.05;
      out[i * channels + c] = 0.4 * Math.sin((2 * Math.PI * (440 + 110 * c) * i) / rate) + 0.2 * Math.sin((2 * Math.PI * 3100 * i) / rate) + noise;
    }
  }
  return out;
}

test("the AudioSpecificConfig says LC, 48 kHz, stereo", () => {
  assert.equal([...new AacEncoder({ sampleRate: 48000, channels: 2, bitrate: 128000 }).audioSpecificConfig()], [0x11, 0x90]);
});

test("a frame comes out once its 1024 samples and 1024 of look-ahead are in; flush drains the rest", () => {
  const enc = new AacEncoder({ sampleRate: 48000, channels: 1 });
  const pcm = signal(1, 48000, 1);
  assert.is(enc.encode(pcm.subarray(0, 1023)).length, 0);
  assert.is(enc.encode(pcm.subarray(1023, 2047)).length, 0);
  assert.is(enc.encode(pcm.subarray(2047, 2048)).length, 1);
  assert.is(enc.encode(pcm.subarray(2048, 2048 + 3 * 1024)).length, 3);
  // 5120 samples given: ceil(5120 / 1024) + 1 = 6 frames in all.
  assert.is(enc.flush().length, 2);
});

test("the output does not depend on how the input is chunked, and flush starts over", () => {
  const opts = { sampleRate: 44100, channels: 2, bitrate: 96000 } as const;
  const pcm = signal(0.5, 44100, 2);
  const a = encodeAll(pcm, opts, 960);
  const b = encodeAll(pcm, opts, 4096);
  assert.equal(a.map((f) => Buffer.from(f).toString("hex")), b.map((f) => Buffer.from(f).toString("hex")));
  const enc = new AacEncoder(opts);
  const first = [...enc.encode(pcm), ...enc.flush()];
  const second = [...enc.encode(pcm), ...enc.flush()];
  assert.equal(first.map((f) => f.length), second.map((f) => f.length));
  assert.is(first.length, Math.ceil(pcm.length / 2 / 1024) + 1);
});

test("NaN and infinite samples are coded as silence and full scale, not as broken frames", () => {
  const pcm = signal(0.2, 48000, 2);
  pcm.fill(Number.NaN, 1000, 3000);
  pcm.fill(Number.POSITIVE_INFINITY, 5000, 5100);
  const frames = encodeAll(pcm, { sampleRate: 48000, channels: 2 });
  assert.is(frames.length, Math.ceil(pcm.length / 2 / 1024) + 1);
  for (const f of frames) assert.ok(f.length > 0 && f.length * 8 <= 6144 * 2);
});

test("flush on an encoder that was given nothing returns no frames", () => {
  assert.equal(new AacEncoder({ sampleRate: 16000, channels: 1 }).flush(), []);
});

test("the input samples are left unchanged", () => {
  const pcm = signal(0.1, 48000, 2);
  const copy = pcm.slice();
  encodeAll(pcm, { sampleRate: 48000, channels: 2 });
  assert.equal(pcm, copy);
});

test("no frame exceeds 6144 bits per channel, even for full-scale noise at the highest rate", () => {
  let s = 9;
  const pcm = Float32Array.from({ length: 48000 * 2 }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 1073741824 - 1;
  });
  for (const bitrate of [128000, 576000]) {
    const frames = encodeAll(pcm, { sampleRate: 48000, channels: 2, bitrate });
    for (const f of frames) assert.ok(f.length * 8 <= 6144 * 2, `${f.length} bytes at ${bitrate}`);
  }
});

test("at the highest bitrate a quiet signal is padded with fill elements up to, never past, 6144 bits per channel", () => {
  const pcm = signal(1, 8000, 2).map((v) => v * 0.01);
  const frames = encodeAll(pcm, { sampleRate: 8000, channels: 2, bitrate: 96000 });
  for (const f of frames) assert.ok(f.length * 8 <= 6144 * 2, `${f.length} bytes`);
  const kbps = (totalBytes(frames) * 8) / ((frames.length * 1024) / 8000) / 1000;
  assert.ok(kbps > 86.4, `${kbps.toFixed(1)} kb/s for 96`);
});

const bad: [string, () => unknown, string][] = [
  ["an unknown sample rate", () => new AacEncoder({ sampleRate: 44000, channels: 2 }), "ERR_AAC_SAMPLE_RATE"],
  ["96 kHz (outside 8..48 kHz)", () => new AacEncoder({ sampleRate: 96000, channels: 2 }), "ERR_AAC_SAMPLE_RATE"],
  ["three channels", () => new AacEncoder({ sampleRate: 48000, channels: 3 as 2 }), "ERR_AAC_CHANNELS"],
  ["a bitrate below 8 kb/s", () => new AacEncoder({ sampleRate: 48000, channels: 1, bitrate: 4000 }), "ERR_AAC_BITRATE"],
  ["a bitrate over 6144 bits per channel and frame", () => new AacEncoder({ sampleRate: 8000, channels: 1, bitrate: 100000 }), "ERR_AAC_BITRATE"],
  ["a bitrate that is not a number", () => new AacEncoder({ sampleRate: 48000, channels: 1, bitrate: Number.NaN }), "ERR_AAC_BITRATE"],
];
for (const [name, fn, code] of bad) {
  test(`refuses ${name} with ${code}`, () => {
    expectErrorCode(() => fn(), code);
  });
}

test.run();

const e2e = e2eSuite("aac encoder through ffmpeg", ["ffmpeg"]);

for (const rate of [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000]) {
  for (const channels of [1, 2] as const) {
    e2e(`${rate} Hz ${channels === 1 ? "mono" : "stereo"} decodes without errors, delayed by 1024 samples, with the signal kept`, () => {
      const bitrate = Math.min(64000 * channels, Math.floor((rate * 6 * channels) / 2));
      const opts = { sampleRate: rate, channels, bitrate };
      const pcm = signal(1, rate, channels);
      const frames = encodeAll(pcm, opts);
      const { pcm: out, stderr, status } = ffmpegDecode(adtsStream(frames, opts));
      assert.is(status, 0, stderr);
      assert.is(stderr, "");
      assert.is(out.length, frames.length * 1024 * channels);
      assert.is(bestLag(pcm, out, channels), AAC_ENCODER_DELAY);
      const snr = snrDb(pcm, out, channels, AAC_ENCODER_DELAY);
      assert.ok(snr > 12, `SNR ${snr.toFixed(1)} dB`);
    });
  }
}

function decodeOurs(pcm: Float32Array, channels: 1 | 2, bitrate: number): { out: Float32Array; kbps: number } {
  const opts = { sampleRate: 48000, channels, bitrate };
  const frames = encodeAll(pcm, opts);
  const { pcm: out, stderr, status } = ffmpegDecode(adtsStream(frames, opts));
  assert.is(status, 0, stderr);
  assert.is(stderr, "");
  return { out, kbps: (totalBytes(frames) * 8) / ((frames.length * 1024) / 48000) / 1000 };
}

e2e("silence decodes to silence", () => {
  const { out } = decodeOurs(new Float32Array(48000 * 2), 2, 128000);
  assert.ok(out.every((v) => v === 0));
});

e2e("DC, a clipped full-scale square wave and full-scale noise decode without errors", () => {
  const dc = new Float32Array(48000).fill(0.5);
  const { out } = decodeOurs(dc, 1, 64000);
  assert.ok(Math.abs(out[24000 + 1024]! - 0.5) < 0.01, `DC decodes to ${out[24000 + 1024]}`);
  const square = Float32Array.from({ length: 48000 * 2 }, (_, i) => (Math.floor(i / 2 / 55) % 2 ? 1.5 : -1.5));
  decodeOurs(square, 2, 128000);
  let s = 5;
  const noise = Float32Array.from({ length: 48000 }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 1073741824 - 1;
  });
  const { kbps } = decodeOurs(noise, 1, 64000);
  assert.ok(Math.abs(kbps - 64) <= 6.4, `${kbps.toFixed(1)} kb/s for 64`);
});

e2e.run();
