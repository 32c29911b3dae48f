import { suite } from "uvu";
import * as assert from "uvu/assert";
import { makeConfig } from "../../../src/config.ts";
import { StreamHub } from "../../../src/core/stream/hub.ts";
import { startRtmpServer, type RtmpServerHandle } from "../../../src/core/ingest/rtmp-ingest.ts";
import { amf0Properties } from "../../../src/flv/amf0.ts";
import type { RtmpConnection } from "../../../src/rtmp/session/connection.ts";
import { statusOf } from "../../../src/rtmp/session/status.ts";
import { freeTcpPort, sleep, waitFor } from "../../support/net.ts";
import { fixtureTags, openClient, sendTags, startPlay, startPublish } from "./peers.ts";

const test = suite("embedded RTMP server (in-process peers)");
/** How long a player of a name nobody publishes is watched for media that must not come. */
const QUIET_WINDOW_MS = 100;
let hub: StreamHub;
let server: RtmpServerHandle;
const open: RtmpConnection[] = [];
const tags = fixtureTags(undefined, 4600); // bbb: keyframes at 0 and 4.0 s
const headTags = tags.filter((t) => t.timestamp < 500);

test.before.each(async () => {
  hub = new StreamHub();
  const port = await freeTcpPort();
  server = await startRtmpServer({ config: makeConfig({ "rtmp.port": port, bind_address: "127.0.0.1" }), hub });
});
test.after.each(async () => {
  for (const c of open.splice(0)) c.close(undefined, { now: true });
  await server.close();
});

const keep = <T extends { conn: RtmpConnection }>(x: T): T => {
  open.push(x.conn);
  return x;
};

test("a publisher in FFmpeg's order is accepted: connect _result as nginx-rtmp sends it, then NetStream.Publish.Start", async () => {
  const seen: string[] = [];
  const pub = keep(await startPublish(server.port, "cam1"));
  pub.conn.on("message", (b) => seen.push(b.type));
  const result = pub.connectResult;
  assert.equal(amf0Properties(result.commandObject), { fmsVer: "FMS/3,0,1,123", capabilities: 31 });
  assert.equal(statusOf(result), { level: "status", code: "NetConnection.Connect.Success", description: "Connection succeeded." });
  assert.is(amf0Properties(result.args[0]!)?.objectEncoding, 0);
  assert.is(pub.streamId, 1);
  assert.equal(pub.status.code, "NetStream.Publish.Start");
  assert.is(pub.conn.peerChunkSize, 4096, "Set Chunk Size 4096 came before the _result");
  assert.ok(hub.get("cam1"), "the stream is in the hub");
});

test("the publisher's sequence headers become the stream's configs with the size from the SPS, and frames flow", async () => {
  const pub = keep(await startPublish(server.port, "cam1"));
  sendTags(pub.conn, pub.streamId, headTags);
  const stream = hub.get("cam1")!;
  await waitFor("frames", () => (stream.frames.video >= 10 && stream.frames.audio >= 10 ? true : undefined));
  assert.equal([stream.videoConfig?.width, stream.videoConfig?.height], [480, 270]);
  assert.equal([stream.audioConfig?.codec, stream.audioConfig?.sampleRate, stream.audioConfig?.channels], ["AAC", 44100, 2]);
});

test("a second publisher on a name in use gets NetStream.Publish.BadName (level error) and is closed; the first keeps publishing", async () => {
  const first = keep(await startPublish(server.port, "cam1"));
  const second = keep(await startPublish(server.port, "cam1?token=abc"));
  assert.equal([second.status.level, second.status.code], ["error", "NetStream.Publish.BadName"]);
  await waitFor("second closed", () => (second.conn.state === "closed" ? true : undefined));
  sendTags(first.conn, first.streamId, headTags);
  await waitFor("first still feeds the stream", () => (hub.get("cam1")!.frames.video > 5 ? true : undefined));
  assert.is(first.conn.state, "open");
});

test("the stream key is the publish name without its query string", async () => {
  keep(await startPublish(server.port, "key123?user=a&pass=b"));
  assert.ok(hub.get("key123"));
  assert.is(hub.all().length, 1);
});

test("a player gets StreamBegin, Play.Reset, Play.Start, |RtmpSampleAccess, onMetaData, sequence headers, then media from a keyframe", async () => {
  const pub = keep(await startPublish(server.port, "cam1"));
  sendTags(pub.conn, pub.streamId, tags.filter((t) => t.timestamp < 3000));
  await waitFor("configs", () => hub.get("cam1")?.videoConfig);
  const player = keep(await startPlay(server.port, "cam1"));
  await waitFor("play start", () => (player.events.includes("onStatus NetStream.Play.Start") ? true : undefined));
  sendTags(pub.conn, pub.streamId, tags.filter((t) => t.timestamp >= 3000));
  await waitFor("media", () => (player.media.length > 10 ? true : undefined));
  const head = player.events.slice(0, 9);
  assert.equal(head.slice(0, 6), ["StreamBegin", "onStatus NetStream.Play.Reset", "onStatus NetStream.Play.Start", "data |RtmpSampleAccess", "data onMetaData", "video key 0"]);
  assert.is(head[6], "audio 0");
  assert.is(head[7], "video key 1", "the first frame is the next keyframe (4.0 s in the source)");
  const meta = player.bodies.find((b) => b.type === "Data" && b.values[0] === "onMetaData");
  const props = meta?.type === "Data" ? amf0Properties(meta.values[1]!) : undefined;
  assert.equal([props?.width, props?.height, props?.videocodecid, props?.audiocodecid], [480, 270, 7, 10]);
  const firstVideo = player.media.find((m) => m.kind === "video" && m.data[1] === 1)!;
  assert.is(firstVideo.timestamp, 0, "the player's timeline starts at 0");
});

test("playing a name not published yet waits (as nginx-rtmp), then plays; an unpublish sends StreamEOF and Play.UnpublishNotify", async () => {
  const player = keep(await startPlay(server.port, "later"));
  await waitFor("play start", () => (player.events.includes("onStatus NetStream.Play.Start") ? true : undefined));
  await sleep(QUIET_WINDOW_MS);
  assert.is(player.media.length, 0);
  const pub = keep(await startPublish(server.port, "later"));
  sendTags(pub.conn, pub.streamId, headTags);
  await waitFor("media", () => (player.media.some((m) => m.kind === "video" && m.data[1] === 1) ? true : undefined));
  pub.conn.sendCommand("FCUnpublish", pub.conn.nextTransactionId(), null, ["later"]);
  pub.conn.sendCommand("deleteStream", pub.conn.nextTransactionId(), null, [pub.streamId]);
  await waitFor("unpublish notify", () => (player.events.includes("onStatus NetStream.Play.UnpublishNotify") ? true : undefined));
  assert.ok(player.events.includes("StreamEOF"));
  assert.is(hub.get("later"), undefined, "FCUnpublish/deleteStream removed the stream");
  // still waiting: a new publisher on the name plays again
  const again = keep(await startPublish(server.port, "later"));
  const before = player.media.length;
  sendTags(again.conn, again.streamId, headTags);
  await waitFor("media again", () => (player.media.length > before + 5 ? true : undefined));
});

test("publisher timestamps that wrap past 2^32 ms keep growing in the stream", async () => {
  const pub = keep(await startPublish(server.port, "wrap"));
  const stream = hub.get("wrap")!;
  const dts: number[] = [];
  stream.addSink({ config() {}, frame: (f) => void (f.kind === "video" && dts.push(f.dts)), end() {} });
  sendTags(pub.conn, pub.streamId, headTags, 2 ** 32 - 200);
  await waitFor("frames past the wrap", () => (dts.some((d) => d >= 2 ** 32) ? true : undefined));
  for (let i = 1; i < dts.length; i++) assert.ok(dts[i]! > dts[i - 1]!, `dts ${dts[i]} after ${dts[i - 1]}`);
  assert.ok(dts[dts.length - 1]! > 2 ** 32, "no wrap back to 0");
});

test("a publisher that drops its socket unpublishes the stream", async () => {
  const pub = keep(await startPublish(server.port, "gone"));
  assert.ok(hub.get("gone"));
  pub.conn.socket.destroy();
  await waitFor("unpublished", () => (hub.get("gone") === undefined ? true : undefined));
});

test("garbage on one connection closes it and the server keeps serving a publisher", async () => {
  const bad = await openClient(server.port);
  open.push(bad);
  const pub = keep(await startPublish(server.port, "ok"));
  bad.socket.write(Uint8Array.of(0x43, 1, 2, 3, 4, 5, 6, 7, 8, 9)); // fmt 1 on a fresh chunk stream
  await waitFor("bad closed by server", () => (bad.state === "closed" ? true : undefined));
  sendTags(pub.conn, pub.streamId, headTags);
  await waitFor("frames", () => (hub.get("ok")!.frames.video > 5 ? true : undefined));
});

test("terminating the stream in the hub closes the publisher's connection", async () => {
  const pub = keep(await startPublish(server.port, "term"));
  hub.unpublish(hub.get("term")!, "Terminated by REST", true);
  await waitFor("publisher closed", () => (pub.conn.state === "closed" ? true : undefined));
});

test.run();
