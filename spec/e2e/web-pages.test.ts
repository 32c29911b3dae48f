/**
 * The pages `npm start` serves, in headless Chromium with a fake camera and microphone: the real
 * router + registerWebRoutes + stub `/rest-api/push/*` handlers (which record what the pages POST),
 * and the real signaling server for publishing through the official Web SDK.
 * Screenshots go to $TRANSPOND_SCREENSHOTS (default: a temp dir, printed).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { chromium, type Browser, type Page } from "playwright-core";
import { CHROMIUM_ARGS } from "../support/chromium.ts";
import { startSignaling, type Signaling, type StreamRequest } from "../../src/agent/index.ts";
import { defaultConfig, type Config } from "../../src/config.ts";
import { StreamHub } from "../../src/core/stream/hub.ts";
import { webrtcStreams } from "../../src/core/ingest/webrtc-ingest.ts";
import { createLogger } from "../../src/log.ts";
import { registerHttpFlv } from "../../src/rest/http-flv.ts";
import { RestError, REST_ERR } from "../../src/rest/errors.ts";
import type { JsonObject } from "../../src/rest/request-body.ts";
import { Router } from "../../src/rest/router.ts";
import { registerStreamRoutes } from "../../src/rest/stream-routes.ts";
import { bundleWebAssets } from "../../src/web/bundle.ts";
import { registerWebRoutes } from "../../src/web/static-routes.ts";
import { e2eSuite } from "../support/e2e.ts";
import { mediaPortRange } from "../support/media-ports.ts";
import { freeTcpPort, waitFor } from "../support/net.ts";

const test = e2eSuite("e2e/web-pages", ["chromium"]);

const TRANSPONDERS = [
  { mediaSessionId: "ms-one", streamName: "rtmp_cam1", rtmpUrl: "rtmp://127.0.0.1:1935/live", width: 640, height: 480, muted: false, soundEnabled: false, options: {}, status: "ACTIVE", lastError: "", reconnects: 0, droppedFrames: 0 },
  { mediaSessionId: "ms-two", streamName: "rtmp_cam2", rtmpUrl: "rtmps://a.example/app", width: 0, height: 0, muted: true, soundEnabled: true, options: {}, status: "RECONNECTING", lastError: "connect ECONNREFUSED 127.0.0.1:1936", reconnects: 3, droppedFrames: 0 },
];

interface Ctx {
  server?: Server;
  base?: string;
  browser?: Browser;
  hub?: StreamHub;
  signaling?: Signaling;
  wsPort?: number;
  dataDir?: string;
  shots?: string;
  /** what the stub REST handlers received, by path */
  posted: { path: string; body: JsonObject }[];
  transponders: typeof TRANSPONDERS;
  publishRequests: StreamRequest[];
}
const ctx: Ctx = { posted: [], transponders: TRANSPONDERS, publishRequests: [] };
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

async function screenshot(page: Page, name: string): Promise<void> {
  const file = join(ctx.shots!, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

const postsTo = (path: string) => ctx.posted.filter((p) => p.path === path).map((p) => p.body);

test.before(async () => {
  ctx.dataDir = mkdtempSync(join(tmpdir(), "transpond-web-e2e-"));
  ctx.shots = process.env.TRANSPOND_SCREENSHOTS ?? join(ctx.dataDir, "shots");
  mkdirSync(ctx.shots, { recursive: true });
  ctx.hub = new StreamHub();
  const config: Config = { ...defaultConfig(), bind_address: "127.0.0.1", "ws.port": await freeTcpPort(), "wss.port": 0, data_dir: ctx.dataDir, ice_interface_addresses: ["127.0.0.1"], ...mediaPortRange() };
  ctx.signaling = await startSignaling({ config, streams: webrtcStreams(ctx.hub), log: createLogger("e2e-web"), onPublishing: (_s, request) => void ctx.publishRequests.push(request) });
  ctx.wsPort = ctx.signaling.ports.ws;

  const router = new Router({ allowOrigin: "*", users: new Map() });
  const record = (path: string, answer: (body: JsonObject) => unknown) =>
    router.post(path, (body) => {
      ctx.posted.push({ path, body });
      return answer(body);
    }, path.endsWith("find_all"));
  const list = () => {
    if (ctx.transponders.length === 0) throw new RestError(REST_ERR.NOT_FOUND, "Not found transponder");
    return ctx.transponders;
  };
  record("/rest-api/push/find_all", list);
  record("/rest-api/push/find", (body) => list().filter((t) => t.streamName === body.streamName || t.streamName === `rtmp_${String(body.streamName)}`));
  record("/rest-api/push/startup", (body) => ({ ...TRANSPONDERS[0]!, mediaSessionId: "ms-new", streamName: `rtmp_${String(body.streamName)}`, rtmpUrl: body.rtmpUrl, status: "CONNECTING" }));
  for (const action of ["mute", "unmute", "sound_on", "sound_off", "terminate"]) record(`/rest-api/push/${action}`, () => undefined);
  registerStreamRoutes(router, ctx.hub);
  registerHttpFlv(router, ctx.hub);
  registerWebRoutes(router, { assets: await bundleWebAssets(), serverInfo: () => ({ version: "test", ports: { ws: ctx.wsPort!, rtmp: 1935 } }) });
  ctx.server = createServer(router.handle);
  await new Promise<void>((r) => ctx.server!.listen(0, "127.0.0.1", r));
  ctx.base = `http://127.0.0.1:${(ctx.server.address() as AddressInfo).port}`;
  ctx.browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [...CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
  });
});

test.before.each(() => {
  ctx.posted.length = 0;
  ctx.transponders = TRANSPONDERS;
});

test.after.each(async () => {
  for (const { page } of pages.splice(0)) await page.close().catch(() => {});
});

test.after(async () => {
  await ctx.browser?.close();
  await ctx.signaling?.close();
  ctx.hub?.close("test end");
  ctx.server?.closeAllConnections();
  await new Promise<void>((r) => (ctx.server ? ctx.server.close(() => r()) : r()));
  if (ctx.dataDir && !process.env.TRANSPOND_SCREENSHOTS) rmSync(ctx.dataDir, { recursive: true, force: true });
});

test("the index page links the publisher, player, console and transponders pages", async () => {
  const { page, errors } = await open("/");
  const links = await page.locator(".cards a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.equal(links, ["/publisher.html", "/player.html", "/console.html", "/transponders.html"]);
  await screenshot(page, "index");
  assert.equal(errors, []);
});

test("the transponders page shows a row per transponder with its status and last error, and its buttons POST the right bodies", async () => {
  const { page, errors } = await open("/transponders.html");
  await page.locator('tr[data-id="ms-two"]').waitFor();
  const cells = (id: string) => page.locator(`tr[data-id="${id}"] td[data-column]`).allTextContents();
  assert.equal(await cells("ms-one"), ["ms-one", "rtmp_cam1", "rtmp://127.0.0.1:1935/live", "640×480", "ACTIVE", "—", "no", "off"]);
  assert.equal(await cells("ms-two"), ["ms-two", "rtmp_cam2", "rtmps://a.example/app", "—", "RECONNECTING", "connect ECONNREFUSED 127.0.0.1:1936", "yes", "on"]);
  await screenshot(page, "transponders");

  const click = async (id: string, action: string, path: string, count = 1) => {
    await page.locator(`tr[data-id="${id}"] button[data-action="${action}"]`).click();
    await waitFor(`POST ${path}`, () => (postsTo(path).length >= count ? true : undefined), 5000);
  };
  await click("ms-one", "mute", "/rest-api/push/mute");
  await click("ms-two", "unmute", "/rest-api/push/unmute");
  assert.is(await page.locator('tr[data-id="ms-one"] button[data-action="unmute"]').count(), 0, "a row that is not muted offers Mute only");
  await page.fill("#soundFile", "tone-1k.wav");
  await page.check("#soundLoop");
  await click("ms-one", "sound_on", "/rest-api/push/sound_on");
  await click("ms-two", "sound_off", "/rest-api/push/sound_off");
  await click("ms-two", "terminate", "/rest-api/push/terminate");
  assert.equal(postsTo("/rest-api/push/mute"), [{ mediaSessionId: "ms-one" }]);
  assert.equal(postsTo("/rest-api/push/unmute"), [{ mediaSessionId: "ms-two" }]);
  assert.equal(postsTo("/rest-api/push/sound_on"), [{ mediaSessionId: "ms-one", soundFile: "tone-1k.wav", loop: true }]);
  assert.equal(postsTo("/rest-api/push/sound_off"), [{ mediaSessionId: "ms-two" }]);
  assert.equal(postsTo("/rest-api/push/terminate"), [{ mediaSessionId: "ms-two" }]);
  assert.equal(errors, []);
});

test("the transponders page polls find_all and follows the list: a stopped transponder's row goes, 404 reads as `No transponders`", async () => {
  const { page, errors } = await open("/transponders.html");
  await page.locator('tr[data-id="ms-two"]').waitFor();
  ctx.transponders = [TRANSPONDERS[0]!];
  await page.locator('tr[data-id="ms-two"]').waitFor({ state: "detached", timeout: 6000 });
  ctx.transponders = [];
  await page.getByText("No transponders").waitFor({ timeout: 6000 });
  assert.ok(postsTo("/rest-api/push/find_all").length >= 3, "polled at least three times");
  assert.ok(errors.every((e) => /404/.test(e)), `only the expected 404 of find_all: ${errors.join(" | ")}`);
});

test("the publisher page shows a live camera preview and Republish POSTs {streamName, rtmpUrl} (the embedded server by default)", async () => {
  const { page, errors } = await open("/publisher.html?name=cam1");
  const size = await waitFor("camera preview", async () => {
    const s = await page.evaluate(() => {
      const v = document.querySelector("#preview video");
      return v instanceof HTMLVideoElement ? [v.videoWidth, v.videoHeight] : [0, 0];
    });
    return s[0]! > 0 ? s : undefined;
  }, 10000);
  assert.ok(size[0]! > 0 && size[1]! > 0, `preview ${size.join("x")}`);
  assert.is(await page.inputValue("#rtmpUrl"), "rtmp://127.0.0.1:1935/live");
  assert.is(await page.inputValue("#server"), `ws://127.0.0.1:${ctx.wsPort}`, "the signaling port /server.json names");
  await page.click("#republish");
  await waitFor("startup POST", () => (postsTo("/rest-api/push/startup").length > 0 ? true : undefined), 5000);
  assert.equal(postsTo("/rest-api/push/startup"), [{ streamName: "cam1", rtmpUrl: "rtmp://127.0.0.1:1935/live" }]);
  // then it follows the transponder with /push/find: the stub's rtmp_cam1 is ACTIVE
  await page.locator("#pushStatus", { hasText: "ACTIVE" }).waitFor({ timeout: 6000 });
  assert.ok(postsTo("/rest-api/push/find").some((b) => b.streamName === "cam1"));
  await screenshot(page, "publisher");
  assert.equal(errors, []);
});

test("the publisher page publishes through the Web SDK to the signaling server (PUBLISHING, createStream rtmpUrl when checked), the player plays it over WebRTC, Stop unpublishes", async () => {
  const { page, errors } = await open("/publisher.html?name=web-e2e");
  await waitFor("server field filled", async () => ((await page.inputValue("#server")) ? true : undefined), 10000);
  assert.is(await page.inputValue("#server"), `ws://127.0.0.1:${ctx.wsPort}`);
  await page.fill("#rtmpUrl", "rtmp://127.0.0.1:1/live");
  await page.check("#autoRepublish");
  await page.click("#publish");
  await page.locator("#streamStatus", { hasText: "PUBLISHING" }).waitFor({ timeout: 15000 });
  assert.ok(ctx.hub!.get("web-e2e"), "the hub has the stream");
  assert.equal(ctx.publishRequests.map((r) => r.rtmpUrl), ["rtmp://127.0.0.1:1/live"], "createStream({rtmpUrl}) carried the field");

  const player = await open("/player.html?name=web-e2e");
  await player.page.click("#playWebrtc");
  await player.page.locator("#playStatus", { hasText: "PLAYING" }).waitFor({ timeout: 15000 });
  const played = await waitFor("decoded remote video", async () => {
    const w = await player.page.evaluate(() => {
      const v = document.querySelector("#display video");
      return v instanceof HTMLVideoElement ? v.videoWidth : 0;
    });
    return w > 0 ? w : undefined;
  }, 15000);
  assert.ok(played > 0);
  await screenshot(player.page, "player-webrtc");
  await player.page.click("#stop");
  await player.page.locator("#playStatus", { hasText: "STOPPED" }).waitFor({ timeout: 5000 });

  await player.page.click("#playFlv");
  await player.page.locator("#playStatus", { hasText: "PLAYING" }).waitFor({ timeout: 15000 })
  const flvWidth = await player.page.evaluate(() => (document.getElementById("flvVideo") as HTMLVideoElement).videoWidth);
  assert.ok(flvWidth > 0, "mpegts.js shows the HTTP-FLV copy");
  await screenshot(player.page, "player-flv");
  await player.page.click("#stop");

  await screenshot(page, "publisher-publishing");
  await page.click("#stop");
  await page.locator("#streamStatus", { hasText: "UNPUBLISHED" }).waitFor({ timeout: 5000 });
  await waitFor("stream gone", () => (ctx.hub!.get("web-e2e") === undefined ? true : undefined), 5000);
  assert.equal(errors, []);
  assert.equal(player.errors, []);
});

test("the player page plays HTTP-FLV of a stream that is not published as a readable failure", async () => {
  const { page, errors } = await open("/player.html?name=nobody");
  await page.click("#playFlv");
  await page.locator("#playStatus", { hasText: "FAILED" }).waitFor({ timeout: 5000 });
  assert.match(await page.locator("#playInfo").textContent() ?? "", /404|HttpStatusCodeInvalid|NetworkError/);
  assert.is(await page.isEnabled("#playFlv"), true, "the page is usable again");
  await screenshot(page, "player-flv-missing");
  assert.ok(errors.every((e) => /404/.test(e)), errors.join(" | "));
});

test.run();
