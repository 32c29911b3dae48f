/**
 * The HTTP shapes of WHIP (RFC 9725) and WHEP on the real router, sessions and stream hub, with a
 * media engine whose peers answer at once (spec/agent/support/fake-engine.ts). Chromium publishing
 * and playing for real is spec/e2e/whip-whep.test.ts.
 */
import { createServer, type Server } from "node:http";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { AccessTokens } from "../../src/access-tokens.ts";
import { WhipSessions } from "../../src/agent/whip/sessions.ts";
import { webrtcStreams } from "../../src/core/ingest/webrtc-ingest.ts";
import { StreamHub } from "../../src/core/stream/hub.ts";
import { Router } from "../../src/rest/router.ts";
import { registerWhipRoutes } from "../../src/rest/whip-routes.ts";
import { FakeEngine } from "../agent/support/fake-engine.ts";
import { answerProblems, fetchAnswer, loadOpenApi } from "../support/openapi.ts";

const test = suite("rest/whip-routes");
const OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 H264/90000\r\n";

interface Ctx {
  server: Server;
  base: string;
  hub: StreamHub;
  engine: FakeEngine;
  sessions: WhipSessions;
  tokens: AccessTokens;
}
let ctx: Ctx;

type Hook = (action: "publishStream" | "playStream", body: Record<string, unknown>) => Promise<boolean>;

async function start(users: [string, string][] = [], connectTimeoutMs = 20000, authorize?: Hook): Promise<void> {
  const hub = new StreamHub();
  const engine = new FakeEngine();
  const sessions = new WhipSessions({ engine, streams: webrtcStreams(hub), connectTimeoutMs, ...(authorize ? { authorize } : {}) });
  const tokens = new AccessTokens();
  const router = new Router({ allowOrigin: "*", users: new Map(users) });
  registerWhipRoutes(router, sessions, tokens);
  const server = createServer(router.handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  ctx = { server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hub, engine, sessions, tokens };
}

test.after.each(async () => {
  ctx.sessions.close();
  ctx.hub.close("test over");
  await new Promise<void>((r) => ctx.server.close(() => r()));
});

const post = (path: string, body = OFFER, headers: Record<string, string> = {}) => fetch(ctx.base + path, { method: "POST", body, headers: { "content-type": "application/sdp", ...headers } });
const message = async (res: Response) => ((await res.json()) as { message: string }).message;

test("WHIP POST with an SDP offer: 201, the answer as application/sdp, a Location to DELETE; the stream is published", async () => {
  await start();
  const res = await post("/whip/cam");
  assert.is(res.status, 201);
  assert.is(res.headers.get("content-type"), "application/sdp");
  assert.is(await res.text(), "v=0\r\nanswer-publish\r\n");
  const location = res.headers.get("location") ?? "";
  assert.match(location, /^\/whip\/cam\/[0-9a-z]{26}$/);
  assert.match(res.headers.get("access-control-expose-headers") ?? "", "Location");
  const stream = ctx.hub.get("cam");
  assert.ok(stream, "published");
  assert.is(stream.info.source, "webrtc");

  const deleted = await fetch(ctx.base + location, { method: "DELETE" });
  assert.is(deleted.status, 200);
  assert.is(ctx.hub.get("cam"), undefined, "DELETE unpublished it");
  assert.ok(ctx.engine.peers[0]!.closed, "the peer is closed");
  assert.is((await fetch(ctx.base + location, { method: "DELETE" })).status, 404, "a second DELETE finds nothing");
});

test("a WHIP session ends with its peer: the stream goes when the connection fails", async () => {
  await start();
  const res = await post("/whip/cam");
  assert.is(res.status, 201);
  ctx.engine.peers[0]!.events.connected();
  ctx.engine.peers[0]!.events.failed("Failed by ICE");
  assert.is(ctx.hub.get("cam"), undefined);
  assert.equal(ctx.sessions.all(), []);
});

test("a WHIP session that never connects is ended after the connect timeout", async () => {
  await start([], 100);
  assert.is((await post("/whip/cam")).status, 201);
  await new Promise((r) => setTimeout(r, 300));
  assert.is(ctx.hub.get("cam"), undefined);
  assert.ok(ctx.engine.peers[0]!.closed);
});

test("the answers of a WHIP and a WHEP session's life match openapi.yaml", async () => {
  await start();
  const doc = loadOpenApi();
  const sdp = (method: string): RequestInit => ({ method, headers: { "content-type": "application/sdp" }, body: OFFER });
  const answers = [await fetchAnswer(ctx.base + "/whip/cam", sdp("POST")), await fetchAnswer(ctx.base + "/whip/cam", sdp("POST")), await fetchAnswer(ctx.base + "/whep/cam", sdp("POST"))];
  const locations = answers.map((a) => a.headers.get("location")).filter((l) => l !== null);
  assert.is(locations.length, 2);
  for (const location of locations) answers.push(await fetchAnswer(ctx.base + location, { method: "DELETE" }));
  answers.push(await fetchAnswer(ctx.base + "/whep/cam", sdp("POST")));
  assert.equal(answers.map((a) => a.status), [201, 409, 201, 200, 200, 404]);
  assert.equal(answers.flatMap((a) => answerProblems(doc, a)), []);
});

test("WHIP refuses: a name in use (409), a body that is not SDP (400), no common codecs (400), another content type (415 with Accept-Post)", async () => {
  await start();
  assert.is((await post("/whip/cam")).status, 201);
  const taken = await post("/whip/cam");
  assert.is(taken.status, 409);
  assert.match(await message(taken), "already in use");
  const notSdp = await post("/whip/other", "hello");
  assert.is(notSdp.status, 400);
  assert.match(await message(notSdp), "SDP offer");
  const noH264 = await post("/whip/other", "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 98\r\na=rtpmap:98 VP8/90000\r\n");
  assert.is(noH264.status, 400);
  assert.match(await message(noH264), "No common codecs");
  const json = await post("/whip/other", "{}", { "content-type": "application/json" });
  assert.is(json.status, 415);
  assert.is(json.headers.get("accept-post"), "application/sdp");
  assert.is(ctx.hub.get("other"), undefined, "nothing published by the refused requests");
  assert.is(ctx.sessions.all().length, 1);
});

test("PATCH (trickle ICE, ICE restart) answers 405 with Allow, as RFC 9725 §4.3.1 asks of a server that supports neither; other methods 405 too", async () => {
  await start();
  const location = (await post("/whip/cam")).headers.get("location")!;
  const patch = await fetch(ctx.base + location, { method: "PATCH", body: "a=ice-ufrag:x\r\n", headers: { "content-type": "application/trickle-ice-sdpfrag" } });
  assert.is(patch.status, 405);
  assert.is(patch.headers.get("allow"), "DELETE, OPTIONS");
  const get = await fetch(ctx.base + "/whip/cam");
  assert.is(get.status, 405);
  assert.is(get.headers.get("allow"), "OPTIONS, POST");
  assert.ok(ctx.hub.get("cam"), "the session lives on");
});

test("OPTIONS (CORS preflight) needs no credentials and names the methods, Accept-Post on the endpoint", async () => {
  await start([["admin", "pw"]]);
  const endpoint = await fetch(ctx.base + "/whip/cam", { method: "OPTIONS", headers: { origin: "http://page.example", "access-control-request-method": "POST" } });
  assert.is(endpoint.status, 204);
  assert.is(endpoint.headers.get("access-control-allow-methods"), "OPTIONS, POST");
  assert.is(endpoint.headers.get("accept-post"), "application/sdp");
  assert.is(endpoint.headers.get("access-control-allow-origin"), "*");
  assert.match(endpoint.headers.get("access-control-allow-headers") ?? "", "authorization");
  const session = await fetch(ctx.base + "/whep/cam/abc", { method: "OPTIONS" });
  assert.is(session.status, 204);
  assert.is(session.headers.get("access-control-allow-methods"), "DELETE, OPTIONS");
});

test("with REST users: 401 asking for a bearer token; a token from /rest-api/auth/token or Basic credentials are taken", async () => {
  await start([["admin", "pw"]]);
  const none = await post("/whip/cam");
  assert.is(none.status, 401);
  assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
  assert.is((await post("/whip/cam", OFFER, { authorization: "Bearer not-a-token" })).status, 401);
  assert.is(ctx.hub.get("cam"), undefined);
  const token = ctx.tokens.issue(60);
  const ok = await post("/whip/cam", OFFER, { authorization: `Bearer ${token}` });
  assert.is(ok.status, 201);
  const location = ok.headers.get("location")!;
  assert.is((await fetch(ctx.base + location, { method: "DELETE" })).status, 401, "DELETE needs it too");
  const basic = `Basic ${Buffer.from("admin:pw").toString("base64")}`;
  assert.is((await fetch(ctx.base + location, { method: "DELETE", headers: { authorization: basic } })).status, 200);
  assert.is(ctx.hub.get("cam"), undefined);
});

test("the publishStream / playStream REST hooks decide as for WebSocket and RTMP clients: a refusal is a 403 and nothing is published or played", async () => {
  const asked: [string, Record<string, unknown>][] = [];
  await start([], 20000, async (action, body) => {
    asked.push([action, body]);
    return action === "publishStream" && body.name === "allowed";
  });
  const refused = await post("/whip/cam");
  assert.is(refused.status, 403);
  assert.match(await message(refused), "Restricted access");
  assert.is(ctx.hub.get("cam"), undefined);
  assert.is(ctx.engine.peers.length, 0, "no peer was made");
  assert.is((await post("/whip/allowed")).status, 201);
  assert.is((await post("/whep/allowed")).status, 403, "the play hook refuses");
  assert.equal(asked.map(([action]) => action), ["publishStream", "publishStream", "playStream"]);
  assert.equal(
    { name: asked[1]![1].name, published: asked[1]![1].published, mediaType: asked[1]![1].mediaType, mediaProvider: asked[1]![1].mediaProvider },
    { name: "allowed", published: true, mediaType: "publish", mediaProvider: "WebRTC" },
  );
  assert.equal(ctx.sessions.all().map((s) => s.kind), ["whip"]);
});

test("WHEP: 404 for a stream nobody publishes; 201 with the answer, frames once connected, DELETE detaches the player", async () => {
  await start();
  const missing = await post("/whep/cam");
  assert.is(missing.status, 404);
  assert.match(await message(missing), "not published");
  assert.is((await post("/whip/cam")).status, 201);
  const res = await post("/whep/cam");
  assert.is(res.status, 201);
  assert.is(await res.text(), "v=0\r\nanswer-play\r\n");
  const location = res.headers.get("location")!;
  assert.match(location, /^\/whep\/cam\/[0-9a-z]{26}$/);
  const player = ctx.engine.peers[1]!;
  player.events.connected();
  const stream = ctx.hub.get("cam")!;
  assert.is(stream.sinkCounts().webrtc, 1, "attached once connected");
  assert.is((await fetch(ctx.base + location.replace("/whep/", "/whip/"), { method: "DELETE" })).status, 404, "a WHEP session is not a WHIP one");
  assert.is((await fetch(ctx.base + location, { method: "DELETE" })).status, 200);
  assert.ok(player.closed);
  assert.is(stream.sinkCounts().webrtc ?? 0, 0);
  assert.ok(ctx.hub.get("cam"), "the published stream stays");
});

test("WHEP players are told when the stream ends: their session goes", async () => {
  await start();
  const publish = (await post("/whip/cam")).headers.get("location")!;
  assert.is((await post("/whep/cam")).status, 201);
  ctx.engine.peers[1]!.events.connected();
  assert.is((await fetch(ctx.base + publish, { method: "DELETE" })).status, 200);
  assert.ok(ctx.engine.peers[1]!.closed);
  assert.equal(ctx.sessions.all(), []);
});

test("stream names with / are sent as %2F; paths that are neither endpoint nor session are 404", async () => {
  await start();
  const res = await post("/whip/live%2Fcam");
  assert.is(res.status, 201);
  assert.ok(ctx.hub.get("live/cam"));
  assert.match(res.headers.get("location")!, /^\/whip\/live%2Fcam\/[0-9a-z]{26}$/);
  assert.is((await post("/whip/")).status, 404);
  assert.is((await post("/whip/a/b/c")).status, 404);
});

test.run();
