/**
 * Headless Chromium (fake camera and microphone) with the official @flashphoner/websdk publishes to
 * Transpond's signaling server over WebRTC, a second page plays the stream back, then the publisher
 * stops and a second publisher page is closed.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { OpusDecoder } from "opus-decoder";
import { joinAnnexB } from "../../src/codecs/h264/index.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { startSignaling, type Signaling } from "../../src/agent/index.ts";
import type { AudioFrame, VideoFrame } from "../../src/codecs/frame.ts";
import { defaultConfig, type Config } from "../../src/config.ts";
import { StreamHub } from "../../src/core/stream/hub.ts";
import { webrtcStreams } from "../../src/core/ingest/webrtc-ingest.ts";
import { createLogger } from "../../src/log.ts";
import { startChromium, type ChromiumHarness, type SdkPage } from "../support/chromium.ts";
import { e2eSuite } from "../support/e2e.ts";
import { mediaPortRange } from "../support/media-ports.ts";
import { freeTcpPort, waitFor } from "../support/net.ts";
import { decodeErrors } from "../support/ffmpeg.ts";

const test = e2eSuite("e2e/webrtc-publish", ["chromium", "ffmpeg", "ffprobe"]);
const WIDTH = 320;
const HEIGHT = 240;
const CAMERA = { width: WIDTH, height: HEIGHT };

const ctx: { hub?: StreamHub; signaling?: Signaling; chromium?: ChromiumHarness; wsUrl?: string; dataDir?: string; reasons: string[] } = { reasons: [] };

function openPage(): Promise<SdkPage> {
  return ctx.chromium!.open(ctx.wsUrl!);
}


/** ffprobe/ffmpeg decode the received H.264 cleanly at the camera's size; libopus decodes the Opus. */
async function checkWithFfmpegAndLibopus(config: { sps: Uint8Array; pps: Uint8Array }, video: VideoFrame[], audio: AudioFrame[]): Promise<void> {
  const file = join(ctx.dataDir!, "received.h264");
  writeFileSync(file, joinAnnexB([config.sps, config.pps, ...video.flatMap((f) => f.data)]));
  const probe = JSON.parse(execFileSync("ffprobe", ["-v", "error", "-show_streams", "-count_frames", "-of", "json", file], { encoding: "utf8" })) as { streams: { codec_name: string; width: number; height: number; nb_read_frames: string }[] };
  assert.is(probe.streams[0]!.codec_name, "h264");
  assert.is(probe.streams[0]!.width, WIDTH);
  assert.is(probe.streams[0]!.height, HEIGHT);
  assert.is(Number(probe.streams[0]!.nb_read_frames), video.length, "ffmpeg decodes every received frame");
  assert.is(await decodeErrors(file), "", "no decode errors");
  const opus = new OpusDecoder();
  await opus.ready;
  try {
    const out = opus.decodeFrames(audio.map((f) => f.data));
    assert.equal(out.errors, []);
    assert.is(out.samplesDecoded, audio.length * 960, "20 ms Opus packets");
  } finally {
    opus.free();
  }
}

test.before(async () => {
  ctx.dataDir = mkdtempSync(join(tmpdir(), "transpond-e2e-"));
  const config: Config = {
    ...defaultConfig(),
    bind_address: "127.0.0.1",
    "ws.port": await freeTcpPort(),
    "wss.port": 0,
    data_dir: ctx.dataDir,
    ice_interface_addresses: ["127.0.0.1"],
    ...mediaPortRange(),
  };
  ctx.hub = new StreamHub();
  ctx.hub.listen({ unpublished: (_s, reason) => void ctx.reasons.push(reason) });
  ctx.signaling = await startSignaling({ config, streams: webrtcStreams(ctx.hub), log: createLogger("e2e") });
  ctx.wsUrl = `ws://127.0.0.1:${ctx.signaling.ports.ws}`;
  ctx.chromium = await startChromium();
});

test.after.each(async () => {
  await ctx.chromium?.closePages();
});

test.after(async () => {
  await ctx.chromium?.close();
  await ctx.signaling?.close();
  ctx.hub?.close("test end");
  if (ctx.dataDir) rmSync(ctx.dataDir, { recursive: true, force: true });
});

test("the Web SDK publishes the fake camera and microphone: the hub gets H.264 of the camera's size and Opus", async () => {
  const publisher = await openPage();
  assert.is(await publisher.publish("e2e-cam", CAMERA), "PUBLISHING");
  const stream = ctx.hub!.get("e2e-cam")!;
  assert.ok(stream, "the hub has the stream");
  const video: VideoFrame[] = [];
  const audio: AudioFrame[] = [];
  stream.addSink({ config: () => {}, frame: (f) => void (f.kind === "video" ? video.push(f) : audio.push(f)), end: () => {} });
  await waitFor("30 video and 30 audio frames", () => (video.length >= 30 && audio.length >= 30 ? true : undefined), 15000);
  assert.equal(await publisher.localSize(), [WIDTH, HEIGHT], "the fake camera's picture in the SDK's preview");
  assert.is(stream.videoConfig?.width, WIDTH);
  assert.is(stream.videoConfig?.height, HEIGHT);
  assert.ok(video[0]!.key, "the sink started at a keyframe");
  assert.is(stream.audioConfig?.codec, "OPUS");
  assert.ok(audio.every((f) => f.codec === "OPUS" && f.data.length > 0));
  // audio and video on one timeline: their first times within 300 ms of each other
  await checkWithFfmpegAndLibopus(stream.videoConfig!, video, audio);
  const vt = video.at(-1)!.dts;
  const at = audio.at(-1)!.dts;
  assert.ok(Math.abs(vt - at) < 300, `latest video ${vt} ms vs audio ${at} ms`);

  const player = await openPage();
  assert.is(await player.play("e2e-cam"), "PLAYING");
  const first = await waitFor("decoded frames", async () => ((await player.framesDecoded()) > 0 ? player.framesDecoded() : undefined), 15000);
  const later = await waitFor("more decoded frames", async () => {
    const n = await player.framesDecoded();
    return n > first + 10 ? n : undefined;
  }, 15000);
  assert.ok(later > first);

  await publisher.stop("publish");
  await waitFor("UNPUBLISHED", async () => ((await publisher.events()).some((e) => e.status === "UNPUBLISHED") ? true : undefined), 5000);
  const stopped = await waitFor("player STOPPED", async () => (await player.events()).find((e) => e.status === "STOPPED"), 5000);
  assert.is(stopped.info, "Stopped by publisher stop");
  assert.is(ctx.hub!.get("e2e-cam"), undefined);
  await player.close();
  await publisher.close();
});

test("closing a publishing page ends its stream with `Stopped by session disconnect`", async () => {
  const publisher = await openPage();
  assert.is(await publisher.publish("e2e-close", CAMERA), "PUBLISHING");
  const second = await openPage();
  assert.is(await second.publish("e2e-close", CAMERA), "FAILED: Stream name is already in use");
  ctx.reasons.length = 0;
  await publisher.close();
  await waitFor("unpublished", () => (ctx.hub!.get("e2e-close") === undefined ? true : undefined), 5000);
  assert.equal(ctx.reasons, ["Stopped by session disconnect"]);
  await second.close();
  await waitFor("sessions gone", () => (ctx.signaling!.sessionCount === 0 ? true : undefined), 5000);
});

test("bad input from the real SDK: an offer stripped of H.264 gets `No common codecs`, playing a missing stream `Stream not found`", async () => {
  const page = await openPage();
  assert.is(await page.publish("e2e-vp8", { ...CAMERA, stripCodecs: "H264" }), "FAILED: No common codecs");
  assert.is(ctx.hub!.get("e2e-vp8"), undefined);
  assert.is(await page.play("e2e-nobody"), "FAILED: Stream not found");
  // the session still works afterwards
  assert.is(await page.publish("e2e-after", CAMERA), "PUBLISHING");
});

test.run();
