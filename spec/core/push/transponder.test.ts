import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { AudioConfig, AudioFrame, Frame } from "../../../src/codecs/frame.ts";
import { makeConfig } from "../../../src/config.ts";
import type { PcmBlock } from "../../../src/audio/pcm.ts";
import { StreamHub } from "../../../src/core/stream/hub.ts";
import type { MediaSource } from "../../../src/core/stream/media-sink.ts";
import { CORE_ERR, type CoreErrorCode } from "../../../src/core/errors.ts";
import { TransponderRegistry, PushError, type ReservationReleased, type StreamReservations, type TransponderStateChange } from "../../../src/core/push/transponders.ts";
import { TypedEmitter } from "../../../src/events.ts";
import { FakeAudio, FakeOutput, type Outcome } from "./transponder-fakes.ts";
import { waitFor } from "../../support/net.ts";

/** How long a FAILED transponder is watched for a retry that must not come: several times rtmp_reconnect_max_delay (20 ms here). */
const NO_RETRY_WINDOW_MS = 100;
const test = suite("core/transponder");

const testSound: PcmBlock = { sampleRate: 8000, channels: 1, samples: new Float32Array(80) };
const sps = { codec: "H264" as const, sps: new Uint8Array([0x67]), pps: new Uint8Array([0x68]), width: 640, height: 360 };
const aac: AudioConfig = { codec: "AAC", sampleRate: 48000, channels: 2, asc: new Uint8Array([0x11, 0x90]) };
const v = (dts: number, key = false): Frame => ({ kind: "video", codec: "H264", dts, pts: dts, key, data: [new Uint8Array([1])] });
const a = (dts: number): Frame => ({ kind: "audio", codec: "AAC", dts, pts: dts, key: true, data: new Uint8Array(1) });

function setup(outcomes: Outcome[], configOverrides = {}) {
  const hub = new StreamHub();
  let keyframeRequests = 0;
  const source: MediaSource = { kind: "rtmp", requestKeyframe: () => void keyframeRequests++, stop: () => {} };
  const stream = hub.publish("cam", source);
  stream.setConfig(sps);
  stream.setConfig(aac);
  const outputs: FakeOutput[] = [];
  const audioCodecs: string[] = [];
  const audioPaths: FakeAudio[] = [];
  const config = makeConfig({ rtmp_reconnect_min_delay: 5, rtmp_reconnect_max_delay: 20, rtmp_keyframe_request_interval: 0, ...configOverrides });
  const registry = new TransponderRegistry({
    hub,
    config,
    connect: (target) => {
      const o = new FakeOutput(target, outcomes[Math.min(outputs.length, outcomes.length - 1)]!);
      outputs.push(o);
      return o;
    },
    audioPath: (codec) => {
      audioCodecs.push(codec);
      audioPaths.push(new FakeAudio());
      return audioPaths.at(-1)!;
    },
    loadSound: async (name: string) => {
      if (name !== "test.wav") throw new PushError(CORE_ERR.NOT_FOUND, "No such file");
      return testSound;
    },
    resolveHost: async (host) => {
      if (host === "nowhere.invalid") throw new PushError(CORE_ERR.INVALID, `rtmpUrl: host ${host} cannot be resolved`);
    },
  });
  return { hub, stream, registry, outputs, audioCodecs, audioPaths, keyframes: () => keyframeRequests };
}

test("goes ACTIVE, starts at a keyframe with metadata and sequence headers first, timestamps from 0", async () => {
  const { stream, registry, outputs } = setup(["ok"]);
  const r = await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/live" });
  await waitFor("ACTIVE", () => (r.transponder.status === "ACTIVE" ? true : undefined));
  assert.is(r.streamName, "rtmp_cam");
  stream.pushFrame(v(1000, true)); // the sink starts here
  stream.pushFrame(a(1010));
  stream.pushFrame(v(1033));
  assert.equal(outputs[0]!.sent, ["meta 640x360 AAC", "config H264@0", "config AAC@0", "videoK@0", "audio@10", "video@33"]);
});

test("media the stream sends while the first connection is made goes out once ACTIVE, from its keyframe on", async () => {
  const { stream, registry, outputs } = setup(["gated"]);
  const r = await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/live" });
  assert.is(r.transponder.status, "CONNECTING");
  stream.pushFrame(v(1000, true));
  stream.pushFrame(a(1010));
  stream.pushFrame(v(1033));
  outputs[0]!.open();
  await waitFor("ACTIVE", () => (r.transponder.status === "ACTIVE" ? true : undefined));
  assert.equal(outputs[0]!.sent, ["meta 640x360 AAC", "config H264@0", "config AAC@0", "videoK@0", "audio@10", "video@33"]);
  registry.close();
});

test("audio the path makes later (its codecs in a worker) goes out when it comes, and none after stop", async () => {
  const { stream, registry, outputs, audioPaths } = setup(["ok"]);
  const r = await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/live" });
  await waitFor("ACTIVE", () => (r.transponder.status === "ACTIVE" ? true : undefined));
  audioPaths[0]!.push = () => [];
  stream.pushFrame(v(1000, true));
  stream.pushFrame(a(1010));
  stream.pushFrame(v(1033));
  audioPaths[0]!.deliver([a(1010) as AudioFrame]);
  assert.equal(outputs[0]!.sent, ["meta 640x360 AAC", "config H264@0", "config AAC@0", "videoK@0", "video@33", "audio@10"]);
  registry.close();
  audioPaths[0]!.deliver([a(1030) as AudioFrame]);
  assert.is(outputs[0]!.sent.length, 6);
});

test("an equal audio config handed out again (a transcoder made anew) sends no second AAC sequence header; a different one does", async () => {
  const { stream, registry, outputs } = setup(["ok"]);
  const r = await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/live" });
  await waitFor("ACTIVE", () => (r.transponder.status === "ACTIVE" ? true : undefined));
  const audio = r.transponder.options.audio as unknown as FakeAudio;
  stream.pushFrame(v(1000, true));
  audio.config = { ...aac, asc: new Uint8Array(aac.asc!) };
  stream.pushFrame(a(1000));
  audio.config = { ...aac, sampleRate: 44100, asc: new Uint8Array([0x12, 0x10]) };
  stream.pushFrame(a(1020));
  assert.equal(outputs[0]!.sent.slice(1), ["config H264@0", "config AAC@0", "videoK@0", "audio@0", "config AAC@20", "audio@20"]);
  registry.close();
});

test("a dropped connection reconnects by itself and resumes at a keyframe with fresh headers", async () => {
  const { stream, registry, outputs, keyframes } = setup(["ok", "unreachable", "ok"]);
  const seen: string[] = [];
  const r = await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/live" });
  await waitFor("ACTIVE", () => (r.transponder.status === "ACTIVE" ? true : undefined));
  stream.pushFrame(v(0, true));
  const before = keyframes();
  outputs[0]!.drop("Connection reset by peer");
  assert.is(r.transponder.status, "RECONNECTING");
  assert.is(r.transponder.lastError, "Connection reset by peer");
  await waitFor("second ACTIVE", () => (r.transponder.status === "ACTIVE" && outputs.length === 3 ? true : undefined), 2000);
  assert.is(r.transponder.reconnects, 2);
  assert.ok(keyframes() > before, "a keyframe is requested on reconnect");
  stream.pushFrame(v(2000)); // inter frame: not a place to start
  stream.pushFrame(a(2010));
  stream.pushFrame(v(2033, true));
  stream.pushFrame(a(2040));
  seen.push(...outputs[2]!.sent);
  assert.equal(seen, ["meta 640x360 AAC", "config H264@0", "config AAC@0", "videoK@0", "audio@7"]);
});

test("uptimeMs counts the current ACTIVE period only and bytes the media payload sent over every connection", async () => {
  const { stream, registry, outputs } = setup(["ok", "ok"]);
  const r = await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/live" });
  await waitFor("ACTIVE", () => (r.transponder.status === "ACTIVE" ? true : undefined));
  stream.pushFrame(v(1000, true)); // 1 byte of NAL unit
  stream.pushFrame(a(1010)); // 1 byte of audio
  stream.pushFrame({ kind: "video", codec: "H264", dts: 1033, pts: 1033, key: false, data: [new Uint8Array(7), new Uint8Array(3)] });
  assert.is(r.transponder.bytes, 12);
  await waitFor("uptime", () => (r.transponder.uptimeMs >= 20 ? true : undefined));
  const droppedAt = Date.now();
  outputs[0]!.drop("Connection reset by peer");
  assert.is(r.transponder.uptimeMs, 0, "not ACTIVE: no uptime");
  await waitFor("ACTIVE again", () => (r.transponder.status === "ACTIVE" ? true : undefined), 2000);
  assert.ok(r.transponder.uptimeMs <= Date.now() - droppedAt, `a new period: ${r.transponder.uptimeMs} ms`);
  stream.pushFrame(v(2000, true));
  assert.is(r.transponder.bytes, 13, "bytes add up over connections");
  registry.close();
});

test("the same parameter sets again (a looping file) change nothing; a new SPS gets a header at the next keyframe", async () => {
  const { stream, registry, outputs } = setup(["ok"]);
  const r = await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/live" });
  await waitFor("ACTIVE", () => (r.transponder.status === "ACTIVE" ? true : undefined));
  stream.pushFrame(v(1000, true));
  stream.setConfig({ ...sps, sps: new Uint8Array([0x67]) });
  stream.pushFrame(v(1033));
  stream.setConfig({ ...sps, sps: new Uint8Array([0x67, 0x42]), width: 1280, height: 720 });
  stream.pushFrame(v(1066)); // not a keyframe: cannot follow a new sequence header
  stream.pushFrame(v(1100, true));
  assert.equal(outputs[0]!.sent.slice(3), ["videoK@0", "video@33", "config H264@100", "videoK@100"]);
  registry.close();
});

test("a refused publish is FAILED with the server's reason, no retry", async () => {
  const { registry, outputs } = setup(["refused"]);
  const r = await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/live" });
  await waitFor("FAILED", () => (r.transponder.status === "FAILED" ? true : undefined));
  assert.is(r.transponder.lastError, "NetStream.Publish.BadName: name in use");
  await new Promise((res) => setTimeout(res, NO_RETRY_WINDOW_MS));
  assert.is(outputs.length, 1);
});

test("a server that closes on publish three times in a row (nginx's on_publish refusal) makes it FAILED; a success in between starts the count again", async () => {
  const { registry, outputs } = setup(["closed", "closed", "ok", "closed", "closed", "closed", "ok"]);
  const seen: string[] = [];
  const r = await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/live" });
  await waitFor("first ACTIVE", () => (r.transponder.status === "ACTIVE" ? true : undefined), 2000);
  assert.is(outputs.length, 3, "two closes are retried");
  outputs[2]!.drop("Connection reset by peer");
  await waitFor("FAILED", () => {
    if (seen.at(-1) !== r.transponder.status) seen.push(r.transponder.status);
    return r.transponder.status === "FAILED" ? true : undefined;
  }, 2000, 1);
  assert.is(outputs.length, 6, "three closes after the last ACTIVE, then no more attempts");
  assert.match(r.transponder.lastError, /closed the connection on publish 3 times in a row/);
  assert.ok(seen.includes("RECONNECTING"), seen.join(" -> "));
  await new Promise((res) => setTimeout(res, NO_RETRY_WINDOW_MS));
  assert.is(outputs.length, 6);
});

test("the end of the stream stops and removes the transponder, unpublishing from the target", async () => {
  const { hub, stream, registry, outputs } = setup(["ok"]);
  const r = await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/live" });
  await waitFor("ACTIVE", () => (r.transponder.status === "ACTIVE" ? true : undefined));
  hub.unpublish(stream, "Unpublished");
  assert.is(r.transponder.status, "STOPPED");
  assert.ok(outputs[0]!.stopped);
  assert.equal(registry.all(), []);
});

test("startup errors: unknown stream 404, duplicate 409, bad or unresolvable URL 400", async () => {
  const { registry } = setup(["ok"]);
  const expectStatus = async (req: { streamName: string; rtmpUrl: string }, code: CoreErrorCode, text: string) => {
    try {
      await registry.startup(req);
      assert.unreachable(JSON.stringify(req));
    } catch (err) {
      assert.instance(err, PushError);
      assert.is((err as PushError).code, code);
      assert.match((err as Error).message, text);
    }
  };
  await expectStatus({ streamName: "nope", rtmpUrl: "rtmp://h/live" }, CORE_ERR.NOT_FOUND, "Stream not found");
  await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/live" });
  await expectStatus({ streamName: "cam", rtmpUrl: "rtmp://h/live" }, CORE_ERR.CONFLICT, "already exists");
  await expectStatus({ streamName: "cam", rtmpUrl: "http://h/live" }, CORE_ERR.INVALID, "unsupported scheme");
  await expectStatus({ streamName: "cam", rtmpUrl: "rtmp://nowhere.invalid/live" }, CORE_ERR.INVALID, "cannot be resolved");
  registry.close();
});

test("20 identical startups at the same moment: one transponder, nineteen 409s; a failed startup frees the name", async () => {
  const { registry } = setup(["ok"]);
  const results = await Promise.allSettled(Array.from({ length: 20 }, () => registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/live" })));
  assert.is(results.filter((r) => r.status === "fulfilled").length, 1);
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  assert.equal(refused.map((r) => (r.reason as PushError).code), Array(19).fill(CORE_ERR.CONFLICT));
  assert.is(registry.all().length, 1);
  const missing = await Promise.allSettled([1, 2].map(() => registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/snd", options: { action: "sound_on", soundFile: "missing.wav" } })));
  assert.equal(missing.map((r) => r.status === "rejected" && (r.reason as PushError).code), [CORE_ERR.NOT_FOUND, CORE_ERR.CONFLICT]);
  await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/snd" });
  registry.close();
});

test("options apply at start: mute and sound_on; sound_on with a missing file is refused", async () => {
  const { registry } = setup(["ok"]);
  const muted = await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/a", options: { action: "mute" } });
  assert.ok(muted.transponder.options.audio.muted);
  const sound = await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/b", options: { action: "sound_on", soundFile: "test.wav", loop: true } });
  assert.ok(sound.transponder.options.audio.soundEnabled);
  assert.is((sound.transponder.options.audio as unknown as FakeAudio).sound, testSound);
  try {
    await registry.soundOn(sound.transponder.options.id, "missing.wav", false);
    assert.unreachable();
  } catch (err) {
    assert.is((err as PushError).code, CORE_ERR.NOT_FOUND);
  }
  registry.close();
});

test("the audio codec is the request's, else rtmp_transponder_audio_codec; any source goes out as speex16 (Speex passed through, the rest encoded)", async () => {
  const { hub, registry, audioCodecs } = setup(["ok"], { rtmp_transponder_audio_codec: "ulaw" });
  const sip = hub.publish("call", { kind: "sip", requestKeyframe: () => {}, stop: () => {} });
  sip.setConfig({ codec: "PCMA", sampleRate: 8000, channels: 1 });
  const byDefault = await registry.startup({ streamName: "call", rtmpUrl: "rtmp://h/live" });
  const asked = await registry.startup({ streamName: "call", rtmpUrl: "rtmp://h/other", audioCodec: "alaw" });
  assert.equal(audioCodecs, ["ulaw", "alaw"]);
  assert.equal([byDefault.audioCodec, asked.audioCodec], ["ulaw", "alaw"]);
  assert.is((await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/alaw", audioCodec: "alaw" })).audioCodec, "alaw", "AAC is decoded and turned into G.711");
  const flash = hub.publish("flash", { kind: "rtmp", requestKeyframe: () => {}, stop: () => {} });
  flash.setConfig({ codec: "SPEEX", sampleRate: 16000, channels: 1 });
  assert.is((await registry.startup({ streamName: "flash", rtmpUrl: "rtmp://h/aac", audioCodec: "aac" })).audioCodec, "aac", "Speex is decoded");
  assert.is((await registry.startup({ streamName: "flash", rtmpUrl: "rtmp://h/live", audioCodec: "speex16" })).audioCodec, "speex16");
  assert.is((await registry.startup({ streamName: "call", rtmpUrl: "rtmp://h/speex", audioCodec: "speex16" })).audioCodec, "speex16", "G.711 is decoded and turned into Speex");
  assert.equal(audioCodecs.slice(-2), ["speex16", "speex16"]);
});

test("rtmp_push_auto_start republishes every newly published stream", async () => {
  const { hub, registry, outputs } = setup(["ok"], { rtmp_push_auto_start: true, rtmp_push_auto_start_url: "rtmp://h/auto" });
  hub.publish("second", { kind: "webrtc", requestKeyframe: () => {}, stop: () => {} });
  await waitFor("auto transponder", () => registry.find("second", undefined)[0]);
  assert.is(outputs.at(-1)!.target.streamName, "rtmp_second");
  assert.is(outputs.at(-1)!.target.app, "auto");
  registry.close();
});

test("seed 000's auto-start URL rtmp://host:1935/ connects with an empty app; a refusal shows the server's text and that the URL has no application", async () => {
  const { hub, registry, outputs } = setup(["app-refused"], { rtmp_push_auto_start: true, rtmp_push_auto_start_url: "rtmp://h:1935/" });
  hub.publish("second", { kind: "webrtc", requestKeyframe: () => {}, stop: () => {} });
  const r = await waitFor("auto transponder", () => registry.find("second", undefined)[0]);
  await waitFor("FAILED", () => (r.transponder.status === "FAILED" ? true : undefined));
  assert.is(outputs[0]!.target.app, "");
  assert.is(outputs[0]!.target.tcUrl, "rtmp://h:1935/");
  assert.is(r.transponder.lastError, "NetConnection.Connect.Rejected: no such application (the RTMP URL has no application)");
  registry.close();
});

test("/push/find matches rtmpUrl as sent and as answered (without the password)", async () => {
  const { registry } = setup(["ok"]);
  await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://user:secret@h/live" });
  assert.is(registry.find("cam", "rtmp://user:secret@h/live").length, 1);
  assert.is(registry.find(undefined, "rtmp://user@h/live").length, 1);
  assert.is(registry.find(undefined, "rtmp://other@h/live").length, 0);
  registry.close();
});

test("a call's target (rtmpStream given) keeps the instance and query in the app and publishes rtmpStream without prefix", async () => {
  const { registry, outputs } = setup(["ok"]);
  await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h:1935/live/_definst_?param1=value1&param2=value2", rtmpStream: "rtmp_stream1" });
  assert.is(outputs[0]!.target.app, "live/_definst_?param1=value1&param2=value2");
  assert.is(outputs[0]!.target.streamName, "rtmp_stream1");
  await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h:1935/live/_definst_?param1=value1&param2=value2", rtmpStream: "other" });
  assert.is(outputs[1]!.target.streamName, "other", "another rtmpStream on the same URL is another transponder");
  registry.close();
});

async function expectCode(promise: Promise<unknown>, code: CoreErrorCode, what: string): Promise<void> {
  const result = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.instance(result, PushError, what);
  assert.is((result as PushError).code, code, what);
}

/** Names held by fake calls, released by hand. */
class Reservations extends TypedEmitter<{ released: ReservationReleased }> implements StreamReservations {
  readonly held = new Map<string, string>();
  holder(name: string): string | undefined {
    return this.held.get(name);
  }
  release(name: string, reason: string): void {
    this.held.delete(name);
    this.emit("released", { name, reason });
  }
}

test("a name a call has reserved: WAITING with no stream, then CONNECTING and ACTIVE when the hub publishes it, starting at its keyframe", async () => {
  const { hub, registry, outputs } = setup(["ok"]);
  const reservations = new Reservations();
  registry.acceptReservedNames(reservations);
  await expectCode(registry.startup({ streamName: "call-s", rtmpUrl: "rtmp://h/live" }), CORE_ERR.NOT_FOUND, "not reserved yet");
  reservations.held.set("call-s", "call c1");
  const changes: string[] = [];
  registry.on("state", ({ from, to }: TransponderStateChange) => changes.push(`${from}->${to}`));
  const r = await registry.startup({ streamName: "call-s", rtmpUrl: "rtmp://h/live" });
  assert.is(r.transponder.status, "WAITING");
  assert.is(r.transponder.stream, undefined);
  assert.is(r.streamName, "rtmp_call-s");
  assert.equal(outputs, [], "no RTMP connection while waiting");
  assert.is(registry.find("call-s", undefined).length, 1, "findable while waiting");
  await expectCode(registry.startup({ streamName: "call-s", rtmpUrl: "rtmp://h/live" }), CORE_ERR.CONFLICT, "the same target twice");
  const stream = hub.publish("call-s", { kind: "sip", requestKeyframe: () => {}, stop: () => {} });
  reservations.held.delete("call-s");
  assert.is(r.transponder.stream, stream);
  stream.setConfig(sps);
  await waitFor("ACTIVE", () => (r.transponder.status === "ACTIVE" ? true : undefined));
  stream.pushFrame(v(500));
  stream.pushFrame(v(600, true));
  stream.pushFrame(v(633));
  assert.equal(outputs[0]!.sent, ["meta 640x360 undefined", "config H264@0", "videoK@0", "video@33"]);
  assert.equal(changes, ["WAITING->CONNECTING", "CONNECTING->ACTIVE"]);
  registry.close();
});

test("a reservation given up unpublished stops its WAITING transponders with the reason; others stay", async () => {
  const { registry, outputs } = setup(["ok"]);
  const reservations = new Reservations();
  registry.acceptReservedNames(reservations);
  reservations.held.set("call-s", "call c1");
  reservations.held.set("other", "call c2");
  const waiting = await registry.startup({ streamName: "call-s", rtmpUrl: "rtmp://h/live" });
  const other = await registry.startup({ streamName: "other", rtmpUrl: "rtmp://h/live" });
  const stopped: TransponderStateChange[] = [];
  registry.on("state", (c) => c.to === "STOPPED" && stopped.push(c));
  reservations.release("call-s", "call c1 ended BUSY (Busy Here) before publishing call-s");
  assert.equal(stopped.map((c) => `${c.from}->${c.to}`), ["WAITING->STOPPED"]);
  assert.is(waiting.transponder.status, "STOPPED");
  assert.is(waiting.transponder.lastError, "call c1 ended BUSY (Busy Here) before publishing call-s");
  assert.is(registry.find("call-s", undefined).length, 0);
  assert.is(other.transponder.status, "WAITING");
  assert.equal(outputs, []);
  registry.close();
  assert.is(other.transponder.status, "STOPPED");
});

test("a reservation released while startup resolves the host is a 404, and nothing is left waiting", async () => {
  const { registry } = setup(["ok"]);
  const reservations = new Reservations();
  registry.acceptReservedNames(reservations);
  reservations.held.set("call-s", "call c1");
  const pending = registry.startup({ streamName: "call-s", rtmpUrl: "rtmp://h/live" });
  reservations.release("call-s", "call c1 ended FAILED");
  await expectCode(pending, CORE_ERR.NOT_FOUND, "released during the awaits");
  assert.equal(registry.all(), []);
});

test("a slow target queues, then drops video up to the next keyframe", async () => {
  const { stream, registry, outputs } = setup(["ok"], { rtmp_send_queue_ms: 100 });
  const r = await registry.startup({ streamName: "cam", rtmpUrl: "rtmp://h/live" });
  await waitFor("ACTIVE", () => (r.transponder.status === "ACTIVE" ? true : undefined));
  stream.pushFrame(v(0, true));
  outputs[0]!.bufferedBytes = 10 * 1024 * 1024; // the socket is full
  for (let t = 33; t <= 330; t += 33) stream.pushFrame(v(t));
  stream.pushFrame(v(363, true));
  stream.pushFrame(v(396));
  outputs[0]!.bufferedBytes = 0;
  outputs[0]!.drain();
  assert.equal(outputs[0]!.sent.slice(3), ["videoK@0", "videoK@363", "video@396"]);
  assert.ok(r.transponder.droppedFrames >= 9);
  registry.close();
});

test.run();
