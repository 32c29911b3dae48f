/**
 * The agent client against Transpond's own signaling server, in one process: /pull/push publishes
 * a local stream on the server through a recording WebSocket proxy, /pull/pull plays it back into
 * a third stream. What the agent sent must have the shape of what @flashphoner/websdk sent from
 * Chromium for a publish and a play (fixtures/wcs_signaling_websdk-*.json): the same messages in
 * the same order, each with the same keys in the same order and the same value types. And the
 * video must arrive: frames relayed twice still decode as H.264 keyframes and inter frames.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { startApp, type App } from "../../../src/app.ts";
import type { Frame } from "../../../src/codecs/frame.ts";
import { makeConfig } from "../../../src/config.ts";
import type { MediaSource } from "../../../src/core/stream/media-sink.ts";
import { encodeG711 } from "../../../src/audio/g711.ts";
import { fixture } from "../../support/fixtures.ts";
import { freeTcpPort, openUdpSockets, waitFor } from "../../support/net.ts";
import { frameShape, WsRecorder, type RecordedFrame } from "../../support/ws-recorder.ts";
import { fixtureVideo } from "../support/werift-browser.ts";

const test = suite("agent/client relay links against our own server");
const SDK_FIXTURE = "wcs_signaling_websdk-2.0.276_chromium156_publish-play.json";
let app: App;
let recorder: WsRecorder;
let dir = "";
let feeder: NodeJS.Timeout | undefined;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-agent-"));
  const portFrom = 20000 + Math.floor(Math.random() * 20000);
  app = await startApp(
    makeConfig({
      bind_address: "127.0.0.1",
      "http.port": 0,
      "https.port": 0,
      "ws.port": await freeTcpPort(),
      "wss.port": 0,
      "rtmp.port": 0,
      ice_interface_addresses: ["127.0.0.1"],
      media_port_from: portFrom,
      media_port_to: portFrom + 200,
      data_dir: join(dir, "data"),
      "keep_alive.server_interval": 300,
      wcs_agent_reconnect_min_delay: 200,
      wcs_agent_reconnect_max_delay: 1000,
    }),
  );
  recorder = await WsRecorder.start(`ws://127.0.0.1:${app.ports.ws}`);
});

test.after(async () => {
  clearInterval(feeder);
  await app?.close();
  await recorder?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A local stream "src" fed the fixture's video in a loop at 30 fps, asking for nothing. */
function feedSource(): void {
  const { config, frames } = fixtureVideo(90);
  const source: MediaSource = { kind: "file", requestKeyframe: () => {}, stop: () => {} };
  const stream = app.hub.publish("src", source);
  stream.setConfig(config);
  let i = 0;
  feeder = setInterval(() => {
    const f = frames[i % frames.length]!;
    const loop = Math.floor(i / frames.length);
    stream.pushFrame({ ...f, dts: f.dts + loop * 3000, pts: f.pts + loop * 3000 } as Frame);
    i++;
  }, 33);
}

function withoutPongs(frames: readonly RecordedFrame[]): RecordedFrame[] {
  return frames.filter((f) => f.message !== "pong");
}

test("push and pull over the agent: frames arrive, and every frame the agent sent has the SDK's shape", async () => {
  feedSource();
  const pushed = app.relays.push({ uri: recorder.url, localStreamName: "src", remoteStreamName: "copy" });
  await waitFor("push ACTIVE", () => (pushed.state === "ACTIVE" ? true : undefined), 20000);
  assert.is(pushed.status, "PROCESSED_REMOTE");
  await waitFor("copy has video", () => ((app.hub.get("copy")?.frames.video ?? 0) > 30 ? true : undefined), 20000);
  const pulled = app.relays.pull({ uri: recorder.url, localStreamName: "back", remoteStreamName: "copy" });
  await waitFor("pull ACTIVE", () => (pulled.state === "ACTIVE" ? true : undefined), 20000);
  await waitFor("back has video", () => ((app.hub.get("back")?.frames.video ?? 0) > 30 ? true : undefined), 20000);
  assert.is(app.hub.get("back")!.videoConfig?.width, 480);
  assert.ok(pushed.remoteMediaSessionId, "the remote id is known once published");

  app.relays.terminate({ localStreamName: "back" });
  app.relays.terminate({ localStreamName: "src" });
  await waitFor("copy unpublished on the server", () => (app.hub.get("copy") ? undefined : true), 10000);

  const sdk = JSON.parse(readFileSync(fixture(SDK_FIXTURE), "utf8")) as { sessions: RecordedFrame[][] };
  const [sdkPublish, sdkPlay] = sdk.sessions.map(withoutPongs);
  const [agentPublish, agentPlay] = recorder.sessions.map(withoutPongs);
  assert.equal(agentPublish!.map((f) => f.message), sdkPublish!.map((f) => f.message), "publish session: messages in order");
  assert.equal(agentPlay!.map((f) => f.message), sdkPlay!.map((f) => f.message), "play session: messages in order");
  for (const [agent, browser] of [[agentPublish!, sdkPublish!], [agentPlay!, sdkPlay!]] as const) {
    agent.forEach((frame, i) => assert.equal(frameShape(frame), frameShape(browser[i]!), `${frame.message}: keys, order and types`));
  }
  const sdkPong = sdk.sessions.flat().find((f) => f.message === "pong");
  const agentPong = recorder.sessions.flat().find((f) => f.message === "pong");
  assert.ok(agentPong, "the server pinged (keep_alive.server_interval 300 ms) and the agent answered");
  assert.equal(agentPong, sdkPong, "pong is exactly the SDK's");
});

// werift as offerer gathers a transport per m= section before the answer bundles them; each relay
// attempt must give back every socket of both its peers (ours and the server's answering one).
test("10 push and 10 pull start/stop cycles, and refused attempts, leave no UDP socket open", async () => {
  const before = openUdpSockets();
  const gone = (name: string) => waitFor(`${name} unpublished`, () => (app.hub.get(name) ? undefined : true), 10000);
  for (let cycle = 0; cycle < 10; cycle++) {
    const pushed = app.relays.push({ uri: recorder.url, localStreamName: "src", remoteStreamName: "cycled" });
    await waitFor("push ACTIVE", () => (pushed.state === "ACTIVE" ? true : undefined), 20000);
    assert.ok(openUdpSockets() > before, "a relay holds sockets while ACTIVE");
    pushed.stop();
    await gone("cycled");
    const pulled = app.relays.pull({ uri: recorder.url, localStreamName: "cycledBack", remoteStreamName: "src" });
    await waitFor("pull ACTIVE", () => (pulled.state === "ACTIVE" ? true : undefined), 20000);
    pulled.stop();
    await gone("cycledBack");
  }
  const missing = app.relays.pull({ uri: recorder.url, localStreamName: "nothing", remoteStreamName: "no-such-stream" });
  await waitFor("two refused attempts", () => (missing.reconnects >= 2 ? true : undefined), 20000);
  missing.stop();
  await waitFor(`UDP sockets back to ${before}`, () => (openUdpSockets() <= before ? true : undefined), 10000, 200);
});

/** A local stream `name` of PCMA, a 1 kHz tone in 20 ms frames; returns what was sent and the stop. */
function feedPcma(name: string): { sent: Uint8Array[]; stop: () => void } {
  const source: MediaSource = { kind: "file", requestKeyframe: () => {}, stop: () => {} };
  const law = app.hub.publish(name, source);
  law.setConfig({ codec: "PCMA", sampleRate: 8000, channels: 1 });
  const sent: Uint8Array[] = [];
  const tone = new Int16Array(160);
  const timer = setInterval(() => {
    const i = sent.length;
    for (let n = 0; n < 160; n++) tone[n] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * (i * 160 + n)) / 8000));
    sent.push(encodeG711("PCMA", tone));
    law.pushFrame({ kind: "audio", codec: "PCMA", dts: i * 20, pts: i * 20, key: true, data: sent[i]! });
  }, 20);
  return { sent, stop: () => (clearInterval(timer), app.hub.unpublish(law, "test over")) };
}

/** Audio frames of stream `name` from now on. */
function collectAudio(name: string): Uint8Array[] {
  const got: Uint8Array[] = [];
  app.hub.get(name)!.addSink({ config: () => {}, frame: (f) => void (f.kind === "audio" && got.push(f.data)), end: () => {} });
  return got;
}

/** A publishStream offer with its PCMA and PCMU taken out: a server that does not take G.711 answers Opus. */
function withoutG711(frame: RecordedFrame): RecordedFrame {
  if (frame.message !== "publishStream") return frame;
  const stream = frame.data[0] as { sdp: string };
  const sdp = stream.sdp
    .split("\r\n")
    .filter((l) => !/^a=rtpmap:(0|8) /.test(l))
    .map((l) => (l.startsWith("m=audio ") ? l.replace(/ (0|8)(?= |$)/g, "") : l))
    .join("\r\n");
  return { ...frame, data: [{ ...stream, sdp }, ...frame.data.slice(1)] };
}

test("a pushed G.711 source is offered as PCMA first and reaches the server as PCMA, its bytes unchanged", async () => {
  const law = feedPcma("law");
  try {
    const pushed = app.relays.push({ uri: recorder.url, localStreamName: "law", remoteStreamName: "lawCopy" });
    await waitFor("push ACTIVE", () => (pushed.state === "ACTIVE" ? true : undefined), 20000);
    const offer = (recorder.sessions.at(-1)!.find((f) => f.message === "publishStream")!.data[0] as { sdp: string }).sdp;
    assert.match(offer, /^m=audio \d+ [A-Z/]+ 8 0 \d+/m, "PCMA, PCMU, then Opus");
    await waitFor("lawCopy published", () => app.hub.get("lawCopy"), 10000);
    const got = collectAudio("lawCopy");
    await waitFor("a second of audio on the server", () => (got.length >= 50 ? true : undefined), 20000);
    assert.equal(app.hub.get("lawCopy")!.audioConfig, { codec: "PCMA", sampleRate: 8000, channels: 1 });
    const sent = Buffer.concat(law.sent);
    assert.ok(sent.indexOf(Buffer.concat(got)) >= 0, "the server's A-law bytes are one run of the bytes sent");
    assert.is(app.media.health().codecWorkers.sessions, 0, "nothing was transcoded");
    pushed.stop();
    await waitFor("lawCopy unpublished", () => (app.hub.get("lawCopy") ? undefined : true), 10000);
  } finally {
    law.stop();
  }
});

test("a pushed G.711 source reaches a server that does not take G.711 as Opus, transcoded in the codec workers", async () => {
  const opusOnly = await WsRecorder.start(`ws://127.0.0.1:${app.ports.ws}`, withoutG711);
  const law = feedPcma("law2");
  try {
    const pushed = app.relays.push({ uri: opusOnly.url, localStreamName: "law2", remoteStreamName: "law2Copy" });
    await waitFor("push ACTIVE", () => (pushed.state === "ACTIVE" ? true : undefined), 20000);
    await waitFor("Opus audio on the server", () => ((app.hub.get("law2Copy")?.frames.audio ?? 0) > 25 ? true : undefined), 20000);
    assert.is(app.hub.get("law2Copy")!.audioConfig?.codec, "OPUS");
    assert.ok(app.media.health().codecWorkers.sessions >= 1, "the push's transcoder is a codec worker session");
    pushed.stop();
    await waitFor("law2Copy unpublished", () => (app.hub.get("law2Copy") ? undefined : true), 10000);
  } finally {
    law.stop();
    await opusOnly.close();
  }
});

test.run();
