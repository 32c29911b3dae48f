/**
 * Issue 4: the two ways a publish republishes by itself. The Web SDK's `createStream({rtmpUrl})`
 * starts a transponder as soon as the stream is PUBLISHING, and `rtmp_push_auto_start=true` with
 * `rtmp_push_auto_start_url` republishes every published stream; each nginx recording decodes.
 */
import * as assert from "uvu/assert";
import { e2eSuite } from "../support/e2e.ts";
import { sleep } from "../support/net.ts";
import { NULL_MUXER_DTS, HEIGHT, probe, Rig, videoDtsIssues, WIDTH, type Transponder, PROGRAMS } from "./webrtc-rtmp-rig.ts";
import { decodeErrors } from "../support/ffmpeg.ts";

const test = e2eSuite("e2e/webrtc-rtmp-start", PROGRAMS);
let rig: Rig | undefined;

test.after.each(async () => {
  await rig?.close();
  rig = undefined;
});

/** The recording holds H.264 of the camera's size and AAC-LC, at least `seconds` long, decoding cleanly. */
async function checkRecording(file: string, seconds: number): Promise<void> {
  const p = probe(file);
  assert.is(p.streams.find((s) => s.codec_type === "video")?.codec_name, "h264", file);
  assert.is(p.streams.find((s) => s.codec_type === "video")?.width, WIDTH);
  assert.is(p.streams.find((s) => s.codec_type === "video")?.height, HEIGHT);
  assert.is(p.streams.find((s) => s.codec_type === "audio")?.profile, "LC");
  assert.ok(p.duration >= seconds, `${file}: ${p.duration} s`);
  assert.ok(p.packets.find((x) => x.codec_type === "video")?.key, "starts at a keyframe");
  assert.is(await decodeErrors(file, { ignore: NULL_MUXER_DTS }), "");
  assert.equal(videoDtsIssues(p.packets), []);
}

test("createStream({rtmpUrl}) in the Web SDK republishes as soon as the stream is PUBLISHING, and unpublishing ends it", async () => {
  rig = await Rig.start();
  const page = await rig.chromium.open(rig.wsUrl);
  assert.is(await page.publish("sdk", { width: WIDTH, height: HEIGHT, rtmpUrl: rig.nginx.url("live") }), "PUBLISHING");
  const t = await rig.waitStatus("sdk", "ACTIVE");
  assert.is(t.streamName, "rtmp_sdk");
  assert.is(t.rtmpUrl, rig.nginx.url("live"));
  await sleep(3500);
  await page.stop("publish");
  const file = await rig.nginx.recordingClosed("rtmp_sdk");
  assert.is((await rig.rest("/push/find", { streamName: "sdk" })).status, 404, "the transponder ends with its stream");
  await checkRecording(file, 2.5);
});

test("rtmp_push_auto_start with rtmp_push_auto_start_url republishes every published stream", async () => {
  rig = await Rig.start((nginx) => ({ rtmp_push_auto_start: true, rtmp_push_auto_start_url: nginx.url("live") }));
  const a = await rig.chromium.open(rig.wsUrl);
  const b = await rig.chromium.open(rig.wsUrl);
  assert.is(await a.publish("auto-a", { width: WIDTH, height: HEIGHT }), "PUBLISHING");
  assert.is(await b.publish("auto-b", { width: WIDTH, height: HEIGHT }), "PUBLISHING");
  await rig.waitStatus("auto-a", "ACTIVE");
  await rig.waitStatus("auto-b", "ACTIVE");
  const all = await rig.rest("/push/find_all");
  assert.equal((all.body as Transponder[]).map((t) => t.streamName).sort(), ["rtmp_auto-a", "rtmp_auto-b"]);
  await sleep(3500);
  await a.stop("publish");
  await b.stop("publish");
  await checkRecording(await rig.nginx.recordingClosed("rtmp_auto-a"), 2.5);
  await checkRecording(await rig.nginx.recordingClosed("rtmp_auto-b"), 2.5);
});

test("a stream nginx refuses (on_publish answers 403) is retried, then FAILED with the reason; the browser keeps publishing", async () => {
  rig = await Rig.start(undefined, { record: false, onPublish: (f) => (f.name === "rtmp_refused" ? 403 : 200) });
  const page = await rig.chromium.open(rig.wsUrl);
  assert.is(await page.publish("refused", { width: WIDTH, height: HEIGHT }), "PUBLISHING");
  const started = await rig.rest("/push/startup", { streamName: "refused", rtmpUrl: rig.nginx.url("live") });
  assert.is(started.status, 200, started.text);
  const seen: string[] = [];
  const failed = await rig.waitStatus("refused", "FAILED", 15000, seen);
  assert.match(failed.lastError, /closed the connection on publish 3 times in a row/);
  assert.ok(seen.includes("RECONNECTING"), seen.join(" -> "));
  assert.is(rig.nginx.calls.filter((c) => c.path === "/on_publish" && c.fields.name === "rtmp_refused").length, 3);
  assert.equal((await page.events()).map((e) => e.status), ["PUBLISHING"]);
});

test.run();
