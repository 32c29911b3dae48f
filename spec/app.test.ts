import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import WebSocket from "ws";
import { startApp, type App } from "../src/app.ts";
import { makeConfig } from "../src/config.ts";
import { freeTcpPort, listensOn, waitFor } from "./support/net.ts";
import { UdpFarEnd } from "./core/call/calls-support.ts";
import { mediaPortRange } from "./support/media-ports.ts";

const test = suite("app");
let app: App | undefined;
test.after.each(async () => {
  await app?.close();
  app = undefined;
});

async function start(overrides = {}) {
  const dir = mkdtempSync(join(tmpdir(), "transpond-app-"));
  app = await startApp(
    makeConfig({
      bind_address: "127.0.0.1",
      "http.port": await freeTcpPort(),
      "https.port": await freeTcpPort(),
      "ws.port": await freeTcpPort(),
      "wss.port": 0,
      "rtmp.port": 0,
      data_dir: join(dir, "data"),
      media_dir: join(dir, "media"),
      record_dir: join(dir, "records"),
      ice_interface_addresses: ["127.0.0.1"],
      ...overrides,
    }),
  );
  return app;
}

test("starts the configured listeners only and answers REST over HTTP and HTTPS", async () => {
  const a = await start();
  assert.equal(Object.keys(a.ports).sort(), ["http", "https", "ws"]);
  const res = await fetch(`http://127.0.0.1:${a.ports.http}/rest-api/push/find_all`);
  assert.is(res.status, 404);
  const body = (await res.json()) as { message: string };
  assert.is(body.message, "Not found any transponder");
});

test("two listeners given one port: refused before anything binds, naming both keys", async () => {
  const port = await freeTcpPort();
  try {
    await start({ "http.port": port, "https.port": 0, "ws.port": port });
    assert.unreachable("should have refused");
  } catch (err) {
    assert.is((err as { key?: string }).key, "ws.port");
    assert.is((err as Error).message, `ws.port: port ${port} is also http.port: each listener needs its own port`);
  }
  assert.not.ok(listensOn(port), "nothing was left listening");
});

test("/push/startup names what is wrong: a missing field, an unknown stream, an audio codec RTMP cannot carry", async () => {
  const a = await start();
  const post = (body: unknown) => fetch(`http://127.0.0.1:${a.ports.http}/rest-api/push/startup`, { method: "POST", body: JSON.stringify(body) });
  const missing = await post({ streamName: "s" });
  assert.is(missing.status, 400);
  assert.match(((await missing.json()) as { message: string }).message, "rtmpUrl is required");
  const unknown = await post({ streamName: "nope", rtmpUrl: "rtmp://127.0.0.1/live" });
  assert.is(unknown.status, 404);
  const badCodec = await post({ streamName: "s", rtmpUrl: "rtmp://127.0.0.1/live", rtmpTransponderAudioCodec: "mp3" });
  assert.is(badCodec.status, 400);
  assert.match(((await badCodec.json()) as { message: string }).message, "rtmpTransponderAudioCodec must be one of aac, alaw, ulaw, speex16");
});

test("/rest-api/stats shows the event loop's delay and the codec workers as configured, none running on an idle node", async () => {
  const a = await start({ "media.workers": 2 });
  // the delay monitor (10 ms resolution) measures from its first tick on: a stall before it is not seen
  await new Promise((r) => setTimeout(r, 30));
  const busyUntil = performance.now() + 150;
  while (performance.now() < busyUntil);
  const res = await fetch(`http://127.0.0.1:${a.ports.http}/rest-api/stats`);
  assert.is(res.status, 200);
  const body = (await res.json()) as { eventLoop: { p50Ms: number; p99Ms: number; maxMs: number }; codecWorkers: Record<string, number>; audioGaps: unknown[] };
  assert.ok(body.eventLoop.maxMs >= 100, `a 150 ms stall shows: ${JSON.stringify(body.eventLoop)}`);
  assert.ok(body.eventLoop.p50Ms <= body.eventLoop.p99Ms && body.eventLoop.p99Ms <= body.eventLoop.maxMs);
  assert.equal(body.codecWorkers, { workers: 2, running: 0, sessions: 0, queueDepth: 0, maxQueueDepth: 0, restarts: 0, droppedJobs: 0, lostJobs: 0 });
  assert.equal(body.audioGaps, []);
  await a.close();
  app = await start({ "media.workers": 0 });
  const inLoop = (await (await fetch(`http://127.0.0.1:${app.ports.http}/rest-api/stats`, { method: "POST", body: "{}" })).json()) as { codecWorkers: { workers: number } };
  assert.is(inLoop.codecWorkers.workers, 0);
});

test("/push/startup on a call's toStream right after /call/startup answers 200 WAITING (the app hands the calls' names to the transponders); the call's end stops it", async () => {
  const phone = await UdpFarEnd.start();
  phone.script = (req, tx, core) => tx.respond(core.createResponse(req, 180, { toTag: "far" }));
  try {
    const a = await start(mediaPortRange(4));
    const post = (path: string, body: unknown) => fetch(`http://127.0.0.1:${a.ports.http}/rest-api/${path}`, { method: "POST", body: JSON.stringify(body) });
    const call = await post("call/startup", { callId: "c1", callee: "2000", sipLogin: "1000", sipDomain: "127.0.0.1", sipPort: phone.port, toStream: "call-1" });
    assert.is(call.status, 200);
    const push = await post("push/startup", { streamName: "call-1", rtmpUrl: "rtmp://127.0.0.1:1/live" });
    assert.is(push.status, 200);
    const transponder = (await push.json()) as { status: string; streamName: string; mediaSessionId: string };
    assert.is(transponder.status, "WAITING");
    assert.is(transponder.streamName, "rtmp_call-1");
    assert.is((await post("push/startup", { streamName: "call-2", rtmpUrl: "rtmp://127.0.0.1:1/live" })).status, 404, "a name no call holds");
    await waitFor("ringing", () => (a.calls.get("c1").status === "RING" ? true : undefined));
    const stopped = a.transponders.next("state");
    assert.is((await post("call/terminate", { callId: "c1" })).status, 200);
    const change = await stopped;
    assert.is(change.to, "STOPPED");
    assert.match(change.transponder.lastError, "call c1 ended FINISH");
    assert.is((await post("push/find", { streamName: "call-1" })).status, 404);
  } finally {
    await phone.close();
  }
});

test("the WebSocket signaling port accepts a Web SDK connection", async () => {
  const a = await start();
  const ws = new WebSocket(`ws://127.0.0.1:${a.ports.ws}/`);
  const reply = await new Promise<{ message: string }>((resolve, reject) => {
    ws.on("open", () => ws.send(JSON.stringify({ message: "connection", data: [{ appKey: "defaultApp", mediaProviders: ["WebRTC"] }] })));
    ws.on("message", (data) => resolve(JSON.parse(String(data))));
    ws.on("error", reject);
  });
  ws.close();
  assert.ok(["getUserData", "ping"].includes(reply.message), reply.message);
});

test("basic auth protects REST when turned on, and passwords do not show in errors", async () => {
  const a = await start({ disable_rest_auth: false, rest_users: ["admin:s3cret"] });
  const url = `http://127.0.0.1:${a.ports.http}/rest-api/stream/find_all`;
  assert.is((await fetch(url)).status, 401);
  const ok = await fetch(url, { headers: { authorization: "Basic " + Buffer.from("admin:s3cret").toString("base64") } });
  assert.is(ok.status, 404);
});

test("with basic auth on, HTTP-FLV asks for the REST users too, and the web pages stay open", async () => {
  const a = await start({ disable_rest_auth: false, rest_users: ["admin:s3cret"] });
  const flv = `http://127.0.0.1:${a.ports.http}/live/cam.flv`;
  const refused = await fetch(flv);
  assert.is(refused.status, 401);
  assert.is(refused.headers.get("www-authenticate"), 'Basic realm="transpond"');
  const wrong = await fetch(flv, { headers: { authorization: "Basic " + Buffer.from("admin:guess").toString("base64") } });
  assert.is(wrong.status, 401);
  const ok = await fetch(flv, { headers: { authorization: "Basic " + Buffer.from("admin:s3cret").toString("base64") } });
  assert.is(ok.status, 404, "past auth: the stream is not published");
  assert.is((await fetch(`http://127.0.0.1:${a.ports.http}/`)).status, 200);
});

test.run();
