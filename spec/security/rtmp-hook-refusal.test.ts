/**
 * Issue 14, "one authorization for every protocol": RTMP clients pass the same `connect`,
 * `publishStream` and `playStream` REST hooks as WebSocket clients. ffmpeg against a loopback
 * backend that answers 403: a refused connect gets _error NetConnection.Connect.Rejected, a refused
 * publish NetStream.Publish.Rejected, a refused play NetStream.Play.Failed, each described with WCS's
 * "Restricted access" (ffmpeg prints it as "Server error: ..."). With REST users the credentials are
 * checked first and the hook never sees the password.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { killChildren, run, start } from "../support/process.ts";
import { waitFor } from "../support/net.ts";
import { startTestApp, type TestApp } from "./support/app.ts";
import { startHookServer, type HookServer } from "./support/hook-server.ts";

const test = suite("security/rtmp-hook-refusal");
let server: TestApp | undefined;
let hooks: HookServer | undefined;

test.after.each(async () => {
  killChildren();
  await server?.close();
  await hooks?.close();
  server = undefined;
  hooks = undefined;
});

/** ffmpeg publishing a test pattern to `url` for up to `seconds`. */
function ffmpegPublish(url: string, seconds: number) {
  return start("ffmpeg", ["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", `testsrc=size=160x120:rate=15:duration=${seconds}`, "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-f", "flv", url], 60000);
}

/** ffmpeg reading 1 s of `url` into the null muxer. */
function ffmpegPlay(url: string) {
  return run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-rw_timeout", "10000000", "-i", url, "-t", "1", "-f", "null", "-"], 30000);
}

test("connect: a 403 refuses ffmpeg with NetConnection.Connect.Rejected 'Restricted access'; a token in the app's query the backend accepts gets through", async () => {
  hooks = await startHookServer((method, body) => (method === "connect" && (body.custom as { token?: string }).token !== "t-ok" ? 403 : 200));
  server = await startTestApp({ rest_hook_url: hooks.url });
  const rtmp = `rtmp://127.0.0.1:${server.app.ports.rtmp}`;
  const refused = await ffmpegPublish(`${rtmp}/live?token=forged/cam`, 5).done;
  assert.is.not(refused.code, 0);
  assert.match(refused.stderr, /Server error: Restricted access/);
  assert.is(server.app.hub.get("cam"), undefined);

  const allowed = ffmpegPublish(`${rtmp}/live?token=t-ok/cam`, 30);
  await waitFor("the publish the connect hook allowed", () => server!.app.hub.get("cam"), 20000);
  allowed.child.kill("SIGKILL");
  await allowed.done;
  const connects = hooks.calls.filter((c) => c.method === "connect");
  assert.is(connects.length, 2);
  assert.is(connects[1]!.body.appKey, "live");
  assert.equal(connects[1]!.body.custom, { token: "t-ok" });
  assert.equal(connects[1]!.body.mediaProviders, ["Flash"]);
});

test("publishStream and playStream: a 403 refuses ffmpeg's publish and play with 'Restricted access'; the hook gets the name and the query without the password", async () => {
  hooks = await startHookServer((method, body) => ((method === "publishStream" && body.name !== "allowed") || method === "playStream" ? 403 : 200));
  server = await startTestApp({ rest_hook_url: hooks.url, disable_rest_auth: false, rest_users: ["admin:s3cret-pw"] });
  const live = `rtmp://127.0.0.1:${server.app.ports.rtmp}/live`;
  const refused = await ffmpegPublish(`${live}/cam?user=admin&pass=s3cret-pw&room=r1`, 5).done;
  assert.is.not(refused.code, 0);
  assert.match(refused.stderr, /Server error: Restricted access/);
  assert.is(server.app.hub.get("cam"), undefined);
  const publishCall = hooks.calls.find((c) => c.method === "publishStream")!;
  assert.is(publishCall.body.name, "cam");
  assert.is(publishCall.body.published, true);
  assert.equal(publishCall.body.custom, { user: "admin", room: "r1" });

  const noCredentials = await ffmpegPublish(`${live}/cam`, 5).done;
  assert.match(noCredentials.stderr, /Restricted access: authentication required/);
  assert.is(hooks.calls.filter((c) => c.method === "publishStream").length, 1, "no hook call without credentials");

  const publisher = ffmpegPublish(`${live}/allowed?user=admin&pass=s3cret-pw`, 30);
  await waitFor("the publish the hook allowed", () => server!.app.hub.get("allowed"), 20000);
  const play = await ffmpegPlay(`${live}/allowed?user=admin&pass=s3cret-pw`);
  publisher.child.kill("SIGKILL");
  await publisher.done;
  assert.is.not(play.code, 0);
  assert.match(play.stderr, /Server error: Restricted access/);
  const playCall = hooks.calls.find((c) => c.method === "playStream")!;
  assert.is(playCall.body.name, "allowed");
  assert.is(playCall.body.published, false);
  assert.not.ok(JSON.stringify(hooks.calls).includes("s3cret-pw"));
});

test("a 200 from every hook lets ffmpeg publish and play", async () => {
  hooks = await startHookServer(() => 200);
  server = await startTestApp({ rest_hook_url: hooks.url });
  const live = `rtmp://127.0.0.1:${server.app.ports.rtmp}/live`;
  const publisher = ffmpegPublish(`${live}/open`, 30);
  await waitFor("the publish", () => server!.app.hub.get("open"), 20000);
  const play = await ffmpegPlay(`${live}/open`);
  publisher.child.kill("SIGKILL");
  await publisher.done;
  assert.is(play.code, 0, play.stderr);
  const invocations = hooks.calls.map((c) => c.method).filter((m) => ["connect", "publishStream", "playStream"].includes(m));
  assert.equal(invocations.sort(), ["connect", "connect", "playStream", "publishStream"]);
});

test.run();
