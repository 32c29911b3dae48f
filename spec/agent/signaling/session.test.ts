import { suite } from "uvu";
import * as assert from "uvu/assert";
import { StreamHub } from "../../../src/core/stream/hub.ts";
import { webrtcStreams } from "../../../src/core/ingest/webrtc-ingest.ts";
import { SignalingSession, type SessionOptions, type SessionTransport } from "../../../src/agent/signaling/session.ts";
import { SIGNALING_ERR } from "../../../src/agent/errors.ts";
import { INFO } from "../../../src/agent/signaling/messages.ts";
import { FakeEngine } from "../support/fake-engine.ts";
import { ManualClock } from "../../support/manual-clock.ts";
import { configureLogging, createLogger, type Logger } from "../../../src/log.ts";

const test = suite("agent/signaling/session");

interface ServerFrame {
  message: string;
  data: Record<string, unknown>[] & unknown[];
}

class FakeSocket implements SessionTransport {
  frames: ServerFrame[] = [];
  closed?: { code: number; reason: string };
  send(text: string): void {
    const frame = JSON.parse(text) as ServerFrame;
    if (!Array.isArray(frame.data)) throw new Error(`server frame without a data array: ${text}`);
    this.frames.push(frame);
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
  }
  take(): ServerFrame[] {
    return this.frames.splice(0);
  }
  statuses(): { id: unknown; status: unknown; info: unknown }[] {
    return this.frames.filter((f) => f.message === "notifyStreamStatusEvent").map((f) => ({ id: f.data[0]!.mediaSessionId, status: f.data[0]!.status, info: f.data[0]!.info }));
  }
}

const OFFER = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 102\r\na=rtpmap:102 H264/90000\r\n";
const flush = () => new Promise((r) => setImmediate(r));
const frame = (message: string, payload: unknown) => JSON.stringify({ message, data: [payload] });

function setup(options: { interval?: number; probes?: number; onPublishing?: SessionOptions["onPublishing"]; log?: Logger } = {}) {
  const hub = new StreamHub();
  const engine = new FakeEngine();
  const clock = new ManualClock();
  const ids = new Set<string>();
  const open = () => {
    const socket = new FakeSocket();
    const session = new SignalingSession({ transport: socket, streams: webrtcStreams(hub), engine, clock, mediaSessionIds: ids, keepAliveIntervalMs: options.interval ?? 0, keepAliveProbes: options.probes ?? 3, connectTimeoutMs: 1000, ...(options.onPublishing ? { onPublishing: options.onPublishing } : {}), ...(options.log ? { log: options.log } : {}) });
    return { socket, session };
  };
  return { hub, engine, clock, open };
}

async function connected(s: ReturnType<ReturnType<typeof setup>["open"]>) {
  s.session.receive(frame("connection", { appKey: "defaultApp", mediaProviders: ["WebRTC"], sipPassword: "secret", custom: { a: 1 } }));
  s.socket.take();
  return s;
}

async function publish(s: { session: SignalingSession }, id: string, name: string, sdp = OFFER) {
  s.session.receive(frame("publishStream", { mediaSessionId: id, name, published: true, hasVideo: true, hasAudio: true, status: "PENDING", mediaProvider: "WebRTC", sdp }));
  await flush();
}

test("connection is answered with getUserData carrying a session id and auth token, never the SIP password", () => {
  const { open } = setup();
  const { socket, session } = open();
  session.receive(frame("connection", { appKey: "defaultApp", mediaProviders: ["WebRTC", "MSE"], sipPassword: "secret", custom: { room: 7 } }));
  const [reply] = socket.take();
  assert.is(reply!.message, "getUserData");
  const user = reply!.data[0]!;
  assert.is(user.appKey, "defaultApp");
  assert.is(user.status, "ESTABLISHED");
  assert.type(user.sessionId, "string");
  assert.type(user.authToken, "string");
  assert.equal(user.custom, { room: 7 });
  assert.is(user.sipPassword, undefined);
  assert.is(session.currentState, "established");
});

test("publishStream is answered with setRemoteSDP, then PUBLISHING once the peer connects, and the hub has the stream", async () => {
  const { open, hub, engine } = setup();
  const s = await connected(open());
  await publish(s, "m1", "cam");
  const [sdp] = s.socket.take();
  assert.is(sdp!.message, "setRemoteSDP");
  assert.equal(sdp!.data, ["m1", "v=0\r\nanswer-publish\r\n"]);
  assert.ok(hub.get("cam"), "the name is taken at answer time");
  engine.peers[0]!.events.connected();
  assert.equal(s.socket.statuses(), [{ id: "m1", status: "PUBLISHING", info: "" }]);
  const config = { codec: "H264", sps: new Uint8Array([0x67, 0x42]), pps: new Uint8Array([0x68]), width: 320, height: 240 } as const;
  engine.peers[0]!.stream!.setConfig(config);
  assert.is(hub.get("cam")!.videoConfig, config, "the peer feeds the hub's stream");
});

test("createStream({rtmpUrl}): the request's rtmpUrl is handed on when the stream turns PUBLISHING", async () => {
  const seen: string[] = [];
  const { open, engine } = setup({ onPublishing: (stream, req) => void seen.push(`${stream.name} ${req.rtmpUrl}`) });
  const s = await connected(open());
  s.session.receive(frame("publishStream", { mediaSessionId: "m1", name: "cam", sdp: OFFER, rtmpUrl: "rtmp://127.0.0.1:1935/live" }));
  await flush();
  assert.equal(seen, [], "not before the peer connects");
  engine.peers[0]!.events.connected();
  assert.equal(seen, ["cam rtmp://127.0.0.1:1935/live"]);
});

test("unPublishStream ends the stream with UNPUBLISHED and frees the name", async () => {
  const { open, hub, engine } = setup();
  const s = await connected(open());
  await publish(s, "m1", "cam");
  engine.peers[0]!.events.connected();
  s.socket.take();
  s.session.receive(frame("unPublishStream", { mediaSessionId: "m1", name: "cam", published: true, status: "PUBLISHING" }));
  assert.equal(s.socket.statuses(), [{ id: "m1", status: "UNPUBLISHED", info: "" }]);
  assert.is(hub.get("cam"), undefined);
  assert.ok(engine.peers[0]!.closed);
});

test("a second publisher of a used name gets FAILED `Stream name is already in use` and the first keeps publishing", async () => {
  const { open, hub, engine } = setup();
  const a = await connected(open());
  const b = await connected(open());
  await publish(a, "m1", "cam");
  engine.peers[0]!.events.connected();
  a.socket.take();
  await publish(b, "m2", "cam");
  assert.equal(b.socket.statuses(), [{ id: "m2", status: "FAILED", info: INFO.NAME_IN_USE }]);
  assert.is(hub.get("cam")?.info.mediaSessionId, "m1");
  assert.is(engine.peers.length, 1, "no peer was made for the refused publish");
  a.session.receive(frame("ping", null));
  assert.is(a.socket.take()[0]!.message, "pong");
});

test("a player is told the stream's name, its audio and whether it has video: as a SIP source declares it, else from the configs seen", async () => {
  const { open, engine, hub } = setup();
  const player = await connected(open());
  const pcma = { codec: "PCMA" as const, sampleRate: 8000, channels: 1 };
  const source = (video?: boolean) => ({ kind: "sip" as const, ...(video === undefined ? {} : { video }), requestKeyframe: () => {}, stop: () => {} });
  hub.publish("call-video", source(true)).setConfig(pcma); // the video config comes with the first SPS
  hub.publish("call-audio", source(false)).setConfig(pcma);
  hub.publish("rtmp-audio", source()).setConfig(pcma);
  hub.publish("starting", source());
  const seen: unknown[] = [];
  for (const [i, name] of ["call-video", "call-audio", "rtmp-audio", "starting"].entries()) {
    player.session.receive(frame("playStream", { mediaSessionId: `p${i}`, name, published: false, sdp: OFFER }));
    await flush();
    seen.push(engine.peers.at(-1)!.playSource);
  }
  assert.equal(seen, [
    { name: "call-video", audio: pcma, video: true },
    { name: "call-audio", audio: pcma, video: false },
    { name: "rtmp-audio", audio: pcma, video: false },
    { name: "starting", video: true },
  ]);
});

test("playStream gets PLAYING when the player connects, then the stream's frames; the source is asked for a keyframe", async () => {
  const { open, hub, engine } = setup();
  const pub = await connected(open());
  const player = await connected(open());
  await publish(pub, "m1", "cam");
  const source = engine.peers[0]!;
  source.events.connected();
  const stream = hub.get("cam")!;
  source.stream!.setConfig({ codec: "H264", sps: new Uint8Array([0x67, 0x42]), pps: new Uint8Array([0x68]), width: 320, height: 240 });
  source.stream!.pushFrame({ kind: "video", codec: "H264", dts: 0, pts: 0, key: true, data: [new Uint8Array([0x65, 1])] });

  player.session.receive(frame("playStream", { mediaSessionId: "p1", name: "cam", published: false, sdp: OFFER }));
  await flush();
  assert.equal(player.socket.take().map((f) => [f.message, f.data[0]]), [["setRemoteSDP", "p1"]]);
  const sink = engine.peers[1]!;
  sink.events.connected();
  assert.equal(player.socket.statuses(), [{ id: "p1", status: "PLAYING", info: "" }]);
  assert.is(source.keyframeRequests, 1, "the hub asked the publisher for a keyframe on join");
  assert.is(sink.configs[0]?.codec, "H264");
  stream.pushFrame({ kind: "video", codec: "H264", dts: 33, pts: 33, key: false, data: [new Uint8Array([0x41, 1])] });
  stream.pushFrame({ kind: "video", codec: "H264", dts: 66, pts: 66, key: true, data: [new Uint8Array([0x65, 2])] });
  assert.equal(sink.received.map((f) => f.dts), [66], "the player starts at the next keyframe");
  sink.requestKeyframeFromPlayer!();
  assert.is(source.keyframeRequests, 2, "a PLI from the player reaches the publisher");

  player.socket.take();
  player.session.receive(frame("stopStream", { mediaSessionId: "p1", name: "cam", published: false, status: "PLAYING" }));
  assert.equal(player.socket.statuses(), [{ id: "p1", status: "STOPPED", info: "" }]);
  assert.ok(sink.closed);
  assert.is(stream.sinkCount, 0);
});

test("playStream of a name nobody publishes gets FAILED `Stream not found`", async () => {
  const { open } = setup();
  const s = await connected(open());
  s.session.receive(frame("playStream", { mediaSessionId: "p1", name: "nobody", sdp: OFFER }));
  await flush();
  assert.equal(s.socket.statuses(), [{ id: "p1", status: "FAILED", info: INFO.STREAM_NOT_FOUND }]);
});

test("closing the publisher's socket stops its streams with `Stopped by session disconnect`, which players see", async () => {
  const { open, hub, engine } = setup();
  const pub = await connected(open());
  const player = await connected(open());
  const reasons: string[] = [];
  hub.listen({ unpublished: (_s, reason) => void reasons.push(reason) });
  await publish(pub, "m1", "cam");
  engine.peers[0]!.events.connected();
  player.session.receive(frame("playStream", { mediaSessionId: "p1", name: "cam", sdp: OFFER }));
  await flush();
  engine.peers[1]!.events.connected();
  player.socket.take();
  pub.session.close();
  assert.equal(reasons, [INFO.SESSION_DISCONNECT]);
  assert.is(hub.get("cam"), undefined);
  assert.ok(engine.peers[0]!.closed && engine.peers[1]!.closed);
  assert.equal(player.socket.statuses(), [{ id: "p1", status: "STOPPED", info: INFO.SESSION_DISCONNECT }]);
  assert.equal(pub.session.streamIds, []);
});

test("a session that goes away logs how its streams ended: publish UNPUBLISHED, play STOPPED, never status=undefined", async () => {
  const lines: string[] = [];
  configureLogging({ level: "info", write: (line) => void lines.push(line) });
  try {
    const { open, engine } = setup({ log: createLogger("signaling") });
    const pub = await connected(open());
    const player = await connected(open());
    await publish(pub, "m1", "cam");
    engine.peers[0]!.events.connected();
    player.session.receive(frame("playStream", { mediaSessionId: "p1", name: "cam", sdp: OFFER }));
    await flush();
    engine.peers[1]!.events.connected();
    player.session.close();
    pub.session.close();
  } finally {
    configureLogging({ write: (line) => process.stderr.write(line + "\n") });
  }
  const ended = lines.filter((l) => / (publish|play) ended /.test(l)).map((l) => l.replace(/^\S+ /, "").replace(/session="[^"]+"/, "session=S"));
  assert.equal(ended, [
    `INFO  [signaling] play ended session=S stream="cam" status="STOPPED" reason="${INFO.SESSION_DISCONNECT}"`,
    `INFO  [signaling] publish ended session=S stream="cam" status="UNPUBLISHED" reason="${INFO.SESSION_DISCONNECT}"`,
  ]);
});

test("a stream terminated through the hub (REST) gets UNPUBLISHED with the terminate reason", async () => {
  const { open, hub, engine } = setup();
  const s = await connected(open());
  await publish(s, "m1", "cam");
  engine.peers[0]!.events.connected();
  s.socket.take();
  hub.unpublish(hub.get("cam")!, INFO.REST_TERMINATE, true);
  assert.equal(s.socket.statuses(), [{ id: "m1", status: "UNPUBLISHED", info: INFO.REST_TERMINATE }]);
  assert.ok(engine.peers[0]!.closed);
});

test("a peer that never connects fails with `Failed by ICE timeout` and frees the name", async () => {
  const { open, hub, clock } = setup();
  const s = await connected(open());
  await publish(s, "m1", "cam");
  s.socket.take();
  clock.advance(1000);
  assert.equal(s.socket.statuses(), [{ id: "m1", status: "FAILED", info: INFO.ICE_TIMEOUT }]);
  assert.is(hub.get("cam"), undefined);
});

test("a peer whose ICE fails reports FAILED with the engine's info", async () => {
  const { open, hub, engine } = setup();
  const s = await connected(open());
  await publish(s, "m1", "cam");
  s.socket.take();
  engine.peers[0]!.events.failed(INFO.ICE_ERROR);
  assert.equal(s.socket.statuses(), [{ id: "m1", status: "FAILED", info: INFO.ICE_ERROR }]);
  assert.is(hub.get("cam"), undefined);
});

test("publishing before `connection` gets FAILED `Session not ready`", async () => {
  const { open } = setup();
  const s = open();
  await publish(s, "m1", "cam");
  assert.equal(s.socket.statuses(), [{ id: "m1", status: "FAILED", info: INFO.SESSION_NOT_READY }]);
});

test("a mediaSessionId already in use is refused with a `fail` that does not touch the live stream", async () => {
  const { open, hub, engine } = setup();
  const a = await connected(open());
  const b = await connected(open());
  await publish(a, "m1", "cam");
  await publish(b, "m1", "other");
  const [fail] = b.socket.take();
  assert.is(fail!.message, "fail");
  assert.is(fail!.data[0]!.info, INFO.MEDIA_SESSION_ID_IN_USE);
  assert.is(fail!.data[0]!.apiMethod, "publishStream");
  assert.ok(hub.get("cam"));
  assert.is(engine.peers.length, 1);
});

const BAD_INPUT: { name: string; text: string; code?: string; status?: string }[] = [
  { name: "not JSON", text: "{nope", code: SIGNALING_ERR.JSON },
  { name: "a JSON array", text: "[1,2]", code: SIGNALING_ERR.ENVELOPE },
  { name: "no message name", text: JSON.stringify({ data: [{}] }), code: SIGNALING_ERR.ENVELOPE },
  { name: "data that is not an array", text: JSON.stringify({ message: "publishStream", data: {} }), code: SIGNALING_ERR.ENVELOPE },
  { name: "an unknown message", text: frame("launchRockets", {}), code: SIGNALING_ERR.UNKNOWN_MESSAGE },
  { name: "a frame over the size limit", text: frame("pong", "x".repeat(300 * 1024)), code: SIGNALING_ERR.FRAME_TOO_LARGE },
  { name: "publishStream without a name", text: frame("publishStream", { mediaSessionId: "x1", sdp: OFFER }), code: SIGNALING_ERR.FIELD },
  { name: "publishStream with a numeric name", text: frame("publishStream", { mediaSessionId: "x1", name: 5, sdp: OFFER }), code: SIGNALING_ERR.FIELD },
  { name: "publishStream without an sdp", text: frame("publishStream", { mediaSessionId: "x1", name: "n" }), code: SIGNALING_ERR.FIELD },
  { name: "publishStream with hasVideo as text", text: frame("publishStream", { mediaSessionId: "x1", name: "n", sdp: OFFER, hasVideo: "yes" }), code: SIGNALING_ERR.FIELD },
  { name: "playStream with a null payload", text: frame("playStream", null), code: SIGNALING_ERR.FIELD },
  { name: "publishStream with garbage SDP", text: frame("publishStream", { mediaSessionId: "x1", name: "n", sdp: "garbage" }), status: INFO.ERROR },
  { name: "publishStream offering no H.264", text: frame("publishStream", { mediaSessionId: "x1", name: "n", sdp: "v=0\r\nm=video 9 RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n" }), status: INFO.NO_COMMON_CODECS },
  { name: "unPublishStream of an unknown stream", text: frame("unPublishStream", { mediaSessionId: "zz", name: "n" }) },
];

for (const bad of BAD_INPUT) {
  test(`bad input: ${bad.name} gets its error and the session, and another one, keep working`, async () => {
    const { open, engine } = setup();
    const s = await connected(open());
    const other = await connected(open());
    s.session.receive(bad.text);
    await flush();
    const [reply] = s.socket.take();
    assert.ok(reply, "something was answered");
    if (bad.status) {
      assert.is(reply!.message, "notifyStreamStatusEvent");
      assert.is(reply!.data[0]!.status, "FAILED");
      assert.is(reply!.data[0]!.info, bad.status);
    } else {
      assert.is(reply!.message, "fail");
      if (bad.code) assert.is(reply!.data[0]!.code, bad.code);
      else assert.is(reply!.data[0]!.info, INFO.STREAM_NOT_FOUND);
    }
    await publish(s, "ok1", "good");
    assert.is(s.socket.take()[0]?.message, "setRemoteSDP");
    await publish(other, "ok2", "good2");
    assert.is(other.socket.take()[0]?.message, "setRemoteSDP");
    assert.is(engine.peers.length, 2);
  });
}

test("a binary frame is answered with `fail` and the session stays up", () => {
  const { open } = setup();
  const s = open();
  s.session.receiveBinary();
  assert.is(s.socket.take()[0]!.data[0]!.code, SIGNALING_ERR.BINARY);
  assert.is(s.session.currentState, "new");
});

test("the server pings every keep_alive.server_interval and closes the session after keep_alive.probes missed pongs", async () => {
  const { open, hub, clock, engine } = setup({ interval: 5000, probes: 3 });
  const s = await connected(open());
  await publish(s, "m1", "cam");
  engine.peers[0]!.events.connected();
  s.socket.take();
  clock.advance(5000);
  assert.equal(s.socket.take(), [{ message: "ping", data: [] }]);
  s.session.receive(frame("pong", null));
  clock.advance(15000);
  assert.is(s.socket.take().length, 3, "three more pings");
  assert.is(s.socket.closed, undefined, "a pong reset the count");
  clock.advance(5000);
  assert.equal(s.socket.closed, { code: 1001, reason: INFO.KEEP_ALIVE });
  assert.is(s.session.currentState, "closed");
  assert.is(hub.get("cam"), undefined);
  assert.is(clock.pending, 0, "no timer left behind");
});

test.run();
