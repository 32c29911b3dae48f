/**
 * The call registry against a scripted SIP far end on 127.0.0.1 (UDP): what the INVITE offers,
 * how SIP answers become call statuses and CallStatusEvents, the stream a call publishes, hangup by
 * CANCEL and BYE, REGISTER first, and the password kept out of objects, events and logs.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeRtp } from "../../../src/rtp/packet.ts";
import { decodeG711 } from "../../../src/audio/g711.ts";
import { CallError, CallRegistry } from "../../../src/core/call/calls.ts";
import { callObject } from "../../../src/rest/wcs-objects.ts";
import { CORE_ERR } from "../../../src/core/errors.ts";
import { StreamHub } from "../../../src/core/stream/hub.ts";
import { headerValue } from "../../../src/sip/message/headers.ts";
import { Dialog } from "../../../src/sip/dialog.ts";
import type { SipResponse } from "../../../src/sip/messages.ts";
import { encodeRtp, rtpPacket } from "../../../src/rtp/packet.ts";
import type { Frame, TrackConfig } from "../../../src/codecs/frame.ts";
import { PushError, TransponderRegistry } from "../../../src/core/push/transponders.ts";
import { waitFor } from "../../support/net.ts";
import { FakeAudio, FakeOutput } from "../push/transponder-fakes.ts";
import { ANSWER_PCMA, memoryLogger, testConfig, UdpFarEnd, type LogLine } from "./calls-support.ts";

const test = suite("core/calls");
const dec = new TextDecoder();
const enc = new TextEncoder();
let far: UdpFarEnd;
let registry: CallRegistry | undefined;
const sockets: Socket[] = [];

test.before.each(async () => {
  far = await UdpFarEnd.start();
});

test.after.each(async () => {
  await registry?.close();
  registry = undefined;
  await far.close();
  for (const s of sockets.splice(0)) s.close();
});

function setup(overrides: Parameters<typeof testConfig>[0] = {}) {
  const hub = new StreamHub();
  const events: Record<string, unknown>[] = [];
  const logs: LogLine[] = [];
  registry = new CallRegistry({ hub, config: testConfig(overrides), log: memoryLogger(logs), sipTimers: { T1: 50, T2: 400, T4: 500 }, rtcpIntervalMs: 0, onCallStatus: (c) => events.push(callObject(c)) });
  return { hub, events, logs, calls: registry };
}

function request(callId: string, extra: Record<string, unknown> = {}) {
  return { callId, callee: "2000", hasAudio: true, hasVideo: false, sipLogin: "1000", sipAuthenticationName: "auth1000", sipPassword: "pw-never-shown", sipDomain: "127.0.0.1", sipPort: far.port, sipTransport: "UDP" as const, sipRegisterRequired: false, ...extra };
}

test("the INVITE goes to sipDomain:sipPort from sipLogin, offering PCMA, PCMU and telephone-event sendrecv plus H.264 recvonly when hasVideo is false", async () => {
  const { calls } = setup();
  await calls.startup(request("c1"));
  assert.is(callObject(calls.get("c1")).sipStatus, null, "no SIP answer yet");
  const invite = await waitFor("INVITE", () => far.requests.find((r) => r.method === "INVITE"));
  assert.match(invite.uri, /^sip:2000@127\.0\.0\.1:\d+$/);
  assert.match(headerValue(invite, "From") ?? "", /<sip:1000@127\.0\.0\.1:\d+>;tag=/);
  const sdp = dec.decode(invite.body);
  assert.match(sdp, /m=audio (\d+) RTP\/AVP 8 0 101\r\n/);
  assert.match(sdp, /a=rtpmap:101 telephone-event\/8000/);
  const [audio, video] = sdp.split("m=video");
  assert.match(audio!, /a=sendrecv/);
  assert.match(video!, /a=recvonly/);
  assert.match(video!, /H264\/90000/);
  assert.ok(Number(/m=audio (\d+)/.exec(sdp)![1]) % 2 === 0, "RTP on an even port");
});

test("hasAudio false and hasVideo true make the audio recvonly and the video sendrecv", async () => {
  const { calls } = setup();
  await calls.startup(request("c2", { hasAudio: false, hasVideo: true }));
  const invite = await waitFor("INVITE", () => far.requests.find((r) => r.method === "INVITE"));
  const [audio, video] = dec.decode(invite.body).split("m=video");
  assert.match(audio!, /a=recvonly/);
  assert.match(video!, /a=sendrecv/);
});

test("486 makes the call BUSY with sipStatus 486 after TRYING, each change a CallStatusEvent", async () => {
  const { calls, events } = setup();
  far.script = (req, tx, core) => setTimeout(() => tx.respond(core.createResponse(req, 486, { toTag: "far" })), 50);
  await calls.startup(request("c3"));
  await waitFor("BUSY", () => (calls.get("c3").status === "BUSY" ? true : undefined));
  assert.equal(events.map((e) => `${String(e.status)} ${String(e.sipStatus)}`), ["TRYING 100", "BUSY 486"]);
  assert.is(calls.find({ status: "BUSY" }).length, 1);
});

test("a 200 answer makes the call ESTABLISHED and publishes toStream; the phone's PCMA RTP arrives as frames; terminate sends BYE and ends FINISH", async () => {
  const { calls, hub, events } = setup({ rtp_in_buffer: false });
  const phone = createSocket("udp4");
  sockets.push(phone);
  await new Promise<void>((done) => phone.bind(0, "127.0.0.1", done));
  far.script = (req, tx, core) => {
    if (req.method === "INVITE") tx.respond(core.createResponse(req, 200, { toTag: "far", headers: [{ name: "Contact", value: `<sip:far@127.0.0.1:${far.port}>` }, { name: "Content-Type", value: "application/sdp" }], body: enc.encode(ANSWER_PCMA(phone.address().port)) }));
    else tx.respond(core.createResponse(req, 200));
  };
  await calls.startup(request("c4", { toStream: "call-stream" }));
  await waitFor("ESTABLISHED", () => (calls.get("c4").status === "ESTABLISHED" ? true : undefined));
  const stream = hub.get("call-stream");
  assert.ok(stream, "toStream is published");
  assert.equal(stream!.audioConfig, { codec: "PCMA", sampleRate: 8000, channels: 1 });
  const frames: Frame[] = [];
  const configs: TrackConfig[] = [];
  stream!.addSink({ config: (c) => configs.push(c), frame: (f) => frames.push(f), end: () => undefined });
  const invite = far.requests.find((r) => r.method === "INVITE")!;
  const ourPort = Number(/m=audio (\d+)/.exec(dec.decode(invite.body))![1]);
  for (let i = 0; i < 5; i++) phone.send(encodeRtp(rtpPacket({ payloadType: 8, sequenceNumber: 100 + i, timestamp: 8000 + 160 * i, ssrc: 42, payload: new Uint8Array(160).fill(0x55) })), ourPort, "127.0.0.1");
  await waitFor("5 frames", () => (frames.length >= 5 ? true : undefined));
  assert.equal(frames.map((f) => f.dts - frames[0]!.dts), [0, 20, 40, 60, 80], "20 ms apart on the RTP clock");
  assert.is(frames[0]!.kind === "audio" && frames[0]!.codec, "PCMA");
  await calls.terminate("c4");
  assert.ok(far.methods().includes("BYE"));
  const done = calls.get("c4");
  assert.is(done.status, "FINISH");
  assert.is(done.info, "Normal call clearing");
  assert.is(hub.get("call-stream"), undefined, "the stream is unpublished");
  assert.equal(events.map((e) => e.status), ["TRYING", "ESTABLISHED", "FINISH"]);
  const obj = callObject(done);
  assert.is(obj.streamName, "call-stream");
  assert.is((obj.rtpStats as { audio: { session: { packetsReceived: number } } }).audio.session.packetsReceived, 5);
});

test("generate_av_start_delay: with generate_av_for_ua=all the phone gets no silence before the delay has passed, then PCMA silence", async () => {
  const { calls } = setup({ generate_av_for_ua: "all", generate_av_start_delay: 400 });
  const phone = createSocket("udp4");
  sockets.push(phone);
  const arrivals: number[] = [];
  phone.on("message", () => arrivals.push(Date.now()));
  await new Promise<void>((done) => phone.bind(0, "127.0.0.1", done));
  far.script = (req, tx, core) => {
    if (req.method === "INVITE") tx.respond(core.createResponse(req, 200, { toTag: "far", headers: [{ name: "Contact", value: `<sip:far@127.0.0.1:${far.port}>` }, { name: "Content-Type", value: "application/sdp" }], body: enc.encode(ANSWER_PCMA(phone.address().port)) }));
    else tx.respond(core.createResponse(req, 200));
  };
  await calls.startup(request("c-delay"));
  await waitFor("ESTABLISHED", () => (calls.get("c-delay").status === "ESTABLISHED" ? true : undefined), 5000, 1);
  const established = Date.now();
  await waitFor("silence", () => (arrivals.length >= 3 ? true : undefined), 5000);
  assert.ok(arrivals[0]! - established >= 350, `first packet ${arrivals[0]! - established} ms after ESTABLISHED`);
});

test("terminate while ringing sends CANCEL, and the 487 that follows ends the call FINISH", async () => {
  const { calls } = setup();
  far.script = (req, tx, core) => tx.respond(core.createResponse(req, 180, { toTag: "far" }));
  await calls.startup(request("c5"));
  await waitFor("RING", () => (calls.get("c5").status === "RING" ? true : undefined));
  assert.is(calls.get("c5").sipStatus, 180);
  await calls.terminate("c5");
  await waitFor("FINISH", () => (calls.get("c5").status === "FINISH" ? true : undefined));
  assert.is(far.cancels.length, 1, "the far end got a CANCEL for the INVITE");
});

test("sipRegisterRequired REGISTERs first; a 403 to it makes the call FAILED and no INVITE is sent", async () => {
  const { calls } = setup();
  far.script = (req, tx, core) => tx.respond(core.createResponse(req, req.method === "REGISTER" ? 403 : 200, { toTag: "far" }));
  await calls.startup(request("c6", { sipRegisterRequired: true }));
  await waitFor("FAILED", () => (calls.get("c6").status === "FAILED" ? true : undefined));
  assert.equal(far.methods(), ["REGISTER"]);
  assert.is(calls.get("c6").sipStatus, 403);
  assert.match(calls.get("c6").info, /REGISTER/);
});

test("the sipPassword is in no Call object, CallStatusEvent or log line, yet answers the far end's digest challenge", async () => {
  const { calls, events, logs } = setup();
  far.script = (req, tx, core) => {
    if (headerValue(req, "Authorization")) tx.respond(core.createResponse(req, 486, { toTag: "far" }));
    else tx.respond(core.createResponse(req, 401, { toTag: "far", headers: [{ name: "WWW-Authenticate", value: 'Digest realm="r", nonce="n1", qop="auth"' }] }));
  };
  await calls.startup(request("c7"));
  await waitFor("BUSY", () => (calls.get("c7").status === "BUSY" ? true : undefined));
  assert.match(headerValue(far.requests[1]!, "Authorization") ?? "", /username="auth1000"/);
  const all = JSON.stringify([callObject(calls.get("c7")), events, logs]);
  assert.is(all.includes("pw-never-shown"), false);
});

test("a callId in use and an rtmpUrl + rtmpStream in use are refused with 409; a finished call's id may be used again", async () => {
  const { calls } = setup();
  far.script = (req, tx, core) => tx.respond(core.createResponse(req, 180, { toTag: "far" }));
  await calls.startup(request("c8", { rtmpUrl: "rtmp://127.0.0.1:1/live/", rtmpStream: "s1" }));
  const conflict = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      return (err as CallError).code;
    }
    return undefined;
  };
  assert.is(await conflict(() => calls.startup(request("c8"))), CORE_ERR.CONFLICT);
  assert.is(await conflict(() => calls.startup(request("c9", { rtmpUrl: "rtmp://127.0.0.1:1/live", rtmpStream: "s1" }))), CORE_ERR.CONFLICT);
  assert.is(await conflict(() => calls.startup(request("c9", { rtmpUrl: "rtmp://127.0.0.1:99999/live", rtmpStream: "s1" }))), CORE_ERR.INVALID);
  await calls.terminate("c8");
  await waitFor("FINISH", () => (calls.get("c8").status === "FINISH" ? true : undefined));
  assert.is(await conflict(() => calls.startup(request("c8"))), undefined);
});

test("two startups with one callId sent together (the SIP stack loading for the first call meanwhile): one call, one 409", async () => {
  const { calls } = setup();
  far.script = (req, tx, core) => tx.respond(core.createResponse(req, 180, { toTag: "far" }));
  const outcomes = await Promise.allSettled([calls.startup(request("c-twice")), calls.startup(request("c-twice"))]);
  assert.equal(outcomes.map((o) => o.status).sort(), ["fulfilled", "rejected"]);
  const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
  assert.is((refused.reason as CallError).code, CORE_ERR.CONFLICT);
  assert.is(calls.find({ callId: "c-twice" }).length, 1);
});

/** The call registry with a real transponder registry whose RTMP outputs are fakes that connect at once. */
function withTransponders() {
  const hub = new StreamHub();
  const outputs: FakeOutput[] = [];
  const transponders = new TransponderRegistry({
    hub,
    config: testConfig(),
    connect: (target) => (outputs.push(new FakeOutput(target, "ok")), outputs.at(-1)!),
    audioPath: () => new FakeAudio(),
    loadSound: () => Promise.reject(new Error("no sounds")),
    resolveHost: async () => undefined,
  });
  const calls = new CallRegistry({ hub, config: testConfig(), transponders, log: memoryLogger([]), sipTimers: { T1: 50, T2: 400, T4: 500 }, rtcpIntervalMs: 0 });
  registry = calls;
  return { hub, outputs, transponders, calls };
}

test("seed 004's rtmpUrl with instance and query is republished to app live/_definst_?param1=value1&param2=value2 as rtmpStream", async () => {
  const { outputs, transponders, calls } = withTransponders();
  far.script = (req, tx, core) => {
    if (req.method === "INVITE") tx.respond(core.createResponse(req, 200, { toTag: "far", headers: [{ name: "Contact", value: `<sip:far@127.0.0.1:${far.port}>` }, { name: "Content-Type", value: "application/sdp" }], body: enc.encode(ANSWER_PCMA(9)) }));
    else tx.respond(core.createResponse(req, 200));
  };
  await calls.startup(request("c-seed", { rtmpUrl: "rtmp://rtmp-server.flashphoner.com:1935/live/_definst_?param1=value1&param2=value2", rtmpStream: "rtmp_stream1" }));
  const output = await waitFor("RTMP output", () => outputs[0]);
  assert.is(output.target.host, "rtmp-server.flashphoner.com");
  assert.is(output.target.app, "live/_definst_?param1=value1&param2=value2");
  assert.is(output.target.streamName, "rtmp_stream1");
  await waitFor("RTMP_STREAM_ACTIVE", () => (calls.get("c-seed").rtmpStreamStatus === "RTMP_STREAM_ACTIVE" ? true : undefined));
  transponders.close();
});

test("/push/startup on a toStream right after /call/startup is WAITING, republishes once the call is established, and a call that ends unanswered stops its transponder saying why", async () => {
  const { hub, outputs, transponders, calls } = withTransponders();
  transponders.acceptReservedNames(calls);
  const invites = new Map<string, () => void>();
  far.script = (req, tx, core) => {
    if (req.method !== "INVITE") return tx.respond(core.createResponse(req, 200));
    const user = /^sip:(\w+)@/.exec(req.uri)![1]!;
    const answer = () => tx.respond(core.createResponse(req, 200, { toTag: "far", headers: [{ name: "Contact", value: `<sip:far@127.0.0.1:${far.port}>` }, { name: "Content-Type", value: "application/sdp" }], body: enc.encode(ANSWER_PCMA(9)) }));
    invites.set(user, user === "busy" ? () => tx.respond(core.createResponse(req, 486, { toTag: "far" })) : answer);
  };
  await calls.startup(request("c-wait", { toStream: "call-wait" }));
  const waiting = await transponders.startup({ streamName: "call-wait", rtmpUrl: "rtmp://127.0.0.1/live" });
  assert.is(waiting.transponder.status, "WAITING");
  assert.is(calls.holder("call-wait"), "call c-wait");
  const answer = await waitFor("INVITE", () => invites.get("2000"));
  assert.is(waiting.transponder.status, "WAITING", "still waiting while the phone rings");
  assert.equal(outputs, []);
  answer();
  await waitFor("ACTIVE", () => (waiting.transponder.status === "ACTIVE" ? true : undefined));
  assert.is(waiting.transponder.stream, hub.get("call-wait"));
  assert.is(outputs[0]!.target.streamName, "rtmp_call-wait");
  assert.is(calls.holder("call-wait"), undefined, "published: no longer a reservation");

  await calls.startup(request("c-busy", { callee: "busy", toStream: "call-busy" }));
  const doomed = await transponders.startup({ streamName: "call-busy", rtmpUrl: "rtmp://127.0.0.1/live" });
  const refuse = await waitFor("INVITE", () => invites.get("busy"));
  refuse();
  await waitFor("STOPPED", () => (doomed.transponder.status === "STOPPED" ? true : undefined));
  assert.match(doomed.transponder.lastError, /^call c-busy ended BUSY \(.+\) before publishing call-busy$/);
  assert.equal(transponders.find("call-busy", undefined), [], "gone from /push/find");
  assert.is(outputs.length, 1, "it never connected");
  try {
    await transponders.startup({ streamName: "call-busy", rtmpUrl: "rtmp://127.0.0.1/live" });
    assert.unreachable("the call is over");
  } catch (err) {
    assert.is((err as PushError).code, CORE_ERR.NOT_FOUND);
  }
  transponders.close();
});

test("a re-INVITE offering sendonly puts the call on HOLD (answered recvonly), and sendrecv brings it back to ESTABLISHED", async () => {
  const { calls, events } = setup();
  far.script = (req, tx, core) => {
    if (req.method === "INVITE") tx.respond(core.createResponse(req, 200, { toTag: "far", headers: [{ name: "Contact", value: `<sip:far@127.0.0.1:${far.port}>` }, { name: "Content-Type", value: "application/sdp" }], body: enc.encode(ANSWER_PCMA(9)) }));
    else tx.respond(core.createResponse(req, 200));
  };
  await calls.startup(request("c10"));
  await waitFor("ESTABLISHED", () => (calls.get("c10").status === "ESTABLISHED" ? true : undefined));
  const invite = far.requests.find((r) => r.method === "INVITE")!;
  const dialog = Dialog.fromUasRequest(invite, "far")!;
  const reinvite = (direction: string) =>
    new Promise<SipResponse>((done, fail) => {
      const sdp = ANSWER_PCMA(9).replace("m=video 0 RTP/AVP 96\r\n", `a=${direction}\r\nm=video 0 RTP/AVP 96\r\n`);
      const req = dialog.createRequest("INVITE", { contact: `<sip:far@127.0.0.1:${far.port}>`, headers: [{ name: "Content-Type", value: "application/sdp" }], body: enc.encode(sdp) });
      far.core.sendRequest(req, {
        onResponse: (res) => {
          if (res.status < 200) return;
          far.core.sendStateless(dialog.createRequest("ACK", { cseq: dialog.localSeq }));
          done(res);
        },
        onTimeout: () => fail(new Error("no answer to the re-INVITE")),
      });
    });
  const held = await reinvite("sendonly");
  assert.is(held.status, 200);
  assert.match(dec.decode(held.body).split("m=video")[0]!, /a=recvonly/);
  assert.is(calls.get("c10").status, "HOLD");
  const back = await reinvite("sendrecv");
  assert.match(dec.decode(back.body).split("m=video")[0]!, /a=sendrecv/);
  assert.is(calls.get("c10").status, "ESTABLISHED");
  assert.equal(events.map((e) => e.status), ["TRYING", "ESTABLISHED", "HOLD", "ESTABLISHED"]);
});

/** A 16-bit mono PCM WAV of a 1 kHz tone. */
function toneWav(rate: number, ms: number): Uint8Array {
  const n = Math.round((rate * ms) / 1000);
  const out = new DataView(new ArrayBuffer(44 + 2 * n));
  const text = (at: number, s: string) => [...s].forEach((c, i) => out.setUint8(at + i, c.charCodeAt(0)));
  text(0, "RIFF");
  out.setUint32(4, 36 + 2 * n, true);
  text(8, "WAVEfmt ");
  out.setUint32(16, 16, true);
  out.setUint16(20, 1, true);
  out.setUint16(22, 1, true);
  out.setUint32(24, rate, true);
  out.setUint32(28, rate * 2, true);
  out.setUint16(32, 2, true);
  out.setUint16(34, 16, true);
  text(36, "data");
  out.setUint32(40, 2 * n, true);
  for (let i = 0; i < n; i++) out.setInt16(44 + 2 * i, Math.round(12000 * Math.sin((2 * Math.PI * 1000 * i) / rate)), true);
  return new Uint8Array(out.buffer);
}

test("inject_sound plays a WAV from media_dir into the call as PCMA (resampled from 16 kHz); a missing file is 404", async () => {
  const media = mkdtempSync(join(tmpdir(), "transpond-media-"));
  try {
    writeFileSync(join(media, "tone.wav"), toneWav(16000, 300));
    const { calls } = setup({ media_dir: media });
    const phone = createSocket("udp4");
    sockets.push(phone);
    await new Promise<void>((done) => phone.bind(0, "127.0.0.1", done));
    const got: Uint8Array[] = [];
    phone.on("message", (b) => got.push(new Uint8Array(b)));
    far.script = (req, tx, core) => {
      if (req.method === "INVITE") tx.respond(core.createResponse(req, 200, { toTag: "far", headers: [{ name: "Contact", value: `<sip:far@127.0.0.1:${far.port}>` }, { name: "Content-Type", value: "application/sdp" }], body: enc.encode(ANSWER_PCMA(phone.address().port)) }));
      else tx.respond(core.createResponse(req, 200));
    };
    await calls.startup(request("c11"));
    await waitFor("ESTABLISHED", () => (calls.get("c11").status === "ESTABLISHED" ? true : undefined));
    try {
      await calls.injectSound("c11", "nope.wav");
      assert.unreachable("missing file");
    } catch (err) {
      assert.is((err as CallError).code, CORE_ERR.NOT_FOUND);
    }
    await calls.injectSound("c11", "tone.wav");
    await waitFor("the sound", () => (got.length >= 15 ? true : undefined), 3000);
    const packets = got.map((b) => decodeRtp(b));
    assert.ok(packets.every((p) => p.payloadType === 8 && p.payload.length === 160));
    const loud = packets.filter((p) => Math.max(...decodeG711("PCMA", p.payload).map(Math.abs)) > 8000);
    assert.ok(loud.length >= 13 && loud.length <= 16, `${loud.length} packets of the 300 ms tone`);
    assert.is(callObject(calls.get("c11")).audioOut !== null, true);
  } finally {
    rmSync(media, { recursive: true, force: true });
  }
});

test.run();
