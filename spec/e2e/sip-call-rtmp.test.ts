/**
 * SIP as RTMP against real software: `/call/startup` makes Transpond call SIPp (UDP, 127.0.0.1),
 * SIPp answers and plays its bundled 7 s PCMA capture, and the call is republished to nginx-rtmp
 * (record on). The REST view must follow TRYING -> RING -> ESTABLISHED with RTMP_STREAM_ACTIVE, the
 * recording must be AAC of about the capture's length that ffmpeg decodes without an error, and
 * `/call/terminate` must send the BYE SIPp's scenario waits for. With `rtmpTransponderAudioCodec`
 * alaw the recording is the capture's own A-law, byte for byte; with speex16 it is Speex wideband that
 * libspeex decodes cleanly. Also BUSY (486) and FAILED after
 * Timer B (T1 = 50 ms, so 3.2 s).
 */
import { readFileSync } from "node:fs";
import * as assert from "uvu/assert";
import { e2eSuite } from "../support/e2e.ts";
import { freeUdpPort } from "../support/net.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { FAST_SIP_TIMERS, callBody, closeAll, pcmaCapture, probeAudio, removeTemp, sippMessages, startServer, startSipp } from "./sip-call-rig.ts";
import { decodeErrors } from "../support/ffmpeg.ts";
import { run } from "../support/process.ts";
import { rtpPayloads } from "../audio/support/rtp.ts";

const test = e2eSuite("e2e/sip call republished to nginx-rtmp", ["sipp", "ffmpeg", "ffprobe", "nginx"]);
let nginx: NginxRtmp | undefined;

type CallServer = Awaited<ReturnType<typeof startServer>>;

/** Until the call has received every RTP packet of SIPp's capture (it is played in real time, about 7 s). */
async function waitCapturePlayed(server: CallServer, callId: string, pcap: string): Promise<void> {
  const packets = rtpPayloads(pcap, 8).length;
  await server.waitForCall(callId, `all ${packets} packets of the capture`, (c) => ((c.rtpStats as { audio?: { session: { packetsReceived: number } } }).audio?.session.packetsReceived ?? 0) >= packets, 20000);
}

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

test("a call to SIPp playing PCMA is ESTABLISHED, republished as RTMP_STREAM_ACTIVE, recorded as clean AAC of the capture's length, and terminated with BYE to FINISH", async () => {
  const pcap = pcmaCapture();
  assert.ok(pcap, "SIPp's g711a.pcap is available");
  const server = await startServer();
  const sipp = await startSipp("uas-play-pcma.xml", { PCAP: pcap! });
  const started = await server.rest("/rest-api/call/startup", callBody("call-rtmp-1", sipp, { rtmpUrl: nginx!.url("live") + "/", rtmpStream: "sipcall1" }));
  assert.is(started.status, 200);
  assert.is(started.body, undefined, "startup answers 200 with an empty body");

  const active = await server.waitForCall("call-rtmp-1", "ESTABLISHED and RTMP_STREAM_ACTIVE", (c) => c.status === "ESTABLISHED" && c.rtmpStreamStatus === "RTMP_STREAM_ACTIVE");
  assert.is(active.sipStatus, 200);
  assert.is(active.rtmpStream, "sipcall1");
  assert.is(active.caller, "alice");
  assert.is(active.callee, "service");
  assert.is(JSON.stringify(active).includes("secret-pw"), false, "sipPassword is never returned");

  // the capture lasts about 7 s; hang up once all of it has arrived
  await waitCapturePlayed(server, "call-rtmp-1", pcap!);
  const stats = (await server.rest("/rest-api/call/find", { callId: "call-rtmp-1" })).body as Record<string, unknown>[];
  const audio = (stats[0]!.rtpStats as { audio: { session: { packetsReceived: number }; jitterBuffer: { lost: number; delivered: number }; frames: number } }).audio;
  const terminated = await server.rest("/rest-api/call/terminate", { callId: "call-rtmp-1" });
  assert.is(terminated.status, 200);
  const finished = await server.waitForCall("call-rtmp-1", "FINISH", (c) => c.status === "FINISH");
  assert.is(finished.info, "Normal call clearing");
  assert.is(await sipp.exit, 0, "SIPp got ACK and BYE as its scenario expects");
  assert.match(sippMessages(sipp), /BYE sip:/);

  const statuses = server.events.filter((e) => e.callId === "call-rtmp-1").map((e) => `${String(e.status)}/${String(e.rtmpStreamStatus)}`);
  assert.ok(statuses.includes("TRYING/RTMP_STREAM_WAIT"), statuses.join(" "));
  assert.ok(statuses.includes("RING/RTMP_STREAM_WAIT"), statuses.join(" "));
  assert.ok(statuses.includes("ESTABLISHED/RTMP_STREAM_ACTIVE"), statuses.join(" "));
  assert.is(statuses.at(-1)?.startsWith("FINISH"), true, statuses.join(" "));

  const file = await nginx!.recordingClosed("sipcall1", 15000);
  const probe = await probeAudio(file);
  console.log(`  recording: ${probe.codec} ${probe.duration.toFixed(2)} s, ${probe.frames} frames; RTP in ${audio.session.packetsReceived} packets, ${audio.frames} frames, jitter buffer lost ${audio.jitterBuffer.lost}`);
  assert.is(probe.codec, "aac");
  assert.ok(probe.duration > 5.5 && probe.duration < 9.5, `recording lasts ${probe.duration} s, the capture about 7 s`);
  assert.is(await decodeErrors(file), "", "ffmpeg decodes the recording without errors");
});

test("with rtmpTransponderAudioCodec alaw the call's PCMA reaches nginx-rtmp untouched: ffprobe says pcm_alaw 8 kHz mono and the recording's bytes are the capture's", async () => {
  const pcap = pcmaCapture();
  assert.ok(pcap, "SIPp's g711a.pcap is available");
  const server = await startServer();
  const sipp = await startSipp("uas-play-pcma.xml", { PCAP: pcap! });
  const body = callBody("call-alaw", sipp, { rtmpUrl: nginx!.url("live"), rtmpStream: "sipcall-alaw", rtmpTransponderAudioCodec: "alaw" });
  assert.is((await server.rest("/rest-api/call/startup", body)).status, 200);
  const active = await server.waitForCall("call-alaw", "ESTABLISHED and RTMP_STREAM_ACTIVE", (c) => c.status === "ESTABLISHED" && c.rtmpStreamStatus === "RTMP_STREAM_ACTIVE");
  assert.is(active.rtmpTransponderAudioCodec, "alaw");
  await waitCapturePlayed(server, "call-alaw", pcap!);
  assert.is((await server.rest("/rest-api/call/terminate", { callId: "call-alaw" })).status, 200);
  await server.waitForCall("call-alaw", "FINISH", (c) => c.status === "FINISH");

  const file = await nginx!.recordingClosed("sipcall-alaw", 15000);
  const probe = await probeAudio(file);
  assert.equal([probe.codec, probe.sampleRate, probe.channels], ["pcm_alaw", 8000, 1]);
  assert.is(await decodeErrors(file), "", "ffmpeg decodes the recording without errors");
  const raw = `${file}.alaw`;
  const copied = await run("ffmpeg", ["-v", "error", "-i", file, "-map", "0:a", "-c:a", "copy", "-f", "alaw", "-y", raw]);
  assert.is(copied.code, 0, copied.stderr);
  const recorded = readFileSync(raw);
  const sent = Buffer.concat(rtpPayloads(pcap!, 8).map((p) => p.payload));
  console.log(`  recording: ${recorded.length} A-law bytes (${(recorded.length / 8000).toFixed(2)} s) of the capture's ${sent.length}`);
  assert.ok(recorded.length >= 5 * 8000, `the recording holds ${recorded.length / 8000} s of the capture's ${sent.length / 8000} s`);
  assert.ok(sent.indexOf(recorded) >= 0, "the recorded A-law bytes are one run of the capture's RTP payloads, unchanged");
});

test("with rtmpTransponderAudioCodec speex16 the call's PCMA is encoded as Speex wideband: ffprobe says speex 16 kHz mono, libspeex decodes it without errors, and it is not silent", async () => {
  const pcap = pcmaCapture();
  assert.ok(pcap, "SIPp's g711a.pcap is available");
  const server = await startServer();
  const sipp = await startSipp("uas-play-pcma.xml", { PCAP: pcap! });
  const body = callBody("call-speex", sipp, { rtmpUrl: nginx!.url("live"), rtmpStream: "sipcall-speex", rtmpTransponderAudioCodec: "speex16" });
  assert.is((await server.rest("/rest-api/call/startup", body)).status, 200);
  const active = await server.waitForCall("call-speex", "ESTABLISHED and RTMP_STREAM_ACTIVE", (c) => c.status === "ESTABLISHED" && c.rtmpStreamStatus === "RTMP_STREAM_ACTIVE");
  assert.is(active.rtmpTransponderAudioCodec, "speex16");
  await waitCapturePlayed(server, "call-speex", pcap!);
  assert.is((await server.rest("/rest-api/call/terminate", { callId: "call-speex" })).status, 200);
  await server.waitForCall("call-speex", "FINISH", (c) => c.status === "FINISH");

  const file = await nginx!.recordingClosed("sipcall-speex", 15000);
  const probe = await probeAudio(file);
  assert.equal([probe.codec, probe.sampleRate, probe.channels], ["speex", 16000, 1]);
  assert.ok(probe.duration > 3, `recording lasts ${probe.duration} s`);
  assert.is(await decodeErrors(file), "", "ffmpeg decodes the recording without errors");
  const raw = `${file}.s16`;
  const decoded = await run("ffmpeg", ["-v", "error", "-c:a", "libspeex", "-i", file, "-f", "s16le", "-y", raw]);
  assert.is(decoded.code, 0, decoded.stderr);
  const pcm = new Int16Array(new Uint8Array(readFileSync(raw)).buffer);
  const rms = Math.sqrt(pcm.reduce((a, v) => a + v * v, 0) / pcm.length) / 32768;
  console.log(`  recording: Speex ${probe.duration.toFixed(2)} s, ${(20 * Math.log10(rms)).toFixed(1)} dBFS`);
  assert.ok(20 * Math.log10(rms) > -40, "the call's speech is in the recording");
});

test("a SIPp UAS answering 486 Busy Here makes the call BUSY with sipStatus 486", async () => {
  const server = await startServer();
  const sipp = await startSipp("uas-486.xml");
  assert.is((await server.rest("/rest-api/call/startup", callBody("call-busy", sipp))).status, 200);
  const busy = await server.waitForCall("call-busy", "BUSY", (c) => c.status === "BUSY");
  assert.is(busy.sipStatus, 486);
  assert.is(await sipp.exit, 0, "SIPp got the ACK for its 486");
});

test("a SIPp UAS that never answers makes the call FAILED after Timer B with sipStatus 408", async () => {
  const server = await startServer({}, FAST_SIP_TIMERS);
  const sipp = await startSipp("uas-silent.xml");
  const t0 = Date.now();
  assert.is((await server.rest("/rest-api/call/startup", callBody("call-silent", sipp))).status, 200);
  const failed = await server.waitForCall("call-silent", "FAILED", (c) => c.status === "FAILED", 10000);
  assert.is(failed.sipStatus, 408);
  assert.is(failed.info, "Failed by request timeout");
  assert.ok(Date.now() - t0 >= 3000, "not before Timer B (64 * 50 ms)");
});

test("SIPp's 401 challenge (qop=auth) is answered with sipAuthenticationName and sipPassword, and the call is ESTABLISHED", async () => {
  const server = await startServer();
  const sipp = await startSipp("uas-401.xml");
  assert.is((await server.rest("/rest-api/call/startup", callBody("call-401", sipp, { sipPassword: "secret" }))).status, 200);
  const call = await server.waitForCall("call-401", "ESTABLISHED", (c) => c.status === "ESTABLISHED");
  assert.is(call.sipStatus, 200);
  assert.match(sippMessages(sipp), /Authorization: Digest username="alice"/);
  assert.is((await server.rest("/rest-api/call/terminate", { callId: "call-401" })).status, 200);
  assert.is(await sipp.exit, 0, "SIPp's verifyauth accepted the digest and got the BYE");
});

test("sipTransport TCP calls SIPp over TCP (sipp -t t1): ESTABLISHED, then BYE on the same connection", async () => {
  const server = await startServer();
  const sipp = await startSipp("uas-answer.xml", {}, { tcp: true });
  assert.is((await server.rest("/rest-api/call/startup", callBody("call-tcp", sipp, { sipTransport: "TCP" }))).status, 200);
  await server.waitForCall("call-tcp", "ESTABLISHED", (c) => c.status === "ESTABLISHED");
  assert.match(sippMessages(sipp), /INVITE sip:service@127\.0\.0\.1:\d+;transport=tcp|Via: SIP\/2\.0\/TCP/);
  assert.is((await server.rest("/rest-api/call/terminate", { callId: "call-tcp" })).status, 200);
  assert.is(await sipp.exit, 0);
});

test("with sip.port set, two concurrent UDP calls and a TCP call all use that one port, and each BYE and its answer reach the right call", async () => {
  const sipPort = await freeUdpPort();
  const server = await startServer({ "sip.port": sipPort });
  const first = await startSipp("uas-answer.xml");
  const second = await startSipp("uas-answer.xml");
  const overTcp = await startSipp("uas-answer.xml", {}, { tcp: true });
  assert.is((await server.rest("/rest-api/call/startup", callBody("shared-1", first))).status, 200);
  assert.is((await server.rest("/rest-api/call/startup", callBody("shared-2", second))).status, 200);
  assert.is((await server.rest("/rest-api/call/startup", callBody("shared-tcp", overTcp, { sipTransport: "TCP" }))).status, 200);
  for (const callId of ["shared-1", "shared-2", "shared-tcp"]) await server.waitForCall(callId, "ESTABLISHED", (c) => c.status === "ESTABLISHED");
  assert.match(sippMessages(first), new RegExp(`Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${sipPort};`));
  assert.match(sippMessages(second), new RegExp(`Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${sipPort};`));
  assert.match(sippMessages(overTcp), new RegExp(`Via: SIP/2\\.0/TCP 127\\.0\\.0\\.1:${sipPort};`));
  // the second call ends first: its BYE's 200 must not be taken by the first call's agent
  assert.is((await server.rest("/rest-api/call/terminate", { callId: "shared-2" })).status, 200);
  await server.waitForCall("shared-2", "FINISH", (c) => c.status === "FINISH");
  assert.is(((await server.rest("/rest-api/call/find", { callId: "shared-1" })).body as { status: string }[])[0]!.status, "ESTABLISHED");
  for (const callId of ["shared-1", "shared-tcp"]) {
    assert.is((await server.rest("/rest-api/call/terminate", { callId })).status, 200);
    await server.waitForCall(callId, "FINISH", (c) => c.status === "FINISH");
  }
  assert.equal(await Promise.all([first.exit, second.exit, overTcp.exit]), [0, 0, 0], "each SIPp got its ACK and BYE");
});

test.run();
