/**
 * Issue 14, attack 5 (descriptors): one client address opening connections until the process runs
 * out. `max_connections_per_address` caps each listener (REST, WebSocket, RTMP); extra sockets are
 * closed at once while other clients are served. `max_websocket_sessions` closes extra signaling
 * sessions with 1013 (try again later).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { connect, type Socket } from "node:net";
import WebSocket from "ws";
import { startTestApp, type TestApp } from "./support/app.ts";

const test = suite("security/connection-caps");
let server: TestApp | undefined;
const sockets: Socket[] = [];

test.after.each(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  server = undefined;
});

function open(port: number, localAddress = "127.0.0.1"): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: "127.0.0.1", localAddress }, () => resolve(s));
    s.on("error", reject);
    sockets.push(s);
  });
}

/** Whether the server closes `s` within `ms` (it never sends anything first on HTTP or RTMP). */
function closedWithin(s: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    s.once("close", () => (clearTimeout(timer), resolve(true)));
    s.on("error", () => undefined);
  });
}

test("past max_connections_per_address the HTTP and RTMP listeners close extra sockets at once; another source address (127.0.0.2) is served", async () => {
  server = await startTestApp({ max_connections_per_address: 3 });
  for (const port of [server.app.ports.http!, server.app.ports.rtmp!]) {
    const kept = [await open(port), await open(port), await open(port)];
    const extra = await open(port);
    assert.ok(await closedWithin(extra, 3000), `extra socket on ${port} closed`);
    for (const s of kept) assert.not.ok(s.destroyed);
    const other = await open(port, "127.0.0.2");
    assert.not.ok(await closedWithin(other, 300), "another address is not affected");
    // the server answers our FIN with its own once it has closed the socket and freed the slot
    kept[0]!.end();
    assert.ok(await closedWithin(kept[0]!, 3000), `the server closed the freed socket on ${port}`);
    const again = await open(port);
    assert.not.ok(await closedWithin(again, 300), "a freed slot can be used");
  }
});

test("past max_websocket_sessions a new signaling socket is closed with 1013", async () => {
  server = await startTestApp({ max_websocket_sessions: 1 });
  const url = `ws://127.0.0.1:${server.app.ports.ws}/`;
  const first = new WebSocket(url);
  await new Promise((r, j) => (first.once("open", r), first.once("error", j)));
  const second = new WebSocket(url);
  const { code, reason } = await new Promise<{ code: number; reason: string }>((r) => second.once("close", (c, why) => r({ code: c, reason: why.toString() })));
  assert.is(code, 1013);
  assert.match(reason, "max_websocket_sessions");
  assert.is(first.readyState, WebSocket.OPEN);
  first.close();
});

test.run();
