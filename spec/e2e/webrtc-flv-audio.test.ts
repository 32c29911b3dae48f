/**
 * DESIGN's audio matrix, row "Opus (browser) -> RTMP / HTTP-FLV / recording: AAC-LC": Chromium with
 * the official Web SDK publishes its fake camera and microphone (a beep twice a second); ffmpeg plays
 * the stream from the embedded RTMP server and over HTTP-FLV at the same time, and a recording (what
 * `/pull/pull` with `record: true` attaches) writes it too. Each file: ffprobe reports aac, the
 * decoded audio has the beeps (not digital silence) and the video decodes. The three FLV consumers
 * share one transcoder, which stops with the last.
 */
import * as assert from "uvu/assert";
import { join } from "node:path";
import { e2eSuite } from "../support/e2e.ts";
import { freeTcpPort, waitFor } from "../support/net.ts";
import { killChildren, run } from "../support/process.ts";
import { decodeErrors } from "../support/ffmpeg.ts";
import { decodeAudio, HEIGHT, NULL_MUXER_DTS, probe, Rig, RIG_AVAILABLE, WIDTH, PROGRAMS } from "./webrtc-rtmp-rig.ts";
import { recordStream } from "../../src/core/ingest/rtmp-ingest.ts";
import { FlvAudioFeeds } from "../../src/core/stream/flv-audio.ts";
import { createLogger } from "../../src/log.ts";

const test = e2eSuite("e2e/webrtc-flv-audio", PROGRAMS);
const STREAM = "browser_mic";
const SECONDS = 6;
const ctx: { rig?: Rig } = {};

test.before(async () => {
  const rtmpPort = await freeTcpPort();
  if (RIG_AVAILABLE) ctx.rig = await Rig.start(() => ({ "rtmp.port": rtmpPort }));
});

test.after(async () => {
  killChildren();
  await ctx.rig?.close();
});

/** Peak of the decoded first channel, dBFS. */
function peakDb(pcm: Float32Array): number {
  let peak = 0;
  for (const v of pcm) peak = Math.max(peak, Math.abs(v));
  return 20 * Math.log10(peak);
}

async function assertAacWithSound(file: string, what: string): Promise<void> {
  const { streams, packets } = probe(file);
  const audio = streams.find((s) => s.codec_type === "audio");
  const video = streams.find((s) => s.codec_type === "video");
  assert.is(audio?.codec_name, "aac", `${what}: ${JSON.stringify(streams)}`);
  assert.is(audio?.profile, "LC", what);
  assert.is(video?.codec_name, "h264", what);
  assert.is(video?.width, WIDTH, what);
  const audioSeconds = packets.filter((p) => p.codec_type === "audio").length * (1024 / Number(audio!.sample_rate));
  assert.ok(audioSeconds >= SECONDS - 3, `${what}: ${audioSeconds.toFixed(1)} s of audio`);
  const peak = peakDb(decodeAudio(file));
  assert.ok(peak > -40, `${what}: the browser's beeps are heard (peak ${peak.toFixed(1)} dBFS)`);
  assert.is(await decodeErrors(file, { ignore: NULL_MUXER_DTS }), "", `${what} decodes cleanly`);
  assert.ok(packets.filter((p) => p.codec_type === "video" && p.key).length >= 1, `${what}: a keyframe`);
}

test("a browser's Opus reaches an RTMP player, an HTTP-FLV player and a recording as AAC-LC with its sound", async () => {
  const rig = ctx.rig!;
  const page = await rig.chromium.open(rig.wsUrl);
  assert.is(await page.publish(STREAM, { width: WIDTH, height: HEIGHT }), "PUBLISHING");
  const stream = await waitFor("the published stream's audio config", () => (rig.app.hub.get(STREAM)?.audioConfig ? rig.app.hub.get(STREAM) : undefined), 20000);
  assert.is(stream.audioConfig!.codec, "OPUS");

  const rtmpFile = join(rig.dir, "rtmp-play.flv");
  const httpFile = join(rig.dir, "http-flv.flv");
  const duration = ["-t", String(SECONDS), "-c", "copy", "-y"];
  const rtmpPlay = run("ffmpeg", ["-v", "error", "-i", `rtmp://127.0.0.1:${rig.app.ports.rtmp}/live/${STREAM}`, ...duration, rtmpFile], 60000);
  const httpPlay = run("ffmpeg", ["-v", "error", "-i", `http://127.0.0.1:${rig.app.ports.http}/live/${STREAM}.flv`, ...duration, httpFile], 60000);
  // a recording as `/pull/pull {record: true}` makes one, sharing the players' transcoder
  const feeds = new FlvAudioFeeds((name) => rig.app.media.transcoderFor(name), 128000, createLogger("flv-audio"));
  const recording = recordStream(stream, join(rig.dir, "records"), 3000, feeds);
  await waitFor("the recording's feed", () => feeds.size === 1 || undefined, 5000);

  const [rtmp, http] = await Promise.all([rtmpPlay, httpPlay]);
  assert.is(rtmp.code, 0, rtmp.stderr);
  assert.is(http.code, 0, http.stderr);
  await rig.chromium.closePages();
  await waitFor("the stream's end", () => stream.isEnded || undefined, 20000);
  assert.is(feeds.size, 0, "the transcoder stops with the last FLV sink");

  await assertAacWithSound(rtmpFile, "RTMP play");
  await assertAacWithSound(httpFile, "HTTP-FLV");
  await waitFor("the recording written", async () => ((await run("ffprobe", ["-v", "error", recording])).code === 0 ? true : undefined), 10000);
  await assertAacWithSound(recording, "recording");
});

test.run();
