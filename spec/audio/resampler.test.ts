import { suite } from "uvu";
import * as assert from "uvu/assert";
import { PASS_FRACTION, Resampler } from "../../src/audio/resampler.ts";
import { TranspondError } from "../../src/errors.ts";
import { maxDbIn, sine, sineAmplitude, spectrumDb } from "./support/spectrum.ts";

const test = suite("audio/resampler");
const RATES = [8000, 16000, 44100, 48000];
const PAIRS = RATES.flatMap((a) => RATES.filter((b) => b !== a).map((b) => [a, b] as const));

function run(r: Resampler, input: Float32Array, block: number): Float32Array {
  const parts: Float32Array[] = [];
  for (let i = 0; i < input.length; i += block * r.channels) parts.push(r.process(input.subarray(i, i + block * r.channels)));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

test("turns every 20 ms input block into exactly 20 ms of output for each rate pair", () => {
  for (const [a, b] of PAIRS) {
    const r = new Resampler(a, b, 1);
    let total = 0;
    for (let i = 0; i < 50; i++) {
      const out = r.process(new Float32Array(a / 50));
      total += out.length;
      if (a % 50 === 0 && b % 50 === 0 && a !== 44100 && b !== 44100) assert.is(out.length, b / 50, `${a}->${b} block ${i}`);
    }
    assert.is(total, b, `${a}->${b}: one second in, one second out`);
  }
});

test("gives the same output whatever the block boundaries (no clicks at block edges)", () => {
  for (const [a, b] of [[8000, 48000], [48000, 8000], [44100, 48000], [48000, 16000]] as const) {
    const input = sine(a, 440, a / 2, 0.7, 2);
    for (let i = 0; i < input.length; i++) input[i] = input[i]! + 0.1 * Math.sin(i * 0.37);
    const whole = run(new Resampler(a, b, 2), input, a);
    for (const block of [1, 7, 160, 441, 1023]) {
      const split = run(new Resampler(a, b, 2), input, block);
      assert.equal(split, whole, `${a}->${b} in blocks of ${block}`);
    }
  }
});

test("keeps the pass band flat within 0.01 dB for every rate pair", () => {
  for (const [a, b] of PAIRS) {
    const nyq = Math.min(a, b) / 2;
    const r0 = new Resampler(a, b, 1);
    const skip = Math.ceil(r0.delayFrames) * 2 + 10;
    for (const frac of [0.02, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.87]) {
      const f = nyq * frac;
      const out = new Resampler(a, b, 1).process(sine(a, f, Math.round(a * 0.25)));
      // the fit ignores phase, so the (possibly fractional) latency does not matter; skip the start-up
      const amp = sineAmplitude(out, b, f, skip, Math.min(4000, out.length - skip - 1));
      const db = 20 * Math.log10(amp / 0.5);
      assert.ok(Math.abs(db) < 0.01, `${a}->${b} at ${f.toFixed(0)} Hz: gain ${db.toFixed(4)} dB`);
    }
  }
});

test("attenuates images and aliases by more than 90 dB (FFT of the output)", () => {
  const n = 16384;
  for (const [a, b] of PAIRS) {
    const low = Math.min(a, b) / 2;
    const tones = a < b
      ? [low * 0.5, low * 0.875] // upsampling: in-band tones, look for images above the input Nyquist
      : [low * 1.0, low * 1.3, (a / 2) * 0.97].filter((f) => f < a / 2); // downsampling: out-of-band tones
    for (const f of tones) {
      const r = new Resampler(a, b, 1);
      const out = r.process(sine(a, f, Math.ceil((n + 4 * r.delayFrames) * (a / b)) + 100, 1));
      const spec = spectrumDb(out, b, n, 1, 0, Math.ceil(r.delayFrames * 3));
      if (a < b) {
        const inBand = maxDbIn(spec, f - 50, f + 50);
        // (the FFT peak reads up to ~0.3 dB low between bins; exact gain is the pass-band test's job)
        assert.ok(Math.abs(inBand) < 0.5, `${a}->${b}: tone ${f} Hz kept at ${inBand.toFixed(2)} dB`);
        const images = maxDbIn(spec, low + 1, b / 2);
        assert.ok(images < -90, `${a}->${b}: image of ${f} Hz at ${images.toFixed(1)} dB`);
      } else {
        const alias = maxDbIn(spec, 0, b / 2);
        assert.ok(alias < -90, `${a}->${b}: ${f.toFixed(0)} Hz aliases at ${alias.toFixed(1)} dB`);
      }
    }
  }
});

/** A linear chirp from f0 to f1 Hz with raised-cosine ends (no click to spread energy out of band). */
function chirp(rate: number, f0: number, f1: number, frames: number, amplitude = 0.9): Float32Array {
  const out = new Float32Array(frames);
  const ramp = Math.floor(frames / 10);
  for (let i = 0; i < frames; i++) {
    const t = i / rate;
    const v = Math.sin(2 * Math.PI * (f0 * t + ((f1 - f0) * t * t) / (2 * (frames / rate))));
    const edge = Math.min(i, frames - 1 - i);
    out[i] = amplitude * v * (edge < ramp ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / ramp) : 1);
  }
  return out;
}

const energy = (x: Float32Array): number => x.reduce((e, v) => e + v * v, 0);

test("a sweep through the stop band: upsampled images and downsampled aliases stay below -90 dB of the signal", () => {
  for (const [a, b] of PAIRS) {
    const low = Math.min(a, b) / 2;
    const r = new Resampler(a, b, 1);
    if (a < b) {
      // the whole pass band swept; what comes out above the input's Nyquist is image
      const n = 32768;
      const out = r.process(chirp(a, 20, low * PASS_FRACTION, Math.ceil((n * a) / b)));
      const spec = spectrumDb(out, b, n, 1, 0, 0);
      let total = 0;
      let images = 0;
      spec.db.forEach((db, k) => {
        const p = 10 ** (db / 10);
        total += p;
        if (k * spec.binHz > low + 2 * spec.binHz) images += p;
      });
      const db = 10 * Math.log10(images / total);
      assert.ok(db < -90, `${a}->${b}: images of the sweep at ${db.toFixed(1)} dB`);
    } else {
      // swept from just above the output's Nyquist to near the input's: everything would alias
      const input = chirp(a, low * 1.02, (a / 2) * 0.97, a);
      const out = new Float32Array([...r.process(input), ...r.flush()]);
      const db = 10 * Math.log10(energy(out) / ((energy(input) * b) / a));
      assert.ok(db < -90, `${a}->${b}: sweep aliases at ${db.toFixed(1)} dB`);
    }
  }
});

test("converts each channel of a stereo signal separately", () => {
  const frames = 4800;
  const input = new Float32Array(frames * 2);
  for (let i = 0; i < frames; i++) input[i * 2] = 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 48000);
  const out = new Resampler(48000, 16000, 2).process(input);
  let left = 0, right = 0;
  for (let i = 0; i < out.length / 2; i++) { left = Math.max(left, Math.abs(out[i * 2]!)); right = Math.max(right, Math.abs(out[i * 2 + 1]!)); }
  assert.ok(left > 0.49 && left < 0.51);
  assert.is(right, 0);
});

test("flush drains the filter latency so input and output durations match", () => {
  const r = new Resampler(8000, 48000, 1);
  const first = r.process(sine(8000, 500, 800));
  const tail = r.flush();
  assert.is(first.length, 4800);
  assert.ok(Number.isInteger(r.delayFrames));
  assert.ok(tail.length >= r.delayFrames && tail.length <= r.delayFrames + 6, `${tail.length}`);
  assert.ok(Math.abs(tail[0]!) > 0.01, "the delayed signal comes out of flush");
});

test("passes samples through unchanged when the rates are equal", () => {
  const input = sine(48000, 1000, 480);
  assert.equal(new Resampler(48000, 48000, 1).process(input), input);
});

test("refuses rates and channel counts it cannot handle", () => {
  for (const [args, code] of [
    [[0, 48000, 1], "ERR_AUDIO_RATE"],
    [[8000, 12345.5, 1], "ERR_AUDIO_RATE"],
    [[8000, 48000, 0], "ERR_AUDIO_CHANNELS"],
    [[7919, 48000, 1], "ERR_AUDIO_RATE"],
  ] as const) {
    try {
      new Resampler(args[0], args[1], args[2]);
      assert.unreachable(`${args.join(",")} accepted`);
    } catch (e) {
      assert.instance(e, TranspondError);
      assert.is((e as TranspondError).code, code);
    }
  }
});

test.run();
