/**
 * `/rest-api/call/*` over HTTP: the WCS example body (string booleans and port) is accepted, bad
 * fields get a 400 that names them, unknown calls 404, conflicts 409, find_all answers GET too, and
 * a find never returns the sipPassword.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CallRegistry } from "../../src/core/call/calls.ts";
import { StreamHub } from "../../src/core/stream/hub.ts";
import { registerCallRoutes } from "../../src/rest/call-routes.ts";
import { Router } from "../../src/rest/router.ts";
import { waitFor } from "../support/net.ts";
import { memoryLogger, testConfig, UdpFarEnd, type LogLine } from "../core/call/calls-support.ts";

const test = suite("rest/call-routes");
let far: UdpFarEnd;
let calls: CallRegistry;
let http: Server;
let base = "";
const logs: LogLine[] = [];

test.before.each(async () => {
  far = await UdpFarEnd.start();
  far.script = (req, tx, core) => tx.respond(core.createResponse(req, req.method === "INVITE" ? 180 : 200, { toTag: "far" }));
  calls = new CallRegistry({ hub: new StreamHub(), config: testConfig(), log: memoryLogger(logs), sipTimers: { T1: 50, T2: 400, T4: 500 }, rtcpIntervalMs: 0 });
  const router = new Router({ allowOrigin: "*", users: new Map() });
  registerCallRoutes(router, calls);
  http = createServer(router.handle);
  await new Promise<void>((done) => http.listen(0, "127.0.0.1", done));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

test.after.each(async () => {
  await calls.close();
  http.closeAllConnections();
  await new Promise<void>((done) => http.close(() => done()));
  await far.close();
});

async function post(path: string, body?: unknown, method = "POST"): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(base + "/rest-api/call/" + path, { method, ...(method === "POST" ? { body: JSON.stringify(body ?? {}), headers: { "content-type": "application/json" } } : {}) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, text };
}

/** The body of the WCS "SIP as RTMP" page, aimed at the far end. */
function wcsBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { callId: "123456711", callee: "10000", toStream: "stream1", rtmpUrl: "rtmp://127.0.0.1:1/live/", rtmpStream: "rtmp_stream1", hasAudio: "true", hasVideo: "true", sipLogin: "10009", sipAuthenticationName: "10009", sipPassword: "1234-secret", sipDomain: "127.0.0.1", sipOutboundProxy: "127.0.0.1", sipPort: String(far.port), appKey: "defaultApp", sipRegisterRequired: "false", ...extra };
}

test("the WCS example body is accepted (200, empty body) and /call/find shows the call RING with sipStatus 180 and the example's fields, without the password", async () => {
  const r = await post("startup", wcsBody());
  assert.is(r.status, 200);
  assert.is(r.text, "");
  await waitFor("RING", () => (calls.get("123456711").status === "RING" ? true : undefined));
  const found = await post("find", { callId: "123456711" });
  assert.is(found.status, 200);
  const call = (found.body as Record<string, unknown>[])[0]!;
  assert.is(call.status, "RING");
  assert.is(call.sipStatus, 180);
  assert.is(call.hasAudio, true);
  assert.is(call.hasVideo, true);
  assert.is(call.caller, "10009");
  assert.is(call.callee, "10000");
  assert.is(call.rtmpStream, "rtmp_stream1");
  assert.is(call.rtmpStreamStatus, "RTMP_STREAM_WAIT");
  assert.is(call.rtmpTransponderAudioCodec, "aac", "the setting's default");
  assert.is(call.incoming, false);
  for (const field of ["custom", "nodeId", "appKey", "sessionId", "callId", "parentCallId", "rtmpUrl", "visibleName", "sdp", "inviteParameters", "mediaProvider", "sipMessageRaw", "isMsrp", "target", "holdForTransfer"]) assert.ok(field in call, field);
  assert.is(found.text.includes("1234-secret"), false);
  assert.is(JSON.stringify(logs).includes("1234-secret"), false);
  const byStatus = await post("find", { status: "RING" });
  assert.is((byStatus.body as unknown[]).length, 1);
});

test("20 concurrent /call/startup with one callId, then 20 with one toStream: one 200 and nineteen 409s each", async () => {
  const byId = await Promise.all(Array.from({ length: 20 }, () => post("startup", wcsBody({ rtmpUrl: "", rtmpStream: "", toStream: "" }))));
  assert.equal(byId.map((r) => r.status).sort(), [200, ...Array(19).fill(409)]);
  const byStream = await Promise.all(Array.from({ length: 20 }, (_, i) => post("startup", wcsBody({ callId: `race-${i}`, rtmpUrl: "", rtmpStream: "", toStream: "race-stream" }))));
  assert.equal(byStream.map((r) => r.status).sort(), [200, ...Array(19).fill(409)]);
});

test("find_all answers GET with no body and POST alike, and 404 when there is no call", async () => {
  const none = await post("find_all", undefined, "GET");
  assert.is(none.status, 404);
  assert.match(none.text, "calls are not found");
  await post("startup", wcsBody());
  const get = await post("find_all", undefined, "GET");
  assert.is(get.status, 200);
  assert.is((get.body as Record<string, unknown>[])[0]!.callId, "123456711");
  assert.is((await post("find_all")).status, 200);
});

test("a used callId and a used rtmpUrl + rtmpStream (trailing slash or not) answer 409", async () => {
  assert.is((await post("startup", wcsBody())).status, 200);
  const sameId = await post("startup", wcsBody({ rtmpStream: "other", toStream: "s2" }));
  assert.is(sameId.status, 409);
  const sameTarget = await post("startup", wcsBody({ callId: "other-id", rtmpUrl: "rtmp://127.0.0.1:1/live", toStream: "s3" }));
  assert.is(sameTarget.status, 409);
  assert.match(sameTarget.text, /rtmp_stream1/);
});

const BAD: readonly [string, Record<string, unknown>, RegExp][] = [
  ["no callee", { callee: undefined }, /callee is required/],
  ["no sipLogin", { sipLogin: "" }, /sipLogin is required/],
  ["no sipDomain", { sipDomain: undefined }, /sipDomain is required/],
  ["a port that is not a number", { sipPort: "50x60" }, /sipPort must be a whole number/],
  ["a port out of range", { sipPort: 70000 }, /sipPort must be between/],
  ["a boolean that is neither true nor false", { hasAudio: "yes" }, /hasAudio must be true or false/],
  ["rtmpUrl without rtmpStream", { rtmpStream: undefined }, /rtmpStream is required with rtmpUrl/],
  ["rtmpUrl that is not rtmp://", { rtmpUrl: "http://x/live" }, /rtmpUrl must be/],
  ["an audio codec RTMP has no place for", { rtmpTransponderAudioCodec: "opus" }, /rtmpTransponderAudioCodec must be one of aac, alaw, ulaw, speex16/],
  ["an unknown SIP transport", { sipTransport: "SCTP" }, /sipTransport must be UDP or TCP/],
  ["a callee with spaces", { callee: "a b" }, /callee must be/],
  ["a sipOutboundProxy that is no host", { sipOutboundProxy: "proxy_one" }, /sipOutboundProxy: bad host 'proxy_one'/],
  ["a sipDomain that is no host (no proxy)", { sipOutboundProxy: undefined, sipDomain: "sip:a@[::1" }, /sipDomain: unterminated IPv6 reference/],
];
for (const [name, change, message] of BAD) {
  test(`startup with ${name} answers 400 naming the field`, async () => {
    const r = await post("startup", wcsBody(change));
    assert.is(r.status, 400);
    assert.match(r.text, message);
    assert.is(far.requests.length, 0, "no SIP request was sent");
  });
}

test("terminate, send_dtmf, inject_stream, inject_stream/terminate and inject_sound answer 404 for an unknown call and 400 without callId", async () => {
  for (const path of ["terminate", "send_dtmf", "inject_stream", "inject_stream/startup", "inject_stream/terminate", "inject_sound"]) {
    const body = { callId: "nope", dtmf: "1", streamName: "s", fileName: "a.wav" };
    assert.is((await post(path, body)).status, 404, path);
    assert.is((await post(path, { ...body, callId: undefined })).status, 400, path);
  }
  const found = await post("find", { callId: "nope" });
  assert.is(found.status, 404);
  assert.match(found.text, "call with the given parameters is not found");
});

test("send_dtmf checks digits and type: 400 for a bad digit or type, 409 before the call is established", async () => {
  await post("startup", wcsBody());
  await waitFor("RING", () => (calls.get("123456711").status === "RING" ? true : undefined));
  assert.match((await post("send_dtmf", { callId: "123456711", dtmf: "1x" })).text, /dtmf must be/);
  assert.match((await post("send_dtmf", { callId: "123456711", dtmf: "1", type: "SMS" })).text, /type must be RFC2833 or INFO/);
  assert.is((await post("send_dtmf", { callId: "123456711", dtmf: "1", type: "rfc2833" })).status, 409);
  assert.is((await post("inject_stream", { callId: "123456711", streamName: "missing" })).status, 404);
});

test("terminate answers 200 and the call ends FINISH (CANCEL while ringing)", async () => {
  await post("startup", wcsBody());
  await waitFor("RING", () => (calls.get("123456711").status === "RING" ? true : undefined));
  assert.is((await post("terminate", { callId: "123456711" })).status, 200);
  await waitFor("FINISH", () => (calls.get("123456711").status === "FINISH" ? true : undefined));
  const found = await post("find", { callId: "123456711" });
  assert.is((found.body as Record<string, unknown>[])[0]!.status, "FINISH");
  assert.is((await post("terminate", { callId: "123456711" })).status, 404, "a finished call cannot be terminated again");
});

test.run();
