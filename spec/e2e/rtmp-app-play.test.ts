/**
 * The RTMP application over HTTP-FLV and RTMP play, against FFmpeg: ffmpeg publishes H.264 + AAC
 * to rtmp://127.0.0.1/other/cam on the embedded server; it plays at /other/cam.flv and
 * rtmp://.../other/cam (as on nginx-rtmp, SRS, MediaMTX), /live/cam.flv answers 404 naming that
 * path, and ffmpeg playing a wrong application or a name nobody publishes exits with our
 * NetStream.Play.StreamNotFound description on its stderr instead of hanging.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, get, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { makeConfig } from "../../src/config.ts";
import { startRtmpServer, type RtmpServerHandle } from "../../src/core/ingest/rtmp-ingest.ts";
import { StreamHub } from "../../src/core/stream/hub.ts";
import { registerHttpFlv } from "../../src/rest/http-flv.ts";
import { Router } from "../../src/rest/router.ts";
import { e2eSuite } from "../support/e2e.ts";
import { decodeErrors } from "../support/ffmpeg.ts";
import { freeTcpPort, waitFor } from "../support/net.ts";
import { killChildren, run } from "../support/process.ts";

const test = e2eSuite("rtmp application: HTTP-FLV and RTMP play vs ffmpeg", ["ffmpeg", "ffprobe"]);
const PLAY_WAIT_MS = 2000;
let hub: StreamHub;
let rtmp: RtmpServerHandle;
let http: Server;
let httpPort = 0;
let dir = "";

const rtmpUrl = (app: string, name: string): string => `rtmp://127.0.0.1:${rtmp.port}/${app}/${name}`;
const flvUrl = (app: string, name: string): string => `http://127.0.0.1:${httpPort}/${app}/${name}.flv`;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-rtmp-app-"));
  hub = new StreamHub();
  rtmp = await startRtmpServer({ config: makeConfig({ "rtmp.port": await freeTcpPort(), bind_address: "127.0.0.1", "rtmp.play_wait_timeout": PLAY_WAIT_MS }), hub });
  const router = new Router({ allowOrigin: "*", users: new Map() });
  registerHttpFlv(router, hub);
  http = createServer(router.handle);
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  httpPort = (http.address() as { port: number }).port;
  void run("ffmpeg", [
    "-hide_banner", "-v", "error", "-re",
    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
    "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "64k",
    "-f", "flv", rtmpUrl("other", "cam"),
  ], 600_000);
  await waitFor("ffmpeg publishing to other/cam", () => ((hub.get("cam")?.frames.video ?? 0) > 0 ? true : undefined), 15000);
});

test.after(async () => {
  killChildren();
  http?.closeAllConnections();
  await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
  await rtmp?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** 3 s of what ffmpeg reads at `url`, copied to an FLV file, with ffprobe's frame counts of it. */
async function capture(url: string, file: string): Promise<{ video: string; audio: string; frames: { video: number; audio: number } }> {
  const path = join(dir, file);
  const r = await run("ffmpeg", ["-hide_banner", "-v", "error", "-i", url, "-t", "3", "-map", "0", "-c", "copy", "-f", "flv", path], 30000);
  assert.is(r.code, 0, r.stderr);
  const p = await run("ffprobe", ["-v", "error", "-count_frames", "-show_entries", "stream=codec_type,codec_name,nb_read_frames", "-of", "json", path], 20000);
  assert.is(p.code, 0, p.stderr);
  const streams = (JSON.parse(p.stdout) as { streams: { codec_type: string; codec_name: string; nb_read_frames: string }[] }).streams;
  const of = (type: string) => streams.find((s) => s.codec_type === type);
  assert.is(await decodeErrors(path), "", "the copy decodes without errors");
  return { video: of("video")?.codec_name ?? "", audio: of("audio")?.codec_name ?? "", frames: { video: Number(of("video")?.nb_read_frames ?? 0), audio: Number(of("audio")?.nb_read_frames ?? 0) } };
}

function fetchText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

test("HTTP-FLV plays the stream published to application `other` at /other/cam.flv: H.264 and AAC that decode cleanly", async () => {
  const got = await capture(flvUrl("other", "cam"), "http-other.flv");
  assert.equal([got.video, got.audio], ["h264", "aac"]);
  assert.ok(got.frames.video >= 50 && got.frames.audio >= 100, JSON.stringify(got.frames));
});

test("RTMP play under the publisher's application plays it too", async () => {
  const got = await capture(rtmpUrl("other", "cam"), "rtmp-other.flv");
  assert.equal([got.video, got.audio], ["h264", "aac"]);
  assert.ok(got.frames.video >= 50 && got.frames.audio >= 100, JSON.stringify(got.frames));
});

test("/live/cam.flv answers 404 with a body naming /other/cam.flv", async () => {
  const r = await fetchText(flvUrl("live", "cam"));
  assert.is(r.status, 404);
  assert.is(JSON.parse(r.body).message, 'stream cam is published under the application "other", not "live": it plays at /other/cam.flv');
  const probe = await run("ffprobe", ["-v", "error", flvUrl("live", "cam")], 20000);
  assert.ok(probe.code !== 0);
  assert.match(probe.stderr, "404");
});

test("ffmpeg playing the name under a wrong application exits at once with StreamNotFound naming the URL", async () => {
  const started = Date.now();
  const r = await run("ffmpeg", ["-hide_banner", "-i", rtmpUrl("wrongapp", "cam"), "-t", "2", "-f", "null", "-"], 20000);
  assert.ok(r.code !== 0, "ffmpeg fails");
  assert.match(r.stderr, `Server error: cam is published under the application "other", not "wrongapp": play ${rtmpUrl("other", "cam")}`);
  assert.ok(Date.now() - started < PLAY_WAIT_MS, "refused before any wait");
});

test("ffmpeg playing a name nobody publishes exits after rtmp.play_wait_timeout with what to do", async () => {
  const r = await run("ffmpeg", ["-hide_banner", "-i", rtmpUrl("live", "nobody"), "-t", "2", "-f", "null", "-"], 20000);
  assert.ok(r.code !== 0, "ffmpeg fails");
  assert.match(r.stderr, `Server error: nobody is not published (waited 2 s): publish to ${rtmpUrl("live", "nobody")} first, or check the name; GET /rest-api/stream/find_all lists the published streams`);
});

test.run();
