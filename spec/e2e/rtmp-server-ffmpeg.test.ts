/**
 * The embedded RTMP server against FFmpeg: ffmpeg publishes H.264 + AAC (lavfi testsrc2 + sine,
 * libx264 without B-frames, 1 s GOP) and ffprobe/ffmpeg play it back over RTMP and HTTP-FLV.
 * Two publishers: `e2e` for PUBLISH_SECONDS, recorded and played to its end, and `live` until the
 * suite ends, for the probes (on a loaded machine they may take longer than `e2e` lasts).
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, get, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { makeConfig } from "../../src/config.ts";
import { StreamHub } from "../../src/core/stream/hub.ts";
import { startRtmpServer, type RtmpServerHandle } from "../../src/core/ingest/rtmp-ingest.ts";
import { registerHttpFlv } from "../../src/rest/http-flv.ts";
import { Router } from "../../src/rest/router.ts";
import { e2eSuite } from "../support/e2e.ts";
import { freeTcpPort, waitFor } from "../support/net.ts";
import { decodeErrors } from "../support/ffmpeg.ts";
import { killChildren, run, type RunResult } from "../support/process.ts";

const test = e2eSuite("rtmp server vs ffmpeg", ["ffmpeg", "ffprobe"]);
const PUBLISH_SECONDS = 10;
let hub: StreamHub;
let rtmp: RtmpServerHandle;
let http: Server;
let httpPort = 0;
let dir = "";
let publisher: Promise<RunResult>;
/** media seconds `e2e` had published when the first and when the second full player was attached */
const playersJoinedAt: number[] = [];
let fullRtmpPlay: Promise<RunResult>;
let fullHttpPlay: Promise<RunResult>;

const rtmpUrl = (name: string): string => `rtmp://127.0.0.1:${rtmp.port}/live/${name}`;
const flvUrl = (name: string): string => `http://127.0.0.1:${httpPort}/live/${name}.flv`;

function publish(name: string, seconds: number): Promise<RunResult> {
  return run("ffmpeg", [
    "-hide_banner", "-v", "error", "-re",
    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
    "-t", String(seconds),
    "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "64k",
    "-f", "flv", rtmpUrl(name),
  ], (seconds + 15) * 1000);
}

async function probe(url: string): Promise<{ streams: Record<string, string | number>[] }> {
  const r = await run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,codec_type,width,height,sample_rate,channels", "-of", "json", url], 20000);
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { streams: Record<string, string | number>[] };
}

async function fileInfo(path: string): Promise<{ duration: number; videoFrames: number; audioFrames: number }> {
  const r = await run("ffprobe", ["-v", "error", "-count_frames", "-show_entries", "format=duration:stream=codec_type,nb_read_frames", "-of", "json", path], 20000);
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { format: { duration: string }; streams: { codec_type: string; nb_read_frames: string }[] };
  const frames = (t: string): number => Number(j.streams.find((s) => s.codec_type === t)?.nb_read_frames ?? 0);
  return { duration: Number(j.format.duration), videoFrames: frames("video"), audioFrames: frames("audio") };
}

function expectCodecs(streams: Record<string, string | number>[]): void {
  const video = streams.find((s) => s.codec_type === "video");
  const audio = streams.find((s) => s.codec_type === "audio");
  assert.equal([video?.codec_name, video?.width, video?.height], ["h264", 320, 240]);
  assert.equal([audio?.codec_name, audio?.sample_rate, audio?.channels], ["aac", "44100", 1]);
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-rtmp-e2e-"));
  hub = new StreamHub();
  rtmp = await startRtmpServer({
    config: makeConfig({ "rtmp.port": await freeTcpPort(), bind_address: "127.0.0.1", "rtmp.record": true, record_dir: join(dir, "records") }),
    hub,
  });
  const router = new Router({ allowOrigin: "*", users: new Map() });
  registerHttpFlv(router, hub);
  http = createServer(router.handle);
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  httpPort = (http.address() as { port: number }).port;
  void publish("live", 600);
  publisher = publish("e2e", PUBLISH_SECONDS);
  await waitFor("ffmpeg publishing", () => ((hub.get("e2e")?.frames.video ?? 0) > 0 && (hub.get("live")?.frames.video ?? 0) > 0) || undefined, 15000);
  // players that stay until the publisher stops (NetStream.Play.UnpublishNotify / end of HTTP body)
  const stream = hub.get("e2e")!;
  const sinksBefore = stream.sinkCount;
  fullRtmpPlay = run("ffmpeg", ["-hide_banner", "-v", "error", "-i", rtmpUrl("e2e"), "-c", "copy", "-f", "flv", join(dir, "rtmp-play.flv")], 60000);
  fullHttpPlay = run("ffmpeg", ["-hide_banner", "-v", "error", "-i", flvUrl("e2e"), "-c", "copy", "-f", "flv", join(dir, "http-play.flv")], 60000);
  await waitFor("both full players attached", () => {
    while (playersJoinedAt.length < stream.sinkCount - sinksBefore) playersJoinedAt.push(stream.frames.video / 25);
    return playersJoinedAt.length === 2 ? true : undefined;
  }, 15000, 10);
});

test.after(async () => {
  killChildren();
  await rtmp?.close();
  await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
  closeAllIdle();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function closeAllIdle(): void {
  http?.closeAllConnections();
}

test("a second ffmpeg publisher on the same name is refused (exits non-zero) while the first keeps going", async () => {
  const before = hub.get("live")!.frames.video;
  const second = await publish("live", 3);
  assert.ok(second.code !== 0, "second publisher must fail");
  assert.match(second.stderr, /already published|BadName/, "ffmpeg reports our onStatus description");
  const stream = hub.get("live");
  assert.ok(stream, "the first publisher's stream is still there");
  await waitFor("first publisher still feeding", () => (stream!.frames.video > before + 10 ? true : undefined));
});

test("ffprobe over RTMP sees the published H.264 320x240 and AAC 44.1 kHz mono", async () => {
  expectCodecs((await probe(rtmpUrl("live"))).streams);
});

test("ffprobe over HTTP-FLV sees the same codecs and size", async () => {
  expectCodecs((await probe(flvUrl("live"))).streams);
});

test("ffmpeg decodes two seconds of RTMP play with no errors", async () => {
  const r = await run("ffmpeg", ["-hide_banner", "-v", "error", "-i", rtmpUrl("live"), "-t", "2", "-f", "null", "-"], 20000);
  assert.is(r.code, 0);
  assert.is(r.stderr.trim(), "");
});

test("GET of a name that is not published answers 404", async () => {
  const status = await new Promise<number>((resolve, reject) => get(flvUrl("nothing"), (res) => (res.resume(), resolve(res.statusCode ?? 0))).on("error", reject));
  assert.is(status, 404);
});

test("when the publisher stops, RTMP and HTTP-FLV players end; their output and the recording decode cleanly with the right duration", async () => {
  const pub = await publisher;
  assert.is(pub.code, 0, pub.stderr);
  const [rtmpPlay, httpPlay] = await Promise.all([fullRtmpPlay, fullHttpPlay]);
  assert.is(rtmpPlay.code, 0, rtmpPlay.stderr);
  assert.is(httpPlay.code, 0, httpPlay.stderr);
  await waitFor("stream gone", () => (hub.get("e2e") === undefined ? true : undefined));
  const records = readdirSync(join(dir, "records")).filter((f) => f.startsWith("e2e-") && f.endsWith(".flv"));
  assert.is(records.length, 1, `records: ${records.join(", ")}`);
  const recording = join(dir, "records", records[0]!);
  for (const path of [recording, join(dir, "rtmp-play.flv"), join(dir, "http-play.flv")]) assert.is(await decodeErrors(path), "", `decode errors in ${path}`);
  const rec = await fileInfo(recording);
  assert.ok(Math.abs(rec.duration - PUBLISH_SECONDS) < 0.5, `recording lasts ${rec.duration} s`);
  assert.ok(Math.abs(rec.videoFrames - PUBLISH_SECONDS * 25) <= 2, `recording has ${rec.videoFrames} video frames`);
  for (const path of [join(dir, "rtmp-play.flv"), join(dir, "http-play.flv")]) {
    const info = await fileInfo(path);
    // from the first keyframe after it joined (1 s GOP) to the end
    const [first, second] = playersJoinedAt as [number, number];
    assert.ok(info.duration > PUBLISH_SECONDS - second - 1.2 && info.duration < PUBLISH_SECONDS - first + 0.5, `${path} lasts ${info.duration} s; the players joined ${first} s and ${second} s into the stream`);
    assert.ok(info.audioFrames > 0);
  }
});

test.run();
