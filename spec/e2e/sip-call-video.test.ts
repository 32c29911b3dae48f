/**
 * A video call republished to RTMP: SIPp answers with PCMA and H.264 (mode 1) pointed at ports of
 * the test, and ffmpeg plays the phone, sending a 320x240 H.264 test pattern and an A-law tone as
 * RTP to the ports Transpond offered. The nginx-rtmp recording must hold H.264 320x240 and AAC that
 * ffmpeg decodes without an error; keyframe requests go out as RTCP and as SIP INFO
 * picture_fast_update, which SIPp receives.
 */
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { e2eSuite } from "../support/e2e.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { freeUdpPort, waitFor } from "../support/net.ts";
import { callBody, closeAll, removeTemp, sippMessages, startServer, startSipp } from "./sip-call-rig.ts";
import { run } from "../support/process.ts";
import { decodeErrors } from "../support/ffmpeg.ts";

const test = e2eSuite("e2e/sip video call republished to nginx-rtmp", ["sipp", "ffmpeg", "ffprobe", "nginx"]);
let nginx: NginxRtmp | undefined;
const children = new Set<ChildProcess>();

test.before(async () => {
  nginx = await NginxRtmp.start();
});

test.after.each(async () => {
  for (const c of children) c.kill("SIGKILL");
  children.clear();
  await closeAll();
});

test.after(async () => {
  await nginx?.dispose();
  removeTemp();
});

test("H.264 + PCMA from the phone become an RTMP recording with H.264 320x240 and AAC that decode cleanly; keyframes are asked for by RTCP and SIP INFO", async () => {
  const server = await startServer();
  const sipp = await startSipp("uas-video-at-test.xml", { AUDIO_PORT: String(await freeUdpPort()), VIDEO_PORT: String(await freeUdpPort()) }, { autoAnswer: true });
  const body = callBody("call-video", sipp, { hasVideo: "true", rtmpUrl: nginx!.url("live"), rtmpStream: "video1" });
  assert.is((await server.rest("/rest-api/call/startup", body)).status, 200);
  const call = await server.waitForCall("call-video", "ESTABLISHED", (c) => c.status === "ESTABLISHED");
  const ports = call.mediaPorts as { audio: number; video: number };
  const ffmpeg = spawn(
    "ffmpeg",
    ["-v", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000",
     "-map", "0:v", "-t", "5", "-pix_fmt", "yuv420p", "-c:v", "libx264", "-profile:v", "baseline", "-g", "25", "-bf", "0", "-tune", "zerolatency", "-payload_type", "96", "-f", "rtp", `rtp://127.0.0.1:${ports.video}?pkt_size=1200`,
     "-map", "1:a", "-t", "5", "-c:a", "pcm_alaw", "-ar", "8000", "-ac", "1", "-payload_type", "8", "-f", "rtp", `rtp://127.0.0.1:${ports.audio}`],
    { stdio: "ignore" },
  );
  children.add(ffmpeg);
  await new Promise<void>((done) => ffmpeg.once("exit", () => done()));
  children.delete(ffmpeg);
  type VideoStats = { video: { depacketizer: { frames: number; keyframes: number }; keyframeRequests: number; session: { rtcpSent: number } } };
  const findCall = async (): Promise<Record<string, unknown>> => ((await server.rest("/rest-api/call/find", { callId: "call-video" })).body as Record<string, unknown>[])[0]!;
  // the last packets ffmpeg sent are still on their way through the jitter buffer when it exits
  await waitFor("100 video frames in the call's stats", async () => ((await findCall()).rtpStats as VideoStats).video.depacketizer.frames >= 100 ? true : undefined, 5000);
  const found = await findCall();
  const stats = found.rtpStats as VideoStats;
  assert.is(found.rtmpStreamStatus, "RTMP_STREAM_ACTIVE");
  assert.ok(stats.video.depacketizer.frames >= 100, `${stats.video.depacketizer.frames} video frames`);
  assert.ok(stats.video.keyframeRequests >= 1, "the transponder's sink asked for a keyframe");
  assert.is((await server.rest("/rest-api/call/terminate", { callId: "call-video" })).status, 200);
  assert.is(await sipp.exit, 0);
  assert.match(sippMessages(sipp), /Content-Type: application\/media_control\+xml[\s\S]*<picture_fast_update\/>/);

  const file = await nginx!.recordingClosed("video1", 15000);
  const r = await run("ffprobe", ["-v", "error", "-count_frames", "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "json", file]);
  const streams = (JSON.parse(r.stdout) as { streams: { codec_name: string; width?: number; height?: number; nb_read_frames?: string }[] }).streams;
  const video = streams.find((s) => s.codec_name === "h264");
  const audio = streams.find((s) => s.codec_name === "aac");
  console.log(`  recording: ${JSON.stringify(streams)}; call video: ${JSON.stringify(stats.video.depacketizer)}, ${stats.video.keyframeRequests} keyframe requests`);
  assert.ok(video && video.width === 320 && video.height === 240, "H.264 320x240");
  assert.ok(Number(video!.nb_read_frames) >= 90, `${video!.nb_read_frames} frames of about 125`);
  assert.ok(audio, "AAC audio");
  assert.is(await decodeErrors(file), "");
});

test.run();
