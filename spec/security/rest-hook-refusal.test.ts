/**
 * Issue 14, "the WCS way": the REST hooks `connect`, `publishStream` and `playStream` are direct
 * invocations. A backend on loopback that answers 403 refuses the action and the WebSocket client
 * gets WCS's text: a refused connect closes the socket with 1008 "Restricted access", a refused
 * publish or play gets notifyStreamStatusEvent FAILED "Restricted access". A 200 lets it through;
 * a backend that does not answer keeps the gate shut. A token in `custom`, checked by the connect
 * hook, is WCS's web-server authentication (reference/wcs-protocol.md 2.6).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import WebSocket from "ws";
import { freeTcpPort, waitFor } from "../support/net.ts";
import { startTestApp, type TestApp } from "./support/app.ts";
import { startHookServer, type HookServer } from "./support/hook-server.ts";

const test = suite("security/rest-hook-refusal");

/** A signaling client that keeps every frame it receives. */
class Client {
  readonly frames: { message: string; data: Record<string, unknown>[] }[] = [];
  closed: { code: number; reason: string } | undefined;
  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (d) => this.frames.push(JSON.parse(d.toString())));
    ws.once("close", (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }
  static async open(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    await new Promise((r, j) => (ws.once("open", r), ws.once("error", j)));
    return new Client(ws);
  }
  send(message: string, data: unknown): void {
    this.ws.send(JSON.stringify({ message, data: [data] }));
  }
  async connect(custom: Record<string, unknown>): Promise<void> {
    this.send("connection", { appKey: "defaultApp", mediaProviders: ["WebRTC"], custom });
    await waitFor("getUserData or close", () => this.frames.some((f) => f.message === "getUserData") || this.closed);
  }
  status(mediaSessionId: string): Record<string, unknown> | undefined {
    return this.frames.find((f) => f.message === "notifyStreamStatusEvent" && f.data[0]?.mediaSessionId === mediaSessionId)?.data[0];
  }
  close(): void {
    this.ws.close();
  }
}

let server: TestApp | undefined;
let hooks: HookServer | undefined;
const clients: Client[] = [];

test.after.each(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  await hooks?.close();
  server = undefined;
  hooks = undefined;
});

async function client(): Promise<Client> {
  const c = await Client.open(`ws://127.0.0.1:${server!.app.ports.ws}/`);
  clients.push(c);
  return c;
}

test("connect: a 403 closes the socket with 1008 'Restricted access'; a token the backend accepts establishes the session", async () => {
  hooks = await startHookServer((method, body) => (method === "connect" && (body.custom as { token?: string })?.token !== "t-ok" ? 403 : 200));
  server = await startTestApp({ rest_hook_url: hooks.url });
  const refused = await client();
  await refused.connect({ token: "forged" });
  assert.equal(refused.closed, { code: 1008, reason: "Restricted access" });
  assert.not.ok(refused.frames.some((f) => f.message === "getUserData"));

  const allowed = await client();
  await allowed.connect({ token: "t-ok" });
  assert.is(allowed.closed, undefined);
  const connectCalls = hooks.calls.filter((c) => c.method === "connect");
  assert.is(connectCalls.length, 2);
  assert.is(connectCalls[1]!.body.appKey, "defaultApp");
  assert.type(connectCalls[1]!.body.sessionId, "string");
});

test("publishStream: a 403 fails the publish with 'Restricted access' and no stream appears; playStream the same", async () => {
  hooks = await startHookServer((method) => (method === "publishStream" || method === "playStream" ? 403 : 200));
  server = await startTestApp({ rest_hook_url: hooks.url });
  const c = await client();
  await c.connect({});
  c.send("publishStream", { mediaSessionId: "pub-1", name: "hooked", published: true, hasVideo: true, hasAudio: true, sdp: "v=0\r\n", custom: { room: "r1" } });
  const failed = await waitFor("publish status", () => c.status("pub-1"));
  assert.is(failed.status, "FAILED");
  assert.is(failed.info, "Restricted access");
  assert.is(server.app.hub.get("hooked"), undefined);
  const publishCall = hooks.calls.find((x) => x.method === "publishStream")!;
  assert.is(publishCall.body.name, "hooked");
  assert.equal(publishCall.body.custom, { room: "r1" });
  assert.not.ok("sdp" in publishCall.body, "the offer is not sent to the backend");

  const stream = server.app.hub.publish("existing", { kind: "rtmp", requestKeyframe: () => {}, stop: () => {} });
  c.send("playStream", { mediaSessionId: "play-1", name: "existing", published: false, hasVideo: true, hasAudio: true, sdp: "v=0\r\n" });
  const playFailed = await waitFor("play status", () => c.status("play-1"));
  assert.is(playFailed.status, "FAILED");
  assert.is(playFailed.info, "Restricted access");
  assert.is(stream.sinkCount, 0);
});

test("a 200 lets publish and play through to the media engine (which then judges the offer)", async () => {
  hooks = await startHookServer(() => 200);
  server = await startTestApp({ rest_hook_url: hooks.url });
  const c = await client();
  await c.connect({});
  server.app.hub.publish("existing", { kind: "rtmp", requestKeyframe: () => {}, stop: () => {} });
  c.send("playStream", { mediaSessionId: "play-2", name: "existing", published: false, hasVideo: true, hasAudio: true, sdp: "not sdp" });
  const answered = await waitFor("play status", () => c.status("play-2"));
  assert.is.not(answered.info, "Restricted access");
  assert.ok(hooks.calls.some((x) => x.method === "playStream" && x.body.name === "existing"));
});

test("a backend that does not answer refuses the connection; without rest_hook_url nothing is asked", async () => {
  const deadPort = await freeTcpPort();
  server = await startTestApp({ rest_hook_url: `http://127.0.0.1:${deadPort}/apps/none` });
  const c = await client();
  await c.connect({});
  assert.equal(c.closed, { code: 1008, reason: "Restricted access" });
  await server.close();
  server = await startTestApp();
  const open = await client();
  await open.connect({});
  assert.is(open.closed, undefined);
});

test.run();
