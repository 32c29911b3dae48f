/**
 * Issue 4, "How it must be shown": headless Chromium publishes its fake camera and microphone with the
 * official Web SDK, `/rest-api/push/startup` republishes to nginx-rtmp with recording on, and the
 * recording is checked with ffprobe/ffmpeg (H.264 of the camera's size, AAC-LC 48 kHz, >= 8 s, no
 * decode errors, audio and video starting together, continuous audio timestamps: issue 3's Opus ->
 * AAC bullet). Meanwhile a second page plays the stream over WebRTC and bad REST requests are
 * refused while the transponder stays ACTIVE.
 */
import * as assert from "uvu/assert";
import { e2eSuite } from "../support/e2e.ts";
import { sleep, waitFor } from "../support/net.ts";
import type { SdkPage } from "../support/chromium.ts";
import { audioTimingIssues, NULL_MUXER_DTS, videoDtsIssues, HEIGHT, probe, Rig, WIDTH, type Transponder, PROGRAMS, RIG_AVAILABLE } from "./webrtc-rtmp-rig.ts";
import { decodeErrors } from "../support/ffmpeg.ts";

const test = e2eSuite("e2e/webrtc-rtmp-push", PROGRAMS);
const STREAM = "cam";
const RECORD_MS = 9500;
const ctx: { rig?: Rig; publisher?: SdkPage; activeAt?: number; transponder?: Transponder; statuses: string[] } = { statuses: [] };

test.before(async () => {
  if (RIG_AVAILABLE) ctx.rig = await Rig.start();
});

test.after(async () => {
  await ctx.rig?.close();
});

test("the Web SDK publishes and /push/startup republishes to nginx-rtmp: the transponder goes CONNECTING -> ACTIVE", async () => {
  const rig = ctx.rig!;
  ctx.publisher = await rig.chromium.open(rig.wsUrl);
  assert.is(await ctx.publisher.publish(STREAM, { width: WIDTH, height: HEIGHT }), "PUBLISHING");
  const started = await rig.rest("/push/startup", { streamName: STREAM, rtmpUrl: rig.nginx.url("live") });
  assert.is(started.status, 200, started.text);
  const body = started.body as Transponder;
  assert.is(body.streamName, `rtmp_${STREAM}`);
  assert.is(body.rtmpUrl, rig.nginx.url("live"));
  assert.ok(["CONNECTING", "ACTIVE"].includes(body.status), body.status);
  ctx.transponder = await rig.waitStatus(STREAM, "ACTIVE", 15000, ctx.statuses);
  ctx.activeAt = Date.now();
  assert.is(ctx.transponder.mediaSessionId, body.mediaSessionId);
  // the size comes from the browser's first SPS, which may follow the RTMP connection
  const sized = await waitFor("the transponder to show the picture size", async () => {
    const t = await rig.find(STREAM);
    return t && t.width > 0 ? t : undefined;
  }, 10000);
  assert.is(sized.width, WIDTH);
  assert.is(sized.height, HEIGHT);
});

test("bad /push/startup requests while the stream is republished get 400 naming the problem or 409, and the transponder stays ACTIVE", async () => {
  const rig = ctx.rig!;
  const url = rig.nginx.url("live");
  const cases: [string, unknown, number, RegExp][] = [
    ["bad scheme", { streamName: STREAM, rtmpUrl: "http://127.0.0.1/live" }, 400, /rtmpUrl/],
    ["unresolvable host", { streamName: STREAM, rtmpUrl: "rtmp://no-such-host.invalid/live" }, 400, /no-such-host\.invalid/],
    ["missing streamName", { rtmpUrl: url }, 400, /streamName/],
    ["missing rtmpUrl", { streamName: STREAM }, 400, /rtmpUrl/],
    ["rtmpUrl not a string", { streamName: STREAM, rtmpUrl: 1935 }, 400, /rtmpUrl/],
    ["malformed JSON", "{\"streamName\": ", 400, /./],
    ["duplicate stream + rtmpUrl", { streamName: STREAM, rtmpUrl: url }, 409, /./],
  ];
  for (const [what, body, status, message] of cases) {
    const answer = await rig.rest("/push/startup", body);
    assert.is(answer.status, status, `${what}: ${answer.status} ${answer.text}`);
    assert.match(answer.text, message, `${what}: ${answer.text}`);
    const t = await rig.find(STREAM);
    assert.is(t?.status, "ACTIVE", `${what}: the running transponder is ${t?.status} (${t?.lastError})`);
  }
  const all = await rig.rest("/push/find_all");
  assert.is(all.status, 200);
  assert.is((all.body as Transponder[]).length, 1, "no transponder was added by a refused request");
});

test("a second page plays the stream over WebRTC while it is republished: getStats framesDecoded grows", async () => {
  const rig = ctx.rig!;
  const player = await rig.chromium.open(rig.wsUrl);
  assert.is(await player.play(STREAM), "PLAYING");
  const first = await waitFor("decoded frames", async () => {
    const n = await player.framesDecoded();
    return n > 0 ? n : undefined;
  }, 15000);
  await waitFor("more decoded frames", async () => ((await player.framesDecoded()) > first + 10 ? true : undefined), 15000);
  await player.close();
});

test("the nginx recording: H.264 of the camera's size, AAC-LC 48 kHz, >= 8 s, decodes cleanly, audio and video start together, audio timestamps continuous", async () => {
  const rig = ctx.rig!;
  const left = RECORD_MS - (Date.now() - ctx.activeAt!);
  if (left > 0) await sleep(left);
  const t = await rig.find(STREAM);
  assert.is(t?.status, "ACTIVE", `still ACTIVE after ${RECORD_MS} ms (${t?.lastError})`);
  assert.equal(ctx.statuses.filter((s) => s === "RECONNECTING" || s === "FAILED"), [], `statuses seen: ${ctx.statuses.join(" -> ")}`);
  const stop = await rig.rest("/push/terminate", { mediaSessionId: ctx.transponder!.mediaSessionId });
  assert.is(stop.status, 200, stop.text);
  assert.is((await rig.rest("/push/find", { streamName: STREAM })).status, 404, "terminated transponders are gone");
  const file = await rig.nginx.recordingClosed(`rtmp_${STREAM}`);

  const p = probe(file);
  const video = p.streams.find((s) => s.codec_type === "video");
  const audio = p.streams.find((s) => s.codec_type === "audio");
  assert.is(video?.codec_name, "h264");
  assert.is(video?.width, WIDTH);
  assert.is(video?.height, HEIGHT);
  assert.is(audio?.codec_name, "aac");
  assert.is(audio?.profile, "LC");
  assert.is(audio?.sample_rate, "48000");
  assert.is(audio?.channels, 2);
  assert.ok(p.duration >= 8, `duration ${p.duration} s`);
  assert.is(await decodeErrors(file, { ignore: NULL_MUXER_DTS }), "", "ffmpeg -v error prints nothing");
  assert.equal(videoDtsIssues(p.packets), [], "video DTS increase strictly");

  const firstVideo = p.packets.find((x) => x.codec_type === "video")!;
  const firstAudio = p.packets.find((x) => x.codec_type === "audio")!;
  assert.ok(firstVideo.key, "the recording starts at a keyframe");
  const skew = Math.abs(firstVideo.pts_time - firstAudio.pts_time);
  assert.ok(skew <= 0.2, `first video pts ${firstVideo.pts_time} s, first audio pts ${firstAudio.pts_time} s`);
  const audioPackets = p.packets.filter((x) => x.codec_type === "audio");
  assert.ok(audioPackets.length > 8 / (1024 / 48000), `${audioPackets.length} AAC frames`);
  assert.equal(audioTimingIssues(p.packets, 1024 / 48000), [], "no audio gap > 1.5 frames, no step back");
  const lastAudio = audioPackets.at(-1)!.dts_time;
  const lastVideo = p.packets.filter((x) => x.codec_type === "video").at(-1)!.dts_time;
  assert.ok(Math.abs(lastAudio - lastVideo) < 0.5, `audio ends at ${lastAudio} s, video at ${lastVideo} s`);
  await ctx.publisher!.stop("publish");
});

test.run();
