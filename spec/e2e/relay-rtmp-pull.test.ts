/**
 * The RTMP form of /pull/pull against nginx-rtmp: ffmpeg publishes a test pattern with a tone to
 * nginx; /pull/pull makes it a local stream that plays over HTTP-FLV, and /push/startup republishes
 * it to a second nginx application whose recording decodes cleanly. The publisher leaving nginx
 * unpublishes the stream here and the relay reconnects by itself; the REST error cases answer
 * their status and message.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { startApp, type App } from "../../src/app.ts";
import { makeConfig } from "../../src/config.ts";
import { e2eSuite } from "../support/e2e.ts";
import { decodeErrors } from "../support/ffmpeg.ts";
import { freeTcpPort, waitFor } from "../support/net.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { killChildren, run, start } from "../support/process.ts";
import { firstVideoPacketFlags, probe } from "./rtmp-publisher-media.ts";

const test = e2eSuite("e2e/relay: /pull/pull rtmp:// from nginx-rtmp", ["ffmpeg", "ffprobe", "nginx"]);
let app: App;
let nginx: NginxRtmp;
let dir = "";
let api = "";

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-relay-rtmp-"));
  nginx = await NginxRtmp.start({ applications: ["live", "copy"] });
  app = await startApp(
    makeConfig({
      bind_address: "127.0.0.1",
      "http.port": await freeTcpPort(),
      "https.port": 0,
      "ws.port": 0,
      "wss.port": 0,
      "rtmp.port": 0,
      data_dir: join(dir, "data"),
      record_dir: join(dir, "records"),
      wcs_agent_reconnect_min_delay: 200,
      wcs_agent_reconnect_max_delay: 1000,
    }),
  );
  api = `http://127.0.0.1:${app.ports.http}/rest-api`;
});

test.after(async () => {
  killChildren();
  await app?.close();
  await nginx?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, body: unknown) => fetch(`${api}${path}`, { method: "POST", body: JSON.stringify(body) });

interface RelayJson {
  localMediaSessionId: string;
  localStreamName: string;
  remoteStreamName: string;
  uri: string;
  status: string;
  state: string;
  lastError: string;
  reconnects: number;
}

async function findRelay(localStreamName: string): Promise<RelayJson | undefined> {
  const res = await post("/pull/find", { localStreamName });
  return res.status === 200 ? ((await res.json()) as RelayJson[])[0] : undefined;
}

/** ffmpeg publishing a 320x240 test pattern with a 440 Hz tone to nginx for `seconds`. */
function publishPattern(url: string, seconds: number) {
  return start("ffmpeg", [
    "-v", "error", "-re",
    "-f", "lavfi", "-i", `testsrc2=size=320x240:rate=25:duration=${seconds}`,
    "-f", "lavfi", "-i", `sine=frequency=440:sample_rate=44100:duration=${seconds}`,
    "-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "96k", "-f", "flv", url,
  ], (seconds + 30) * 1000);
}

test("nginx -> /pull/pull -> HTTP-FLV here and /push/startup to a second nginx app whose recording decodes cleanly", async () => {
  const publisher = publishPattern(nginx.url("live/src"), 30);
  const uri = nginx.url("live/src");
  const res = await post("/pull/pull", { uri, localStreamName: "pulled", hasAudio: true, hasVideo: "true", record: "false" });
  assert.is(res.status, 200);
  const relay = (await res.json()) as RelayJson;
  assert.equal([relay.localStreamName, relay.remoteStreamName, relay.uri], ["pulled", "src", uri]);
  await waitFor("relay ACTIVE", async () => ((await findRelay("pulled"))?.state === "ACTIVE" ? true : undefined), 15000);
  assert.is((await findRelay("pulled"))!.status, "PROCESSED_REMOTE");
  await waitFor("the pulled stream's video", () => app.hub.get("pulled")?.videoConfig, 15000);

  const flv = join(dir, "http-flv.flv");
  const grab = await run("ffmpeg", ["-v", "error", "-y", "-i", `http://127.0.0.1:${app.ports.http}/live/pulled.flv`, "-t", "3", "-c", "copy", flv], 30000);
  assert.is(grab.code, 0, grab.stderr);
  const got = await probe(flv);
  assert.equal([got.video?.codec, got.video?.width, got.video?.height, got.audio?.codec], ["h264", 320, 240, "aac"]);
  assert.ok(got.video!.frames >= 50, `only ${got.video!.frames} video frames in 3 s`);
  assert.is(await decodeErrors(flv), "");

  const push = await fetch(`${api}/push/startup`, { method: "POST", body: JSON.stringify({ streamName: "pulled", rtmpUrl: nginx.url("copy") }) });
  assert.is(push.status, 200);
  const transponder = (await push.json()) as { mediaSessionId: string };
  await waitFor("4 s of republished video", () => ((app.hub.get("pulled")?.frames.video ?? 0) > 0 && app.transponders.all()[0]?.transponder.status === "ACTIVE" ? true : undefined), 15000);
  const before = app.hub.get("pulled")!.frames.video;
  await waitFor("125 more frames", () => (app.hub.get("pulled")!.frames.video >= before + 125 ? true : undefined), 20000);
  assert.is((await post("/push/terminate", { mediaSessionId: transponder.mediaSessionId })).status, 200);
  const recording = await nginx.recordingClosed("rtmp_pulled");
  assert.is(await decodeErrors(recording), "");
  const copy = await probe(recording);
  assert.equal([copy.video?.codec, copy.video?.width, copy.audio?.codec], ["h264", 320, "aac"]);
  assert.ok(copy.video!.frames >= 100, `only ${copy.video!.frames} frames recorded`);
  assert.match((await firstVideoPacketFlags(recording))[0] ?? "", /^K/, "the recording starts at a keyframe");

  // the publisher leaves nginx: the stream is unpublished here, the relay reconnects by itself
  const unpublished: string[] = [];
  const stopListening = app.hub.listen({ unpublished: (stream, reason) => stream.name === "pulled" && unpublished.push(reason) });
  publisher.child.kill("SIGKILL");
  await publisher.done;
  await waitFor("pulled unpublished here", () => unpublished[0], 15000);
  stopListening();
  assert.match(unpublished[0]!, /remote stream ended \(StreamEOF\)/);
  await waitFor("reconnected", async () => ((await findRelay("pulled"))?.reconnects ?? 0) >= 1 ? true : undefined, 15000);

  assert.is((await post("/pull/terminate", { uri })).status, 200);
  await waitFor("pulled gone", () => (app.hub.get("pulled") ? undefined : true));
  assert.is((await fetch(`${api}/pull/find_all`)).status, 404);
});

test("REST errors: 400 naming the field, 409 for the same pull twice, 404 for a push of a missing stream and for terminate of nothing", async () => {
  const cases: [string, unknown, number, RegExp][] = [
    ["/pull/pull", { localStreamName: "x" }, 400, /uri is required/],
    ["/pull/pull", { uri: "http://h/x", localStreamName: "x", remoteStreamName: "y" }, 400, /uri: scheme http/],
    ["/pull/pull", { uri: "ws://127.0.0.1:1", localStreamName: "x" }, 400, /remoteStreamName is required/],
    ["/pull/pull", { uri: nginx.url("live/a"), hasAudio: "maybe" }, 400, /hasAudio must be true or false/],
    ["/pull/push", { uri: "ws://127.0.0.1:1", localStreamName: "missing", remoteStreamName: "y" }, 404, /Stream not found: missing/],
    ["/pull/terminate", { localStreamName: "nothing" }, 404, /Relay not found/],
    ["/pull/terminate", {}, 400, /at least one of uri/],
  ];
  for (const [path, body, status, text] of cases) {
    const res = await post(path, body);
    assert.is(res.status, status, `${path} ${JSON.stringify(body)}`);
    assert.match(await res.text(), text);
  }
  const uri = nginx.url("live/twice");
  assert.is((await post("/pull/pull", { uri, localStreamName: "t1" })).status, 200);
  const again = await post("/pull/pull", { uri, localStreamName: "t2" });
  assert.is(again.status, 409);
  assert.match(await again.text(), /already exists/);
  assert.is((await post("/pull/terminate", { localStreamName: "t1" })).status, 200);
});

test.run();
