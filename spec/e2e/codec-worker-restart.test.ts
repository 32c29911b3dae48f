/**
 * A codec worker dies during a republish and the recording goes on: SIPp plays its 7 s PCMA capture
 * into a call that Transpond republishes to nginx-rtmp (G.711 -> AAC in the codec worker); once nginx
 * has recorded a second and more of it, the worker is ended as a crash would end it. The pool
 * restarts it, the call's audio resumes, `/rest-api/stats` counts the restart and the jobs lost or
 * refused with the dead worker and reports the stream's gap, and nginx's recording has audio on both sides of exactly one timestamp gap of that length.
 */
import * as assert from "uvu/assert";
import type { MediaHealth } from "../../src/core/media-workers.ts";
import { e2eSuite } from "../support/e2e.ts";
import { waitFor } from "../support/net.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { decodeErrors } from "../support/ffmpeg.ts";
import { audioTimingIssues, probe } from "./webrtc-rtmp-rig.ts";
import { callBody, closeAll, pcmaCapture, removeTemp, startServer, startSipp } from "./sip-call-rig.ts";

const test = e2eSuite("e2e/codec worker restart during a republish", ["sipp", "ffmpeg", "ffprobe", "nginx"]);
let nginx: NginxRtmp | undefined;

test.before(async () => {
  nginx = await NginxRtmp.start();
});

test.after.each(async () => {
  await closeAll();
});

test.after(async () => {
  await nginx?.dispose();
  removeTemp();
});

/** about 1.5 s of AAC at 64 kb/s with its FLV tags */
const RECORDED_BEFORE_CRASH = 12_000;

type AudioStats = { audio?: { session: { packetsReceived: number } } };

test("a SIP call republished to nginx-rtmp keeps recording across a codec worker crash, after a gap the status reports", async () => {
  const pcap = pcmaCapture();
  assert.ok(pcap, "SIPp's g711a.pcap is available");
  const server = await startServer({ "media.workers": 1 });
  const sipp = await startSipp("uas-play-pcma.xml", { PCAP: pcap! });
  const started = await server.rest("/rest-api/call/startup", callBody("call-crash", sipp, { rtmpUrl: nginx!.url("live") + "/", rtmpStream: "crash1" }));
  assert.is(started.status, 200);
  await server.waitForCall("call-crash", "RTMP_STREAM_ACTIVE", (c) => c.rtmpStreamStatus === "RTMP_STREAM_ACTIVE");
  await server.waitForCall("call-crash", "2 s of media", (c) => ((c.rtpStats as AudioStats).audio?.session.packetsReceived ?? 0) >= 100, 15000);
  // the crash must hit a running republish: on a loaded machine the worker may still be starting after 2 s of call media
  await waitFor("a second of AAC in nginx's recording", () => (nginx!.recordedBytes("crash1") >= RECORDED_BEFORE_CRASH ? true : undefined), 15000);

  await server.media.pool!.crash(0);
  const health = await waitFor<MediaHealth>("the audio to resume", async () => {
    const stats = await server.rest("/rest-api/stats", {});
    const h = stats.body as MediaHealth;
    return stats.status === 200 && h.audioGaps.length > 0 ? h : undefined;
  }, 20000);
  assert.is(health.codecWorkers.restarts, 1);
  assert.is(health.codecWorkers.workers, 1);
  assert.is(health.codecWorkers.running, 1);
  assert.ok(health.codecWorkers.lostJobs + health.codecWorkers.droppedJobs > 0, `jobs lost with the worker (${health.codecWorkers.lostJobs}) or refused while it restarted (${health.codecWorkers.droppedJobs})`);
  const gap = health.audioGaps[0]!;
  assert.match(gap.stream, "call-crash", "the call's stream");
  assert.ok(gap.gapMs > 0 && gap.gapMs < 5000, `gap ${gap.gapMs} ms`);

  await server.waitForCall("call-crash", "the capture to be played", (c) => ((c.rtpStats as AudioStats).audio?.session.packetsReceived ?? 0) >= 220, 15000);
  assert.is((await server.rest("/rest-api/call/terminate", { callId: "call-crash" })).status, 200);
  const file = await nginx!.recordingClosed("crash1", 15000);
  assert.is(await decodeErrors(file), "", "ffmpeg decodes the recording without errors");
  const audio = probe(file).packets.filter((p) => p.codec_type === "audio");
  const issues = audioTimingIssues(audio, 1024 / 48000);
  console.log(`  worker restarted; status gap ${gap.gapMs} ms, lost jobs ${health.codecWorkers.lostJobs}, refused ${health.codecWorkers.droppedJobs}; recording: ${audio.length} AAC frames, timestamp steps ${JSON.stringify(issues)}`);
  assert.is(issues.length, 1, "one gap, where the worker died");
  const [jump] = issues;
  assert.ok(Math.abs(jump!.step * 1000 - 1024 / 48 - gap.gapMs) <= 2, `the recording's gap (${(jump!.step * 1000).toFixed(1)} ms step) is the reported one`);
  const before = audio.filter((p) => p.dts_time < jump!.at).length;
  const after = audio.length - before;
  assert.ok(before * (1024 / 48000) > 1.5, `${before} frames before the crash`);
  assert.ok(after * (1024 / 48000) > 2, `${after} frames after the restart: the recording went on`);
});

test.run();
