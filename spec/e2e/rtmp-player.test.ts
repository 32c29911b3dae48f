/**
 * RtmpPlayer against real servers and beside a real player: the messages it sends are FFmpeg's (a
 * recording server sees the same sequence from `ffmpeg -i rtmp://...` and from us); it plays a
 * stream ffmpeg publishes to nginx-rtmp and sees its end; and it takes every frame `ffmpeg -listen 1`
 * serves, which re-muxed to FLV decodes cleanly with the source's frame counts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import type { Frame, TrackConfig } from "../../src/codecs/frame.ts";
import { FlvWriter } from "../../src/flv/file-writer.ts";
import { tagsFromConfig, tagsFromFrame } from "../../src/flv/frames.ts";
import type { FlvTag } from "../../src/flv/tag.ts";
import { RtmpPlayError } from "../../src/rtmp/client/errors.ts";
import { RtmpPlayer } from "../../src/rtmp/client/player.ts";
import { parseRtmpTarget } from "../../src/rtmp/client/url.ts";
import type { MessageBody } from "../../src/rtmp/messages.ts";
import { RtmpConnection } from "../../src/rtmp/session/connection.ts";
import { statusObject } from "../../src/rtmp/session/status.ts";
import { e2eSuite } from "../support/e2e.ts";
import { decodeErrors } from "../support/ffmpeg.ts";
import { freeTcpPort, listensOn, waitFor } from "../support/net.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { killChildren, start } from "../support/process.ts";
import { cutSource, probe, type Probe } from "./rtmp-publisher-media.ts";

const test = e2eSuite("e2e/rtmp player against ffmpeg and nginx-rtmp", ["ffmpeg", "ffprobe", "nginx"]);
let dir = "";
let source = "";
let expected: Probe;
let nginx: NginxRtmp | undefined;
const servers: Server[] = [];

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-player-e2e-"));
  source = await cutSource(dir, 4.5);
  expected = await probe(source);
  nginx = await NginxRtmp.start();
});

test.after(async () => {
  killChildren();
  for (const s of servers) s.close();
  await nginx?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What a client sent, as "Command connect", "WindowAckSize", "UserControl SetBufferLength", ... */
function describe(body: MessageBody): string {
  if (body.type === "Command") return `Command ${body.name}`;
  if (body.type === "UserControl") return `UserControl ${body.event}`;
  return body.type;
}

/**
 * A server that answers connect, createStream and play as nginx-rtmp does and records what each
 * client sends up to Set Buffer Length (sent last, after play), then closes.
 */
async function recordingServer(): Promise<{ port: number; sessions: string[][] }> {
  const sessions: string[][] = [];
  const server = createServer((socket) => {
    const sent: string[] = [];
    sessions.push(sent);
    const conn = new RtmpConnection({ role: "server", socket });
    conn.on("message", (body) => {
      sent.push(describe(body));
      if (body.type === "UserControl" && body.event === "SetBufferLength") conn.close();
    });
    conn.on("command", (c) => {
      if (c.name === "connect") conn.sendCommand("_result", c.transactionId, { fmsVer: "FMS/3,0,1,123", capabilities: 31 }, [statusObject("status", "NetConnection.Connect.Success", "Connection succeeded.")]);
      if (c.name === "createStream") conn.sendCommand("_result", c.transactionId, null, [1]);
      if (c.name === "play") conn.sendCommand("onStatus", 0, null, [statusObject("status", "NetStream.Play.Start", "Start live")], 1, 5);
    });
  });
  servers.push(server);
  const port = await new Promise<number>((r) => server.listen(0, "127.0.0.1", () => r((server.address() as { port: number }).port)));
  return { port, sessions };
}

/** Plays `url` and keeps the configs and frames; resolves when the server ends the stream. */
class Collector {
  readonly configs: TrackConfig[] = [];
  readonly frames: Frame[] = [];
  ended?: string;
  constructor(readonly player: RtmpPlayer) {
    player.on("media", (m) => {
      if (m.type === "config") this.configs.push(m.config);
      if (m.type === "frame") this.frames.push(m.frame);
    });
    player.on("end", (reason) => (this.ended = reason));
    player.on("close", (reason) => (this.ended ??= `closed: ${reason}`));
  }
  count(kind: "audio" | "video"): number {
    return this.frames.filter((f) => f.kind === kind).length;
  }
  /** The configs and frames as an FLV file (as they arrived, each config before its track's frames). */
  writeFlv(file: string): void {
    const writer = new FlvWriter({ hasAudio: true, hasVideo: true });
    const tags: FlvTag[] = [...this.configs.flatMap((c) => tagsFromConfig(c)), ...this.frames.flatMap((f) => tagsFromFrame(f))];
    writeFileSync(file, writer.write(tags));
  }
}

test("the player sends the messages ffmpeg sends as a player, in the same order", async () => {
  const { port, sessions } = await recordingServer();
  const url = `rtmp://127.0.0.1:${port}/live/order`;
  const ffmpeg = start("ffmpeg", ["-v", "error", "-i", url, "-t", "1", "-f", "null", "-"], 20000);
  await waitFor("ffmpeg's session to end", () => (sessions[0]?.at(-1) === "UserControl SetBufferLength" ? true : undefined), 15000);
  await ffmpeg.done;
  const player = new RtmpPlayer(parseRtmpTarget(url, { fullUrl: true }), { timeoutMs: 5000 });
  await player.start();
  await waitFor("our session to end", () => (sessions[1]?.at(-1) === "UserControl SetBufferLength" ? true : undefined), 15000);
  player.stop();
  const theirs = sessions[0]!;
  assert.equal(theirs.slice(0, 6), ["Command connect", "WindowAckSize", "Command createStream", "Command getStreamLength", "Command play", "UserControl SetBufferLength"]);
  assert.equal(sessions[1], theirs);
});

test("a stream ffmpeg publishes to nginx-rtmp plays with H.264 and AAC configs first and ends with StreamEOF", async () => {
  const url = nginx!.url("live/pulled");
  const publisher = start("ffmpeg", ["-v", "error", "-re", "-i", source, "-c", "copy", "-f", "flv", url], 30000);
  const collector = new Collector(new RtmpPlayer(parseRtmpTarget(url, { fullUrl: true }), { timeoutMs: 5000 }));
  await collector.player.start();
  await publisher.done;
  await waitFor("the end of the stream", () => collector.ended, 10000);
  collector.player.stop();
  assert.is(collector.ended, "StreamEOF");
  assert.equal(collector.configs.map((c) => c.codec).sort(), ["AAC", "H264"]);
  const firstVideo = collector.frames.find((f) => f.kind === "video");
  assert.ok(firstVideo?.key, "the first video frame is a keyframe");
  // the player joins while ffmpeg is connecting, so it may miss the first moments, never most of it
  assert.ok(collector.count("video") >= expected.video!.frames * 0.7, `video frames ${collector.count("video")} of ${expected.video!.frames}`);
  assert.ok(collector.count("audio") >= expected.audio!.frames * 0.7, `audio frames ${collector.count("audio")} of ${expected.audio!.frames}`);
  const out = join(dir, "from-nginx.flv");
  collector.writeFlv(out);
  assert.is(await decodeErrors(out), "");
});

test("every frame ffmpeg -listen 1 serves arrives and re-muxes to a clean FLV with the source's counts", async () => {
  const port = await freeTcpPort();
  const url = `rtmp://127.0.0.1:${port}/live/served`;
  const server = start("ffmpeg", ["-v", "error", "-re", "-i", source, "-c", "copy", "-f", "flv", "-listen", "1", url], 30000);
  const target = parseRtmpTarget(url, { fullUrl: true });
  // ffmpeg opens its port a moment after it starts (read from /proc: a probe would use up its one connection)
  await waitFor("ffmpeg to listen", () => (listensOn(port) ? true : undefined), 10000);
  const collector = new Collector(new RtmpPlayer(target, { timeoutMs: 5000 }));
  await collector.player.start();
  const result = await server.done;
  assert.is(result.code, 0, result.stderr);
  await waitFor("the connection to close", () => collector.ended, 10000);
  const out = join(dir, "from-listen.flv");
  collector.writeFlv(out);
  assert.is(await decodeErrors(out), "");
  const got = await probe(out);
  assert.is(got.video?.frames, expected.video!.frames, "video frames");
  assert.is(got.audio?.frames, expected.audio!.frames, "audio frames");
  assert.is(got.video?.width, 480);
});

test("a server that refuses connect is a clear error that is not retried", async () => {
  const server = createServer((socket) => {
    const conn = new RtmpConnection({ role: "server", socket });
    conn.on("command", (c) => {
      if (c.name === "connect") conn.sendCommand("_error", c.transactionId, null, [statusObject("error", "NetConnection.Connect.Rejected", "no such app")]);
    });
  });
  servers.push(server);
  const port = await new Promise<number>((r) => server.listen(0, "127.0.0.1", () => r((server.address() as { port: number }).port)));
  const player = new RtmpPlayer(parseRtmpTarget(`rtmp://127.0.0.1:${port}/nope/x`, { fullUrl: true }), { timeoutMs: 5000 });
  try {
    await player.start();
    assert.unreachable("connect was refused");
  } catch (err) {
    assert.instance(err, RtmpPlayError);
    assert.is((err as RtmpPlayError).code, "ERR_RTMP_CONNECT_REJECTED");
    assert.is((err as RtmpPlayError).retry, false);
    assert.match((err as Error).message, /NetConnection.Connect.Rejected: no such app/);
  }
});

test.run();
