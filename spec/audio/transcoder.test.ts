import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readAdtsFrames } from "../../src/audio/aac/adts.ts";
import { toAdts } from "../../src/audio/aac/index.ts";
import { decodeG711, encodeG711, encodeG711Float } from "../../src/audio/g711.ts";
import { OpusPacketDecoder, opusPacketSamples } from "../../src/audio/opus-decoder.ts";
import { AudioTranscoder, MAX_FILL_MS } from "../../src/audio/transcoder.ts";
import { SpeexWidebandDecoder } from "../../src/audio/speex/decoder.ts";
import { speexSilence } from "../../src/audio/speex/silence.ts";
import { speexPacketInfo } from "../../src/codecs/speex.ts";
import type { AudioCodec, AudioFrame } from "../../src/codecs/frame.ts";
import { TranspondError } from "../../src/errors.ts";
import { e2eSuite } from "../support/e2e.ts";
import { sharedFixture } from "../support/fixtures.ts";
import { tonePower } from "../support/tone.ts";
import { f32FromBytes, ffmpeg } from "./support/ffmpeg.ts";
import { rtpPayloads } from "./support/rtp.ts";
import { sine } from "./support/spectrum.ts";

const frame = (codec: AudioCodec, pts: number, data: Uint8Array): AudioFrame => ({ kind: "audio", codec, dts: pts, pts, key: true, data });
const G711 = { codec: "PCMA" as const, sampleRate: 8000, channels: 1 };

function pcmaTone(ms: number, packetMs: number, startMs = 0): AudioFrame[] {
  const all = encodeG711("PCMA", Int16Array.from(sine(8000, 400, ms * 8, 0.5), (v) => Math.round(v * 32767)));
  const per = packetMs * 8;
  const out: AudioFrame[] = [];
  for (let i = 0; i + per <= all.length; i += per) out.push(frame("PCMA", startMs + i / 8, all.subarray(i, i + per)));
  return out;
}

/** Every frame starts where the previous one ended (within 1 µs) and DTS never goes back. */
function assertContinuous(frames: readonly AudioFrame[], msPerFrame: (f: AudioFrame) => number, what: string): void {
  for (let i = 1; i < frames.length; i++) {
    const prev = frames[i - 1]!;
    assert.ok(frames[i]!.dts >= prev.dts, `${what}: DTS goes back at ${i}`);
    const gap = frames[i]!.pts - (prev.pts + msPerFrame(prev));
    assert.ok(Math.abs(gap) < 1e-6, `${what}: gap of ${gap} ms before frame ${i} (${prev.pts} -> ${frames[i]!.pts})`);
  }
}
const g711Ms = (f: AudioFrame) => f.data.length / 8;
const aacMs = (rate: number) => () => (1024 * 1000) / rate;

const test = suite("audio/transcoder");

test("passes G.711 through untouched when the target takes the same codec", async () => {
  const t = await AudioTranscoder.create({ source: G711, target: { codec: "PCMA" } });
  const input = pcmaTone(200, 20, 1000);
  const out = input.flatMap((f) => t.push(f));
  assert.ok(t.passthrough);
  assert.is(out.length, input.length);
  out.forEach((f, i) => assert.is(f, input[i]));
});

test("transcodes A-law to µ-law sample for sample", async () => {
  const t = await AudioTranscoder.create({ source: G711, target: { codec: "PCMU" } });
  const input = pcmaTone(200, 20, 40);
  const out = input.flatMap((f) => t.push(f));
  assert.not.ok(t.passthrough);
  assert.is(out.length, 10);
  assert.is(out[0]!.pts, 40);
  assertContinuous(out, g711Ms, "PCMU");
  const want = encodeG711("PCMU", decodeG711("PCMA", Buffer.concat(input.map((f) => f.data))));
  assert.equal(Buffer.concat(out.map((f) => f.data)), Buffer.from(want));
});

test("mute sends G.711 silence with continuous timestamps, then passthrough resumes", async () => {
  const t = await AudioTranscoder.create({ source: G711, target: { codec: "PCMA" } });
  const input = pcmaTone(600, 20);
  const out: AudioFrame[] = [];
  input.forEach((f, i) => {
    if (i === 10) t.setMuted(true);
    if (i === 20) t.setMuted(false);
    out.push(...t.push(f));
  });
  assertContinuous(out, g711Ms, "mute");
  assert.is(out[out.length - 1]!.pts + 20, 600);
  const muted = out.filter((f) => f.pts >= 200 && f.pts < 400);
  assert.is(muted.length, 10);
  assert.ok(muted.every((f) => f.data.every((b) => b === 0xd5)), "A-law silence");
  assert.ok(t.passthrough);
  assert.is(out[out.length - 1], input[input.length - 1], "passthrough again after unmute");
});

test("repacketizes 30 ms A-law into 20 ms packets while mixing a sound", async () => {
  const t = await AudioTranscoder.create({ source: G711, target: { codec: "PCMA", ptimeMs: 20 } });
  t.soundOn({ sampleRate: 16000, channels: 1, samples: sine(16000, 1000, 16000, 0.3) }, true);
  const out = pcmaTone(600, 30, 90).flatMap((f) => t.push(f));
  assert.is(out.length, 30);
  assert.is(out[0]!.pts, 90);
  assert.ok(out.every((f) => f.data.length === 160));
  assertContinuous(out, g711Ms, "30->20 ms");
});

test("fills a lost G.711 packet with silence so the output clock does not jump", async () => {
  const t = await AudioTranscoder.create({ source: G711, target: { codec: "PCMU" } });
  const input = pcmaTone(400, 20).filter((_, i) => i !== 7 && i !== 8);
  const out = input.flatMap((f) => t.push(f));
  assert.is(out.length, 20);
  assertContinuous(out, g711Ms, "loss");
  assert.ok(out[7]!.data.every((b) => b === 0xff) && out[8]!.data.every((b) => b === 0xff));
});

test("starts a new timeline after a source gap longer than MAX_FILL_MS instead of filling it", async () => {
  const t = await AudioTranscoder.create({ source: G711, target: { codec: "PCMU" } });
  const before = pcmaTone(100, 20, 0);
  const after = pcmaTone(100, 20, 100 + MAX_FILL_MS + 5000);
  const out = [...before, ...after].flatMap((f) => t.push(f));
  assert.is(out.length, 10);
  assertContinuous(out.slice(0, 5), g711Ms, "first timeline");
  assertContinuous(out.slice(5), g711Ms, "second timeline");
  assert.is(out[5]!.pts, after[0]!.pts);
});

test("a sound started before the first frame plays from the first frame; sound_off returns to passthrough", async () => {
  const t = await AudioTranscoder.create({ source: G711, target: { codec: "PCMA" } });
  t.soundOn({ sampleRate: 8000, channels: 1, samples: new Float32Array(8000).fill(0.25) }, true);
  const input = pcmaTone(200, 20, 3000);
  const out = input.slice(0, 5).flatMap((f) => t.push(f));
  assert.is(out[0]!.pts, 3000);
  assert.not.ok(t.passthrough);
  assert.ok(out.every((f, i) => f !== input[i]));
  t.soundOff();
  out.push(...input.slice(5).flatMap((f) => t.push(f)));
  assert.ok(t.passthrough);
  assertContinuous(out, g711Ms, "sound then passthrough");
  assert.is(out[out.length - 1], input[input.length - 1]);
});

test("drops duplicated or late source frames instead of sending time backwards", async () => {
  const t = await AudioTranscoder.create({ source: G711, target: { codec: "PCMU" } });
  const input = pcmaTone(200, 20);
  const out = [...input.slice(0, 5), input[2]!, ...input.slice(5)].flatMap((f) => t.push(f));
  assert.is(t.dropped, 1);
  assertContinuous(out, g711Ms, "duplicate");
});

test("drops a frame that starts inside the last one passed (a stream that held a step back at its last DTS): no two packets share a timestamp", async () => {
  const t = await AudioTranscoder.create({ source: G711, target: { codec: "PCMA" } });
  // 30 ms SIP packets cut into 20 + 10 ms for WebRTC; the source stepped back, so the stream held the next 20 ms packet at 20
  const at = (pts: number, bytes: number) => ({ ...frame("PCMA", pts, new Uint8Array(bytes)) });
  const out = [at(0, 160), at(20, 80), at(20, 160), at(30, 160)].flatMap((f) => t.push(f));
  assert.equal(out.map((f) => [f.pts, f.data.length]), [[0, 160], [20, 80], [30, 160]]);
  assert.is(t.dropped, 1);
});

test("generates AAC silence on its own clock for a source without audio", async () => {
  const t = await AudioTranscoder.create({ source: undefined, target: { codec: "AAC", sampleRate: 48000, channels: 2 }, startMs: 5000 });
  assert.equal(Array.from(t.output.asc!), [0x11, 0x90]);
  const out: AudioFrame[] = [];
  for (let ms = 20; ms <= 2000; ms += 20) out.push(...t.tick(5000 + ms));
  assert.ok(out.length >= 90, `${out.length} frames`);
  assert.is(out[0]!.pts, 5000);
  assertContinuous(out, aacMs(48000), "silence");
  assert.equal(t.push(frame("AAC", 0, new Uint8Array(1))), []);
});

test("mixes the sound into AAC source audio while it plays, then passes through again", async () => {
  const asc = new Uint8Array([0x11, 0x90]);
  const t = await AudioTranscoder.create({ source: { codec: "AAC", sampleRate: 48000, channels: 2, asc }, target: { codec: "AAC" } });
  const input = Array.from({ length: 200 }, (_, i) => frame("AAC", (i * 1024) / 48, Uint8Array.of(i & 0xff, 1, 2)));
  const out: AudioFrame[] = [];
  input.forEach((f, i) => {
    if (i === 20) t.soundOn({ sampleRate: 48000, channels: 1, samples: sine(48000, 700, 48000, 0.5) }, false);
    out.push(...t.push(f));
  });
  for (let i = 1; i < out.length; i++) assert.ok(out[i]!.dts >= out[i - 1]!.dts, `DTS back at ${i}`);
  assert.ok(t.passthrough, "back to passthrough once the one-second sound has ended");
  assert.ok(out.slice(0, 20).every((f, i) => f === input[i]));
  assert.is(out[out.length - 1], input[input.length - 1]);
  const replaced = out.filter((f) => !input.includes(f));
  assert.ok(replaced.length >= 47 && replaced.length <= 52, `${replaced.length} encoded frames`);
  assertContinuous(out.slice(0, 21 + replaced.length - 1), aacMs(48000), "into the sound");
});

test("mutes an Opus passthrough with Opus silence packets of the same duration", async () => {
  const t = await AudioTranscoder.create({ source: { codec: "OPUS", sampleRate: 48000, channels: 2 }, target: { codec: "OPUS" } });
  const dec = await OpusPacketDecoder.create();
  try {
    const loud = Uint8Array.of(0xfc, 1, 2, 3); // 20 ms CELT
    const loud40 = Uint8Array.of(0xfd, 1, 2, 3, 4); // code 1: 2 x 20 ms
    assert.is(t.push(frame("OPUS", 0, loud))[0]!.data, loud);
    t.setMuted(true);
    const m20 = t.push(frame("OPUS", 20, loud))[0]!;
    const m40 = t.push(frame("OPUS", 40, loud40))[0]!;
    assert.is(m40.pts, 40);
    for (const [f, samples] of [[m20, 960], [m40, 1920]] as const) {
      assert.is(opusPacketSamples(f.data), samples);
      const pcm = dec.decode(f.data).samples;
      assert.is(pcm.length, samples * 2);
      assert.ok(pcm.every((v) => Math.abs(v) < 1e-6), "decodes to silence");
    }
    assert.is(dec.errors, 0);
    t.setMuted(false);
    assert.is(t.push(frame("OPUS", 80, loud))[0]!.data, loud);
    assert.ok(t.passthrough);
  } finally {
    dec.free();
    t.close();
  }
});

test("refuses frames of the wrong codec", async () => {
  const t = await AudioTranscoder.create({ source: G711, target: { codec: "PCMU" } });
  assert.throws(() => t.push(frame("PCMU", 0, new Uint8Array(160))), (e: unknown) => (e as TranspondError).code === "ERR_AUDIO_CODEC");
});

/** One Speex wideband packet of `frames` frames (narrowband mode 0, wideband submode 0: 9 bits each). */
function speexPacket(frames: number): Uint8Array {
  const bits = "000001000".repeat(frames) + "0" + "1".repeat(7);
  const bytes = new Uint8Array(Math.floor(bits.length / 8));
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(bits.slice(8 * i, 8 * i + 8), 2);
  return bytes;
}

test("Speex passes through untouched (20 ms per frame in the message), muting sends Speex silence of the same frames, and no sound mixes into it", async () => {
  const SPEEX = { codec: "SPEEX" as const, sampleRate: 16000, channels: 1 };
  const t = await AudioTranscoder.create({ source: SPEEX, target: { codec: "SPEEX" } });
  assert.equal(t.output, SPEEX);
  const input = [0, 40, 80, 120].map((pts) => frame("SPEEX", pts, speexPacket(2)));
  assert.equal(t.push(input[0]!), [input[0]]);
  assert.equal(t.push(input[1]!), [input[1]]);
  t.setMuted(true);
  assert.equal(t.push(input[2]!), [{ ...input[2]!, data: speexSilence(2) }]);
  t.setMuted(false);
  assert.equal(t.push(input[3]!), [input[3]]);
  assert.is(t.push(frame("SPEEX", 130, speexPacket(2))).length, 0, "a message overlapping the last one (two 20 ms frames from 120) is dropped");
  assert.throws(() => t.soundOn({ sampleRate: 16000, channels: 1, samples: new Float32Array(160) }, false), (e: unknown) => (e as TranspondError).code === "ERR_AUDIO_NO_ENCODER");
});

test("G.711 is encoded into Speex messages of two 20 ms frames (quality 6) every 40 ms, that decode back to the call's tone; a source without audio gives Speex silence", async () => {
  const t = await AudioTranscoder.create({ source: G711, target: { codec: "SPEEX" } });
  assert.equal(t.output, { codec: "SPEEX", sampleRate: 16000, channels: 1 });
  const tone = sine(8000, 440, 8000, 0.3);
  const out = Array.from({ length: 50 }, (_, k) => k * 20).flatMap((pts) => t.push(frame("PCMA", pts, encodeG711Float("PCMA", tone.subarray(pts * 8, pts * 8 + 160)))));
  assert.ok(out.length >= 23, `${out.length} messages for 1 s`);
  const decoder = new SpeexWidebandDecoder();
  const pcm: number[] = [];
  out.forEach((f, i) => {
    assert.is(f.codec, "SPEEX");
    assert.is(f.dts, i * 40);
    assert.equal(speexPacketInfo(f.data), { frames: 2, narrowbandMode: 5, widebandMode: 2 });
    pcm.push(...decoder.decode(f.data));
  });
  const steady = Float32Array.from(pcm.slice(3200));
  const rms = Math.sqrt(steady.reduce((a, v) => a + v * v, 0) / steady.length);
  assert.ok(Math.abs(20 * Math.log10(rms / (0.3 / Math.SQRT2))) < 2, `level ${(20 * Math.log10(rms / (0.3 / Math.SQRT2))).toFixed(2)} dB off`);
  assert.ok(tonePower(steady, 440, 16000) > 100 * tonePower(steady, 1000, 16000) && tonePower(steady, 440, 16000) > 100 * tonePower(steady, 220, 16000), "the tone is at 440 Hz");

  const silent = await AudioTranscoder.create({ source: undefined, target: { codec: "SPEEX" } });
  const ticks = silent.tick(400);
  assert.is(ticks.length, 10);
  const quiet = Float32Array.from(ticks.flatMap((f) => [...new SpeexWidebandDecoder().decode(f.data)]));
  assert.ok(quiet.every((v) => Math.abs(v) < 1e-3));
});

test("Speex decodes into continuous 20 ms G.711 packets; a corrupt message becomes a filled gap, not an error", async () => {
  const t = await AudioTranscoder.create({ source: { codec: "SPEEX", sampleRate: 16000, channels: 1 }, target: { codec: "PCMA" } });
  const out = [0, 40, 80, 120].flatMap((pts) => t.push(frame("SPEEX", pts, pts === 80 ? Uint8Array.of(0b0_1001_000) : speexPacket(2))));
  assert.is(out.length, 7, "160 ms in (40 of them a corrupt message, filled), 140 ms out: the resampler holds the rest");
  out.forEach((f, i) => {
    assert.is(f.dts, i * 20);
    assert.is(f.data.length, 160);
  });
});

test("Speex decodes into 20 ms mono Opus packets for WebRTC players, with continuous timestamps", async () => {
  const t = await AudioTranscoder.create({ source: { codec: "SPEEX", sampleRate: 16000, channels: 1 }, target: { codec: "OPUS" } });
  const out = Array.from({ length: 10 }, (_, i) => i * 40).flatMap((pts) => t.push(frame("SPEEX", pts, speexPacket(2))));
  t.close();
  assert.equal(t.output, { codec: "OPUS", sampleRate: 48000, channels: 1 });
  assert.is(out.length, 20, "400 ms of Speex, 20 Opus packets");
  out.forEach((f, i) => {
    assert.is(f.codec, "OPUS");
    assert.is(f.dts, i * 20);
    assert.is(opusPacketSamples(f.data), 960);
  });
});

test("encodes G.711 into 20 ms mono Opus packets with continuous timestamps, concealing a loss", async () => {
  const t = await AudioTranscoder.create({ source: G711, target: { codec: "OPUS", bitrate: 32000 } });
  const dec = await OpusPacketDecoder.create({ channels: 1 });
  try {
    assert.equal(t.output, { codec: "OPUS", sampleRate: 48000, channels: 1 });
    const input = pcmaTone(1000, 20, 100).filter((_, i) => i !== 20); // one packet lost
    const out = input.flatMap((f) => t.push(f));
    assert.is(out.length, 50, "1 s in 20 ms packets, the lost one filled");
    assert.is(out[0]!.pts, 100);
    assertContinuous(out, () => 20, "G.711->Opus");
    const pcm = Float32Array.from(out.flatMap((f) => [...dec.decode(f.data).samples]));
    assert.is(pcm.length, 48000);
    const tail = pcm.subarray(24000);
    assert.ok(tonePower(tail, 400, 48000) > 100 * tonePower(tail, 1000, 48000), "the 400 Hz tone");
    assert.ok(tonePower(tail, 400, 48000) > 0.05, "at its level");
  } finally {
    dec.free();
    t.close();
  }
});

test("takes RTMP's whole-millisecond AAC timestamps as jitter, not loss", async () => {
  const asc = Uint8Array.of(0x11, 0x90);
  const t = await AudioTranscoder.create({ source: { codec: "AAC", sampleRate: 48000, channels: 2, asc }, target: { codec: "OPUS" } });
  try {
    // 100 frames of 21.33 ms stamped in whole milliseconds (garbage frames are concealed as silence)
    const out = Array.from({ length: 100 }, (_, i) => frame("AAC", Math.round((i * 1024) / 48), Uint8Array.of(0, 1, 2))).flatMap((f) => t.push(f));
    out.push(...t.flush());
    assert.is(out.length, Math.ceil((100 * 1024) / 960), "no silence added for sub-millisecond gaps");
    assertContinuous(out, () => 20, "AAC->Opus");
  } finally {
    t.close();
  }
});

test.run();

// ---- real captures, checked with ffmpeg ---------------------------------------------------------

const real = e2eSuite("audio/transcoder with captures and ffmpeg", ["ffmpeg"]);
let dir = "";
real.before(() => {
  dir = mkdtempSync(join(tmpdir(), "transpond-transcode-"));
});
real.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function decodeAdts(frames: readonly AudioFrame[], rate: number, channels: number): Float32Array {
  const path = join(dir, `out-${frames.length}.aac`);
  writeFileSync(path, Buffer.concat(frames.map((f) => toAdts(f.data, { sampleRate: rate, channels }))));
  return f32FromBytes(ffmpeg(["-err_detect", "explode", "-i", path, "-f", "f32le", "-ac", "1", "-"]));
}

/** Correlation of 50 ms RMS envelopes (a robust "same audio" check across codecs). */
function envelopeCorrelation(a: Float32Array, b: Float32Array, rate: number, offset: number): number {
  const win = rate / 20;
  const ea: number[] = [], eb: number[] = [];
  for (let i = 0; (i + 1) * win + offset <= Math.min(a.length, b.length - offset); i++) {
    let sa = 0, sb = 0;
    for (let k = 0; k < win; k++) { sa += a[i * win + k]! ** 2; sb += b[i * win + k + offset]! ** 2; }
    ea.push(Math.sqrt(sa / win)); eb.push(Math.sqrt(sb / win));
  }
  const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const ma = mean(ea), mb = mean(eb);
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < ea.length; i++) { num += (ea[i]! - ma) * (eb[i]! - mb); da += (ea[i]! - ma) ** 2; db += (eb[i]! - mb) ** 2; }
  return num / Math.sqrt(da * db);
}

real("turns SIPp's PCMA capture into continuous AAC that ffmpeg decodes to the same audio", async () => {
  const path = sharedFixture("rtp_pcma_sipp-bundled_30ms.pcap");
  if (!path) return;
  const rtp = rtpPayloads(path, 8);
  assert.ok(rtp.length > 200);
  const t = await AudioTranscoder.create({ source: G711, target: { codec: "AAC", sampleRate: 48000, channels: 2, bitrate: 128000 } });
  const t0 = rtp[0]!.ts;
  const out = rtp.flatMap((p) => t.push(frame("PCMA", (((p.ts - t0) >>> 0) / 8), p.payload)));
  out.push(...t.flush());
  assertContinuous(out, aacMs(48000), "PCMA->AAC");
  const last = rtp[rtp.length - 1]!;
  const inputMs = ((last.ts - t0) >>> 0) / 8 + last.payload.length / 8;
  const outMs = out.length * (1024 / 48);
  assert.ok(outMs >= inputMs && outMs <= inputMs + 3 * (1024 / 48), `${outMs} ms out for ${inputMs} ms in`);
  const ours = decodeAdts(out, 48000, 2);
  const pcma = Buffer.concat(rtp.map((p) => Buffer.from(p.payload)));
  const ref = f32FromBytes(ffmpeg(["-f", "alaw", "-ar", "8000", "-ac", "1", "-i", "-", "-ar", "48000", "-f", "f32le", "-"], pcma));
  const corr = envelopeCorrelation(ref, ours, 48000, 1024);
  assert.ok(corr > 0.95, `envelope correlation ${corr.toFixed(3)}`);
  if (process.env.AUDIO_FIGURES) console.log(`PCMA->AAC envelope correlation ${corr.toFixed(4)}, ${out.length} frames`);
});

real("turns the FreeSWITCH Opus capture into continuous AAC and into 20 ms µ-law packets", async () => {
  const path = sharedFixture("sip_rtp_sipp-freeswitch1.6_opus48k.pcap");
  if (!path) return;
  const rtp = rtpPayloads(path, 99).filter((_, i) => i % 25 !== 12); // with 4 % loss
  const source = { codec: "OPUS" as const, sampleRate: 48000, channels: 2 };
  const t0 = rtp[0]!.ts;
  const frames = rtp.map((p) => frame("OPUS", ((p.ts - t0) >>> 0) / 48, p.payload));
  const aac = await AudioTranscoder.create({ source, target: { codec: "AAC" } });
  const out = frames.flatMap((f) => aac.push(f));
  out.push(...aac.flush());
  aac.close();
  assertContinuous(out, aacMs(48000), "Opus->AAC");
  const spanMs = frames[frames.length - 1]!.pts + 20;
  assert.ok(Math.abs(out.length * (1024 / 48) - spanMs) <= 3 * (1024 / 48), `${out.length} AAC frames for ${spanMs} ms`);
  const decoded = decodeAdts(out, 48000, 2);
  assert.ok(decoded.length >= spanMs * 48);

  const ulaw = await AudioTranscoder.create({ source, target: { codec: "PCMU" } });
  const packets = frames.flatMap((f) => ulaw.push(f));
  ulaw.close();
  assertContinuous(packets, g711Ms, "Opus->PCMU");
  assert.is(packets.length, Math.round(spanMs / 20));
  assert.ok(packets.every((p) => p.data.length === 160));
});

function ffmpegAacFrames(lavfi: string, rate: number, channels: number): AudioFrame[] {
  const adts = ffmpeg(["-f", "lavfi", "-i", lavfi, "-ar", String(rate), "-ac", String(channels), "-c:a", "aac", "-f", "adts", "-"]);
  return readAdtsFrames(adts).map((f, i) => frame("AAC", Math.round((i * 1024 * 1000) / rate), f.payload));
}

real("decodes ffmpeg's AAC into G.711 and into Opus: the 1 kHz tone is what comes out", async () => {
  const input = ffmpegAacFrames("sine=f=1000:r=44100:d=2", 44100, 2);
  const source = { codec: "AAC" as const, sampleRate: 44100, channels: 2, asc: Uint8Array.of(0x12, 0x10) };
  const pcma = await AudioTranscoder.create({ source, target: { codec: "PCMA" } });
  const packets = input.flatMap((f) => pcma.push(f));
  assertContinuous(packets, g711Ms, "AAC->PCMA");
  const alaw = Float32Array.from(decodeG711("PCMA", Buffer.concat(packets.map((p) => p.data))), (v) => v / 32768);
  const g711Tail = alaw.subarray(4000);
  assert.ok(tonePower(g711Tail, 1000, 8000) > 100 * tonePower(g711Tail, 700, 8000), "1 kHz in the A-law");

  const opus = await AudioTranscoder.create({ source, target: { codec: "OPUS" } });
  const dec = await OpusPacketDecoder.create();
  try {
    const out = input.flatMap((f) => opus.push(f));
    assertContinuous(out, () => 20, "AAC->Opus");
    const pcm = Float32Array.from(out.flatMap((f) => [...dec.decode(f.data).samples]));
    const left = pcm.filter((_, i) => i % 2 === 0).subarray(24000);
    const level = tonePower(left, 1000, 48000);
    assert.ok(level > 100 * tonePower(left, 700, 48000), "1 kHz in the Opus");
    // ffmpeg's sine is at 1/8 full scale, -3 dB in each channel of its mono -> stereo upmix
    const expected = ((0.125 / Math.SQRT2) ** 2 * left.length) / 4;
    assert.ok(Math.abs(10 * Math.log10(level / expected)) < 1, `level ${(10 * Math.log10(level / expected)).toFixed(2)} dB off`);
  } finally {
    dec.free();
    opus.close();
  }
});

real.run();
