import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { AudioConfig, Frame } from "../../../src/codecs/frame.ts";
import type { MediaSink, MediaSource } from "../../../src/core/stream/media-sink.ts";
import { CORE_ERR, type CoreErrorCode } from "../../../src/core/errors.ts";
import { normalizeRelayUri, RelayError } from "../../../src/core/relay/relays.ts";
import { waitFor } from "../../support/net.ts";
import { relaySetup } from "./relay-fakes.ts";

const test = suite("core/relay");

const h264 = { codec: "H264" as const, sps: new Uint8Array([0x67]), pps: new Uint8Array([0x68]), width: 640, height: 360 };
const opus: AudioConfig = { codec: "OPUS", sampleRate: 48000, channels: 2 };
const v = (dts: number, key = false): Frame => ({ kind: "video", codec: "H264", dts, pts: dts, key, data: [new Uint8Array([1])] });
const a = (dts: number): Frame => ({ kind: "audio", codec: "OPUS", dts, pts: dts, key: true, data: new Uint8Array(1) });

function expectRelayError(fn: () => unknown, code: CoreErrorCode, text: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, RelayError);
    assert.is((err as RelayError).code, code);
    assert.match((err as Error).message, text);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

function localStream(hub: ReturnType<typeof relaySetup>["hub"], name = "cam") {
  let keyframeRequests = 0;
  const source: MediaSource = { kind: "webrtc", requestKeyframe: () => void keyframeRequests++, stop: () => {} };
  const stream = hub.publish(name, source);
  stream.setConfig(h264);
  stream.setConfig(opus);
  return { stream, keyframes: () => keyframeRequests };
}

test("a uri without scheme becomes ws:// or wss:// as wcs_agent_ssl says; a scheme given wins; others are 400 naming uri", () => {
  assert.equal(normalizeRelayUri("host:8080", false), { uri: "ws://host:8080", transport: "webrtc" });
  assert.equal(normalizeRelayUri("host:8443", true), { uri: "wss://host:8443", transport: "webrtc" });
  assert.equal(normalizeRelayUri("ws://host:8080", true), { uri: "ws://host:8080", transport: "webrtc" });
  assert.equal(normalizeRelayUri("rtmp://host/live/s", true), { uri: "rtmp://host/live/s", transport: "rtmp" });
  expectRelayError(() => normalizeRelayUri("http://host/x", false), CORE_ERR.INVALID, /^uri: scheme http is not one of ws, wss, rtmp, rtmps/);
  expectRelayError(() => normalizeRelayUri("", false), CORE_ERR.INVALID, /^uri: /);
});

test("push: ACTIVE, the link gets the configs, then frames from a keyframe on, and a keyframe is asked for", async () => {
  const { hub, registry, links } = relaySetup(["ok"]);
  const { stream, keyframes } = localStream(hub);
  const relay = registry.push({ uri: "ws://b:8080", localStreamName: "cam", remoteStreamName: "camB" });
  assert.is(relay.status, "NEW");
  await waitFor("ACTIVE", () => (relay.state === "ACTIVE" ? true : undefined));
  assert.is(relay.status, "PROCESSED_REMOTE");
  assert.ok(keyframes() >= 1);
  stream.pushFrame(a(0));
  stream.pushFrame(v(10));
  stream.pushFrame(v(20, true));
  stream.pushFrame(a(25));
  assert.equal(links[0]!.sent, ["config H264", "config OPUS", "videoK@20", "audio@25"]);
  assert.is(relay.bytes, 2, "bytes count what was sent (the 1-byte keyframe and audio frame), not what was skipped");
  assert.ok(relay.activeSince !== undefined && relay.activeSince <= Date.now());
});

test("push: a dropped link goes RECONNECTING and back, the new link starts at a keyframe again", async () => {
  const { hub, registry, links } = relaySetup(["ok"]);
  const { stream } = localStream(hub);
  const relay = registry.push({ uri: "ws://b:8080", localStreamName: "cam", remoteStreamName: "camB" });
  await waitFor("ACTIVE", () => (relay.state === "ACTIVE" ? true : undefined));
  links[0]!.delegate.lost("the WebSocket closed", true);
  assert.is(relay.state, "RECONNECTING");
  assert.is(relay.activeSince, undefined, "no uptime while not ACTIVE");
  assert.is(relay.lastError, "the WebSocket closed");
  assert.ok(links[0]!.stopped);
  await waitFor("ACTIVE again", () => (relay.state === "ACTIVE" && links.length === 2 ? true : undefined));
  assert.is(relay.reconnects, 1);
  assert.is(relay.lastError, "");
  stream.pushFrame(v(30));
  stream.pushFrame(v(40, true));
  assert.equal(links[1]!.sent, ["config H264", "config OPUS", "videoK@40"]);
});

test("push: unreachable attempts are retried with backoff; a refusal for good is FAILED with the reason", async () => {
  const { hub, registry, links } = relaySetup(["unreachable", "unreachable", "refused"]);
  localStream(hub);
  const relay = registry.push({ uri: "ws://b:8080", localStreamName: "cam", remoteStreamName: "camB" });
  await waitFor("FAILED", () => (relay.state === "FAILED" ? true : undefined));
  assert.is(links.length, 3);
  assert.is(relay.reconnects, 2);
  assert.is(relay.lastError, "Stream name is already in use");
  assert.is(registry.all().length, 1, "a FAILED relay stays listed with its error");
});

test("terminate during RECONNECTING: STOPPED at once, no further attempt, the local stream let go; terminate during CONNECTING stops the link it was starting", async () => {
  const { hub, registry, links } = relaySetup(["ok", "unreachable"]);
  const { stream } = localStream(hub);
  const relay = registry.push({ uri: "ws://b:8080", localStreamName: "cam", remoteStreamName: "camB" });
  await waitFor("ACTIVE", () => (relay.state === "ACTIVE" ? true : undefined));
  links[0]!.delegate.lost("the server closed the WebSocket (1001)", true);
  assert.is(relay.state, "RECONNECTING");
  assert.is(registry.terminate({ remoteStreamName: "camB" }), 1);
  assert.is(relay.state, "STOPPED");
  assert.is(stream.sinkCount, 0, "the relay's sink left the local stream");
  const states: string[] = [];
  registry.on("state", ({ relay: r }) => states.push(r.state));
  // several times the longest backoff (20 ms): the retry timer must not start a link
  await new Promise((r) => setTimeout(r, 200));
  assert.is(links.length, 1);
  assert.equal(states, []);
  assert.is(relay.reconnects, 0);

  const pulled = registry.pull({ uri: "ws://a:8080", localStreamName: "here", remoteStreamName: "there" });
  assert.is(pulled.state, "CONNECTING");
  registry.terminate({ localStreamName: "here" });
  await waitFor("the starting link stopped", () => (links[1]?.stopped ? true : undefined));
  assert.is(hub.get("here"), undefined, "nothing published after a terminate while connecting");
});

test("push: the local stream ending stops the relay and the link", async () => {
  const { hub, registry, links } = relaySetup(["ok"]);
  const { stream } = localStream(hub);
  const relay = registry.push({ uri: "ws://b:8080", localStreamName: "cam", remoteStreamName: "camB" });
  await waitFor("ACTIVE", () => (relay.state === "ACTIVE" ? true : undefined));
  hub.unpublish(stream, "Stopped by publisher stop");
  assert.is(relay.state, "STOPPED");
  assert.match(relay.lastError, /Local stream ended: Stopped by publisher stop/);
  assert.ok(links[0]!.stopped);
  assert.is(registry.all().length, 0);
});

test("push: 404 for a local stream that does not exist, 409 for the same relay twice, 400 for an rtmp:// uri", () => {
  const { hub, registry } = relaySetup(["ok"]);
  expectRelayError(() => registry.push({ uri: "ws://b:8080", localStreamName: "cam", remoteStreamName: "x" }), CORE_ERR.NOT_FOUND, /Stream not found: cam/);
  localStream(hub);
  registry.push({ uri: "ws://b:8080", localStreamName: "cam", remoteStreamName: "x" });
  expectRelayError(() => registry.push({ uri: "ws://b:8080", localStreamName: "cam", remoteStreamName: "x" }), CORE_ERR.CONFLICT, /already exists/);
  expectRelayError(() => registry.push({ uri: "rtmp://b/live", localStreamName: "cam", remoteStreamName: "y" }), CORE_ERR.INVALID, /^uri: .*\/push\/startup/);
  expectRelayError(() => registry.push({ uri: "ws://c:8080", localStreamName: "cam" }), CORE_ERR.INVALID, /^remoteStreamName is required/);
});

test("pull: the remote media is a local stream while the link is up; the remote end unpublishes it and the relay tries again", async () => {
  const { hub, registry, links } = relaySetup(["ok"]);
  const relay = registry.pull({ uri: "ws://a:8080", localStreamName: "here", remoteStreamName: "there" });
  await waitFor("ACTIVE", () => (relay.state === "ACTIVE" ? true : undefined));
  const stream = hub.get("here");
  assert.ok(stream, "published here");
  assert.is(stream!.info.mediaSessionId, relay.options.id);
  assert.is(stream!.info.source, "pull");
  const got: string[] = [];
  const sink: MediaSink = { config: (c) => got.push(`config ${c.codec}`), frame: (f) => got.push(`${f.kind}@${f.dts}`), end: (r) => got.push(`end ${r}`) };
  links[0]!.delegate.config(h264);
  stream!.addSink(sink);
  links[0]!.delegate.frame(v(0, true));
  assert.is(relay.bytes, 1);
  stream!.requestKeyframe();
  assert.is(links[0]!.keyframeRequests, 2, "the sink's keyframe request and ours reach the link");
  links[0]!.delegate.lost("the remote stream ended (Stopped by publisher stop)", true);
  assert.is(hub.get("here"), undefined, "unpublished here");
  assert.equal(got, ["config H264", "video@0", "end the remote stream ended (Stopped by publisher stop)"]);
  await waitFor("ACTIVE again", () => (relay.state === "ACTIVE" && hub.get("here") ? true : undefined));
  assert.is(relay.reconnects, 1);
});

test("pull: configs and frames a link hands over while it starts are the local stream's first", async () => {
  const { hub, registry } = relaySetup(["media-first"]);
  const relay = registry.pull({ uri: "rtmp://a/live/there", localStreamName: "here" });
  await waitFor("ACTIVE", () => (relay.state === "ACTIVE" ? true : undefined));
  const stream = hub.get("here")!;
  assert.equal(stream.audioConfig, { codec: "PCMA", sampleRate: 8000, channels: 1 });
  assert.is(stream.frames.audio, 2);
  assert.is(relay.bytes, 320);
});

test("pull: 409 for a local name in use or pulled twice; terminate by any field given, 404 when none matches", async () => {
  const { hub, registry } = relaySetup(["ok"]);
  localStream(hub, "busy");
  expectRelayError(() => registry.pull({ uri: "ws://a:8080", localStreamName: "busy", remoteStreamName: "s" }), CORE_ERR.CONFLICT, /already in use: busy/);
  const first = registry.pull({ uri: "ws://a:8080", localStreamName: "one", remoteStreamName: "s1" });
  registry.pull({ uri: "rtmp://a/live/s2", localStreamName: "two" });
  expectRelayError(() => registry.pull({ uri: "rtmp://a/live/s2", localStreamName: "three" }), CORE_ERR.CONFLICT, /already exists/);
  assert.is(registry.find({ remoteStreamName: "s2" })[0]!.spec.localStreamName, "two");
  expectRelayError(() => registry.terminate({}), CORE_ERR.INVALID, /at least one of uri/);
  expectRelayError(() => registry.terminate({ localStreamName: "nope" }), CORE_ERR.NOT_FOUND, /Relay not found/);
  assert.is(registry.terminate({ localMediaSessionId: first.options.id }), 1);
  assert.is(first.state, "STOPPED");
  assert.is(registry.terminate({ uri: "rtmp://a/live/s2" }), 1);
  assert.is(registry.all().length, 0);
});

test("pull, RTMP form: the remote name is the uri's last segment; without localStreamName the stream is named after the uri", () => {
  const { registry } = relaySetup(["ok"]);
  const named = registry.pull({ uri: "rtmp://user:secret@a/live/cam1" });
  assert.is(named.spec.remoteStreamName, "cam1");
  assert.is(named.spec.localStreamName, "rtmp://user@a/live/cam1");
  assert.is(named.options.displayUri, "rtmp://user@a/live/cam1");
  expectRelayError(() => registry.pull({ uri: "rtmp://a/live", localStreamName: "x" }), CORE_ERR.INVALID, /^uri: .*application and a stream name/);
});

test.run();
