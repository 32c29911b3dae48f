/**
 * Issue 14, "How it must be shown" (e2e): the official Web SDK in headless Chromium against a whole
 * Transpond on loopback.
 *   - With REST users configured, a session with the user's credentials in createSession's
 *     `custom` publishes the fake camera and a second one plays it (frames decoded); a session
 *     without them, or with a wrong password, is closed with 1008 "Restricted access" and the SDK
 *     reports DISCONNECTED.
 *   - A REST hook that answers 403 to publishStream fails the SDK's publish with WCS's
 *     "Restricted access" and no stream appears.
 */
import * as assert from "uvu/assert";
import { startChromium, type ChromiumHarness } from "../support/chromium.ts";
import { e2eSuite } from "../support/e2e.ts";
import { waitFor } from "../support/net.ts";
import { startTestApp, type TestApp } from "../security/support/app.ts";
import { startHookServer, type HookServer } from "../security/support/hook-server.ts";

const test = e2eSuite("e2e/web-sdk-auth", ["chromium"]);
const CAMERA = { width: 320, height: 240 };
const ctx: { chromium?: ChromiumHarness; server?: TestApp; hooks?: HookServer } = {};

test.before(async () => {
  ctx.chromium = await startChromium();
});

test.after.each(async () => {
  await ctx.chromium?.closePages();
  await ctx.server?.close();
  await ctx.hooks?.close();
  ctx.server = undefined;
  ctx.hooks = undefined;
});

test.after(async () => {
  await ctx.chromium?.close();
});

const wsUrl = () => `ws://127.0.0.1:${ctx.server!.app.ports.ws}`;

test("with REST users: the SDK publishes and plays with credentials in custom and is refused with 'Restricted access' without them", async () => {
  ctx.server = await startTestApp({ disable_rest_auth: false, rest_users: ["admin:s3cret-pw"] });
  const credentials = { login: "admin", password: "s3cret-pw" };
  const publisher = await ctx.chromium!.open(wsUrl(), credentials);
  assert.is(publisher.sessionStatus, "ESTABLISHED");
  assert.is(await publisher.publish("auth-cam", CAMERA), "PUBLISHING");
  assert.ok(ctx.server.app.hub.get("auth-cam"), "the hub has the stream");

  const player = await ctx.chromium!.open(wsUrl(), credentials);
  assert.is(player.sessionStatus, "ESTABLISHED");
  assert.is(await player.play("auth-cam"), "PLAYING");
  await waitFor("decoded frames", async () => ((await player.framesDecoded()) > 5 ? true : undefined), 20000);

  for (const custom of [undefined, { login: "admin", password: "wrong" }]) {
    const refused = await ctx.chromium!.open(wsUrl(), custom);
    assert.is(refused.sessionStatus, "DISCONNECTED", `custom ${JSON.stringify(custom)}`);
    const [close] = await refused.wsCloses();
    assert.is(close?.code, 1008);
    assert.match(close!.reason, /^Restricted access/);
    assert.not.match(close!.reason, /wrong/, "the password is not echoed");
  }
  assert.ok(ctx.server.app.hub.get("auth-cam"), "the refused sessions harmed nothing");
});

test("a REST hook answering 403 to publishStream fails the SDK's publish with 'Restricted access'", async () => {
  ctx.hooks = await startHookServer((method) => (method === "publishStream" ? 403 : 200));
  ctx.server = await startTestApp({ rest_hook_url: ctx.hooks.url });
  const page = await ctx.chromium!.open(wsUrl());
  assert.is(page.sessionStatus, "ESTABLISHED");
  assert.is(await page.publish("hooked-cam", CAMERA), "FAILED: Restricted access");
  assert.is(ctx.server.app.hub.get("hooked-cam"), undefined);
  const call = ctx.hooks.calls.find((c) => c.method === "publishStream");
  assert.is(call?.body.name, "hooked-cam");
});

test.run();
