import { suite } from "uvu";
import * as assert from "uvu/assert";
import { AudioMixer, SoftLimiter } from "../../src/audio/mixer.ts";
import { decodeWav } from "../../src/audio/wav-reader.ts";
import { e2eSuite } from "../support/e2e.ts";
import { f32FromBytes, ffmpeg } from "./support/ffmpeg.ts";
import { sine, sineAmplitude } from "./support/spectrum.ts";

const test = suite("audio/mixer");
const block = (rate: number, channels: number, samples: Float32Array) => ({ sampleRate: rate, channels, samples });
const peak = (s: Float32Array) => s.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

test("passes quiet source audio through unchanged with continuous timestamps", () => {
  const m = new AudioMixer({ sampleRate: 48000, channels: 2, startMs: 1000 });
  const src = sine(48000, 440, 960 * 5, 0.3, 2);
  const pts: number[] = [];
  for (let i = 0; i < 5; i++) {
    m.push(block(48000, 2, src.subarray(i * 1920, (i + 1) * 1920)));
    const out = m.readAvailable();
    pts.push(out.pts);
    assert.equal(out.pcm.samples, src.subarray(i * 1920, (i + 1) * 1920));
  }
  assert.equal(pts, [1000, 1020, 1040, 1060, 1080]);
});

test("converts 8 kHz mono source audio to the 48 kHz stereo output", () => {
  const m = new AudioMixer({ sampleRate: 48000, channels: 2 });
  let frames = 0;
  const all: number[] = [];
  const src = sine(8000, 1000, 8000, 0.5);
  for (let i = 0; i < 50; i++) {
    m.push(block(8000, 1, src.subarray(i * 160, (i + 1) * 160)));
    const out = m.readAvailable();
    frames += out.pcm.samples.length / 2;
    for (let f = 0; f < out.pcm.samples.length; f += 2) {
      assert.is(out.pcm.samples[f], out.pcm.samples[f + 1]);
      all.push(out.pcm.samples[f]!);
    }
  }
  assert.is(frames, 48000);
  const amp = sineAmplitude(Float32Array.from(all), 48000, 1000, 4800, 24000);
  assert.ok(Math.abs(amp - 0.5) < 0.001, `amplitude ${amp}`);
});

test("mute sends silence while timestamps keep advancing, and unmute restores the source", () => {
  const m = new AudioMixer({ sampleRate: 16000, channels: 1 });
  const src = sine(16000, 300, 320, 0.5);
  m.push(block(16000, 1, src));
  assert.is(m.readAvailable().pts, 0);
  m.setMuted(true);
  m.push(block(16000, 1, src));
  const muted = m.readAvailable();
  assert.is(muted.pts, 20);
  assert.is(muted.pcm.samples.length, 320);
  assert.is(peak(muted.pcm.samples), 0);
  m.setMuted(false);
  m.push(block(16000, 1, src));
  const back = m.readAvailable();
  assert.is(back.pts, 40);
  assert.equal(back.pcm.samples, src);
});

test("generates silence on its own clock when the source has no audio", () => {
  const m = new AudioMixer({ sampleRate: 48000, channels: 2, startMs: 500 });
  const a = m.readUntil(1500);
  assert.is(a.pts, 500);
  assert.is(a.pcm.samples.length, 48000 * 2);
  assert.is(peak(a.pcm.samples), 0);
  assert.is(m.readUntil(1500).pcm.samples.length, 0);
  const b = m.readUntil(1520);
  assert.is(b.pts, 1500);
  assert.is(b.pcm.samples.length, 960 * 2);
});

test("injects a sound once, resampled, and ends by itself", () => {
  const m = new AudioMixer({ sampleRate: 48000, channels: 1 });
  m.soundOn(block(44100, 1, sine(44100, 1000, 4410, 0.5)), false); // 100 ms
  assert.ok(m.soundActive);
  const out = m.readUntil(200).pcm.samples;
  assert.not.ok(m.soundActive);
  const amp = sineAmplitude(out, 48000, 1000, 480, 3840);
  assert.ok(Math.abs(amp - 0.5) < 0.005, `sound amplitude ${amp}`);
  assert.is(peak(out.subarray(4800 + 48)), 0, "silent after the sound ends");
  assert.ok(peak(out.subarray(4700, 4790)) > 0.1, "sound lasts its 100 ms");
});

test("loops a sound until sound_off, mixed over the source", () => {
  const m = new AudioMixer({ sampleRate: 8000, channels: 1 });
  const tone = new Float32Array(400).fill(0.25); // 50 ms of DC
  m.soundOn(block(8000, 1, tone), true);
  m.push(block(8000, 1, new Float32Array(1600).fill(0.1)));
  const out = m.readAvailable().pcm.samples;
  assert.is(out.length, 1600);
  assert.ok(out.every((v) => Math.abs(v - 0.35) < 1e-6), "source + sound over 4 loops");
  assert.ok(m.soundActive);
  m.soundOff();
  m.push(block(8000, 1, new Float32Array(160).fill(0.1)));
  assert.ok(m.readAvailable().pcm.samples.every((v) => Math.abs(v - 0.1) < 1e-6));
});

test("a sound keeps its place while muted", () => {
  const m = new AudioMixer({ sampleRate: 8000, channels: 1 });
  const ramp = Float32Array.from({ length: 800 }, (_, i) => i / 1000);
  m.soundOn(block(8000, 1, ramp), false);
  m.readUntil(25); // 200 frames
  m.setMuted(true);
  m.readUntil(50);
  m.setMuted(false);
  const out = m.readUntil(51).pcm.samples;
  assert.ok(Math.abs(out[0]! - 0.4) < 1e-6, `resumes at frame 400, got ${out[0]}`);
});

test("limits a source plus a full-scale sound below full scale without flat tops", () => {
  const m = new AudioMixer({ sampleRate: 48000, channels: 2 });
  m.soundOn(block(48000, 2, sine(48000, 500, 48000, 1, 2)), false);
  m.push(block(48000, 2, sine(48000, 700, 48000, 0.9, 2)));
  const out = m.readAvailable().pcm.samples;
  const p = peak(out);
  assert.ok(p < 1, `peak ${p}`);
  assert.ok(p > 0.85, `peak ${p}`);
  let flat = 0;
  for (let i = 2; i < out.length; i += 2) if (Math.abs(out[i]!) > 0.8 && out[i] === out[i - 2]) flat++;
  assert.ok(flat < 10, `${flat} repeated samples near the top (hard clipping)`);
});

test("the limiter leaves signals under its ceiling untouched", () => {
  const l = new SoftLimiter(48000);
  const s = sine(48000, 100, 4800, 0.88);
  const copy = s.slice();
  l.process(s, 1);
  assert.equal(s, copy);
});

test("drops the oldest source audio past the buffer limit and counts it", () => {
  const m = new AudioMixer({ sampleRate: 8000, channels: 1, maxBufferMs: 100 });
  m.push(block(8000, 1, new Float32Array(500).fill(0.1)));
  m.push(block(8000, 1, new Float32Array(500).fill(0.2)));
  assert.is(m.buffered, 800);
  assert.is(m.dropped, 200);
  const out = m.readAvailable().pcm.samples;
  assert.ok(Math.abs(out[0]! - 0.1) < 1e-6 && Math.abs(out[799]! - 0.2) < 1e-6);
});

test.run();

const real = e2eSuite("audio/mixer against ffmpeg", ["ffmpeg"]);

real("injects a 44.1 kHz WAV into 48 kHz output as ffmpeg resamples it (SNR > 60 dB)", () => {
  const wavBytes = ffmpeg(["-f", "lavfi", "-i", "sine=f=523:r=44100:d=1,volume=0.5", "-f", "lavfi", "-i", "sine=f=3100:r=44100:d=1,volume=0.2",
    "-filter_complex", "[0][1]amix=inputs=2:normalize=0", "-c:a", "pcm_s16le", "-f", "wav", "-"]);
  const wav = decodeWav(wavBytes);
  const theirs = f32FromBytes(ffmpeg(["-f", "wav", "-i", "-", "-af", "aresample=48000:filter_size=64", "-f", "f32le", "-"], wavBytes));
  const m = new AudioMixer({ sampleRate: 48000, channels: 1 });
  m.soundOn(wav.pcm, false);
  const ours = m.readUntil(1000).pcm.samples;
  assert.is(ours.length, 48000);
  let sig = 0, err = 0;
  for (let i = 480; i < 47000; i++) { sig += theirs[i]! ** 2; err += (theirs[i]! - ours[i]!) ** 2; }
  const snr = 10 * Math.log10(sig / err);
  assert.ok(snr > 60, `SNR against ffmpeg ${snr.toFixed(1)} dB`);
  if (process.env.AUDIO_FIGURES) console.log(`mixer sound vs ffmpeg aresample: ${snr.toFixed(1)} dB`);
});

real.run();
