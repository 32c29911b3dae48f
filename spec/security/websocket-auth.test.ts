/**
 * Issue 14, attack 3 (WebSocket side): with REST users configured a WebSocket client still played
 * and published anything. Now the `connection` message must carry a user's credentials in `custom`
 * {login, password} (how the Web SDK passes custom data); without them or with a wrong password the
 * socket is closed with 1008 and WCS's "Restricted access", and the password is never echoed back.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import WebSocket from "ws";
import { startTestApp, type TestApp } from "./support/app.ts";

const test = suite("security/websocket-auth");
let server: TestApp | undefined;

test.after.each(async () => {
  await server?.close();
  server = undefined;
});

interface Outcome {
  readonly closed?: { code: number; reason: string };
  readonly userData?: string;
}

async function connectWith(url: string, custom: Record<string, unknown> | undefined): Promise<Outcome> {
  const ws = new WebSocket(url);
  await new Promise((r, j) => (ws.once("open", r), ws.once("error", j)));
  const outcome = new Promise<Outcome>((resolve) => {
    ws.on("message", (d) => {
      const text = d.toString();
      if (text.includes("getUserData")) resolve({ userData: text });
    });
    ws.once("close", (code, reason) => resolve({ closed: { code, reason: reason.toString() } }));
  });
  ws.send(JSON.stringify({ message: "connection", data: [{ appKey: "defaultApp", mediaProviders: ["WebRTC"], ...(custom ? { custom } : {}) }] }));
  const result = await Promise.race([outcome, new Promise<Outcome>((r) => setTimeout(() => r({}), 10000))]);
  ws.close();
  return result;
}

test("without or with wrong credentials the session is closed 1008 'Restricted access'; with them it is established and the password is not echoed", async () => {
  server = await startTestApp({ disable_rest_auth: false, rest_users: ["admin:ws-s3cret"] });
  const url = `ws://127.0.0.1:${server.app.ports.ws}/`;
  for (const custom of [undefined, { login: "admin" }, { login: "admin", password: "nope" }, { login: "eve", password: "ws-s3cret" }]) {
    const outcome = await connectWith(url, custom);
    assert.is(outcome.closed?.code, 1008, JSON.stringify(custom));
    assert.match(outcome.closed?.reason ?? "", /^Restricted access/);
  }
  const ok = await connectWith(url, { login: "admin", password: "ws-s3cret", room: "r1" });
  assert.ok(ok.userData, "getUserData received");
  assert.not.ok(ok.userData!.includes("ws-s3cret"));
  assert.match(ok.userData!, '"room":"r1"');
});

test("without REST users a connection needs no credentials (the loopback-only default guards REST)", async () => {
  server = await startTestApp();
  const ok = await connectWith(`ws://127.0.0.1:${server.app.ports.ws}/`, undefined);
  assert.ok(ok.userData);
});

test.run();
