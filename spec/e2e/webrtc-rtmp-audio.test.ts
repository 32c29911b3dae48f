/**
 * Issue 4 (and issue 3's mixer) on a real browser stream: while Chromium's fake microphone (a short
 * beep twice a second) is republished to nginx-rtmp, `/push/mute` makes the matching span of the
 * recording silent (below -60 dBFS) and `/push/unmute` brings the beeps back; `/push/sound_on` with a
 * generated 1 kHz WAV puts a 1 kHz tone into the recording once, `loop: true` repeats a short WAV,
 * and `/push/sound_off` ends it. Measured on ffmpeg's decode of the recording.
 */
import * as assert from "uvu/assert";
import { e2eSuite } from "../support/e2e.ts";
import { sleep } from "../support/net.ts";
import {
  audioTimingIssues,
  decodeAudio,
  NULL_MUXER_DTS,
  HEIGHT,
  maxVolume,
  probe,
  Rig,
  runs,
  WIDTH,
  windowPeaks,
  windowTone,
  writeToneWav,
  type Transponder,
  videoDtsIssues,
  PROGRAMS,
  RIG_AVAILABLE,
} from "./webrtc-rtmp-rig.ts";
import { decodeErrors } from "../support/ffmpeg.ts";

const test = e2eSuite("e2e/webrtc-rtmp-audio", PROGRAMS);
const STREAM = "mic";
const RATE = 48000;
/** analysis window (s) */
const WIN = 0.05;
/** how far (s) the recording's clock may sit from the wall clock measured from ACTIVE */
const SLACK = 1.2;

/** Wall-clock times (s after ACTIVE) of each REST call. */
const at: Record<string, number> = {};
const ctx: { rig?: Rig; file?: string; pcm?: Float32Array; audioStart?: number } = {};

test.before(async () => {
  if (RIG_AVAILABLE) ctx.rig = await Rig.start();
});

test.after(async () => {
  await ctx.rig?.close();
});

test("mute, unmute, sound_on once, sound_on looped and sound_off on a republished browser stream answer 200 and show in /push/find", async () => {
  const rig = ctx.rig!;
  writeToneWav(rig.mediaDir, "tone1k.wav", 1000, 1, 0);
  writeToneWav(rig.mediaDir, "blip1k.wav", 1000, 0.25, 0.5);
  const page = await rig.chromium.open(rig.wsUrl);
  assert.is(await page.publish(STREAM, { width: WIDTH, height: HEIGHT }), "PUBLISHING");
  const started = await rig.rest("/push/startup", { streamName: STREAM, rtmpUrl: rig.nginx.url("live") });
  assert.is(started.status, 200, started.text);
  const id = (started.body as Transponder).mediaSessionId;
  await rig.waitStatus(STREAM, "ACTIVE");
  const t0 = Date.now();
  const call = async (name: string, path: string, extra: Record<string, unknown> = {}) => {
    at[name] = (Date.now() - t0) / 1000;
    const answer = await rig.rest(path, { mediaSessionId: id, ...extra });
    assert.is(answer.status, 200, `${path}: ${answer.text}`);
  };
  await sleep(2000);
  await call("mute", "/push/mute");
  assert.is((await rig.find(STREAM))?.muted, true);
  await sleep(3000);
  await call("unmute", "/push/unmute");
  assert.is((await rig.find(STREAM))?.muted, false);
  await sleep(2000);
  await call("once", "/push/sound_on", { soundFile: "tone1k.wav" });
  assert.is((await rig.find(STREAM))?.soundEnabled, true);
  await sleep(2000);
  await call("loop", "/push/sound_on", { soundFile: "blip1k.wav", loop: true });
  await sleep(3000);
  await call("off", "/push/sound_off");
  assert.is((await rig.find(STREAM))?.soundEnabled, false);
  await sleep(2000);
  await call("end", "/push/terminate");
  ctx.file = await rig.nginx.recordingClosed(`rtmp_${STREAM}`);
  assert.is(await decodeErrors(ctx.file, { ignore: NULL_MUXER_DTS }), "");
  const packets = probe(ctx.file).packets;
  assert.equal(audioTimingIssues(packets, 1024 / RATE), [], "mute and sound_on keep audio timestamps continuous");
  assert.equal(videoDtsIssues(packets), []);
  ctx.pcm = decodeAudio(ctx.file, RATE);
  // the decoded PCM starts at the first audio packet, ffmpeg's -ss at the file's first packet (video
  // when the audio encoder started later): times in the PCM are this much later in the file
  ctx.audioStart = packets.find((p) => p.codec_type === "audio")!.pts_time - Math.min(...packets.map((p) => p.pts_time));
  assert.ok(ctx.pcm.length / RATE > at.end! - 1, `${ctx.pcm.length / RATE} s of audio`);
});

test("the muted span of the recording is below -60 dBFS and sound comes back after unmute", () => {
  const file = ctx.file!;
  const peaks = windowPeaks(ctx.pcm!, RATE, WIN);
  const quiet = runs(peaks, (v) => v < -60).filter(([, n]) => n * WIN >= 2);
  assert.is(quiet.length, 1, `one long silent span: ${JSON.stringify(quiet.map(([s, n]) => [s * WIN, n * WIN]))}`);
  const [start, length] = quiet[0]!;
  const muted = at.unmute! - at.mute!;
  assert.ok(Math.abs(start * WIN - at.mute!) <= SLACK, `silence starts at ${start * WIN} s, mute was at ${at.mute} s`);
  // the fake microphone is silent between its beeps, so the silence may reach to the beeps around the mute
  assert.ok(length * WIN >= muted - 0.3 && length * WIN <= muted + 0.6, `silence lasts ${length * WIN} s, muted for ${muted} s`);
  // ffmpeg's own measurement of the span (trimmed inside it) and of the spans around it
  const inFile = (pcmSeconds: number): number => ctx.audioStart! + pcmSeconds;
  const inside = maxVolume(file, inFile(start * WIN + 0.2), length * WIN - 0.4);
  assert.ok(inside < -60, `max_volume while muted ${inside} dBFS`);
  const before = maxVolume(file, inFile(Math.max(0, start * WIN - 1.5)), 1.5);
  const after = maxVolume(file, inFile((start + length) * WIN), 1.5);
  assert.ok(before > -40, `max_volume before mute ${before} dBFS`);
  assert.ok(after > -40, `max_volume after unmute ${after} dBFS`);
});

test("sound_on puts a 1 kHz tone into the recording once; loop repeats the short WAV; sound_off ends it", () => {
  const tone = windowTone(ctx.pcm!, RATE, WIN, 1000);
  const spans = runs(tone, (v) => v > -20).map(([s, n]) => [s * WIN, n * WIN] as const);
  // nothing at 1 kHz before the first sound_on (the fake microphone beeps at another pitch)
  assert.equal(spans.filter(([s]) => s < at.once! - SLACK), [], `1 kHz spans: ${JSON.stringify(spans)}`);
  const once = spans.filter(([s]) => s >= at.once! - SLACK && s < at.loop! - SLACK);
  assert.is(once.length, 1, `one 1 kHz span after sound_on: ${JSON.stringify(spans)}`);
  assert.ok(Math.abs(once[0]![1] - 1) <= 0.15, `the 1 s WAV lasts ${once[0]![1]} s in the recording`);
  // at the WAV's own level (-6 dBFS), apart from the limiter's dips where a beep adds to it
  const first = Math.round(once[0]![0] / WIN);
  const levels = tone.slice(first, first + Math.round(once[0]![1] / WIN)).sort((a, b) => a - b);
  const median = levels[levels.length >> 1]!;
  assert.ok(Math.abs(median - -6) <= 2, `1 kHz at ${median.toFixed(1)} dBFS`);
  const looped = spans.filter(([s]) => s >= at.loop! - SLACK && s < at.off! + SLACK);
  assert.ok(looped.length >= 3, `the looped 0.25 s WAV: ${JSON.stringify(looped)}`);
  for (let i = 1; i < looped.length; i++) {
    const period = looped[i]![0] - looped[i - 1]![0];
    assert.ok(Math.abs(period - 0.75) <= 0.1, `loop period ${period} s`);
  }
  assert.equal(spans.filter(([s]) => s >= at.off! + SLACK), [], `no 1 kHz after sound_off: ${JSON.stringify(spans)}`);
});

test.run();
