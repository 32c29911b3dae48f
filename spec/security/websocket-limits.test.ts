/**
 * Issue 14, attack 4 (message side): 118k WebSocket messages a second from one client. Past the
 * burst and rate the socket is closed with 1008 (policy violation) and a reason, the REST API goes
 * on answering, and a client keeping to the rate is served. (The send-backlog limit, same code:
 * websocket-backlog.test.ts.)
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import WebSocket from "ws";
import { startTestApp, type TestApp } from "./support/app.ts";
import { waitFor } from "../support/net.ts";

const test = suite("security/websocket-limits");
let server: TestApp | undefined;

test.after.each(async () => {
  await server?.close();
  server = undefined;
});

test("a client flooding messages is closed with 1008 and a reason; REST still answers; a polite client is served", async () => {
  server = await startTestApp();
  const url = `ws://127.0.0.1:${server.app.ports.ws}/`;
  const flooder = new WebSocket(url);
  await new Promise((r, j) => (flooder.once("open", r), flooder.once("error", j)));
  const closed = new Promise<{ code: number; reason: string }>((r) => flooder.once("close", (code, reason) => r({ code, reason: reason.toString() })));
  for (let i = 0; i < 5000 && flooder.readyState === WebSocket.OPEN; i++) flooder.send(JSON.stringify({ message: "pong", data: [] }));
  const { code, reason } = await closed;
  assert.is(code, 1008);
  assert.match(reason, "more than 50 messages a second");
  assert.is((await server.post("/rest-api/stream/find_all", {})).status, 404);

  const polite = new WebSocket(url);
  await new Promise((r, j) => (polite.once("open", r), polite.once("error", j)));
  const replies: string[] = [];
  polite.on("message", (d) => replies.push(d.toString()));
  for (let i = 0; i < 20; i++) polite.send(JSON.stringify({ message: "pong", data: [] }));
  polite.send(JSON.stringify({ message: "connection", data: [{ appKey: "defaultApp", mediaProviders: ["WebRTC"] }] }));
  try {
    await waitFor("getUserData", () => (replies.some((r) => r.includes("getUserData")) ? true : undefined), 10000);
    assert.is(polite.readyState, WebSocket.OPEN);
  } finally {
    polite.close();
  }
});

test.run();
