import { createServer, request, type Server } from "node:http";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { Frame, TrackConfig } from "../../src/codecs/frame.ts";
import { StreamHub } from "../../src/core/stream/hub.ts";
import { FlvReader } from "../../src/flv/file-reader.ts";
import { frameFromTag } from "../../src/flv/frames.ts";
import { registerHttpFlv } from "../../src/rest/http-flv.ts";
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

test.run();
