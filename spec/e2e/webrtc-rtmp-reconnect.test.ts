/**
 * Issue 4: nginx-rtmp is killed (SIGKILL) while a browser stream is republished to it and started
 * again on the same port; the transponder goes RECONNECTING and back to ACTIVE by itself, and the
 * second recording decodes cleanly from a keyframe with fresh sequence headers.
 */
import { copyFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { e2eSuite } from "../support/e2e.ts";
import { sleep, waitFor } from "../support/net.ts";
import { audioTimingIssues, NULL_MUXER_DTS, HEIGHT, probe, Rig, videoDtsIssues, WIDTH, type Transponder, PROGRAMS, RIG_AVAILABLE } from "./webrtc-rtmp-rig.ts";
import { decodeErrors } from "../support/ffmpeg.ts";

const test = e2eSuite("e2e/webrtc-rtmp-reconnect", PROGRAMS);
const STREAM = "phoenix";
const ctx: { rig?: Rig } = {};

test.before(async () => {
  if (RIG_AVAILABLE) ctx.rig = await Rig.start();
});

test.after(async () => {
  await ctx.rig?.close();
});

test("nginx killed mid-stream and started again: RECONNECTING, then ACTIVE by itself; the second recording decodes cleanly from a keyframe", async () => {
  const rig = ctx.rig!;
  const page = await rig.chromium.open(rig.wsUrl);
  assert.is(await page.publish(STREAM, { width: WIDTH, height: HEIGHT }), "PUBLISHING");
  const started = await rig.rest("/push/startup", { streamName: STREAM, rtmpUrl: rig.nginx.url("live") });
  assert.is(started.status, 200, started.text);
  const id = (started.body as Transponder).mediaSessionId;
  await rig.waitStatus(STREAM, "ACTIVE");
  const file = rig.nginx.recording(`rtmp_${STREAM}`);
  await waitFor("the first recording to grow", () => (existsSync(file) && statSync(file).size > 50_000 ? true : undefined), 15000);

  await rig.nginx.kill();
  const first = join(rig.dir, "first.flv");
  copyFileSync(file, first);
  const seen: string[] = [];
  const down = await rig.waitStatus(STREAM, "RECONNECTING", 10000, seen);
  assert.ok(down.lastError !== "", "the reason is shown");
  // the first attempt against the closed port fails and the job tries again
  const stillDown = await waitFor("a second attempt while nginx is down", async () => {
    const found = await rig.find(STREAM);
    return found && found.reconnects >= 2 ? found : undefined;
  }, 15000, 100);
  assert.ok(["RECONNECTING", "CONNECTING"].includes(stillDown!.status), stillDown!.status);

  await rig.nginx.restart();
  const back = await rig.waitStatus(STREAM, "ACTIVE", 15000, seen);
  assert.is(back.mediaSessionId, id, "the same job, nothing lost");
  assert.ok(back.reconnects >= 1, `reconnects ${back.reconnects}`);
  assert.is(back.lastError, "");
  assert.ok(seen.includes("RECONNECTING"), seen.join(" -> "));
  await sleep(4000);
  assert.is((await rig.rest("/push/terminate", { mediaSessionId: id })).status, 200);
  const second = await rig.nginx.recordingClosed(`rtmp_${STREAM}`);

  assert.ok(probe(first).packets.length > 0, "the first recording has media");
  const p = probe(second);
  assert.ok(p.duration >= 3, `second recording ${p.duration} s`);
  assert.is(p.streams.find((s) => s.codec_type === "video")?.width, WIDTH);
  assert.is(p.streams.find((s) => s.codec_type === "audio")?.profile, "LC");
  assert.is(await decodeErrors(second, { ignore: NULL_MUXER_DTS }), "");
  assert.equal(videoDtsIssues(p.packets), []);
  assert.equal(audioTimingIssues(p.packets, 1024 / 48000), []);
  const firstVideo = p.packets.find((x) => x.codec_type === "video")!;
  assert.ok(firstVideo.key, "the second recording's first video packet is a keyframe (K flag)");
  assert.ok(firstVideo.dts_time < 0.5, `it starts the file's timeline (${firstVideo.dts_time} s)`);
});

test.run();
