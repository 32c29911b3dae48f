import { createServer, request, type Server } from "node:http";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { Frame, TrackConfig } from "../../src/codecs/frame.ts";
import { StreamHub } from "../../src/core/stream/hub.ts";
import { FlvReader } from "../../src/flv/file-reader.ts";
import { frameFromTag } from "../../src/flv/frames.ts";
import { flvRequests, registerHttpFlv } from "../../src/rest/http-flv.ts";
import { Router } from "../../src/rest/router.ts";
import { fixtureTags } from "../rtmp/server/peers.ts";
import { waitFor } from "../support/net.ts";

const test = suite("rest/http-flv");
let server: Server;
let hub: StreamHub;
let port = 0;

test.before.each(async () => {
  hub = new StreamHub();
  const router = new Router({ allowOrigin: "*", users: new Map() });
  registerHttpFlv(router, hub);
  server = createServer(router.handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
});
test.after.each(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function fetchAll(path: string, method = "GET"): Promise<{ status: number; type: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("a name that is not published answers 404", async () => {
  const r = await fetchAll("/live/none.flv");
  assert.is(r.status, 404);
  assert.match(r.body.toString(), "stream is not published: none");
});

test("a published stream is served as video/x-flv: header, onMetaData, sequence headers, frames, until it ends", async () => {
  const stream = hub.publish("cam", { kind: "rtmp", requestKeyframe: () => {}, stop: () => {} });
  const configs: TrackConfig[] = [];
  const frames: Frame[] = [];
  for (const tag of fixtureTags(undefined, 1000)) {
    const m = frameFromTag(tag);
    if (m.type === "config") configs.push(m.config);
    else if (m.type === "frame") frames.push(m.frame);
  }
  for (const c of configs) stream.setConfig(c);
  const response = fetchAll("/live/cam.flv");
  // awaited below; without this a request that fails while the sink is awaited would be an unhandled rejection
  response.catch(() => {});
  await waitFor("the HTTP-FLV player to be attached as a sink", () => (stream.sinkCount === 1 ? true : undefined));
  for (const f of frames) stream.pushFrame(f);
  hub.unpublish(stream, "Unpublished");
  const r = await response;
  assert.is(r.status, 200);
  assert.is(r.type, "video/x-flv");
  const out = new FlvReader({ strictPreviousTagSize: true }).push(r.body);
  assert.equal(out[0], { type: "header", header: { version: 1, hasAudio: true, hasVideo: true, dataOffset: 9 } });
  const types = out.flatMap((o) => (o.type === "tag" ? [o.header.tagType] : []));
  assert.equal(types.slice(0, 3), [18, 9, 8]);
  assert.is(types.filter((t) => t === 9).length, 1 + frames.filter((f) => f.kind === "video").length);
});

test("HEAD answers 200 with the FLV content type and no body", async () => {
  hub.publish("cam", { kind: "rtmp", requestKeyframe: () => {}, stop: () => {} });
  const r = await fetchAll("/live/cam.flv", "HEAD");
  assert.is(r.status, 200);
  assert.is(r.type, "video/x-flv");
  assert.is(r.body.length, 0);
});

const source = (rtmpApp?: string) => ({ kind: rtmpApp === undefined ? ("webrtc" as const) : ("rtmp" as const), ...(rtmpApp === undefined ? {} : { rtmpApp }), requestKeyframe: () => {}, stop: () => {} });

test("paths read as /<app>/<name>.flv: dots in names, names holding / (%2F, decoded by the router), applications holding /", () => {
  assert.equal(flvRequests("/live/cam.flv"), [{ app: "live", name: "cam" }]);
  assert.equal(flvRequests("/other/cam.v2.flv"), [{ app: "other", name: "cam.v2" }]);
  assert.equal(flvRequests("/live/cam.flv.flv"), [{ app: "live", name: "cam.flv" }]);
  assert.equal(flvRequests("/live/my cam/é.flv"), [{ app: "live", name: "my cam/é" }, { app: "live/my cam", name: "é" }]);
  assert.equal(flvRequests("/live/.hidden.flv"), [{ app: "live", name: ".hidden" }]);
});

test("no reading for dot segments, empty segments, a missing application or another suffix", () => {
  for (const path of ["/live/../cam.flv", "/../cam.flv", "/live/./cam.flv", "/live/..flv", "/live//cam.flv", "/cam.flv", "/.flv", "/live/cam.FLV", "/live/cam.mp4", "live/cam.flv"]) {
    assert.equal(flvRequests(path), [], path);
  }
});

test("a stream RTMP-published to another application plays under it; /live/ answers 404 naming where it plays", async () => {
  hub.publish("cam", source("other"));
  const head = await fetchAll("/other/cam.flv", "HEAD");
  assert.is(head.status, 200);
  assert.is(head.type, "video/x-flv");
  const wrong = await fetchAll("/live/cam.flv");
  assert.is(wrong.status, 404);
  assert.is(JSON.parse(wrong.body.toString()).message, 'stream cam is published under the application "other", not "live": it plays at /other/cam.flv');
});

test("streams without an RTMP application (WebRTC, SIP, relays, WHIP) play under /live/ only", async () => {
  hub.publish("browser", source());
  assert.is((await fetchAll("/live/browser.flv", "HEAD")).status, 200);
  const wrong = await fetchAll("/other/browser.flv");
  assert.is(wrong.status, 404);
  assert.match(wrong.body.toString(), "it plays at /live/browser.flv");
});

test("URL-encoded names and applications: a space, a slash as %2F, an application with an instance", async () => {
  hub.publish("my cam/1", source("studio"));
  hub.publish("cam", source("app/instance"));
  assert.is((await fetchAll("/studio/my%20cam%2F1.flv", "HEAD")).status, 200);
  assert.is((await fetchAll("/app/instance/cam.flv", "HEAD")).status, 200);
  const wrong = await fetchAll("/live/my%20cam%2F1.flv");
  assert.is(wrong.status, 404);
  assert.match(wrong.body.toString(), "it plays at /studio/my%20cam%2F1.flv");
});

test("dot segments never reach another stream: /live/..%2Fcam.flv is 404 with the path form", async () => {
  hub.publish("cam", source());
  const r = await fetchAll("/live/..%2Fcam.flv");
  assert.is(r.status, 404);
  assert.match(r.body.toString(), "HTTP-FLV plays /<app>/<name>.flv");
  assert.is((await fetchAll("/live/%2E%2E/live/cam.flv", "HEAD")).status, 200, "the router resolves %2E%2E as .. before matching, as every URL parser does");
});

test.run();
