/**
 * Issue 14, "WebSocket (credentials in custom, or a token)": WCS names no token form for media
 * clients (its `authToken` resumes a session; web-server auth is custom data checked by the connect
 * hook, tested in rest-hook-refusal.test.ts). Transpond's own: a REST user gets a short-lived token
 * from POST /rest-api/auth/token; the Web SDK passes it as `connection` custom {token}, an encoder
 * as `?token=` in the RTMP name. Forged and expired tokens are refused like a wrong password.
 */
import { spawn } from "node:child_process";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import WebSocket from "ws";
import { AccessTokens } from "../../src/access-tokens.ts";
import { waitFor } from "../support/net.ts";
import { startTestApp, type TestApp } from "./support/app.ts";

const test = suite("security/access-tokens");
let server: TestApp | undefined;
const BASIC = { authorization: "Basic " + Buffer.from("admin:tok-s3cret").toString("base64") };

test.after.each(async () => {
  await server?.close();
  server = undefined;
});

async function connectWith(url: string, custom: Record<string, unknown>): Promise<{ code?: number; reason?: string; established: boolean }> {
  const ws = new WebSocket(url);
  await new Promise((r, j) => (ws.once("open", r), ws.once("error", j)));
  const outcome = new Promise<{ code?: number; reason?: string; established: boolean }>((resolve) => {
    ws.on("message", (d) => d.toString().includes("getUserData") && resolve({ established: true }));
    ws.once("close", (code, reason) => resolve({ code, reason: reason.toString(), established: false }));
  });
  ws.send(JSON.stringify({ message: "connection", data: [{ appKey: "defaultApp", mediaProviders: ["WebRTC"], custom }] }));
  const result = await Promise.race([outcome, new Promise<{ established: boolean }>((r) => setTimeout(() => r({ established: false }), 10000))]);
  ws.close();
  return result;
}

test("tokens expire, are unknown when forged, and the table stays bounded", () => {
  let now = 1_000_000;
  const tokens = new AccessTokens(3, () => now);
  const first = tokens.issue(10);
  assert.ok(tokens.valid(first));
  assert.not.ok(tokens.valid(first + "x"));
  now += 10_000;
  assert.not.ok(tokens.valid(first), "expired at its ttl");
  const kept = [tokens.issue(60), tokens.issue(60), tokens.issue(60), tokens.issue(60)];
  assert.not.ok(tokens.valid(kept[0]!), "the oldest goes when the table is full");
  assert.ok(kept.slice(1).every((t) => tokens.valid(t)));
});

test("POST /rest-api/auth/token needs a REST user; its token opens a WebSocket session, a forged one is closed 1008", async () => {
  server = await startTestApp({ disable_rest_auth: false, rest_users: ["admin:tok-s3cret"] });
  assert.is((await server.post("/rest-api/auth/token", {})).status, 401);
  const bad = await server.post("/rest-api/auth/token", { expiresIn: 0 }, BASIC);
  assert.is(bad.status, 400);
  assert.match(bad.text, "expiresIn");
  const issued = await server.post("/rest-api/auth/token", { expiresIn: 600 }, BASIC);
  assert.is(issued.status, 200);
  assert.is(issued.body.expiresIn, 600);
  const token = issued.body.token as string;
  assert.ok(token.length >= 32);
  const url = `ws://127.0.0.1:${server.app.ports.ws}/`;
  assert.ok((await connectWith(url, { token })).established);
  const forged = await connectWith(url, { token: token.slice(0, -2) + "AA" });
  assert.is(forged.code, 1008);
  assert.match(forged.reason ?? "", /^Restricted access/);
});

test("ffmpeg publishes RTMP with ?token= and is refused with a forged one", async () => {
  server = await startTestApp({ disable_rest_auth: false, rest_users: ["admin:tok-s3cret"] });
  const token = (await server.post("/rest-api/auth/token", {}, BASIC)).body.token as string;
  const base = `rtmp://127.0.0.1:${server.app.ports.rtmp}/live`;
  const publish = (url: string) => {
    const child = spawn("ffmpeg", ["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=15", "-t", "30", "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-f", "flv", url], { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr.resume();
    return { done: new Promise<number | null>((r) => child.once("exit", (code) => r(code))), kill: () => void child.kill("SIGKILL") };
  };
  const forged = publish(`${base}/tcam?token=not-issued`);
  try {
    const code = await Promise.race([forged.done, new Promise<string>((r) => setTimeout(() => r("still running"), 20000))]);
    assert.ok(code !== 0 && code !== "still running", `ffmpeg with a forged token ended with ${code}`);
    assert.is(server.app.hub.get("tcam"), undefined);
  } finally {
    forged.kill();
  }
  const ok = publish(`${base}/tcam?token=${token}`);
  try {
    const stream = await waitFor("the publish with a token", () => server!.app.hub.get("tcam"), 20000);
    assert.is(stream.name, "tcam");
  } finally {
    ok.kill();
    await ok.done;
  }
});

test.run();
