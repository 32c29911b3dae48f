/**
 * The pages as `npm start` serves them, on non-default ports (nothing at 8080, 1935): the whole app
 * (REST, pages, signaling, embedded RTMP server, transponders) and headless Chromium with a fake
 * camera. The publisher page, opened with no query parameter, must find the signaling and RTMP ports
 * itself (`/server.json`), publish, and republish into the embedded RTMP server.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { chromium, type Browser, type Page } from "playwright-core";
import { startApp, type App } from "../../src/app.ts";
import { transpondVersion } from "../../src/version.ts";
import { CHROMIUM_ARGS } from "../support/chromium.ts";
import { e2eSuite } from "../support/e2e.ts";
import { loopbackConfig } from "../support/app-config.ts";
import { freeTcpPort, waitFor } from "../support/net.ts";

const test = e2eSuite("e2e/web-app", ["chromium"]);

interface Ctx {
  app?: App;
  browser?: Browser;
  dir?: string;
  base?: string;
}
const ctx: Ctx = {};
const pages: { page: Page; errors: string[] }[] = [];

async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await ctx.browser!.newPage({ viewport: { width: 1200, height: 820 } });
  const entry = { page, errors: [] as string[] };
  pages.push(entry);
  page.on("console", (m) => void (m.type() === "error" && entry.errors.push(m.text())));
  page.on("pageerror", (e) => void entry.errors.push(`pageerror: ${e.message}`));
  await page.goto(`${ctx.base}${path}`);
  return entry;
}

test.before(async () => {
  ctx.dir = mkdtempSync(join(tmpdir(), "transpond-web-app-"));
  ctx.app = await startApp(
    await loopbackConfig(ctx.dir, { "ws.port": await freeTcpPort() }),
  );
  ctx.base = `http://127.0.0.1:${ctx.app.ports.http}`;
  ctx.browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
});

test.after.each(async () => {
  for (const { page } of pages.splice(0)) await page.close().catch(() => {});
});

test.after(async () => {
  await ctx.browser?.close();
  await ctx.app?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

test("/server.json names the version and the bound ports", async () => {
  const answer = await fetch(`${ctx.base}/server.json`);
  assert.is(answer.status, 200);
  const info = (await answer.json()) as { version: string; ports: Record<string, number> };
  assert.is(info.version, transpondVersion());
  assert.equal(info.ports, { http: ctx.app!.ports.http, rtmp: ctx.app!.ports.rtmp, ws: ctx.app!.ports.ws });
});

test("the publisher page, with no query parameter, connects to this server's ws port and republishes to its RTMP port", async () => {
  const { ws, rtmp } = ctx.app!.ports;
  assert.ok(ws !== 8080 && rtmp !== 1935, "non-default ports");
  const { page, errors } = await open("/publisher.html");
  await waitFor("server field filled", async () => ((await page.inputValue("#server")) ? true : undefined), 10000);
  assert.is(await page.inputValue("#server"), `ws://127.0.0.1:${ws}`);
  assert.is(await page.inputValue("#rtmpUrl"), `rtmp://127.0.0.1:${rtmp}/live`);
  await page.fill("#name", "pagecam");
  await page.check("#autoRepublish");
  await page.click("#publish");
  await page.locator("#streamStatus", { hasText: "PUBLISHING" }).waitFor({ timeout: 20000 });
  await waitFor("pagecam in the hub", () => ctx.app!.hub.get("pagecam"), 10000);
  await waitFor("republished into the embedded server as rtmp_pagecam", () => ctx.app!.hub.get("rtmp_pagecam")?.videoConfig, 30000);
  await page.locator("#pushStatus", { hasText: "ACTIVE" }).waitFor({ timeout: 10000 });
  await page.click("#stop");
  await page.locator("#streamStatus", { hasText: "UNPUBLISHED" }).waitFor({ timeout: 10000 });
  assert.equal(errors, []);
});

test("a signaling server that cannot be reached is named with what to check", async () => {
  const closed = await freeTcpPort();
  const { page } = await open(`/publisher.html?server=ws://127.0.0.1:${closed}`);
  await page.click("#publish");
  const line = page.locator("#events li.error", { hasText: "cannot reach the signaling server" });
  await line.waitFor({ timeout: 15000 });
  const text = (await line.textContent()) ?? "";
  assert.match(text, `ws://127.0.0.1:${closed}`);
  assert.match(text, /ws\.port/);
  assert.is(await page.isEnabled("#publish"), true, "the page is usable again");
});

test.run();
